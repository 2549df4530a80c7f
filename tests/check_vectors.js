// Checks rtm-dump's decoding of a recorded FPNN session against the server's own record of it
// (NAME.expected.jsonl, written from the live server's frames), field by field and exactly.
//   node tests/check_vectors.js NAME.expected.jsonl DUMP_OUTPUT_NO_DEDUP.jsonl
//   node tests/check_vectors.js --strip NAME.expected.jsonl NAME.bin OUT.fpnn   (bare FPNN packages)
'use strict';
const fs = require('fs');

const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

if (process.argv[2] === '--strip') {
  const frames = readJsonl(process.argv[3]);
  const bin = fs.readFileSync(process.argv[4]);
  const parts = frames.map((f) => bin.subarray(f.ws.offset + f.ws.header_len, f.ws.offset + f.ws.header_len + f.ws.payload_len));
  fs.writeFileSync(process.argv[5], Buffer.concat(parts));
  process.exit(0);
}

const frames = readJsonl(process.argv[2]);
const lines = readJsonl(process.argv[3]);
const INT64 = ['from', 'to', 'gid', 'rid', 'mid', 'mtime'];
const FIELDS = ['from', 'to', 'gid', 'rid', 'mtype', 'mid', 'msg', 'attrs', 'mtime'];
const ALLOWED = {
  pushmsg: ['from', 'to', 'mtype', 'mid', 'msg', 'attrs', 'mtime'],
  pushgroupmsg: ['from', 'gid', 'mtype', 'mid', 'msg', 'attrs', 'mtime'],
  pushroommsg: ['from', 'rid', 'mtype', 'mid', 'msg', 'attrs', 'mtime'],
  pushbroadcastmsg: ['from', 'mtype', 'mid', 'msg', 'attrs', 'mtime'],
  kickoutroom: ['rid'], kickout: [], ping: [],
};
function routed(method, mtype) {
  const base = method.replace(/msg$/, '');
  if (!(method in ALLOWED) || !method.endsWith('msg') || mtype === undefined) return method;
  if (mtype === 30) return base + 'chat';
  if (mtype === 31) return base + 'audio';
  if (mtype === 32) return base + 'cmd';
  if (mtype >= 40 && mtype <= 50) return base + 'file';
  return method;
}
let failures = 0;
const fail = (n, msg) => { failures++; console.error(`frame ${n}: ${msg}`); };
if (frames.length !== lines.length) fail('-', `${frames.length} frames but ${lines.length} lines`);
frames.forEach((f, i) => {
  const got = lines[i];
  if (!got) return;
  const want = {};
  if (f.kind === 'answer') {
    Object.assign(want, { event: 'answer', seq: f.seq, status: f.status });
    if (typeof f.payload.ok === 'boolean') want.ok = f.payload.ok;
    if (f.status !== 0) { want.code = f.payload.code; want.ex = f.payload.ex; }
  } else {
    want.event = routed(f.method, f.payload.mtype);
    want.method = f.method;
    if (f.mtype === 1) want.seq = f.seq;
    want.twoway = f.mtype === 1;
    for (const k of FIELDS) {
      if (!(k in f.payload) || !(ALLOWED[f.method] || []).includes(k)) continue;
      const v = f.payload[k];
      want[k] = INT64.includes(k) ? String(v) : v;
    }
  }
  const a = JSON.stringify(want), b = JSON.stringify(got);
  if (a !== b) fail(i, `\n  want ${a.slice(0, 300)}\n  got  ${b.slice(0, 300)}`);
});
if (failures) { console.error(`${failures} mismatches`); process.exit(1); }
console.log(`${frames.length} frames decoded exactly`);
