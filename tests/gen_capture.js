'use strict';
// node tests/gen_capture.js N [FILE]: a capture of N two-way pushes (pushmsg, JSON, each with its own mid) as the
// gate's WebSocket frames -- the bytes a client reads after the 101 response, what rtm-dump reads by default --
// written to FILE, or to stdout. For rtm-dump's test on captures of any length (tests/tools.sh).
const fs = require('fs');
const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 0) { console.error('usage: node tests/gen_capture.js N [FILE]'); process.exit(2); }
const fd = process.argv[3] ? fs.openSync(process.argv[3], 'w') : 1;
const METHOD = Buffer.from('pushmsg');
const BATCH = 8192;
const MID = 1700000000000000000n;
for (let i = 0; i < n; i += BATCH) {
  const parts = [];
  for (let k = i; k < Math.min(n, i + BATCH); k++) {
    const payload = Buffer.from(`{"from":7,"to":4242,"mtype":30,"mid":${MID + BigInt(k)},"msg":"m${k}","attrs":"","mtime":1700000000000}`);
    const pkg = Buffer.alloc(16 + METHOD.length + payload.length);
    pkg.write('FPNN', 0, 'latin1');
    pkg[4] = 1; pkg[5] = 0x40; pkg[6] = 1; pkg[7] = METHOD.length; // version 1, JSON, two-way, method length
    pkg.writeUInt32LE(payload.length, 8);
    pkg.writeUInt32LE((k + 1) >>> 0, 12); // seq
    METHOD.copy(pkg, 16);
    payload.copy(pkg, 16 + METHOD.length);
    // an unmasked binary frame (these packages are shorter than 64 KiB: a 7- or 16-bit length)
    const h = Buffer.from(pkg.length < 126 ? [0x82, pkg.length] : [0x82, 126, pkg.length >> 8, pkg.length & 0xff]);
    parts.push(h, pkg);
  }
  const b = Buffer.concat(parts);
  for (let off = 0; off < b.length;) {
    try { off += fs.writeSync(fd, b, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
  }
}
if (fd !== 1) fs.closeSync(fd);
