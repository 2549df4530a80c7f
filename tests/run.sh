#!/bin/sh
# The test driver behind `make test` (and test-sanitize / test-valgrind).
#   sh tests/run.sh BUILD_DIR      RTM_TEST_WRAP="valgrind ..." prefixes every C program run.
# Prints one line per check and a final "N passed, M failed".
B=${1:-build}
W=${RTM_TEST_WRAP:-}
V=tests/vectors
TMP_NAME=rtm-push-test
. tests/lib.sh
check() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$T/out"; fi; }

# 1. Unit tests: one program per layer, in memory (tests/test_LAYER.c), each also on the portable code paths.
# A C test program on tests/harness.h: its line names it and ends with its own counts (test cases, checks);
# on failure only its failing cases and their checks are shown.
prog() { # program, what it covers
  if $W $B/$1 >"$T/out" 2>&1; then ok "$2 [$1: $(tail -n 1 "$T/out"); $(tail -n 2 "$T/out" | head -n 1)]"
  else grep -v '^ok  ' "$T/out" >"$T/why"; bad "$2 [$1]" "$T/why"; fi
}
unit() { # layer, what it covers
  prog test_$1 "unit tests, $1: $2"
  prog test_$1_nosimd "unit tests, $1, on the portable code paths (-DRTM_PUSH_NO_SIMD)"
}
unit upgrade "HTTP upgrade request and answer, auth quest, TLS name check of an IP address"
unit websocket "126-byte framing bug, length forms, fragments, control frames, protocol errors and close codes"
unit fpnn "package headers, split headers, versions and size limits, truncated packages"
unit decode "Int64/int32 fields, JSON strings, escapes, UTF-8 and syntax, msgpack, nesting limits"
unit schema "events from methods and mtypes, control methods, files, translations, the event printer"
unit dedup "duplicate pushes (capacity, TTL, against a model) and excludedUids"
unit session "answers, login, watchdog, close, kickout, EOF, callbacks, config, allocator, reconnect advice, the recorded sessions"
unit quests "our own quests: helpers, errors, order, timeouts, close, limits, payloads in JSON and msgpack"
unit catchup "catch-up after a reconnect: paging across lastid, deleted, direction 1/2, 200041, timeout, 200010, pacing, dedup both ways, closed midway"
unit kernels "vector code and fast paths against their scalar references (vector code: $($W $B/test_kernels --simd 2>/dev/null))"

for t in session fpnn upgrade json msgpack; do
  check "fuzz target $t: its corpus and crash reproducers replay clean" sh -c \
    "$W $B/replay_$t fuzz/corpus/fuzz_$t/* \$(ls fuzz/regressions/fuzz_$t-* 2>/dev/null)"
done
prog hostile "hostile input: failmalloc sweep, floods against every limit, guard page, API misuse"

