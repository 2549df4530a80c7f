#!/bin/sh
# make demo: start the local gate simulator, listen to it with build/rtm-listen, print every event.
T=$(mktemp -d /tmp/rtm-push-demo.XXXXXX)
node tests/sim/gate.js --port 0 --once --report "$T/report.json" >"$T/sim.out" 2>"$T/sim.err" &
SIM=$!
trap 'kill $SIM 2>/dev/null; rm -rf "$T"' EXIT INT TERM
i=0; PORT=
while [ $i -lt 400 ] && [ -z "$PORT" ]; do
  PORT=$([ "$(wc -l <"$T/sim.out")" -ge 1 ] && sed -n '1s/^LISTENING \([0-9]*\)$/\1/p' "$T/sim.out"); [ -z "$PORT" ] && sleep 0.05; i=$((i+1))
done
[ -n "$PORT" ] || { echo "demo: the simulator did not start"; cat "$T/sim.err"; exit 1; }
echo "# gate simulator on ws://127.0.0.1:$PORT/service/websocket; running:"
echo "# build/rtm-listen ws://127.0.0.1:$PORT/service/websocket --pid 1017 --uid 4242 --token demo-token --duration 20"
build/rtm-listen ws://127.0.0.1:$PORT/service/websocket --pid 1017 --uid 4242 --token demo-token --duration 20
rc=$?
wait $SIM; sim_rc=$?
echo "# rtm-listen exit status $rc; simulator: $(node -e "const r=require('$T/report.json');console.log(r.ok?'every two-way push answered, no one-way push answered':'NOT OK: '+JSON.stringify(r.errors))")"
[ $rc = 0 ] && [ $sim_rc = 0 ]
