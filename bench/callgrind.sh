#!/bin/sh
# bench/callgrind.sh -- instructions per event of the benchmark's paths under valgrind's callgrind: the
# noise-free figure (the same on a busy machine as on a quiet one, and from run to run).
#
# usage: sh bench/callgrind.sh [BENCH_BINARY [OUTDIR]]        (make bench-callgrind runs it)
#   BENCH_BINARY  default build/bench;  OUTDIR  default build/callgrind
#   CG_MIXES      the mixes of pushes (default "current plain cjk escape large"; bench --mix)
#   CG_PATHS      paths to measure (default "json msgpack"; also naive, plain, msgpackc, tls, decrypt, memcpy)
#   CG_EVENTS     frames in the stream (default: bench's, 100000; the large mix 2000)
#   CG_TOP        hot spots listed per path (default 12)
#   CG_ARGS       more bench options, e.g. "--tls-suite TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256"
#
# For each path: `bench --callgrind PATH` generates the stream, sets the path up, runs one warm-up pass,
# then exactly one measured pass inside bench_measured_pass(); callgrind collects only inside that
# function (--toggle-collect), so the generator, the setup and the warm-up are not counted. The total Ir
# (callgrind_annotate's PROGRAM TOTALS) divided by the frames of the stream is the figure printed.
# Files: OUTDIR/callgrind.MIX.PATH.out (open with callgrind_annotate or kcachegrind), OUTDIR/MIX.PATH.annotate.txt.
set -eu
BIN=${1:-build/bench}
OUT=${2:-build/callgrind}
MIXES=${CG_MIXES:-current plain cjk escape large}
PATHS=${CG_PATHS:-json msgpack}
EVENTS=${CG_EVENTS:-}
TOP=${CG_TOP:-12}
ARGS=${CG_ARGS:-}

if ! command -v valgrind >/dev/null 2>&1 || ! command -v callgrind_annotate >/dev/null 2>&1; then
  echo "installing valgrind (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
[ -x "$BIN" ] || { echo "callgrind.sh: $BIN not built (make build/bench)" >&2; exit 1; }
mkdir -p "$OUT"

summary=""
for m in $MIXES; do
for p in $PATHS; do
  f="$OUT/callgrind.$m.$p.out"
  # shellcheck disable=SC2086
  if ! valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect=bench_measured_pass \
      "$BIN" --callgrind "$p" --mix "$m" ${EVENTS:+--events "$EVENTS"} $ARGS >"$OUT/$m.$p.log" 2>&1; then
    cat "$OUT/$m.$p.log" >&2
    echo "callgrind.sh: the $m $p run failed" >&2
    exit 1
  fi
  events=$(sed -n 's/^callgrind: .*events=\([0-9]*\).*/\1/p' "$OUT/$m.$p.log")
  [ -n "$events" ] || { cat "$OUT/$m.$p.log" >&2; echo "callgrind.sh: no event count from the $m $p run" >&2; exit 1; }
  callgrind_annotate "$f" >"$OUT/$m.$p.annotate.txt" 2>/dev/null
  total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$OUT/$m.$p.annotate.txt")
  line=$(awk -v t="$total" -v e="$events" -v p="$p" -v m="$m" \
    'BEGIN { printf "%-8s %-8s %8.0f Ir/event   (%s Ir / %s events)", m, p, t / e, t, e }')
  echo "$line"
  summary="$summary$line
"
  # the hot spots: self cost per function, as a share of the path's instructions and per event
  awk -v t="$total" -v e="$events" -v top="$TOP" '
    /file:function/ { on = 1; next }
    on && /^ *[0-9][0-9,]* / {
      ir = $1; gsub(",", "", ir)
      name = $0
      sub(/^ *[0-9][0-9,]* (\( *[0-9.]+%\) )? */, "", name)  # the count and its percentage
      obj = ""
      if (match(name, / \[[^]]*\]$/)) { obj = substr(name, RSTART + 2, RLENGTH - 3); name = substr(name, 1, RSTART - 1) }
      n = split(obj, parts, "/"); obj = parts[n]
      c = index(name, ":")                                   # file:function -> basename(file):function
      file = substr(name, 1, c - 1); fn = substr(name, c + 1)
      m = split(file, fp, "/"); file = fp[m]
      printf "    %5.1f%%  %7.0f Ir/event  %s:%s%s\n", 100 * ir / t, ir / e, file, fn, (obj ~ /^lib/ ? "  [" obj "]" : "")
      if (++k >= top) exit
    }' "$OUT/$m.$p.annotate.txt"
done
done
echo
echo "summary (instructions per frame of the stream, per mix and path, one measured pass; files in $OUT):"
printf "%s" "$summary"