check "the header's constant lookup tables equal what their builders make from the schema" $W $B/schema_table --check
# 1b. The docs: docs/events.md is what the schema tables print, README's events overview too, and README's first
#     program is examples/minimal.c byte for byte (make builds it warning-free; section 5 runs it).
block() { awk -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" '$0 == e { f = 0 } f { print } $0 == b { f = 1 }' README.md; }
check "docs/events.md is exactly what the schema tables print (build/schema_table --markdown)" sh -c \
  "$W $B/schema_table --markdown | cmp - docs/events.md"
block overview >"$T/readme-overview.md"
check "README's events overview is exactly what the schema tables print (build/schema_table --overview)" sh -c \
  "$W $B/schema_table --overview | cmp - '$T/readme-overview.md'"
block minimal.c >"$T/readme-minimal.md"
{ echo '```c'; cat examples/minimal.c; echo '```'; } >"$T/minimal.md"
check "README's first program is examples/minimal.c, byte for byte" cmp "$T/minimal.md" "$T/readme-minimal.md"
check "examples/minimal.c compiles as C99 with -Wall -Wextra -Wpedantic -Werror (gcc, clang)" sh -c \
  "for cc in gcc clang; do \$cc -std=c99 -Wall -Wextra -Wpedantic -Werror $MBEDTLS_CFLAGS -fsyntax-only examples/minimal.c || exit 1; done"
check "README.md is at most 300 lines (the rest lives in docs/, SECURITY.md, bench/ and tests/README.md)" \
  test "$(wc -l <README.md)" -le 300
# 1c. The Makefile: a plain make never runs the package manager; make deps, not root, names what to install.
check "a plain 'make' (make -n -B) runs no apt-get" sh -c "! make -n -B all 2>&1 | grep -q apt-get"
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && su nobody -s /bin/sh -c 'test -r Makefile' 2>/dev/null; then
  check "make deps, not root, prints the apt-get line for a missing package and stops" sh -c \
    "! su nobody -s /bin/sh -c 'make -s deps LIB_PKGS=no-such-pkg=/no/such/file' >'$T/deps.out' 2>&1 && grep -q 'as root: apt-get install -y no-such-pkg' '$T/deps.out'"
fi

# 2. Golden vectors recorded from a live FPNN server: exact, whole and in every chunk size.
for n in public-json public-msgpack authfail autherror; do
  check "$n: golden output" sh -c "$W $B/rtm-dump $V/$n.bin | cmp - $V/$n.dump.jsonl"
  for c in 1 2 3 5 13 64 1000 4096; do
    $W $B/rtm-dump --chunk $c $V/$n.bin >"$T/c$c" 2>&1 || true
    if ! cmp -s "$T/c$c" $V/$n.dump.jsonl; then bad "$n: --chunk $c differs" "$T/c$c"; continue 2; fi
  done
  ok "$n: identical output for --chunk 1,2,3,5,13,64,1000,4096"
  check "$n: every field equals the server's record" sh -c \
    "$W $B/rtm-dump --no-dedup $V/$n.bin >'$T/nd' && node tests/check_vectors.js $V/$n.expected.jsonl '$T/nd'"
  check "$n: --input http" sh -c "cat $V/$n.handshake.txt $V/$n.bin | $W $B/rtm-dump --input http - | cmp - $V/$n.dump.jsonl"
  check "$n: --input fpnn (bare packages)" sh -c \
    "node tests/check_vectors.js --strip $V/$n.expected.jsonl $V/$n.bin '$T/$n.fpnn' && $W $B/rtm-dump --input fpnn --chunk 7 '$T/$n.fpnn' | cmp - $V/$n.dump.jsonl"
done
check "public-json and public-msgpack decode to the same events (but P300 and P65536, padded to other lengths in msgpack)" sh -c \
  "grep -v 'P300\|P65536' $V/public-json.dump.jsonl >'$T/a' && grep -v 'P300\|P65536' $V/public-msgpack.dump.jsonl >'$T/b' && cmp '$T/a' '$T/b' && test \$(wc -l <'$T/a') = 12"
check "excludedUids: --uid 4242 filters the push that names it" sh -c \
  "$W $B/rtm-dump --uid 4242 $V/public-json.bin | cmp - $V/public-json.uid4242.dump.jsonl"
check "dedup: the duplicate push is delivered once, twice with --no-dedup" sh -c \
  "test \$(grep -c '\"mid\":\"3006\"' $V/public-json.dump.jsonl) = 1 && test \$($W $B/rtm-dump --no-dedup $V/public-json.bin | grep -c '\"mid\":\"3006\"') = 2"
check "rtm-dump --quiet" sh -c "test \"\$($W $B/rtm-dump --quiet $V/public-json.bin)\" = 'events=14 bytes=132987'"

# 3. The rtm-dump error contract: earlier events printed, then an error line, exit status 1.
head -c 2000 $V/public-json.bin >"$T/trunc.bin"
$W $B/rtm-dump "$T/trunc.bin" >"$T/trunc.out" 2>&1; rc=$?
if [ $rc = 1 ] && tail -1 "$T/trunc.out" | grep -q '"error":"the connection ended inside an FPNN package (truncated)","code":-606' \
   && [ "$(head -n -1 "$T/trunc.out")" = "$(head -n $(($(wc -l <"$T/trunc.out")-1)) $V/public-json.dump.jsonl)" ]; then
  ok "rtm-dump: truncated stream -> events so far, error line, exit 1"
else bad "rtm-dump: truncated stream (rc=$rc)" "$T/trunc.out"; fi
printf 'FPNX\001\100\001\004\002\000\000\000' >"$T/bad.fpnn"
$W $B/rtm-dump --input fpnn "$T/bad.fpnn" >"$T/bad.out" 2>&1; rc=$?
if [ $rc = 1 ] && grep -q '"code":-401' "$T/bad.out"; then ok "rtm-dump: bad FPNN magic -> error -401, exit 1"
else bad "rtm-dump: bad FPNN magic (rc=$rc)" "$T/bad.out"; fi

# 3b. The demos (make demo, make demo-tls): exit 0, and what they show is exactly the demo script's events with
#     long values shortened and the closing kickout announced (no line of 70 KB).
demo_check() { # what, tests/demo.sh options
  what=$1; shift
  sh tests/demo.sh "$@" $B >"$T/demo.out" 2>&1; rc=$?
  node tests/sim/expect.js --script demo --encoding json --uid 4242 | node tests/sim/shorten.js >"$T/demo.expect"
  grep -E '^(\{|# the simulator ends)' "$T/demo.out" >"$T/demo.got"
  if [ $rc = 0 ] && cmp -s "$T/demo.expect" "$T/demo.got" && grep -q '\.\.\.([0-9]* bytes)"' "$T/demo.got" &&
     [ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/demo.out")" -lt 1000 ]; then
    ok "$what: exit 0, every event of the script, long values shortened, the closing kickout announced"
  else { echo "rc=$rc"; diff "$T/demo.expect" "$T/demo.got" | cut -c1-300 | head; cut -c1-300 "$T/demo.out" | tail; } >"$T/why"; bad "$what" "$T/why"; fi
}
demo_check "make demo (tests/demo.sh, ws://)"
demo_check "make demo-tls (tests/demo.sh --tls: wss:// with a CA made at start)" --tls

# 4. Against the local gate simulator (the npm ws package: an independent WebSocket implementation),
#    over real loopback sockets.
LISTEN0="--pid 1017 --uid 4242 --token demo-token --duration 20"
for enc in json msgpack mixed; do
  for rs in 65536 1; do
    start_sim --encoding $enc
    qe=json; [ $enc = msgpack ] && qe=msgpack
    $W $B/rtm-listen ws://127.0.0.1:$PORT/service/websocket --pid 1017 --uid 4242 --token demo-token \
      --read-size $rs --duration 20 --encoding $qe >"$T/listen.out" 2>"$T/listen.err"; rc=$?
    stop_sim
    node tests/sim/expect.js --script demo --encoding $enc --uid 4242 >"$T/expect.out"
    if [ $rc = 0 ] && [ $SIM_RC = 0 ] && cmp -s "$T/listen.out" "$T/expect.out" \
       && node -e "process.exit(require('$T/report.json').auth.encoding === '$qe' ? 0 : 1)"; then
      ok "simulator (pushes $enc, auth $qe, read size $rs): every event exact, every two-way push answered, none of the one-way"
    else
      { echo "rtm-listen rc=$rc, simulator rc=$SIM_RC"; diff "$T/expect.out" "$T/listen.out" | head -20; cat "$T/listen.err" "$T/report.json" "$T/sim.err"; } >"$T/why"
      bad "simulator ($enc, read size $rs)" "$T/why"
    fi
  done
done
start_sim --auth refuse
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 10 --quiet >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 1 ] && grep -q 'login refused' "$T/l.err" && [ "$(wc -l <"$T/l.err")" = 1 ] && [ ! -s "$T/l.out" ]; then
  ok "simulator: refused token -> exit 1, one stderr line: $(cat "$T/l.err")"
