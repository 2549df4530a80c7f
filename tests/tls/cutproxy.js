// A TCP proxy between a TLS client and server.
//   node tests/tls/cutproxy.js TARGET_PORT N|watch [--host H] [--target-host H] [--ready FILE] [--keylog FILE]
//                                                                             -> prints "LISTENING <port>"
// --host: the address it listens on (default 127.0.0.1; the name the client connects to, e.g. localhost);
// --target-host: the server's (default 127.0.0.1); --ready FILE: the port is also written there, whole
// (written as FILE.tmp, then renamed), for a test that waits for a file made fresh for this start.
// --keylog FILE: the server's TLS secrets in the NSS key log format (the simulator's --keylog). With them the proxy
// decrypts TLS 1.3 records, whose real content type is inside the encryption: on the wire every record after the
// ServerHello is type 23 (application data), the encrypted handshake, session tickets and alerts included.
// N (a number): after the server's Nth application-data record after the handshake (TLS 1.2: outer type 23; TLS
// 1.3: inner type 23, decrypted), forwards only half of the next one and closes: "the peer closed mid-record".
// N = "watch": forwards everything and, when the client ends its side, prints
//   CLIENT_RECORDS 22,20,23,...,21       the content types of the client's records as the wire shows them
//   CLIENT_VERSION TLSv1.2|TLSv1.3       the version the ServerHello chose
//   CLIENT_LAST_RECORD ...               the client's last record: "alert close_notify (decrypted, TLSv1.3)", or
//                                        "alert (TLSv1.2: type 21 in clear, description encrypted)", or what it was
//   CLIENT_SNI localhost|none            the server name its ClientHello sent (RFC 6066 3)
//   SERVER_BYTES_AFTER_CLIENT_FIN n      what the server sent after the client's FIN (its close_notify crossing)
//   CLIENT_FIN | CLIENT_RESET            a clean end, or an error (a TCP reset; also "CLIENT_FIN then CLIENT_RESET")
// then exits (or prints "TIMEOUT" and exits after a minute without that).
'use strict';
const net = require('net');
const fs = require('fs');
const crypto = require('crypto');
const target = Number(process.argv[2]);
const watch = process.argv[3] === 'watch';
const cutAfter = Number(process.argv[3] || 2);
const opts = { '--host': '127.0.0.1', '--target-host': '127.0.0.1', '--ready': null, '--keylog': null };
for (let i = 4; i < process.argv.length; i += 2) {
  if (!(process.argv[i] in opts) || process.argv[i + 1] === undefined) {
    process.stderr.write('cutproxy: bad option ' + process.argv[i] + '\n');
    process.exit(2);
  }
  opts[process.argv[i]] = process.argv[i + 1];
}
const keylog = opts['--keylog'];
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
// The ServerHello's cipher suite and version (supported_versions, RFC 8446 4.2.1), or null.
function serverHelloOf(rec) {
  try {
    if (rec[0] !== 22 || rec[5] !== 2) return null;
    let i = 5 + 4 + 2 + 32;
    i += 1 + rec[i];
    const suite = rec.readUInt16BE(i);
    i += 3;
    let version = 'TLSv1.2';
    if (i + 2 <= rec.length) {
      const end = i + 2 + rec.readUInt16BE(i);
      for (i += 2; i + 4 <= end; i += 4 + rec.readUInt16BE(i + 2)) {
        if (rec.readUInt16BE(i) === 43 && rec.readUInt16BE(i + 4) === 0x0304) version = 'TLSv1.3';
      }
    }
    if (rec.readUInt16BE(9) === 0x0302) version = 'TLSv1.1';
    if (rec.readUInt16BE(9) === 0x0301) version = 'TLSv1.0';
    return { suite, version };
  } catch (e) {
    return null;
  }
}

// TLS 1.3 record protection (RFC 8446 5.2, 7.1, 7.3) from the key log's traffic secrets.
const SUITES = { 0x1301: ['aes-128-gcm', 16, 'sha256'], 0x1302: ['aes-256-gcm', 32, 'sha384'],
  0x1303: ['chacha20-poly1305', 32, 'sha256'] };
