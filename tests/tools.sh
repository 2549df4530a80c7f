# tests/tools.sh -- the tools as a user meets them (issue #19): --help, --version, usage errors that name the
# argument, validated numbers, one stderr line per failure, progress that --quiet silences, timeouts named by
# stage, CA errors with the path and the reason, hints; rtm-dump on a capture of any length in bounded memory;
# rtm-listen --capture, plain and over TLS, read back by rtm-dump.
# Sourced by tests/run.sh after its TLS part: uses $B, $W, $V, $T, $P (the test PKI) and tests/lib.sh.

VERSION=$(sed -n 's/^#define RTM_PUSH_VERSION_STRING "\(.*\)"/\1/p' rtm_push.h)
# tool_usage NAME WANT-ON-STDERR ARGS...: exit 2, exactly one line on stderr, naming what is wrong, nothing on stdout.
tool_usage() {
  name=$1 want=$2; shift 2
  $W "$@" >"$T/u.out" 2>"$T/u.err"; rc=$?
  if [ $rc = 2 ] && [ ! -s "$T/u.out" ] && [ "$(wc -l <"$T/u.err")" = 1 ] && grep -qF -- "$want" "$T/u.err"; then return 0; fi
  { echo "$name: rc=$rc (want 2), want one stderr line with: $want"; echo "-- stdout:"; cat "$T/u.out"; echo "-- stderr:"; cat "$T/u.err"; } >>"$T/usage.why"
  return 1
}
for tool in rtm-dump rtm-listen; do
  $W $B/$tool --help >"$T/h.out" 2>"$T/h.err"; rc=$?
  if [ $rc = 0 ] && [ ! -s "$T/h.err" ] && grep -q "^usage: $tool " "$T/h.out" && grep -q -- '--version' "$T/h.out"; then
    ok "$tool --help: the usage and every option on stdout, exit 0"
  else bad "$tool --help (rc=$rc)" "$T/h.err"; fi
  if [ "$($W $B/$tool --version 2>&1)" = "$tool (rtm_push.h $VERSION)" ]; then ok "$tool --version: '$tool (rtm_push.h $VERSION)'"
  else bad "$tool --version: $($W $B/$tool --version 2>&1)"; fi
done

