// A TCP proxy between a TLS client and server.
//   node tests/tls/cutproxy.js TARGET_PORT N   -> prints "LISTENING <port>"
// N (a number): after the server's Nth application-data record, forwards only half of the next record and
// closes: "the peer closed mid-record".
// N = "watch": forwards everything and, when the client ends its side, prints the content types of the
// client's TLS records ("CLIENT_RECORDS 22,20,22,23,...,21") and "CLIENT_FIN" (a clean end) or
// "CLIENT_RESET" (an error), then exits.
'use strict';
const net = require('net');
const target = Number(process.argv[2]);
const watch = process.argv[3] === 'watch';
const cutAfter = Number(process.argv[3] || 2);
const srv = net.createServer((c) => {
  const u = net.connect(target, '127.0.0.1');
  let buf = Buffer.alloc(0), appRecords = 0, done = false, cbuf = Buffer.alloc(0);
  const types = [];
  c.on('data', (d) => {
    u.write(d);
    if (!watch) return;
    cbuf = Buffer.concat([cbuf, d]);
    while (cbuf.length >= 5 && cbuf.length >= 5 + cbuf.readUInt16BE(3)) {
      types.push(cbuf[0]);
      cbuf = cbuf.subarray(5 + cbuf.readUInt16BE(3));
    }
  });
  u.on('data', (d) => {
    if (done) return;
    if (watch) { c.write(d); return; }
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
  const report = (how) => {
    if (!watch || done) return;
    done = true;
    console.log(`CLIENT_RECORDS ${types.join(',')}${cbuf.length ? ' +' + cbuf.length + ' bytes' : ''}`);
    console.log(how);
    c.destroy(); u.destroy(); srv.close();
  };
  if (watch) {
    c.on('end', () => report('CLIENT_FIN'));
    c.on('error', () => report('CLIENT_RESET'));
    u.on('end', () => c.end()); // the server's FIN: passed on; the client's records are still read
  }
  const end = () => { if (!done) { done = true; c.destroy(); u.destroy(); srv.close(); } };
  if (!watch) { c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end); }
  else { u.on('error', () => c.destroy()); }
});
srv.listen(0, '127.0.0.1', () => console.log(`LISTENING ${srv.address().port}`));
