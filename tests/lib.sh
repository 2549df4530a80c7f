# tests/lib.sh -- what the test drivers share (sourced by tests/run.sh and tests/examples.sh, from the
# repository root): a scratch directory $T removed at exit, the pass/fail counters, and the gate simulator.
#   TMP_NAME  the scratch directory's name prefix (default rtm-push-test)
T=$(mktemp -d "/tmp/${TMP_NAME:-rtm-push-test}.XXXXXX")
SIM_PID=
trap 'rm -rf "$T"; [ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null' EXIT INT TERM
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/     /' "$2" | head -30; }

# The simulator on a free port (at most 20 s to start): args are gate.js options; sets PORT and SIM_PID.
# (An async command's redirections happen in the child: the old files go first, so no stale port is read, and
# the file may not exist yet on the first look.)
start_sim() {
  rm -f "$T/sim.out" "$T/report.json"
  node tests/sim/gate.js --port 0 --once --report "$T/report.json" "$@" >"$T/sim.out" 2>"$T/sim.err" &
  SIM_PID=$!
  i=0; PORT=
  while [ $i -lt 400 ] && [ -z "$PORT" ]; do
    PORT=$([ -f "$T/sim.out" ] && [ "$(wc -l <"$T/sim.out")" -ge 1 ] && sed -n '1s/^LISTENING \([0-9]*\)$/\1/p' "$T/sim.out"); [ -z "$PORT" ] && sleep 0.05; i=$((i+1))
  done
}
stop_sim() { wait $SIM_PID 2>/dev/null; SIM_RC=$?; SIM_PID=; }
# Does the simulator's report satisfy the JS expression $1 (over r)?
report() { node -e "const r=require('$T/report.json');process.exit(($1)?0:1)" 2>/dev/null; }