rm -f "$T/usage.why"; n=0; nbad=0
D=$V/public-json.bin
u() { n=$((n+1)); tool_usage "$@" || nbad=$((nbad+1)); }
u "chunk abc" "rtm-dump: --chunk: expected a positive integer, got 'abc'" $B/rtm-dump --chunk abc $D
u "chunk 0" "--chunk: expected an integer from 1 to 1048576, got '0'" $B/rtm-dump --chunk 0 $D
u "chunk -5" "--chunk: expected an integer from 1 to 1048576, got '-5'" $B/rtm-dump --chunk -5 $D
u "chunk 7x" "--chunk: expected a positive integer, got '7x'" $B/rtm-dump --chunk 7x $D
u "chunk ''" "--chunk: expected a positive integer, got ''" $B/rtm-dump --chunk '' $D
u "chunk missing" "--chunk: missing value" $B/rtm-dump $D --chunk
u "uid 12x" "--uid: expected an integer from -9223372036854775808 to 9223372036854775807, got '12x'" $B/rtm-dump --uid 12x $D
u "uid 2^63" "--uid: expected an integer" $B/rtm-dump --uid 9223372036854775808 $D
u "input xml" "--input: expected ws, http or fpnn, got 'xml'" $B/rtm-dump --input xml $D
u "unknown option" "unknown option '--bogus'" $B/rtm-dump --bogus $D
u "no FILE" "missing FILE" $B/rtm-dump --quiet
u "two FILEs" "unexpected argument" $B/rtm-dump $D $D
L="ws://127.0.0.1:1 --pid 1017 --uid 4242 --token t"
u "pid abc" "rtm-listen: --pid: expected a positive integer, got 'abc'" $B/rtm-listen $L --pid abc
u "pid 0" "--pid: expected an integer from 1 to 2147483647, got '0'" $B/rtm-listen $L --pid 0
u "pid 2^31" "--pid: expected an integer from 1 to 2147483647, got '2147483648'" $B/rtm-listen $L --pid 2147483648
u "uid 1.5" "--uid: expected an integer" $B/rtm-listen $L --uid 1.5
u "duration abc" "--duration: expected a number of seconds from 0 to 10000000, got 'abc'" $B/rtm-listen $L --duration abc
u "duration -1" "--duration: expected a number of seconds from 0 to 10000000, got '-1'" $B/rtm-listen $L --duration -1
u "duration 1e8" "--duration: expected a number of seconds from 0 to 10000000, got '1e8'" $B/rtm-listen $L --duration 1e8
u "duration 5s" "got '5s'" $B/rtm-listen $L --duration 5s
u "duration 0x10" "got '0x10'" $B/rtm-listen $L --duration 0x10
u "read-size 0" "--read-size: expected an integer from 1 to 65536, got '0'" $B/rtm-listen $L --read-size 0
u "read-size 65537" "--read-size: expected an integer from 1 to 65536, got '65537'" $B/rtm-listen $L --read-size 65537
u "login-timeout x" "--login-timeout: expected a positive integer, got 'x'" $B/rtm-listen $L --login-timeout x
u "enter-room x" "--enter-room: expected an integer" $B/rtm-listen $L --enter-room x
u "encoding xml" "--encoding: expected json or msgpack, got 'xml'" $B/rtm-listen $L --encoding xml
u "token missing value" "--token: missing value" $B/rtm-listen $L --token
u "no --token" "missing --token" $B/rtm-listen ws://127.0.0.1:1 --pid 1 --uid 1
u "no --pid" "missing --pid" $B/rtm-listen ws://127.0.0.1:1 --uid 1 --token t
u "no URL" "missing the URL" $B/rtm-listen --pid 1 --uid 1 --token t
u "unknown option" "unknown option '--colour'" $B/rtm-listen $L --colour
u "port 99999" "bad URL 'ws://127.0.0.1:99999'" $B/rtm-listen ws://127.0.0.1:99999 --pid 1 --uid 1 --token t
u "port 80x" "bad URL 'ws://127.0.0.1:80x/'" $B/rtm-listen ws://127.0.0.1:80x/ --pid 1 --uid 1 --token t
u "http://" "bad URL 'http://127.0.0.1'" $B/rtm-listen http://127.0.0.1 --pid 1 --uid 1 --token t
if [ $nbad = 0 ]; then ok "usage errors ($n cases: --chunk, --uid, --pid, --duration, --read-size, --login-timeout, --enter-room, URL...): exit 2, one stderr line naming the argument"
else bad "usage errors: $nbad of $n wrong" "$T/usage.why"; fi

# rtm-dump: a file it cannot read; a capture that starts with the HTTP response.
$W $B/rtm-dump "$T/no-such-file" >"$T/d.out" 2>"$T/d.err"; rc=$?
if [ $rc = 2 ] && [ "$(cat "$T/d.err")" = "rtm-dump: cannot read $T/no-such-file: No such file or directory" ] && [ ! -s "$T/d.out" ]; then
  ok "rtm-dump: 'cannot read FILE: No such file or directory', exit 2"
else bad "rtm-dump: a missing file (rc=$rc)" "$T/d.err"; fi
cat $V/public-json.handshake.txt $V/public-json.bin | $W $B/rtm-dump - >"$T/d.out" 2>"$T/d.err"; rc=$?
if [ $rc = 1 ] && [ "$(cat "$T/d.err")" = "rtm-dump: hint: the capture starts with an HTTP response: try --input http" ] \
   && [ "$(wc -l <"$T/d.out")" = 1 ] && grep -q '"error":"WebSocket frame with reserved bits set' "$T/d.out"; then
  ok "rtm-dump: a capture that starts with the 101 response -> the error line, and 'try --input http' on stderr"
