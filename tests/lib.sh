# tests/lib.sh -- what the test drivers share (sourced by tests/run.sh and tests/examples.sh, from the
# repository root): a scratch directory $T removed at exit, the pass/fail counters, and the gate simulator.
#   TMP_NAME  the scratch directory's name prefix (default rtm-push-test)
T=$(mktemp -d "/tmp/${TMP_NAME:-rtm-push-test}.XXXXXX")
SIM_PID=
trap 'rm -rf "$T"; [ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null' EXIT INT TERM
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "$2" ] && [ -f "$2" ] && sed 's/^/     /' "$2" | head -30; }

# Readiness. Every server start gets a file name not used before in this run ($READY, from ready_file NAME);
# the server writes its port there whole (gate.js/cutproxy.js --ready: written aside, then renamed), or its
# stdout goes there (openssl s_server: a complete "ACCEPT host:port" line). wait_ready waits for that file
# only -- never for one a previous start wrote -- at most READY_SECONDS (default 30 s), and when it gives up
# (or the server exits first) it says what it waited for, as a failed check.
READY_N=0
ready_file() { READY_N=$((READY_N+1)); READY="$T/$1.$READY_N.ready"; rm -f "$READY" "$READY.tmp"; }
# wait_ready FILE WHAT PID [REGEX]: sets READY_VALUE to the first complete line of FILE that matches REGEX.
wait_ready() {
  READY_VALUE=; i=0; n=$(( ${READY_SECONDS:-30} * 20 ))
  while :; do
    if [ -s "$1" ]; then # complete lines only: head -n (the number of newlines)
      READY_VALUE=$(head -n "$(wc -l <"$1")" "$1" | grep -E -m 1 -e "${4:-.}")
      [ -n "$READY_VALUE" ] && return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then bad "$2 exited before it was ready (waited for $1)" "$1"; return 1; fi
    i=$((i+1))
    if [ $i -gt $n ]; then bad "timed out after ${READY_SECONDS:-30} s waiting for $2 to be ready (waited for $1)" "$1"; return 1; fi
    sleep 0.05
  done
}

# The simulator on a free port: args are gate.js options; sets PORT and SIM_PID. Its report is removed before
# the start and read only after stop_sim (which waits for the simulator to exit).
start_sim() {
  rm -f "$T/report.json"
  ready_file sim
  node tests/sim/gate.js --port 0 --once --report "$T/report.json" --ready "$READY" "$@" >"$T/sim.out" 2>"$T/sim.err" &
  SIM_PID=$!
  PORT=
  wait_ready "$READY" "the gate simulator (gate.js $*)" $SIM_PID && PORT=$READY_VALUE
}
stop_sim() { wait $SIM_PID 2>/dev/null; SIM_RC=$?; SIM_PID=; }
# Does the simulator's report satisfy the JS expression $1 (over r)?
report() { node -e "const r=require('$T/report.json');process.exit(($1)?0:1)" 2>/dev/null; }