else bad "simulator: refused token (rc=$rc)" "$T/l.err"; fi
start_sim --auth error
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 10 --quiet >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 1 ] && grep -q 'code 200027: invalid token' "$T/l.err" && [ "$(wc -l <"$T/l.err")" = 1 ]; then
  ok "simulator: error answer to auth -> exit 1, one stderr line with code and ex"
else bad "simulator: error answer to auth (rc=$rc)" "$T/l.err"; fi
start_sim
$W $B/rtm-listen ws://127.0.0.1:$PORT/service/nothing --pid 1017 --uid 4242 --token demo-token --duration 10 >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $SIM_PID 2>/dev/null; stop_sim
if [ $rc = 1 ] && grep -q 'upgrade refused: HTTP/1.1 404' "$T/l.err"; then ok "simulator: wrong path -> HTTP 404 reported, exit 1"
else bad "simulator: wrong path (rc=$rc)" "$T/l.err"; fi
start_sim --script small --delay 3000
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 1 >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 0 ] && [ $SIM_RC = 0 ] && node -e "const r=require('$T/report.json');process.exit(r.bye&&r.client_close_code===1000?0:1)"; then
  ok "simulator: --duration ends with bye, its answer, then a close frame (1000); exit 0"
else bad "simulator: --duration / bye (rc=$rc)" "$T/report.json"; fi
$W $B/rtm-listen ws://127.0.0.1:1 --pid 1 --uid 1 --token t --duration 2 >"$T/l.out" 2>"$T/l.err"; rc=$?
if [ $rc = 1 ] && grep -q 'cannot connect' "$T/l.err"; then ok "rtm-listen: connection refused -> exit 1 with a message"
else bad "rtm-listen: connection refused (rc=$rc)" "$T/l.err"; fi

# A hostile server's bytes never reach the terminal raw: its status line and body, with ESC, BEL, CR, C1.
ready_file evil
node -e "const fs=require('fs'),r=process.argv[1],s=require('net').createServer((c)=>c.once('data',()=>{
    const b=Buffer.from('x\\r\\n2026-01-01 INFO login ok\\x1b]0;owned\\x07\\xc2\\x9b2J','latin1');
    c.end(Buffer.concat([Buffer.from('HTTP/1.1 500 Bad\\x1b[31m\\r\\nContent-Length: '+b.length+'\\r\\n\\r\\n','latin1'),b]));s.close()}));
  s.listen(0,'127.0.0.1',()=>{fs.writeFileSync(r+'.tmp',s.address().port+'\\n');fs.renameSync(r+'.tmp',r)})" "$READY" 2>"$T/evil.err" &
EVIL=$!
wait_ready "$READY" "a server answering with control bytes" $EVIL && EPORT=$READY_VALUE
$W $B/rtm-listen ws://127.0.0.1:$EPORT --pid 1 --uid 1 --token t --duration 5 >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $EVIL 2>/dev/null; wait $EVIL 2>/dev/null
if [ $rc = 1 ] && grep -q 'upgrade refused: HTTP/1.1 500 Bad\\u001b\[31m: x\\u000d\\u000a2026' "$T/l.err" \
   && ! LC_ALL=C grep -q "$(printf '[\033\007\r]')" "$T/l.err" && ! LC_ALL=C grep -q "$(printf '\302\233')" "$T/l.err"; then
  ok "rtm-listen: a server's status line and body with ESC, BEL, CR, LF, C1 -> escaped on stderr, never raw"
else bad "rtm-listen: control bytes from the server (rc=$rc)" "$T/l.err"; fi

check "simulator self-test (its codecs against the recorded vectors, its checks against a Node ws client)" \
  node tests/sim/selftest.js

