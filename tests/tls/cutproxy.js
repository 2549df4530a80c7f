// A TCP proxy that forwards a TLS connection and, after the server's Nth application-data record,
// forwards only half of the next record and closes: "the peer closed mid-record".
//   node tests/tls/cutproxy.js TARGET_PORT N   -> prints "LISTENING <port>"
'use strict';
const net = require('net');
const target = Number(process.argv[2]);
const cutAfter = Number(process.argv[3] || 2);
const srv = net.createServer((c) => {
  const u = net.connect(target, '127.0.0.1');
  let buf = Buffer.alloc(0), appRecords = 0, done = false;
  c.on('data', (d) => u.write(d));
  u.on('data', (d) => {
    if (done) return;
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 5) {
      const len = 5 + buf.readUInt16BE(3);
      if (buf[0] === 23 && appRecords === cutAfter) { // half a record, then the end
        c.end(buf.subarray(0, Math.max(6, len >> 1)));
        done = true; u.destroy(); srv.close();
        return;
      }
      if (buf.length < len) break;
      if (buf[0] === 23) appRecords++;
      c.write(buf.subarray(0, len));
      buf = buf.subarray(len);
    }
  });
  const end = () => { if (!done) { done = true; c.destroy(); u.destroy(); srv.close(); } };
  c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end);
});
srv.listen(0, '127.0.0.1', () => console.log(`LISTENING ${srv.address().port}`));
