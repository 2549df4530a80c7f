// A TCP proxy between a TLS client and server.
//   node tests/tls/cutproxy.js TARGET_PORT N [--host H] [--target-host H] [--ready FILE]   -> prints "LISTENING <port>"
// --host: the address it listens on (default 127.0.0.1; the name the client connects to, e.g. localhost);
// --target-host: the server's (default 127.0.0.1); --ready FILE: the port is also written there, whole
// (written as FILE.tmp, then renamed), for a test that waits for a file made fresh for this start.
// N (a number): after the server's Nth application-data record, forwards only half of the next record and
// closes: "the peer closed mid-record".
// N = "watch": forwards everything and, when the client ends its side, prints the content types of the
// client's TLS records ("CLIENT_RECORDS 22,20,22,23,...,21"), the server name its ClientHello sent
// ("CLIENT_SNI localhost", or "CLIENT_SNI none") and "CLIENT_FIN" (a clean end) or "CLIENT_RESET" (an error),
// then exits (or prints "TIMEOUT" and exits after a minute without that).
'use strict';
const net = require('net');
const fs = require('fs');
const target = Number(process.argv[2]);
const watch = process.argv[3] === 'watch';
const cutAfter = Number(process.argv[3] || 2);
const opts = { '--host': '127.0.0.1', '--target-host': '127.0.0.1', '--ready': null };
for (let i = 4; i < process.argv.length; i += 2) {
  if (!(process.argv[i] in opts) || process.argv[i + 1] === undefined) {
    process.stderr.write('cutproxy: bad option ' + process.argv[i] + '\n');
    process.exit(2);
  }
  opts[process.argv[i]] = process.argv[i + 1];
}
// The server_name extension (RFC 6066 3) of a ClientHello record, or 'none'.
function sniOf(rec) {
  try {
    let i = 5 + 4 + 2 + 32; // record header, handshake header, version, random
    i += 1 + rec[i]; // session id
    i += 2 + rec.readUInt16BE(i); // cipher suites
    i += 1 + rec[i]; // compression methods
    const end = i + 2 + rec.readUInt16BE(i);
    for (i += 2; i + 4 <= end; i += 4 + rec.readUInt16BE(i + 2)) {
      if (rec.readUInt16BE(i) === 0) return rec.subarray(i + 4 + 5, i + 4 + 5 + rec.readUInt16BE(i + 4 + 3)).toString();
    }
    return 'none';
  } catch (e) {
    return 'unreadable';
  }
}
const srv = net.createServer((c) => {
  const u = net.connect(target, opts['--target-host']);
  let buf = Buffer.alloc(0), appRecords = 0, done = false, cbuf = Buffer.alloc(0);
  const types = [];
  let sni = 'no ClientHello';
  c.on('data', (d) => {
    u.write(d);
    if (!watch) return;
    cbuf = Buffer.concat([cbuf, d]);
    while (cbuf.length >= 5 && cbuf.length >= 5 + cbuf.readUInt16BE(3)) {
      if (!types.length && cbuf[0] === 22 && cbuf[5] === 1) sni = sniOf(cbuf.subarray(0, 5 + cbuf.readUInt16BE(3)));
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
    console.log(`CLIENT_SNI ${sni}`);
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
srv.listen(0, opts['--host'], () => {
  const port = srv.address().port;
  console.log(`LISTENING ${port}`);
  if (opts['--ready']) {
    fs.writeFileSync(opts['--ready'] + '.tmp', `${port}\n`);
    fs.renameSync(opts['--ready'] + '.tmp', opts['--ready']);
  }
});
if (watch) { // the test waits for this process: never longer than a minute, whatever the client did
  setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 60000).unref();
}