else bad "rtm-dump: HTTP capture hint (rc=$rc)" "$T/d.err"; fi

# rtm-dump on captures of any length: generated two-way pushes (tests/gen_capture.js), from a file and from stdin,
# in bounded memory. Peak RSS (GNU time -v) for 1,000,000 pushes within 2 MiB of that for 100,000. (Under
# RTM_TEST_WRAP, valgrind: 100,000 pushes, and no RSS comparison: valgrind's own memory is what it would see.)
big=1000000; small=100000; [ -n "$W" ] && big=100000 small=10000
rss() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }
node tests/gen_capture.js $small "$T/small.bin" && node tests/gen_capture.js $big "$T/big.bin"
/usr/bin/time -v $W $B/rtm-dump --quiet "$T/small.bin" >"$T/small.out" 2>"$T/small.time"; rc1=$?
/usr/bin/time -v $W $B/rtm-dump --quiet "$T/big.bin" >"$T/big.out" 2>"$T/big.time"; rc2=$?
rs=$(rss "$T/small.time"); rb=$(rss "$T/big.time")
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && grep -q "^events=$small bytes=$(wc -c <"$T/small.bin")\$" "$T/small.out" \
   && grep -q "^events=$big bytes=$(wc -c <"$T/big.bin")\$" "$T/big.out" && [ -n "$rs" ] && [ -n "$rb" ] \
   && { [ -n "$W" ] || [ "$rb" -le $((rs + 2048)) ]; }; then
  ok "rtm-dump --quiet FILE of $big two-way pushes ($(($(wc -c <"$T/big.bin") / 1048576)) MiB): events=$big; peak RSS $rb KiB (for $small: $rs KiB)"
else { echo "rc=$rc1/$rc2 rss $rs/$rb KiB"; cat "$T/small.out" "$T/big.out" "$T/big.time"; } >"$T/why"; bad "rtm-dump: a long capture from a file" "$T/why"; fi
rm -f "$T/big.bin"
node tests/gen_capture.js $big | /usr/bin/time -v $W $B/rtm-dump --quiet - >"$T/big.out" 2>"$T/big.time"; rc=$?
rp=$(rss "$T/big.time")
if [ $rc = 0 ] && grep -q "^events=$big bytes=" "$T/big.out" && [ -n "$rp" ] && { [ -n "$W" ] || [ "$rp" -le $((rs + 2048)) ]; }; then
  ok "rtm-dump --quiet - (stdin, a pipe) of $big two-way pushes: events=$big; peak RSS $rp KiB"
else { echo "rc=$rc rss $rp KiB"; cat "$T/big.out" "$T/big.time"; } >"$T/why"; bad "rtm-dump: a long capture from stdin" "$T/why"; fi
# the same output for every --chunk, and with --input http, on a generated capture longer than one read
node tests/gen_capture.js 3000 "$T/g.bin"
$W $B/rtm-dump "$T/g.bin" >"$T/g.whole" 2>&1
r=ok
for c in 1 7 4096 65536 100000 1048576; do
  $W $B/rtm-dump --chunk $c "$T/g.bin" 2>&1 | cmp -s - "$T/g.whole" || r="--chunk $c differs"
done
cat $V/public-json.handshake.txt "$T/g.bin" | $W $B/rtm-dump --input http --chunk 5 - 2>&1 | cmp -s - "$T/g.whole" || r="--input http differs"
if [ "$r" = ok ] && [ "$(wc -l <"$T/g.whole")" = 3000 ]; then ok "rtm-dump: a 3000-push capture ($(wc -c <"$T/g.bin") bytes): the same 3000 lines for --chunk 1, 7, 4096, 65536, 100000, 1048576 and --input http"
else bad "rtm-dump: chunked reads of a generated capture: $r" "$T/g.whole"; fi