# Generic quests and the typed helpers, end to end (JSON and msgpack quests, also fed one byte at a time).
for qe in json msgpack; do
  for rs in 65536 1; do
    start_sim --script quests
    $W $B/live_quests $PORT $rs $qe >"$T/q.out" 2>&1; rc=$?
    stop_sim
    if [ $rc = 0 ] && [ $SIM_RC = 0 ] && node -e "
        const r = require('$T/report.json'), q = r.client_quests.filter((x) => x.method.startsWith('send'));
        const want = [['to','9223372036854775807'],['gid','-9223372036854775808'],['rid','9007199254740993'],['to','-9223372036854775808']];
        const mids = ['1712345678000000','1712345678000001','9223372036854775807','-9223372036854775808'];
        process.exit(q.length === 4 && q.every((x, i) => x.payload[want[i][0]] === want[i][1] && x.payload.mid === mids[i]
          && x.encoding === (i === 3 ? 'json' : '$qe')) ? 0 : 1)"; then
      ok "quests ($qe, read size $rs): helpers, error answer, timeout, out-of-order answers, close with one pending; Int64 exact both ways [live_quests: $(tail -n 1 "$T/q.out"); $(tail -n 2 "$T/q.out" | head -n 1)]"
    else { echo "rc=$rc sim=$SIM_RC"; cat "$T/q.out" "$T/report.json"; } >"$T/why"; bad "quests ($qe, read size $rs)" "$T/why"; fi
  done
done
start_sim --script rooms
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --enter-room 42 --enter-room 9223372036854775807 \
  --duration 10 >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
node tests/sim/expect.js --script rooms --encoding json >"$T/expect.out"
if [ $rc = 0 ] && [ $SIM_RC = 0 ] && cmp -s "$T/l.out" "$T/expect.out"; then ok "rtm-listen --enter-room: joins the rooms after login, then gets their pushes"
else { echo "rc=$rc sim=$SIM_RC"; diff "$T/expect.out" "$T/l.out"; cat "$T/l.err"; } >"$T/why"; bad "rtm-listen --enter-room" "$T/why"; fi

# Reconnects: one logical session over three connections (dropped mid-frame, then at a frame boundary);
# every redelivered push printed once, the room re-entered after each login.
for rs in 65536 1; do
  start_sim --script reconnect --connections 3
  $W $B/rtm-listen ws://127.0.0.1:$PORT $LISTEN0 --reconnect --enter-room 7 --read-size $rs >"$T/l.out" 2>"$T/l.err"; rc=$?
  stop_sim
  node tests/sim/expect.js --script reconnect --encoding json >"$T/expect.out"
  if [ $rc = 0 ] && [ $SIM_RC = 0 ] && cmp -s "$T/l.out" "$T/expect.out" && [ $(grep -c reconnecting "$T/l.err") = 2 ] && node -e "
      const r = require('$T/report.json');
      process.exit(r.connections === 3 && r.sessions.every((x) => x.ok && x.client_quests.length === 1
        && x.client_quests[0].method === 'enterroom' && x.client_quests[0].payload.rid === '7') ? 0 : 1)"; then
    ok "rtm-listen --reconnect (read size $rs): 3 connections, each push once, room 7 re-entered, every push answered"
  else { echo "rc=$rc sim=$SIM_RC"; diff "$T/expect.out" "$T/l.out"; cat "$T/l.err" "$T/report.json"; } >"$T/why"; bad "rtm-listen --reconnect (read size $rs)" "$T/why"; fi
done
# Catch-up after a reconnect (issue #22): two dropped connections, messages of all four categories stored while the
# client was away (some also redelivered as pushes); the gate refuses more than 2 catch-up quests a second.
for enc in json msgpack; do for rs in 65536 1; do
  start_sim --script catchup --connections 3 --quest-rate 2
  $W $B/rtm-listen ws://127.0.0.1:$PORT $LISTEN0 --reconnect --catch-up --enter-room 41 --encoding $enc --read-size $rs >"$T/l.out" 2>"$T/l.err"; rc=$?
  stop_sim
  if [ $rc = 0 ] && [ $SIM_RC = 0 ] && node tests/sim/check_catchup.js "$T/report.json" "$T/l.out" --encoding $enc >"$T/cu.out" 2>&1; then
    ok "rtm-listen --catch-up ($enc quests, read size $rs): $(cat "$T/cu.out")"
  else { echo "rc=$rc sim=$SIM_RC"; cat "$T/cu.out" "$T/l.err"; tail -40 "$T/sim.err"; } >"$T/why"; bad "rtm-listen --catch-up ($enc quests, read size $rs)" "$T/why"; fi