function expandLabel(hash, secret, label, len) { // HKDF-Expand-Label; one HMAC block is enough for a key or an IV
  const full = Buffer.from('tls13 ' + label);
  const info = Buffer.concat([Buffer.from([len >> 8, len & 255, full.length]), full, Buffer.from([0, 1])]);
  return crypto.createHmac(hash, secret).update(info).digest().subarray(0, len);
}
function secretOf(label, random) {
  if (!keylog) return null;
  let text = '';
  try { text = fs.readFileSync(keylog, 'utf8'); } catch (e) { return null; }
  const want = random.toString('hex');
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length === 3 && f[0] === label && f[1].toLowerCase() === want) return Buffer.from(f[2], 'hex');
  }
  return null;
}
// One direction's decryption: the handshake traffic secret until its Finished, then the application one.
// (No KeyUpdate: neither peer of these tests sends one.)
function decryptor(side, suite, random) {
  const [alg, keyLen, hash] = SUITES[suite] || [];
  const st = { phase: 'HANDSHAKE', keys: null, hs: Buffer.alloc(0), error: null };
  const keysFor = (phase) => {
    const secret = secretOf(`${side}_${phase === 'HANDSHAKE' ? 'HANDSHAKE_TRAFFIC_SECRET' : 'TRAFFIC_SECRET_0'}`, random);
    if (!secret) throw new Error(`no ${side} ${phase} secret in the key log`);
    return { key: expandLabel(hash, secret, 'key', keyLen), iv: expandLabel(hash, secret, 'iv', 12), seq: 0n };
  };
  // an encrypted record -> { type, data, afterHandshake }
  st.open = (rec) => {
    if (!alg) throw new Error('unknown TLS 1.3 cipher suite 0x' + suite.toString(16));
    if (!st.keys) st.keys = keysFor(st.phase);
    const k = st.keys;
    const nonce = Buffer.from(k.iv);
    for (let i = 0; i < 8; i++) nonce[11 - i] ^= Number((k.seq >> BigInt(8 * i)) & 255n);
    k.seq++;
    const body = rec.subarray(5);
    const d = crypto.createDecipheriv(alg, k.key, nonce, { authTagLength: 16 });
    d.setAAD(rec.subarray(0, 5));
    d.setAuthTag(body.subarray(body.length - 16));
    const pt = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
    let n = pt.length;
    while (n > 0 && pt[n - 1] === 0) n--;
    const out = { type: pt[n - 1], data: pt.subarray(0, n - 1), afterHandshake: st.phase === 'APPLICATION' };
    if (st.phase === 'HANDSHAKE' && out.type === 22) { // the handshake messages: switch keys after Finished (20)
      st.hs = Buffer.concat([st.hs, out.data]);
      while (st.hs.length >= 4 && st.hs.length >= 4 + st.hs.readUIntBE(1, 3)) {
        const t = st.hs[0];
        st.hs = st.hs.subarray(4 + st.hs.readUIntBE(1, 3));
        if (t === 20) { st.phase = 'APPLICATION'; st.keys = null; st.hs = Buffer.alloc(0); }
      }
    }
    return out;
  };
  return st;
}

// Whole records out of a byte stream.
function records(state, d, each) {
  state.buf = Buffer.concat([state.buf, d]);
  while (state.buf.length >= 5 && state.buf.length >= 5 + state.buf.readUInt16BE(3)) {
    const len = 5 + state.buf.readUInt16BE(3);
    const rec = state.buf.subarray(0, len);
    state.buf = state.buf.subarray(len);
    if (each(rec) === false) return false;
  }
  return true;
}

