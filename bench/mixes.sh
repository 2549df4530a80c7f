#!/bin/sh
# bench/mixes.sh -- `make bench`: build/bench once per mix of pushes (issue #21), each run's full output (the
# table, the checks, the targets) as it comes, then one summary table of every mix: cpu median ns per event
# of each path and the target ratios, all timed in the same run of that mix.
#
# usage: sh bench/mixes.sh [BENCH_BINARY [OUTDIR]]
#   BENCH_MIXES  the mixes (default "current plain cjk escape large")
#   BENCH_ARGS   more options for every run (e.g. "--reps 5", "--events 100000 --only json,plain")
# Each run's output is kept in OUTDIR/bench.MIX.txt (default build/bench). Exit status: non-zero if a run
# failed or produced a wrong result (a missed target never does).
set -u
BIN=${1:-build/bench}
OUT=${2:-build/bench-mixes}
MIXES=${BENCH_MIXES:-current plain cjk escape large}
ARGS=${BENCH_ARGS:---reps 3}
mkdir -p "$OUT"
rc=0
for m in $MIXES; do
  echo "================================ mix: $m ================================"
  # shellcheck disable=SC2086
  "$BIN" --mix "$m" $ARGS >"$OUT/bench.$m.txt" 2>&1 || rc=1
  cat "$OUT/bench.$m.txt"
  echo
done
echo "summary: cpu median ns/event per path, the targets' ratios computed within each mix's run (n/a: path not run)"
printf "%-8s %7s %8s %8s %8s %8s %8s %8s %8s %8s | %7s %7s %7s %7s %6s %s\n" mix B/frame naive plain simdjson \
  msgpackc json msgpack tls decrypt "plain/j" "sj/j" "mpc/mp" "tls/dec" allocs ok
for m in $MIXES; do
  sed -n 's/^#mix //p' "$OUT/bench.$m.txt" | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    function ns(k) { return v[k] < 0 ? "n/a" : sprintf("%.1f", v[k]) }
    function ratio(a, b, goal, more) {
      if (v[a] < 0 || v[b] < 0) return "n/a"
      r = v[a] / v[b]
      return sprintf("%.2f%s", r, (more ? r >= goal : r <= goal) ? "+" : "-")
    }
    END {
      al = v["allocs_json"] + v["allocs_msgpack"] + v["allocs_tls"]
      printf "%-8s %7s %8s %8s %8s %8s %8s %8s %8s %8s | %7s %7s %7s %7s %6s %s\n", v["mix"], v["bytes_per_frame"],
        ns("naive"), ns("plain"), ns("simdjson"), ns("msgpackc"), ns("json"), ns("msgpack"), ns("tls"), ns("decrypt"),
        ratio("plain", "json", 7, 1), ratio("simdjson", "json", 1.6, 1), ratio("msgpackc", "msgpack", 1.9, 1),
        ratio("tls", "decrypt", 1.3, 0), sprintf("%.4f", al), v["ok"]
    }'
done
echo "targets: plain/j >= 7, sj/j (simdjson over JSON) >= 1.6, mpc/mp (msgpack-c over msgpack) >= 1.9, tls/dec <= 1.3,"
echo "allocs (per event, json + msgpack + tls, library hook + malloc) == 0; a ratio's + is met, - missed"
exit $rc
