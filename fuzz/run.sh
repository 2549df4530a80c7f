#!/bin/sh
# Build the rtm_push.h libFuzzer targets and run each for a while on a scratch copy of its seed corpus.
#
#   sh fuzz/run.sh [SECONDS_PER_TARGET (default 10)] [BUILD_DIR (default build/fuzz)]
#
# Environment (all optional):
#   TARGETS="fuzz_session fuzz_fpnn"  which targets (default: all five)
#   JOBS=2                            targets run at the same time (default 1)
#   RTM_PUSH_H=/path/rtm_push.h       build against another copy of the header (default: ./rtm_push.h)
#   CC=clang                          a clang with libFuzzer (default clang)
#   FUZZ_FLAGS="-jobs=..."            extra libFuzzer flags for every target
#   NO_BUILD=1                        reuse the binaries in BUILD_DIR
#   KEEP_CORPUS=1                     keep BUILD_DIR/run/<target>/corpus from an earlier run (grow it)
# For each target it prints the executions and libFuzzer's final cov:/ft:/corp: figures; the exit status is 1
# if any target crashed, leaked, timed out or ran out of memory (reproducers: BUILD_DIR/run/<target>/artifacts/).
set -u
cd "$(dirname "$0")/.." || exit 2
SECS=${1:-10}
BUILD=${2:-build/fuzz}
CC=${CC:-clang}
JOBS=${JOBS:-1}
TARGETS=${TARGETS:-"fuzz_session fuzz_fpnn fuzz_upgrade fuzz_json fuzz_msgpack"}
HDR=${RTM_PUSH_H:-rtm_push.h}
LIBS="-lwslay -lcjson -lmbedtls -lmbedx509 -lmbedcrypto"
CFLAGS="-g -O1 -std=c99 -Wall -Wextra -Wno-unused-function -fno-omit-frame-pointer"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

case $SECS in ''|*[!0-9]*) echo "usage: sh fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR]" >&2; exit 2;; esac
mkdir -p "$BUILD" || exit 2
BUILD=$(cd "$BUILD" && pwd)

# ---- build (from a copy, so that RTM_PUSH_H can point anywhere and "../rtm_push.h" still resolves)
if [ "${NO_BUILD:-0}" != 1 ]; then
  [ -f /usr/include/wslay/wslay.h ] && [ -f /usr/include/cjson/cJSON.h ] && [ -f /usr/include/mbedtls/ssl.h ] || {
    echo "missing libwslay-dev / libcjson-dev / libmbedtls-dev (apt-get install them, or run make deps)" >&2; exit 2; }
  rm -rf "$BUILD/src"
  mkdir -p "$BUILD/src/fuzz"
  cp fuzz/*.c fuzz/*.h "$BUILD/src/fuzz/" && cp "$HDR" "$BUILD/src/rtm_push.h" || exit 2
  echo "building against $HDR (sha256 $(sha256sum "$HDR" | cut -c1-16))"
  for t in $TARGETS; do
    $CC $CFLAGS $SAN -o "$BUILD/$t" "$BUILD/src/fuzz/$t.c" $LIBS || { echo "build of $t failed" >&2; exit 2; }
  done
  $CC $CFLAGS -o "$BUILD/print_handshake" "$BUILD/src/fuzz/print_handshake.c" $LIBS || exit 2
fi

# ---- run (SECONDS_PER_TARGET 0: build only)
[ "$SECS" = 0 ] && { echo "built into $BUILD"; exit 0; }
maxlen() {
  case $1 in
    fuzz_session|fuzz_fpnn) echo 70000;;
    fuzz_upgrade) echo 20000;;
    *) echo 8192;;
  esac
}
run_one() {
  t=$1
  d="$BUILD/run/$t"
  if [ "${KEEP_CORPUS:-0}" != 1 ] || [ ! -d "$d/corpus" ]; then
    rm -rf "$d/corpus"
    mkdir -p "$d/corpus"
    cp fuzz/corpus/$t/* "$d/corpus/" 2>/dev/null
  fi
  rm -rf "$d/artifacts"
  mkdir -p "$d/artifacts"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
  "$BUILD/$t" -max_total_time="$SECS" -dict=fuzz/rtm.dict -max_len="$(maxlen $t)" -timeout=25 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$d/artifacts/" ${FUZZ_FLAGS:-} "$d/corpus" \
    >"$d/log.txt" 2>&1
  echo $? >"$d/rc"
}
summary() {
  t=$1
  d="$BUILD/run/$t"
  rc=$(cat "$d/rc" 2>/dev/null || echo 99)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log.txt" | tail -1)
  last=$(grep -a -E '^#[0-9]+.*cov: ' "$d/log.txt" | tail -1 | tr -cd '[:print:]')
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log.txt" | tail -1)
  arts=$(ls "$d/artifacts" 2>/dev/null | wc -l)
  status=ok
  if [ "$rc" != 0 ] || [ "$arts" != 0 ]; then status="FAILED (exit $rc, $arts artifact(s) in $d/artifacts, log $d/log.txt)"; fi
  printf '%-13s execs %-10s exec/s %-6s cov %-6s ft %-7s corpus %-14s %s\n' "$t" "${execs:-?}" "${eps:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status"
  [ "$status" = ok ]
}

echo "running each target for ${SECS}s (JOBS=$JOBS)"
n=0
for t in $TARGETS; do
  run_one "$t" &
  n=$((n + 1))
  if [ "$n" -ge "$JOBS" ]; then wait; n=0; fi
done
wait
fail=0
for t in $TARGETS; do summary "$t" || fail=1; done
exit $fail
