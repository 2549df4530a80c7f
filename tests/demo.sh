#!/bin/sh
# make demo / make demo-tls: start the local gate simulator, listen to it with build/rtm-listen, print every event.
#   sh tests/demo.sh [BUILD_DIR]        ws://  (make demo); BUILD_DIR (default build) holds rtm-listen
#   sh tests/demo.sh --tls [BUILD_DIR]  wss:// (make demo-tls): a CA and a server certificate for localhost are
#                                       made here with openssl (tests/tls/make_certs.sh); rtm-listen verifies the
#                                       simulator's certificate against that CA.
# What rtm-listen prints goes through tests/sim/shorten.js, which cuts long values ("...(N bytes)") and announces
# the kickout that ends the simulator's script. Exit 0 when rtm-listen and the simulator both ended well.
TMP_NAME=rtm-push-demo
. tests/lib.sh
tls=; [ "$1" = --tls ] && { tls=1; shift; }
B=${1:-build}
if [ -n "$tls" ]; then
  P=$T/pki
  sh tests/tls/make_certs.sh "$P" >"$T/pki.log" 2>&1 || { echo "demo: could not make the certificates"; cat "$T/pki.log"; exit 1; }
  echo "# made a test CA and a certificate for localhost signed by it: sh tests/tls/make_certs.sh DIR"
  start_sim --host localhost --tls-cert "$P/server.pem" --tls-key "$P/server.key" || { cat "$T/sim.err"; exit 1; }
  url=wss://localhost:$PORT/service/websocket
  sim="node tests/sim/gate.js --host localhost --tls-cert DIR/server.pem --tls-key DIR/server.key"
  opts="--cafile $P/ca.pem"
else
  start_sim || { cat "$T/sim.err"; exit 1; }
  url=ws://127.0.0.1:$PORT/service/websocket
  sim="node tests/sim/gate.js"
  opts=
fi
cmd="$B/rtm-listen $url --pid 1017 --uid 4242 --token demo-token --duration 20${opts:+ $opts}"
echo "# gate simulator on $url; running:"
echo "# $cmd"
echo "# values over 120 bytes are shortened here. To see them whole, start a simulator yourself,"
echo "#   $sim"
echo "# and run that rtm-listen line against the port it prints${tls:+ (with --cafile DIR/ca.pem)}."
# stderr joins stdout so that the filter sees rtm-listen's lines in the order it wrote them
{ $cmd 2>&1; echo $? >"$T/rc"; } | node tests/sim/shorten.js
rc=$(cat "$T/rc")
stop_sim
echo "# rtm-listen exit status $rc; simulator: $(node -e "const r=require('$T/report.json');console.log(r.ok?'every two-way push answered, no one-way push answered':'NOT OK: '+JSON.stringify(r.errors))")"
[ "$rc" = 0 ] && [ "$SIM_RC" = 0 ]