# rtm-listen: progress on stderr, silenced by --quiet; --capture, then rtm-dump of the file: the same pushes.
capture_check() { # name: the simulator was started, rtm-listen ran with --capture $T/cap.bin (exit $rc, stdout $T/l.out)
  stop_sim
  $W $B/rtm-dump --uid 4242 "$T/cap.bin" >"$T/cap.out" 2>&1; drc=$?
  tail -n +2 "$T/l.out" >"$T/l.tail"; tail -n +2 "$T/cap.out" >"$T/cap.tail"
  # the first lines differ by design: rtm-listen's login event, and rtm-dump's (no login) plain answer to the auth
  if [ $rc = 0 ] && [ $drc = 0 ] && [ $SIM_RC = 0 ] && [ "$(head -n 1 "$T/l.out")" = '{"event":"login","ok":true}' ] \
     && [ "$(head -n 1 "$T/cap.out")" = '{"event":"answer","seq":1,"status":0,"ok":true}' ] \
     && [ "$(wc -l <"$T/l.tail")" -gt 40 ] && cmp -s "$T/l.tail" "$T/cap.tail"; then
    ok "$1: rtm-dump --uid 4242 of the capture prints the same $(wc -l <"$T/l.tail") push lines ($(wc -c <"$T/cap.bin") bytes captured)"
  else { echo "rc=$rc dump=$drc sim=$SIM_RC"; diff "$T/l.out" "$T/cap.out" | head -20; cat "$T/l.err"; } >"$T/why"; bad "$1" "$T/why"; fi
}
start_sim
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 20 --capture "$T/cap.bin" >"$T/l.out" 2>"$T/l.err"; rc=$?
capture_check "rtm-listen --capture (ws://)"
if [ "$(cat "$T/l.err")" = "rtm-listen: connecting to 127.0.0.1:$PORT...
rtm-listen: logged in as uid 4242
rtm-listen: kicked out by the gate" ]; then ok "rtm-listen: progress on stderr (connecting to 127.0.0.1:$PORT..., logged in as uid 4242)"
else bad "rtm-listen: progress lines" "$T/l.err"; fi
start_sim --host localhost --tls-cert "$P/server.pem" --tls-key "$P/server.key"
$W $B/rtm-listen wss://localhost:$PORT --pid 1017 --uid 4242 --token demo-token --duration 20 --cafile "$P/ca.pem" \
  --read-size 1000 --capture "$T/cap.bin" >"$T/l.out" 2>"$T/l.err"; rc=$?
capture_check "rtm-listen --capture (wss://, decrypted; read size 1000)"
if grep -qx "rtm-listen: TLS verified as localhost" "$T/l.err" && grep -qx "rtm-listen: logged in as uid 4242" "$T/l.err"; then
  ok "rtm-listen wss://: 'TLS verified as localhost' on stderr"
else bad "rtm-listen wss:// progress" "$T/l.err"; fi
start_sim --script small --delay 3000
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 1 >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 0 ] && grep -qx 'rtm-listen: closing (end of --duration)...' "$T/l.err"; then ok "rtm-listen: 'closing (end of --duration)...' on stderr"
else bad "rtm-listen: closing progress (rc=$rc)" "$T/l.err"; fi
start_sim --script small
$W $B/rtm-listen ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 20 --quiet >"$T/l.out" 2>"$T/l.err"; rc=$?
stop_sim
if [ $rc = 0 ] && ! grep -q 'connecting\|logged in' "$T/l.err" && grep -q '"event":"pushchat"' "$T/l.out"; then ok "rtm-listen --quiet: no progress lines"
else bad "rtm-listen --quiet (rc=$rc)" "$T/l.err"; fi