done; done
for why in "kickout:--script small" "refused token:--auth refuse" "error 200027:--auth error"; do
  start_sim ${why#*:}
  $W $B/rtm-listen ws://127.0.0.1:$PORT $LISTEN0 --reconnect >"$T/l.out" 2>"$T/l.err"; rc=$?
  kill $SIM_PID 2>/dev/null; stop_sim
  want=1; [ "${why%%:*}" = kickout ] && want=0
  if [ $rc = $want ] && ! grep -q reconnecting "$T/l.err"; then ok "rtm-listen --reconnect: ${why%%:*} stops the reconnects (exit $want)"
  else bad "rtm-listen --reconnect after ${why%%:*} (rc=$rc)" "$T/l.err"; fi
done

# 4b. make install, then an outside program built against the installed copy: pkg-config and CMake (with
#     MBEDTLS_CFLAGS / MBEDTLS_LIBS when make test-mbedtls3 names another mbedTLS).
mkdir -p "$T/outside" && cp tests/outside/main.c tests/outside/CMakeLists.txt "$T/outside/"
if make --no-print-directory install PREFIX="$T/prefix" >"$T/install.log" 2>&1 \
   && (cd "$T/outside" && cc -std=c99 -Wall -Wextra -Werror $MBEDTLS_CFLAGS -o outside-pc main.c $(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs rtm_push) $MBEDTLS_LIBS) >>"$T/install.log" 2>&1 \
   && [ "$("$T/outside/outside-pc" $V/public-json.bin)" = "rtm_push 0.2.0: events=14" ]; then
  ok "make install + pkg-config: an outside program builds against the installed header and decodes a vector"
else bad "make install + pkg-config" "$T/install.log"; fi
if (CFLAGS="$MBEDTLS_CFLAGS" LDFLAGS="$MBEDTLS_LIBS" cmake -S "$T/outside" -B "$T/outside/build" -DCMAKE_PREFIX_PATH="$T/prefix" && cmake --build "$T/outside/build") >"$T/cmake.log" 2>&1 \
   && [ "$("$T/outside/build/outside" $V/public-json.bin)" = "rtm_push 0.2.0: events=14" ]; then
  ok "CMake: find_package(rtm_push) + rtm_push::rtm_push (dependencies through pkg-config)"
else bad "CMake consumption" "$T/cmake.log"; fi

# 5b. Real event loops: libuv, epoll (non-blocking connect, partial writes), a game loop, C++.
check "event-loop examples: libuv, epoll with partial writes (--max-write 7), game loop, C++ (tests/examples.sh)" \
  sh tests/examples.sh $B

# 5. The minimal example (the README's integration loop) against the simulator.
start_sim --script small
$W $B/minimal 127.0.0.1 $PORT >"$T/m.out" 2>&1; rc=$?
stop_sim
if [ $rc = 0 ] && grep -q '"event":"pushchat"' "$T/m.out"; then ok "examples/minimal.c receives a push"
else bad "examples/minimal.c (rc=$rc)" "$T/m.out"; fi

# 6a. Which mbedTLS runs: the one built against (mbedtls_version_get_string), loaded from where ldd says
#     (RTM_TEST_MBEDTLS_LIB: the directory make test-mbedtls3 links with; else the system's).
ver=$($W $B/tls_events version 2>&1); vrc=$?
lib=$(ldd $B/rtm-listen | sed -n 's/^[[:space:]]*\(libmbedtls\.so[^ ]*\) => \([^ ]*\).*/\1 => \2/p')
case "${lib#* => }" in "${RTM_TEST_MBEDTLS_LIB:-/usr/lib}"/*|"${RTM_TEST_MBEDTLS_LIB:-/lib}"/*) where=1;; *) where=0;; esac
if [ $vrc = 0 ] && [ $where = 1 ] && [ -n "$lib" ]; then ok "$ver runs (ldd: $lib)"
else echo "$ver; ldd: $lib; expected under ${RTM_TEST_MBEDTLS_LIB:-/usr/lib or /lib}" >"$T/why"; bad "the mbedTLS that runs" "$T/why"; fi

# 6. wss:// against independent TLS servers (Node's tls via the simulator, openssl s_server), with a PKI
#    made here and now by the openssl command line.
P=$T/pki
if sh tests/tls/make_certs.sh "$P" >"$T/pki.log" 2>&1; then ok "test PKI made with openssl (CA, localhost, expired, other name, self-signed)"
else bad "test PKI" "$T/pki.log"; fi
LISTEN="$LISTEN0"
for enc in json msgpack; do
  for rs in 65536 1; do
    start_sim --host localhost --encoding $enc --tls-cert "$P/server.pem" --tls-key "$P/server.key"
    $W $B/rtm-listen wss://localhost:$PORT/service/websocket $LISTEN --cafile "$P/ca.pem" --read-size $rs \
      --encoding $enc >"$T/listen.out" 2>"$T/listen.err"; rc=$?
    stop_sim
    node tests/sim/expect.js --script demo --encoding $enc --uid 4242 >"$T/expect.out"
    if [ $rc = 0 ] && [ $SIM_RC = 0 ] && cmp -s "$T/listen.out" "$T/expect.out" && ! grep -q WARNING "$T/listen.err"; then
      ok "wss:// simulator over Node tls ($enc, read size $rs): verified, every event exact, every push answered"
    else
      { echo "rc=$rc sim=$SIM_RC"; diff "$T/expect.out" "$T/listen.out" | head; cat "$T/listen.err" "$T/sim.err"; } >"$T/why"
      bad "wss:// simulator ($enc, read size $rs)" "$T/why"
    fi
  done
done
tls_refused() { # name cert expected-stderr-text [rtm-listen options...]
  name=$1 cert=$2 want=$3; shift 3
  start_sim --host ${TLS_HOST:-localhost} --script small --tls-cert "$P/$cert.pem" --tls-key "$P/$cert.key"
  $W $B/rtm-listen wss://${TLS_HOST:-localhost}:$PORT $LISTEN "$@" >"$T/l.out" 2>"$T/l.err"; rc=$?
  kill $SIM_PID 2>/dev/null; stop_sim
  if [ $rc = 1 ] && grep -q "$want" "$T/l.err" && [ ! -s "$T/l.out" ]; then ok "wss:// $name -> refused: $want"
  else bad "wss:// $name (rc=$rc)" "$T/l.err"; fi
}
tls_refused "expired certificate" expired "the server certificate has expired" --cafile "$P/ca.pem"
tls_refused "certificate for another name" other "does not match the server name" --cafile "$P/ca.pem"
tls_refused "self-signed certificate" self "not signed by a trusted CA" --cafile "$P/ca.pem"
tls_refused "our CA absent from the system bundle" server "not signed by a trusted CA"
# An IP address is matched against iPAddress SANs only: 127.0.0.1 as the CN or a DNS name does not count.
TLS_HOST=127.0.0.1
tls_refused "IP address named only as CN and DNS name" ipname "no iPAddress subjectAltName of the certificate is this address" --cafile "$P/ca.pem"
TLS_HOST=
start_sim --host localhost --script small --tls-cert "$P/self.pem" --tls-key "$P/self.key"
$W $B/rtm-listen wss://localhost:$PORT $LISTEN --insecure-no-verify >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 0 ] && grep -q 'WITHOUT verifying' "$T/l.err" && grep -q '"event":"pushchat"' "$T/l.out"; then
  ok "wss:// --insecure-no-verify connects to a self-signed server and reports itself unverified"
else bad "wss:// --insecure-no-verify (rc=$rc)" "$T/l.err"; fi
start_sim --host localhost --script small
$W $B/rtm-listen wss://localhost:$PORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $SIM_PID 2>/dev/null; stop_sim
if [ $rc = 1 ] && grep -q 'answered in plaintext' "$T/l.err"; then ok "wss:// to a plain ws:// port -> 'answered in plaintext'"
else bad "wss:// to a plain port (rc=$rc)" "$T/l.err"; fi
# openssl s_server on a port of its choosing (-accept localhost:0, the name the client uses): it prints
# "ACCEPT host:port" once listening, into an output file new for this start.
s_server() { # s_server options...: sets SS (its pid) and SPORT
  ready_file s_server
  openssl s_server -accept localhost:0 -cert "$P/server.pem" -key "$P/server.key" "$@" >"$READY" 2>"$T/ss.err" &
  SS=$!; SPORT=
  wait_ready "$READY" "openssl s_server $*" $SS '^ACCEPT .*:[0-9]+$' && SPORT=${READY_VALUE##*:}
}
s_server -www
$W $B/rtm-listen wss://localhost:$SPORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $SS 2>/dev/null; wait $SS 2>/dev/null
if [ $rc = 1 ] && grep -q 'upgrade refused: HTTP/1.0 200' "$T/l.err"; then
  ok "openssl s_server: TLS handshake and verification pass (then its -www page is refused as an upgrade)"
else bad "openssl s_server (rc=$rc)" "$T/l.err"; fi
s_server -Verify 1 -verify_return_error -www
$W $B/rtm-listen wss://localhost:$SPORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $SS 2>/dev/null; wait $SS 2>/dev/null
if [ $rc = 1 ] && grep -q 'fatal alert' "$T/l.err"; then ok "openssl s_server demanding a client certificate -> TLS fatal alert reported"
else bad "openssl s_server with -Verify (rc=$rc)" "$T/l.err"; fi
# cutproxy.js: it listens where the client connects (localhost) and reaches the simulator there too. It counts
# application-data records after the handshake: TLS 1.3 hides the record types, so it decrypts them with the
# simulator's key log (--keylog).
cutproxy() { # TARGET_PORT MODE [more cutproxy options]: sets CUT (its pid) and CPORT; its stdout: $T/cut.out
  ready_file cutproxy
  rm -f "$T/cut.out"
  cp_target=$1 cp_mode=$2; shift 2 # the options given here come last: they win
  node tests/tls/cutproxy.js $cp_target $cp_mode --host localhost --target-host localhost --ready "$READY" "$@" >"$T/cut.out" 2>&1 &
  CUT=$!; CPORT=
  wait_ready "$READY" "tests/tls/cutproxy.js $cp_target $cp_mode $*" $CUT && CPORT=$READY_VALUE
}
rm -f "$T/keylog"
start_sim --host localhost --tls-cert "$P/server.pem" --tls-key "$P/server.key" --keylog "$T/keylog"
cutproxy $PORT 3 --keylog "$T/keylog"
$W $B/rtm-listen wss://localhost:$CPORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $CUT $SIM_PID 2>/dev/null; wait $CUT 2>/dev/null; stop_sim
if [ $rc = 1 ] && grep -q 'inside a TLS record' "$T/l.err" && [ -s "$T/l.out" ]; then
  ok "wss:// peer closes mid-record -> 'inside a TLS record', events before it printed"
else bad "wss:// mid-record close (rc=$rc)" "$T/l.err"; fi
# A TLS server limited to TLS 1.1 (openssl s_server, SECLEVEL 0 to allow it): refused. mbedTLS 2.x says so
# itself; 3.x has no TLS 1.1 at all, and the server refuses its ClientHello with a protocol_version alert.
s_server -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -www
$W $B/rtm-listen wss://localhost:$SPORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
kill $SS 2>/dev/null; wait $SS 2>/dev/null
if [ $rc = 1 ] && grep -Eq 'does not speak TLS 1.2 or later|fatal alert during the handshake' "$T/l.err" && ! grep -q upgrade "$T/l.err"; then
  ok "openssl s_server limited to TLS 1.1 -> refused in the handshake: $(tail -n 1 "$T/l.err" | sed 's/^rtm-listen: //; s/ (TLS[^(]*)$//' | cut -c1-90)"
else bad "TLS 1.1 server (rc=$rc)" "$T/l.err"; fi
# A NewSessionTicket (TLS 1.3: after the handshake) and application data fed in one call: every event of the
# recorded session, as from its frames alone; also when mbedtls_ssl_read returns early (as 3.6.0 does after a
# ticket) and, with PSA, when only rtm_push.h initialises PSA (as with 3.6.0, whose handshake does not).
$W $B/tls_events plain $V/public-json.bin >"$T/plain.out" 2>"$T/plain.err"
ticket_run() { # name tls_events-options... ; sets TS_OUT
  rm -f "$T/ts.out"
  node tests/tls/ticket_server.js "$P/server.pem" "$P/server.key" $V/public-json.bin >"$T/ts.out" 2>&1 &
  TS=$!
  i=0; TP=
  while [ $i -lt 400 ] && [ -z "$TP" ]; do TP=$([ -f "$T/ts.out" ] && sed -n 's/^LISTENING //p' "$T/ts.out"); [ -z "$TP" ] && sleep 0.05; i=$((i+1)); done
  $W $B/tls_events ticket $TP "$P/ca.pem" "$@" >"$T/t.out" 2>"$T/t.err"; rc=$?
  kill $TS 2>/dev/null; wait $TS 2>/dev/null
  TS_OUT=$(sed -n 's/^PROTOCOL //p' "$T/ts.out")
}
for how in "" --early-return; do
  ticket_run $how
  tickets=${TS_OUT##* }
  if [ $rc = 0 ] && [ -s "$T/plain.out" ] && cmp -s "$T/t.out" "$T/plain.out" && { [ "${TS_OUT%% *}" != TLSv1.3 ] || [ "$tickets" -ge 1 ]; }; then
    ok "all the server sent after the handshake in one feed, NewSessionTickets then data ($TS_OUT${how:+, $how}; records $(sed -n 's/^records //p' "$T/t.err")): all $(wc -l <"$T/plain.out") events"
  else { echo "rc=$rc $TS_OUT"; cat "$T/t.err"; diff "$T/plain.out" "$T/t.out" | head; } >"$T/why"; bad "ticket + data in one feed $how" "$T/why"; fi
done
if $B/tls_events version | grep -q PSA; then
  ticket_run --psa-ours-only; rc1=$rc
  cp "$T/t.err" "$T/psa1.err"
  ticket_run --psa-none
  if [ $rc1 = 0 ] && grep -q 'psa_crypto_init calls from rtm_push.h: [1-9]' "$T/psa1.err" && [ $rc = 1 ] && grep -q 'rtm_push_new: -701' "$T/t.err"; then
    ok "PSA: rtm_push.h calls psa_crypto_init(); the handshake passes with only that call (without any: the ClientHello fails, as on 3.6.0)"
  else cat "$T/psa1.err" "$T/t.err" >"$T/why"; bad "psa_crypto_init" "$T/why"; fi
else
  echo "skip psa_crypto_init: this mbedTLS has no PSA ($($B/tls_events version))"
fi
# The orderly end of a wss:// connection: the client's last TLS record is an alert (close_notify), then its FIN.
# Seen by a proxy on the wire, whoever ends the session: the gate (kickout) or the host (rtm_push_close). TLS 1.2
# shows the alert's record type (21) in clear; TLS 1.3 encrypts it as type 23, so the proxy decrypts the client's
# records with the simulator's key log and sees the close_notify itself.
# The ClientHello's server name is seen there too: the host name, none for an IP address (RFC 6066 3).
close_notify() { # name host [simulator options...] -- [rtm-listen options...]
  name=$1 host=$2; shift 2; so=; while [ "$1" != "--" ]; do so="$so $1"; shift; done; shift
  rm -f "$T/keylog"
  start_sim --host localhost $so --tls-cert "$P/server.pem" --tls-key "$P/server.key" --keylog "$T/keylog"
  cutproxy $PORT watch --host $host --keylog "$T/keylog"
  $W $B/rtm-listen wss://$host:$CPORT --pid 1017 --uid 4242 --token demo-token --cafile "$P/ca.pem" "$@" >"$T/l.out" 2>"$T/l.err"; rc=$?
  wait $CUT 2>/dev/null; kill $SIM_PID 2>/dev/null; stop_sim
  case $host in localhost) sni=localhost;; *) sni=none;; esac
  ver=$(sed -n 's/^CLIENT_VERSION //p' "$T/cut.out")
  if [ $rc = 0 ] && grep -Eq '^CLIENT_LAST_RECORD alert (close_notify \(decrypted, TLSv1.3\)|\(TLSv1.2: type 21 in clear)' "$T/cut.out" &&
     grep -q '^CLIENT_RECORDS 22,.*,23,2[13]$' "$T/cut.out" && grep -q '^CLIENT_FIN$' "$T/cut.out" &&
     grep -q "^CLIENT_SNI $sni\$" "$T/cut.out" && ! grep -q WITHOUT "$T/l.err"; then
    ok "wss://$host $name ($ver): SNI $sni, verified; the client's last TLS record is an alert (close_notify), then a clean FIN"
  else { echo "rc=$rc"; cat "$T/cut.out" "$T/l.err"; } >"$T/why"; bad "wss:// close_notify, $name" "$T/why"; fi
}
close_notify "kicked out by the gate" localhost -- --duration 20
close_notify "closed by the host (rtm_push_close at --duration)" localhost --delay 300 -- --duration 1
close_notify "(the certificate's iPAddress SAN), kicked out by the gate" 127.0.0.1 -- --duration 20
# A two-way and a one-way kickout in one message: one kickout line, then the end (exit 0), in ws:// and wss://,
# with and without --reconnect and --enter-room.
for mode in "ws" "ws --reconnect" "wss" "wss --reconnect --enter-room 5"; do
  set -- $mode; scheme=$1; shift
  if [ $scheme = wss ]; then start_sim --script kickout2 --host localhost --tls-cert "$P/server.pem" --tls-key "$P/server.key"; h=localhost
  else start_sim --script kickout2; h=127.0.0.1; fi
  $W $B/rtm-listen $scheme://$h:$PORT $LISTEN0 --quiet --cafile "$P/ca.pem" "$@" >"$T/l.out" 2>"$T/l.err"; rc=$?
  kill $SIM_PID 2>/dev/null; stop_sim
  if [ $rc = 0 ] && [ "$(grep -c '"event":"kickout"' "$T/l.out")" = 1 ] && tail -n 1 "$T/l.out" | grep -q '"event":"kickout"' &&
     [ "$(cat "$T/l.err")" = "rtm-listen: kicked out by the gate" ]; then
    ok "rtm-listen $mode: a two-way and a one-way kickout in one read -> one kickout line, exit 0"
  else { echo "rc=$rc"; cat "$T/l.out" "$T/l.err"; } >"$T/why"; bad "rtm-listen $mode: two kickouts in one read" "$T/why"; fi
done
# When the gate's close_notify crosses rtm-listen's (kicked out, the gate echoes the close frame and ends TLS at
# once), rtm-listen half-closes and reads to the gate's FIN before close(): closing with the gate's bytes unread, or
# before they come, would answer them with a TCP reset (the proxy's late write sees it).
runs=${RTM_TEST_CROSSING_RUNS:-20}; resets=0; crossed=0; k=0
while [ $k -lt $runs ]; do
  k=$((k+1))
  start_sim --host localhost --script small --echo-close --tls-cert "$P/server.pem" --tls-key "$P/server.key"
  cutproxy $PORT watch
  $W $B/rtm-listen wss://localhost:$CPORT $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
  wait $CUT 2>/dev/null; kill $SIM_PID 2>/dev/null; stop_sim
  if [ $rc != 0 ] || ! grep -q '^CLIENT_FIN$' "$T/cut.out"; then resets=$((resets+1)); cp "$T/cut.out" "$T/cross.bad"; cat "$T/l.err" >>"$T/cross.bad"; fi
  [ "$(sed -n 's/^SERVER_BYTES_AFTER_CLIENT_FIN //p' "$T/cut.out")" -gt 0 ] 2>/dev/null && crossed=$((crossed+1))
done
# (Under valgrind rtm-listen is slow enough that the gate's close_notify always comes first: no crossing to see.)
if [ $resets = 0 ] && { [ $crossed -gt 0 ] || [ -n "$W" ]; }; then
  ok "wss:// close_notify crossing the gate's: $runs runs, the gate's close_notify came after rtm-listen's FIN in $crossed, no TCP reset"
else bad "wss:// crossing close_notify: $resets of $runs runs ended with a reset or an error (crossed in $crossed)" "$T/cross.bad"; fi
if node -e "require('net').createServer().listen(0,'::1',function(){this.close()}).on('error',()=>process.exit(1))" 2>/dev/null; then
  start_sim --host ::1 --script small --tls-cert "$P/ip6.pem" --tls-key "$P/ip6.key"
  $W $B/rtm-listen "wss://[::1]:$PORT" $LISTEN --cafile "$P/ca.pem" >"$T/l.out" 2>"$T/l.err"; rc=$?
  kill $SIM_PID 2>/dev/null; stop_sim
  if [ $rc = 0 ] && grep -q '"event":"pushchat"' "$T/l.out" && ! grep -q WITHOUT "$T/l.err"; then
    ok "wss://[::1] verified against the certificate's IPv6 iPAddress SAN"
  else bad "wss://[::1] (rc=$rc)" "$T/l.err"; fi
else
  echo "skip wss://[::1]: this machine has no IPv6 loopback"
fi

# 7. The tools as a user meets them (issue #19): help, version, usage errors, one line per failure, progress,
#    stage-named timeouts, hints, long captures in bounded memory, rtm-listen --capture.
. tests/tools.sh

echo "$pass passed, $fail failed"
[ $fail = 0 ]