// watch: the client's FIN is passed on, and what the server still sends is still passed back (a half-open
// connection); a client that closed without reading it answers with a reset.
const srv = net.createServer({ allowHalfOpen: watch }, (c) => {
  const u = net.connect(target, opts['--target-host']);
  const cin = { buf: Buffer.alloc(0) }, sin = { buf: Buffer.alloc(0) };
  let clientFin = false, lateData = 0, serverReset = false; // watch: the client's FIN seen; the server's bytes sent after it
  let appRecords = 0, done = false, random = null, hello = null, sdec = null;
  const crecs = []; // watch: the client's records, decrypted at the end (every secret is in the key log by then)
  const types = [];
  let sni = 'no ClientHello';
  const serverDone = { tls12: false }; // TLS 1.2: the server's ChangeCipherSpec and Finished seen
  c.on('data', (d) => {
    u.write(d);
    records(cin, d, (rec) => {
      if (!types.length && rec[0] === 22 && rec[5] === 1) {
        sni = sniOf(rec);
        random = Buffer.from(rec.subarray(11, 43));
      }
      types.push(rec[0]);
      if (watch) crecs.push(Buffer.from(rec));
    });
  });
  u.on('data', (d) => {
    if (done) return;
    if (watch) {
      if (clientFin) lateData += d.length;
      c.write(d);
      records(sin, d, (rec) => { if (!hello) hello = serverHelloOf(rec); });
      return;
    }
    records(sin, d, (rec) => {
      if (!hello) hello = serverHelloOf(rec);
      let app = false;
      if (hello && hello.version === 'TLSv1.3') {
        if (rec[0] === 23) {
          try {
            if (!sdec) sdec = decryptor('SERVER', hello.suite, random);
            const r = sdec.open(rec);
            app = r.afterHandshake && r.type === 23;
          } catch (e) {
            console.log('UNDECRYPTABLE ' + e.message);
          }
        }
      } else {
        if (rec[0] === 20) serverDone.tls12 = true;
        app = serverDone.tls12 && rec[0] === 23;
      }
      if (app && appRecords === cutAfter) { // half a record, then the end
        c.end(rec.subarray(0, Math.max(6, rec.length >> 1)));
        done = true; u.destroy(); srv.close();
        return false;
      }
      if (app) appRecords++;
      c.write(rec);
      return true;
    });
  });
  const lastRecord = () => {
    if (!crecs.length) return 'none';
    const rec = crecs[crecs.length - 1];
    if (!hello || hello.version !== 'TLSv1.3') {
      return rec[0] === 21 ? `alert (${hello ? hello.version : '?'}: type 21 in clear, description encrypted)` : `type ${rec[0]}`;
    }
    try {
      const dec = decryptor('CLIENT', hello.suite, random);
      let r = null;
      for (const x of crecs) if (x[0] === 23) r = dec.open(x);
      if (!r || crecs[crecs.length - 1][0] !== 23) return `type ${rec[0]}`;
      return r.type === 21 ? `alert ${r.data[1] === 0 ? 'close_notify' : 'description ' + r.data[1]} (decrypted, TLSv1.3)`
        : `type ${r.type} (decrypted, TLSv1.3)`;
    } catch (e) {
      return 'undecryptable: ' + e.message;
    }
  };
  const report = (how) => {
    if (!watch || done) return;
    done = true;
    const last = lastRecord();
    console.log(`CLIENT_RECORDS ${types.join(',')}${cin.buf.length ? ' +' + cin.buf.length + ' bytes' : ''}`);
    console.log(`CLIENT_VERSION ${hello ? hello.version : 'no ServerHello'}`);
    console.log(`CLIENT_LAST_RECORD ${last}`);
    console.log(`CLIENT_SNI ${sni}`);
    console.log(`SERVER_BYTES_AFTER_CLIENT_FIN ${lateData}${serverReset ? ' (then the server reset its side)' : ''}`);
    console.log(how);
    c.destroy(); u.destroy(); srv.close();
  };
  if (watch) { // reported when the client's socket is closed: a reset after the FIN counts too
    let fin = false, reset = false;
    c.on('end', () => { fin = clientFin = true; u.end(); });
    c.on('error', () => { reset = true; });
    c.on('close', () => report(fin && !reset ? 'CLIENT_FIN' : fin ? 'CLIENT_FIN then CLIENT_RESET' : 'CLIENT_RESET'));
    // The server's FIN: passed on; the client's records are still read. Bytes the server sent after the client's FIN
    // (its close_notify crossing the client's) reach a client that may have closed its socket already: its kernel
    // answers them with a reset. That shows on the next write: 300 ms later one more byte goes (after the server's
    // close_notify and FIN: a client still reading drops it), then the FIN.
    u.on('end', () => {
      if (!lateData) { c.end(); return; }
      setTimeout(() => { c.write(Buffer.from([0])); c.end(); }, 300);
    });
  }
  const end = () => { if (!done) { done = true; c.destroy(); u.destroy(); srv.close(); } };
  if (!watch) { c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end); }
  else { u.on('error', () => { serverReset = true; c.end(); }); } // the server's reset: an end to the client, said apart
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