# One stderr line per failure (--quiet: no progress), each naming its stage or cause.
# one_failure NAME WANT rtm-listen-args...: exit 1, nothing on stdout, exactly one stderr line, containing WANT.
one_failure() {
  name=$1 want=$2; shift 2
  $W $B/rtm-listen "$@" --quiet >"$T/l.out" 2>"$T/l.err"; rc=$?
  if [ $rc = 1 ] && [ ! -s "$T/l.out" ] && [ "$(wc -l <"$T/l.err")" = 1 ] && grep -qF -- "$want" "$T/l.err"; then
    ok "rtm-listen, $name: one line: $(cut -c13-150 "$T/l.err")"
  else { echo "rc=$rc"; cat "$T/l.err"; } >"$T/why"; bad "rtm-listen, $name" "$T/why"; fi
}
# A server that accepts and never says a word: no TLS handshake (wss://), no HTTP 101 (ws://).
silent_server() {
  ready_file silent
  node -e "const fs=require('fs'),r=process.argv[1],c=[];require('net').createServer((s)=>{c.push(s);s.on('error',()=>{})})
    .listen(0,'127.0.0.1',function(){fs.writeFileSync(r+'.tmp',this.address().port+'\\n');fs.renameSync(r+'.tmp',r)})" "$READY" 2>/dev/null &
  SILENT=$!; SPORT=
  wait_ready "$READY" "a silent TCP server" $SILENT && SPORT=$READY_VALUE
}
silent_server
one_failure "a server that never answers the upgrade" "no HTTP 101 response within 300 ms (state upgrading)" \
  ws://127.0.0.1:$SPORT --pid 1017 --uid 4242 --token t --login-timeout 300
one_failure "a server that never answers the ClientHello" "no TLS handshake within 300 ms (state connecting)" \
  wss://127.0.0.1:$SPORT --pid 1017 --uid 4242 --token t --login-timeout 300 --cafile "$P/ca.pem"
kill $SILENT 2>/dev/null; wait $SILENT 2>/dev/null
start_sim --auth silent
one_failure "a gate that never answers auth" "no login answer within 5000 ms (state authenticating)" \
  ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --login-timeout 5000
kill $SIM_PID 2>/dev/null; stop_sim
start_sim --auth refuse
one_failure "a refused login" "login refused" ws://127.0.0.1:$PORT --pid 1017 --uid 4242 --token demo-token --duration 10
stop_sim
one_failure "connection refused (--duration 0: no limit, accepted)" "cannot connect to 127.0.0.1:1: Connection refused" \
  ws://127.0.0.1:1 --pid 1 --uid 1 --token t --duration 0
one_failure "a missing --cafile" "cannot load the CA certificates: cannot read $T/no-ca.pem: No such file or directory" \
  wss://127.0.0.1:1 --pid 1 --uid 1 --token t --cafile "$T/no-ca.pem"
echo "not a certificate" >"$T/not-ca.pem"
one_failure "a --cafile without a certificate" "cannot load the CA certificates: $T/not-ca.pem: X509 - " \
  wss://127.0.0.1:1 --pid 1 --uid 1 --token t --cafile "$T/not-ca.pem"
# ws:// to a TLS port: Node's TLS server closes without a byte (or, should it answer with an alert, the other
# hint); a server that answers with a TLS alert record.
start_sim --host localhost --script small --tls-cert "$P/server.pem" --tls-key "$P/server.key"
one_failure "ws:// to a TLS port" "wss://" \
  ws://localhost:$PORT --pid 1017 --uid 4242 --token demo-token --login-timeout 10000
kill $SIM_PID 2>/dev/null; stop_sim
ready_file alert
node -e "const fs=require('fs'),r=process.argv[1],s=require('net').createServer((c)=>c.once('data',()=>{
    c.end(Buffer.from([0x15,0x03,0x03,0x00,0x02,0x02,0x46]));s.close()}));
  s.listen(0,'127.0.0.1',()=>{fs.writeFileSync(r+'.tmp',s.address().port+'\\n');fs.renameSync(r+'.tmp',r)})" "$READY" 2>/dev/null &
ALERT=$!
wait_ready "$READY" "a server answering with a TLS alert" $ALERT && APORT=$READY_VALUE
one_failure "ws:// answered with a TLS record" "the server answered with a TLS record: is it wss://?" \
  ws://127.0.0.1:$APORT --pid 1017 --uid 4242 --token t --login-timeout 10000
kill $ALERT 2>/dev/null; wait $ALERT 2>/dev/null
