#!/bin/sh
# make test-stress [STRESS_RUNS=N]: the whole suite (tests/run.sh) N times in a row (default 3) with two
# busy-looping CPU hogs beside it, as on a loaded 2-core CI machine. A test that waits on timing rather than on
# readiness fails here. The hogs are killed on every exit (end, failure, ^C).
#   sh tests/stress.sh BUILD_DIR [N]
B=${1:-build}
N=${2:-3}
case $N in ''|*[!0-9]*|0) echo "test-stress: the number of runs must be a positive integer, not '$N'"; exit 2;; esac
HOGS=
LOG=$(mktemp /tmp/rtm-push-stress.XXXXXX)
stop_hogs() { for p in $HOGS; do kill $p 2>/dev/null; done; for p in $HOGS; do wait $p 2>/dev/null; done; HOGS=; }
trap 'stop_hogs; rm -f "$LOG"' EXIT
trap 'exit 130' INT TERM
for h in 1 2; do (while :; do :; done) & HOGS="$HOGS $!"; done
echo "test-stress: $N runs of tests/run.sh $B beside 2 CPU hogs (pids$HOGS)"
failed=0 i=1
while [ $i -le $N ]; do
  start=$(date +%s)
  sh tests/run.sh "$B" >"$LOG" 2>&1; rc=$?
  secs=$(( $(date +%s) - start ))
  if [ $rc = 0 ]; then echo "run $i of $N: $(tail -1 "$LOG") ($secs s)"
  else
    failed=$((failed+1))
    echo "run $i of $N FAILED: $(tail -1 "$LOG") ($secs s)"
    sed -n '/^FAIL/,/^ok /p' "$LOG" | grep -v '^ok ' | head -60
  fi
  i=$((i+1))
done
echo "test-stress: $((N-failed)) of $N runs passed"
[ $failed = 0 ]
