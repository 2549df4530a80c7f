// A TLS server that hands out session tickets, then a recorded WebSocket session (tests/tls_events.c).
//   node tests/tls/ticket_server.js CERT KEY FRAMES   -> prints "LISTENING <port>"
// One connection: after the handshake (TLS 1.3 sends its NewSessionTickets then), it reads the upgrade request,
// answers 101 with the right Sec-WebSocket-Accept and the FRAMES file (the server's WebSocket frames of a
// recorded session) in one write, ends (close_notify, FIN), prints "PROTOCOL TLSv1.x TICKETS n" (the session
// tickets issued before that answer) and exits.
'use strict';
const tls = require('tls');
const fs = require('fs');
const crypto = require('crypto');
const [cert, key, frames] = process.argv.slice(2, 5);
let tickets = 0, answered = false;
const srv = tls.createServer({
  cert: fs.readFileSync(cert), key: fs.readFileSync(key),
}, (c) => {
  let req = Buffer.alloc(0);
  c.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
  c.on('data', (d) => {
    req = Buffer.concat([req, d]);
    const end = req.indexOf('\r\n\r\n');
    if (end < 0 || answered) return;
    answered = true;
    const k = /\r\nSec-WebSocket-Key: *([^\r]*)\r\n/i.exec(req.subarray(0, end + 2).toString());
    const accept = crypto.createHash('sha1').update((k ? k[1] : '') + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    c.end(Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`), fs.readFileSync(frames)]));
    console.log(`PROTOCOL ${c.getProtocol()} TICKETS ${tickets}`);
    c.on('close', () => process.exit(0));
  });
});
srv.on('newSession', (id, data, cb) => { tickets++; cb(); }); // one per ticket issued
srv.listen(0, '127.0.0.1', () => console.log(`LISTENING ${srv.address().port}`));
setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 60000).unref();
