#!/bin/sh
# The integration examples against the local gate simulator (builds nothing).
#   sh tests/examples.sh BUILD_DIR     runs BUILD_DIR/{uv_listen,epoll_listen,game_loop,cpp_listen}
#   RTM_TEST_WRAP="valgrind ..." prefixes every example run (as in tests/run.sh).
# Each example must print exactly expect.js's lines, answer every two-way push (the simulator's report
# ok) and exit 0 on the kickout; on SIGINT it must log out (bye, close 1000) and exit 0; a refused login
# must exit 1 with nothing on stdout. Prints "ok   ..." / "FAIL ..." lines and "N passed, M failed".
B=${1:-build}
W=${RTM_TEST_WRAP:-}
# A hung example fails instead of hanging the run. --foreground: timeout passes our SIGINT on to the example
# once, and sends no SIGCONT (which could cancel the SIGSTOP of LeakSanitizer's ptrace attach at exit).
command -v timeout >/dev/null && W="timeout --foreground -k 10 120 $W"
TMP_NAME=rtm-push-examples
. tests/lib.sh

node tests/sim/expect.js --script demo --encoding json --uid 4242 >"$T/expect.out"
for run in "uv_listen" "epoll_listen" "epoll_listen --max-write 7" "game_loop" "cpp_listen"; do
  prog=${run%% *}; opts=; [ "$prog" != "$run" ] && opts=${run#* }
  if [ ! -x "$B/$prog" ]; then bad "$run: $B/$prog not built"; continue; fi

  # 1. The demo script: every event exact, every two-way push answered, exit 0 on the kickout.
  start_sim --script demo --encoding json
  $W $B/$prog 127.0.0.1 $PORT $opts >"$T/out" 2>"$T/err"; rc=$?
  stop_sim
  if [ $rc = 0 ] && [ "$SIM_RC" = 0 ] && cmp -s "$T/out" "$T/expect.out" && report 'r.ok && r.answered === 44'; then
    ok "$run: demo script (JSON): every event exact, all 44 two-way pushes answered, exit 0 on kickout"
  else
    { echo "exit $rc, simulator exit $SIM_RC"; diff "$T/expect.out" "$T/out" | cut -c1-200 | head -10
      cat "$T/err"; cat "$T/report.json" 2>/dev/null; } >"$T/why"
    bad "$run: demo script (JSON)" "$T/why"
  fi

  # 2. SIGINT once logged in: bye, its answer, a close frame with 1000, exit 0.
  start_sim --script small --delay 3000
  ready_file "$prog-login" # its stdout: a file new for this run, so never the login line of the run before
  $W $B/$prog 127.0.0.1 $PORT $opts >"$READY" 2>"$T/err" &
  PROG=$!
  wait_ready "$READY" "$run to print its login event" $PROG '"event":"login"'
  kill -INT $PROG 2>/dev/null
  wait $PROG; rc=$?
  stop_sim
  if [ $rc = 0 ] && [ "$SIM_RC" = 0 ] && report 'r.bye === true && r.client_close_code === 1000'; then
    ok "$run: SIGINT -> bye, then a close frame (1000), exit 0"
  else { echo "exit $rc, simulator exit $SIM_RC"; cat "$READY" "$T/err" "$T/report.json" 2>/dev/null; } >"$T/why"; bad "$run: SIGINT" "$T/why"; fi

  # 3. A refused token: nothing on stdout, the reason on stderr, exit 1.
  start_sim --auth refuse
  $W $B/$prog 127.0.0.1 $PORT $opts >"$T/out" 2>"$T/err"; rc=$?
  kill $SIM_PID 2>/dev/null; stop_sim
  if [ $rc = 1 ] && [ ! -s "$T/out" ] && grep -q 'login refused' "$T/err"; then ok "$run: refused login -> 'login refused' on stderr, exit 1"
  else { echo "exit $rc"; cat "$T/out" "$T/err"; } >"$T/why"; bad "$run: refused login" "$T/why"; fi
done

# 4. Pushes back to back (--delay 0) and 7-byte writes: reads are fed while a write is half done.
if [ -x "$B/epoll_listen" ]; then
  start_sim --script demo --encoding json --delay 0
  $W $B/epoll_listen 127.0.0.1 $PORT --max-write 7 >"$T/out" 2>"$T/err"; rc=$?
  stop_sim
  if [ $rc = 0 ] && [ "$SIM_RC" = 0 ] && cmp -s "$T/out" "$T/expect.out" && report 'r.ok && r.answered === 44'; then
    ok "epoll_listen --max-write 7, pushes back to back: every event exact, every push answered"
  else { echo "exit $rc, simulator exit $SIM_RC"; diff "$T/expect.out" "$T/out" | cut -c1-200 | head; cat "$T/err"; } >"$T/why"
    bad "epoll_listen --max-write 7, pushes back to back" "$T/why"; fi
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
