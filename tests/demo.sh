#!/bin/sh
# make demo: start the local gate simulator, listen to it with build/rtm-listen, print every event.
T=$(mktemp -d /tmp/rtm-push-demo.XXXXXX)
node tests/sim/gate.js --port 0 --once --report "$T/report.json" --ready "$T/ready" >"$T/sim.out" 2>"$T/sim.err" &
SIM=$!
trap 'kill $SIM 2>/dev/null; rm -rf "$T"' EXIT INT TERM
i=0; PORT= # $T is new, so $T/ready is this simulator's (gate.js writes it whole, by a rename); at most 30 s
while [ $i -lt 600 ] && [ ! -s "$T/ready" ] && kill -0 $SIM 2>/dev/null; do sleep 0.05; i=$((i+1)); done
[ -s "$T/ready" ] && PORT=$(cat "$T/ready")
[ -n "$PORT" ] || { echo "demo: the simulator did not write its port to $T/ready within 30 s"; cat "$T/sim.err"; exit 1; }
echo "# gate simulator on ws://127.0.0.1:$PORT/service/websocket; running:"
echo "# build/rtm-listen ws://127.0.0.1:$PORT/service/websocket --pid 1017 --uid 4242 --token demo-token --duration 20"
build/rtm-listen ws://127.0.0.1:$PORT/service/websocket --pid 1017 --uid 4242 --token demo-token --duration 20
rc=$?
wait $SIM; sim_rc=$?
echo "# rtm-listen exit status $rc; simulator: $(node -e "const r=require('$T/report.json');console.log(r.ok?'every two-way push answered, no one-way push answered':'NOT OK: '+JSON.stringify(r.errors))")"
[ $rc = 0 ] && [ $sim_rc = 0 ]
