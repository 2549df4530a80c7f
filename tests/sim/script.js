'use strict';
// Push scripts for the RTM gate simulator (gate.js) and its oracle (expect.js).
//
// Data only, plus buildPlan(), which both tools use so that they assign seqs
// and per-push encodings identically. Int64 values are BigInt.
//
// Step kinds:
//   { push: METHOD, twoway: bool, payload: {...}, transport?, size?, note? }
//   { wsping: true }                 a WebSocket ping frame between pushes
// transport:
//   'normal'  (default) one binary frame, one package
//   'bug126'  the package must be exactly 126 bytes; framed like the buggy
//             FPNN server: 82 7E + payload (no 16-bit length)
//   'frag3'   one package over three frames (binary fin=0, a ws ping,
//             continuation fin=0, continuation fin=1)
//   'coalesce'  this package and the next push's package in ONE message
//   'split'   this package split across two messages (cut inside the header)
//   'coalesce-split'  message 1 = this package + the head of the next one,
//             message 2 = the rest of the next one
// size: {json: N, msgpack: N} exact package length the gate must produce
//       (the gate refuses to run if the encoded package differs).
// Payload values wrapped with byEnc({json, msgpack}) differ per encoding.

const { RawStr } = require('./fpnn');

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const P53_1 = 9007199254740993n; // 2^53 + 1
const INT64_MAX_1 = 9223372036854775806n;
const P62 = 4611686018427387904n;
const T = 1712345678000n; // mtime base
const MID = 1700000000000123457n; // mid base

class ByEnc { constructor(o) { this.json = o.json; this.msgpack = o.msgpack; } }
const byEnc = (o) => new ByEnc(o);

// ASCII filler: prefix + A..Z repeated + ":END", exactly n bytes.
function fill(prefix, n) {
  const end = ':END';
  let body = '';
  const AZ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  while (prefix.length + body.length + end.length < n) body += AZ;
  return prefix + body.slice(0, n - prefix.length - end.length) + end;
}

const FILE_MSG = '{"url":"https://example.org/f/1.amr","size":2048,"surl":"https://example.org/s/1.jpg"}';
const FILE_ATTRS = '{"rtm":{"type":"audiomsg","duration":3},"custom":""}';
// every JSON escape FPNN produces, plus raw UTF-8 the client must keep as is
const ESC = 'slash:/ quote:" backslash:\\ bs:\b ff:\f nl:\n cr:\r tab:\t nul:\u0000 soh:\u0001 del:\u007f ' +
  'ls:\u2028 crab:\u{1F980} zh:\u4f60\u597d\u4e16\u754c end';
const TRANSLATION = { source: 'zh-CN', target: 'en', sourceText: '你好世界', targetText: 'Hello world' };

const p2p = (o) => ({ push: 'pushmsg', twoway: true, ...o });
const grp = (o) => ({ push: 'pushgroupmsg', twoway: true, ...o });
const room = (o) => ({ push: 'pushroommsg', twoway: true, ...o });
const bc = (o) => ({ push: 'pushbroadcastmsg', twoway: true, ...o });

// the group audio push that is later duplicated (same payload, new seq)
const DUP_SOURCE = { from: 1001n, gid: -1n, mtype: 31, mid: MID + 3n, msg: 'group audio', attrs: '', mtime: T + 8n };

const demo = [
  { push: 'ping', twoway: true, payload: {} },
  grp({ note: 'translated chat; from 2^53+1, gid 2^62, mid 2^63-2', payload: { from: P53_1, gid: P62, mtype: 30, mid: INT64_MAX_1, msg: TRANSLATION, attrs: '', mtime: T + 1n } }),
  p2p({ note: 'every JSON escape in msg and attrs', payload: { from: 7n, to: 4242n, mtype: 30, mid: MID, msg: ESC, attrs: 'attrs ' + ESC, mtime: T + 2n } }),
  { wsping: true },
  p2p({ note: 'from INT64_MAX, mtime INT64_MAX', payload: { from: INT64_MAX, to: 4242n, mtype: 31, mid: P53_1, msg: 'audio as text', attrs: '', mtime: INT64_MAX } }),
  p2p({ note: 'from INT64_MIN, to -1, mtime INT64_MIN', payload: { from: INT64_MIN, to: -1n, mtype: 32, mid: MID + 1n, msg: 'cmd:typing', attrs: '', mtime: INT64_MIN } }),
  p2p({ note: 'file (mtype 40) JSON msg; from 0', payload: { from: 0n, to: 4242n, mtype: 40, mid: MID + 2n, msg: FILE_MSG, attrs: FILE_ATTRS, mtime: T + 7n } }),
  grp({ note: 'group audio; gid -1 (duplicated later)', payload: { ...DUP_SOURCE } }),
  grp({ note: 'group cmd; gid INT64_MAX, mid INT64_MIN', payload: { from: 1002n, gid: INT64_MAX, mtype: 32, mid: INT64_MIN, msg: 'group cmd', attrs: '', mtime: T + 9n } }),
  grp({ note: 'group file (mtype 45), bare URL msg; gid 0', payload: { from: 1003n, gid: 0n, mtype: 45, mid: MID + 4n, msg: 'https://example.org/f/2.png', attrs: FILE_ATTRS, mtime: T + 10n } }),
  grp({ note: 'group mtype 10 -> pushgroupmsg itself', payload: { from: 1004n, gid: 77n, mtype: 10, mid: MID + 5n, msg: 'group plain', attrs: '', mtime: T + 11n } }),
  room({ note: 'room chat; rid INT64_MAX', payload: { from: P53_1, rid: INT64_MAX, mtype: 30, mid: MID + 6n, msg: 'room chat 你好', attrs: '', mtime: T + 12n } }),
  room({ note: 'room audio; rid INT64_MIN', payload: { from: 1005n, rid: INT64_MIN, mtype: 31, mid: MID + 7n, msg: 'room audio', attrs: '', mtime: T + 13n } }),
  { wsping: true },
  room({ note: 'room cmd; rid 2^63-2, mid INT64_MAX', payload: { from: 1006n, rid: INT64_MAX_1, mtype: 32, mid: INT64_MAX, msg: 'room cmd', attrs: '', mtime: T + 14n } }),
  room({ note: 'room file (mtype 50, upper bound)', payload: { from: 1007n, rid: 42n, mtype: 50, mid: MID + 8n, msg: FILE_MSG, attrs: FILE_ATTRS, mtime: T + 15n } }),
  room({ note: 'room mtype 29 -> pushroommsg itself', payload: { from: 1008n, rid: 42n, mtype: 29, mid: MID + 9n, msg: 'room plain', attrs: '', mtime: T + 16n } }),
  bc({ note: 'broadcast chat; from -1', payload: { from: -1n, mtype: 30, mid: MID + 10n, msg: 'broadcast chat', attrs: '', mtime: T + 17n } }),
  bc({ payload: { from: 900n, mtype: 31, mid: MID + 11n, msg: 'broadcast audio', attrs: '', mtime: T + 18n } }),
  bc({ payload: { from: 900n, mtype: 32, mid: MID + 12n, msg: 'broadcast cmd', attrs: '', mtime: T + 19n } }),
  bc({ note: 'broadcast file (mtype 40, lower bound)', payload: { from: 900n, mtype: 40, mid: MID + 13n, msg: FILE_MSG, attrs: FILE_ATTRS, mtime: T + 20n } }),
  bc({ note: 'broadcast mtype 33 -> pushbroadcastmsg itself', payload: { from: 900n, mtype: 33, mid: MID + 14n, msg: 'broadcast plain', attrs: '', mtime: T + 21n } }),
  p2p({ note: 'custom mtype 77', payload: { from: 8n, to: 4242n, mtype: 77, mid: MID + 15n, msg: 'custom 77', attrs: '', mtime: T + 22n } }),
  p2p({ note: 'mtype 51 (just above file range)', payload: { from: 8n, to: 4242n, mtype: 51, mid: MID + 16n, msg: 'custom 51', attrs: '', mtime: T + 23n } }),
  p2p({ note: 'mtype 127', payload: { from: 8n, to: 4242n, mtype: 127, mid: MID + 17n, msg: 'custom 127', attrs: '', mtime: T + 24n } }),
  grp({ note: 'DUPLICATE of the group audio push (same payload, new seq): answer, do not deliver', dup: true, payload: { ...DUP_SOURCE } }),
  grp({ note: 'same from+mid as the duplicate but another gid: delivered', payload: { ...DUP_SOURCE, gid: 5n, msg: 'group audio, other group', mtime: T + 25n } }),
  room({ note: 'same from+mid+target value but room category: delivered', payload: { from: 1001n, rid: -1n, mtype: 31, mid: MID + 3n, msg: 'room audio, same mid', attrs: '', mtime: T + 26n } }),
  p2p({ note: 'excludedUids holds 4242: answer, do not deliver', excluded: true, payload: { from: 7n, to: 4242n, mtype: 30, mid: MID + 18n, msg: 'not for you', attrs: '{"excludedUids":["4242","7"]}', mtime: T + 27n } }),
  p2p({ note: 'excludedUids without 4242: delivered', payload: { from: 7n, to: 4242n, mtype: 30, mid: MID + 19n, msg: 'for you', attrs: '{"excludedUids":["99"]}', mtime: T + 28n } }),
  p2p({ note: 'only from and mid', payload: { from: 9n, mid: MID + 20n } }),
  p2p({ note: 'extra unknown keys (skipped by the client)', payload: {
    from: 10n, to: 4242n, mtype: 30, mid: MID + 21n,
    xtra: { a: [1n, -2n, 1.5, true, null, 's/'], b: {}, big: INT64_MAX },
    msg: 'extra keys ignored', attrs: '', mtime: T + 29n, zzz: 'tail' } }),
  { push: 'pushsomethingnew', twoway: true, payload: { x: 1n } },
  { push: 'notice', twoway: false, payload: { text: 'maintenance at 02:00' } },
  { push: 'pushchat', twoway: true, note: 'derived name as wire method', payload: { from: 11n, to: 4242n, mtype: 30, mid: MID + 22n, msg: 'wire pushchat', attrs: '', mtime: T + 30n } },
  p2p({ note: 'msgpack: msg is bin 00 ff 80 41; JSON: a plain string', payload: { from: 12n, to: 4242n, mtype: 31, mid: MID + 23n,
    msg: byEnc({ json: 'bin:00ff8041', msgpack: Buffer.from([0x00, 0xff, 0x80, 0x41]) }), attrs: '', mtime: T + 31n } }),
  p2p({ note: 'msgpack: msg is a str that is not UTF-8 (c3 28 41); JSON: a plain string', payload: { from: 12n, to: 4242n, mtype: 30, mid: MID + 24n,
    msg: byEnc({ json: 'raw:c32841', msgpack: new RawStr([0xc3, 0x28, 0x41]) }), attrs: '', mtime: T + 32n } }),
  { wsping: true },
  p2p({ note: '126-byte package, buggy FPNN framing 82 7E <payload>', transport: 'bug126', size: { json: 126, msgpack: 126 },
    payload: { from: 13n, to: 4242n, mtype: 30, mid: 126n, msg: byEnc({ json: fill('P126:', 13), msgpack: fill('P126:', 50) }), attrs: '', mtime: T + 33n } }),
  p2p({ note: '127-byte package, genuine 16-bit length 82 7E 00 7F', size: { json: 127, msgpack: 127 },
    payload: { from: 13n, to: 4242n, mtype: 30, mid: 127n, msg: byEnc({ json: fill('P127:', 14), msgpack: fill('P127:', 51) }), attrs: '', mtime: T + 34n } }),
  p2p({ note: '70,000-byte msg (64-bit WebSocket length)', payload: { from: 14n, to: 4242n, mtype: 30, mid: MID + 27n, msg: fill('M70000:', 70000), attrs: '', mtime: T + 35n } }),
  grp({ note: 'one package over three frames, ws ping between fragments', transport: 'frag3',
    payload: { from: 15n, gid: 88n, mtype: 30, mid: MID + 28n, msg: fill('FRAG3:', 300), attrs: '', mtime: T + 36n } }),
  room({ note: 'two packages in one message (1/2)', transport: 'coalesce', payload: { from: 16n, rid: 42n, mtype: 30, mid: MID + 29n, msg: 'coalesced first', attrs: '', mtime: T + 37n } }),
  bc({ note: 'two packages in one message (2/2)', payload: { from: 16n, mtype: 30, mid: MID + 30n, msg: 'coalesced second', attrs: '', mtime: T + 38n } }),
  p2p({ note: 'one package split across two messages (cut inside the header)', transport: 'split', payload: { from: 17n, to: 4242n, mtype: 30, mid: MID + 31n, msg: 'split in two', attrs: '', mtime: T + 39n } }),
  p2p({ note: 'message 1 = this package + head of the next', transport: 'coalesce-split', payload: { from: 18n, to: 4242n, mtype: 32, mid: MID + 32n, msg: 'cmd before a split', attrs: '', mtime: T + 40n } }),
  grp({ note: 'its head rode in the previous message', payload: { from: 18n, gid: 88n, mtype: 30, mid: MID + 33n, msg: 'tail in second message', attrs: '', mtime: T + 41n } }),
  { wsping: true },
  { push: 'ping', twoway: true, payload: {} },
  { push: 'kickoutroom', twoway: false, payload: { rid: 42n } },
  { push: 'kickout', twoway: false, payload: {} },
];

const small = [
  { push: 'ping', twoway: true, payload: {} },
  p2p({ payload: { from: 7n, to: 4242n, mtype: 30, mid: MID, msg: 'hello from the small script', attrs: '', mtime: T + 1n } }),
  { push: 'kickout', twoway: false, payload: {} },
];

// 'kickout2': the gate's two kickouts (a two-way one, then a one-way one) in one WebSocket message, as a real gate
// sends them when a second login takes the uid: the client delivers the first and ends (issue #18).
const kickout2 = [
  { push: 'ping', twoway: true, payload: {} },
  p2p({ payload: { from: 7n, to: 4242n, mtype: 30, mid: MID, msg: 'before the kickouts', attrs: '', mtime: T + 1n } }),
  { push: 'kickout', twoway: true, payload: {}, transport: 'coalesce', note: 'two-way kickout + one-way kickout in one message' },
  { push: 'kickout', twoway: false, payload: {} },
];

// 'rooms': room pushes arrive only after the client entered the rooms (rtm-listen --enter-room).
const rooms = [
  { push: 'ping', twoway: true, payload: {} },
  { waitRooms: [42n, 9223372036854775807n] },
  { push: 'pushroommsg', twoway: true, payload: { from: 7n, rid: 42n, mtype: 30, mid: MID + 100n, msg: 'room 42 says hi', attrs: '', mtime: T + 100n } },
  { push: 'pushroommsg', twoway: true, payload: { from: 8n, rid: 9223372036854775807n, mtype: 30, mid: MID + 101n, msg: 'the last room', attrs: '', mtime: T + 101n } },
  { push: 'kickout', twoway: false, payload: {} },
];
// 'quests': a ping, then nothing: the client calls gate methods and leaves with bye.
const quests = [
  { push: 'ping', twoway: true, payload: {} },
];

// 'reconnect': one logical session over three connections (gate.js --connections 3). The first drops in
// the middle of a frame, the second at a frame boundary; each new connection redelivers the last pushes
// (same payloads, new seqs), which a correct client delivers once.
const R = (n, extra) => p2p({ payload: { from: 9n, to: 4242n, mtype: 30, mid: MID + 200n + BigInt(n), msg: 'push ' + n, attrs: '', mtime: T + 200n + BigInt(n) }, ...(extra || {}) });
const reconnect1 = [
  { push: 'ping', twoway: true, payload: {} },
  R(1), R(2), R(3),
  R(4, { transport: 'drop-mid-frame', note: 'half of this frame, then the TCP connection drops' }),
];
const reconnect2 = [
  R(3, { note: 'redelivered' }), R(4, { note: 'redelivered (was cut)' }), R(5),
  { push: 'ping', twoway: true, payload: {} },
  { drop: 'boundary' },
];
const reconnect3 = [
  R(4, { note: 'redelivered' }), R(5, { note: 'redelivered' }), R(6),
  { push: 'kickout', twoway: false, payload: {} },
];

// 'catchup' (issue #22): one logical session over three connections (gate.js --connections 3), both drops at a
// frame boundary. At each drop the gate stores messages "sent while the client was away" in the conversations'
// history without pushing them (`away`); the next connection redelivers a few of them as pushes too, waits until
// the client has paged every conversation to its end (`waitCatchUp`), then pushes new messages. uid 4242;
// P2P peers 21 and 22, groups 31 and 32 (the client is a member of both), room 41 (rtm-listen --enter-room 41)
// and the broadcast channel. P2P 21 holds 23 away messages (a full page, then a short one) with a deleted entry and
// one the client sent itself (direction 1); group 31 holds 21 in the second gap, the broadcast channel exactly 20
// (a full page, then an empty one).
const CU_T = 1800000000000n;
const CU_MID = 1800000000000000000n;
const CU_GROUPS = [31n, 32n];
const CU_ROOM = 41n;
const CU_MTYPES = [30, 32, 40, 31, 77, 30];
function cuMsg(method, target, from, n, dt, extra) {
  const mtype = CU_MTYPES[n % CU_MTYPES.length];
  const p = { from, mtype, mid: CU_MID + BigInt(n), msg: mtype === 40 ? '{"url":"https://example.org/cu/' + n + '.png","size":' + n + '}' : 'catch-up ' + n,
    attrs: '', mtime: CU_T + BigInt(dt) };
  if (method === 'pushmsg') p.to = from === 4242n ? target : 4242n;
  if (method === 'pushgroupmsg') p.gid = target;
  if (method === 'pushroommsg') p.rid = target;
  return { push: method, twoway: true, payload: p, ...(extra || {}) };
}
function cuAway(base, dt0) { // the messages of one gap, in server-time order
  const out = [];
  let n = base, dt = dt0;
  const add = (method, target, from, k, extra) => { for (let i = 0; i < k; i++) out.push(cuMsg(method, target, from, n++, dt++, extra && extra(i))); };
  return { out, add };
}
const cuGap1 = (() => {
  const g = cuAway(1000, 10);
  g.add('pushmsg', 21n, 21n, 23, (i) => (i === 4 ? { deleted: true } : null));
  g.add('pushmsg', 21n, 4242n, 1); // sent by the client itself (direction 1): not delivered
  g.add('pushmsg', 22n, 22n, 3);
  g.add('pushgroupmsg', 31n, 5001n, 4);
  g.add('pushgroupmsg', 31n, 4242n, 1); // the client's own group message: not delivered
  g.add('pushroommsg', CU_ROOM, 6001n, 4);
  g.add('pushbroadcastmsg', 0n, 900n, 2);
  return g.out;
})();
const cuGap2 = (() => {
  const g = cuAway(2000, 300);
  g.add('pushmsg', 22n, 22n, 2);
  g.add('pushgroupmsg', 31n, 5002n, 21);
  g.add('pushgroupmsg', 32n, 5003n, 2, (i) => (i === 0 ? { deleted: true } : null));
  g.add('pushroommsg', CU_ROOM, 6002n, 3);
  g.add('pushbroadcastmsg', 0n, 901n, 20);
  return g.out;
})();
const redeliver = (m) => ({ ...m, note: 'redelivered: also stored while away', deleted: undefined });
const catchup1 = [
  { push: 'ping', twoway: true, payload: {} },
  { waitRooms: [CU_ROOM] },
  cuMsg('pushmsg', 21n, 21n, 1, 1), cuMsg('pushgroupmsg', 31n, 5000n, 2, 2), cuMsg('pushroommsg', CU_ROOM, 6000n, 3, 3),
  cuMsg('pushbroadcastmsg', 0n, 900n, 4, 4),
  { push: 'ping', twoway: true, payload: {} },
  { drop: 'boundary', away: cuGap1 },
];
const catchup2 = [
  redeliver(cuGap1[21]), redeliver(cuGap1[22]), redeliver(cuGap1[30]),
  { push: 'ping', twoway: true, payload: {} },
  { waitRooms: [CU_ROOM] },
  { waitCatchUp: true },
  cuMsg('pushmsg', 22n, 22n, 5, 200), cuMsg('pushroommsg', CU_ROOM, 6000n, 6, 201),
  { push: 'ping', twoway: true, payload: {} },
  { drop: 'boundary', away: cuGap2 },
];
const catchup3 = [
  redeliver(cuGap2[cuGap2.length - 1]), redeliver(cuGap2[0]),
  { push: 'ping', twoway: true, payload: {} },
  { waitRooms: [CU_ROOM] },
  { waitCatchUp: true },
  cuMsg('pushgroupmsg', 32n, 5003n, 7, 500),
  { push: 'ping', twoway: true, payload: {} },
  { push: 'kickout', twoway: false, payload: {} },
];

const SCRIPTS = { demo, small, kickout2, rooms, quests, 'reconnect.1': reconnect1, 'reconnect.2': reconnect2, 'reconnect.3': reconnect3,
  'catchup.1': catchup1, 'catchup.2': catchup2, 'catchup.3': catchup3 };

function resolve(v, enc) {
  if (v instanceof ByEnc) return v[enc];
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof RawStr) return v;
  if (Array.isArray(v)) return v.map((x) => resolve(x, enc));
  const o = {};
  for (const k of Object.keys(v)) o[k] = resolve(v[k], enc);
  return o;
}

// encoding of the i-th push (0-based) for a run encoding
function pushEncoding(runEnc, i) {
  if (runEnc === 'json' || runEnc === 'msgpack') return runEnc;
  if (runEnc === 'mixed') return i % 2 === 0 ? 'json' : 'msgpack';
  throw new Error('unknown encoding ' + runEnc);
}

// The plan both tools follow. Server quest seqs start at 1 and count two-way
// pushes only. Returns { name, encoding, items } where each item is either
// { wsping: true } or a push:
// { index, method, twoway, seq|null, encoding, payload, transport, size, note, dup, excluded }
function buildPlan(name, runEnc) {
  const steps = SCRIPTS[name];
  if (!steps) throw new Error('unknown script ' + name + ' (have: ' + Object.keys(SCRIPTS).join(', ') + ')');
  let seq = 0;
  let index = 0;
  const items = [];
  for (const s of steps) {
    if (s.wsping) { items.push({ wsping: true }); continue; }
    if (s.waitRooms) { items.push({ wsping: false, waitRooms: s.waitRooms }); continue; }
    if (s.drop) { items.push({ wsping: false, drop: s.drop, away: s.away || [] }); continue; }
    if (s.waitCatchUp) { items.push({ wsping: false, waitCatchUp: true }); continue; }
    const enc = pushEncoding(runEnc, index);
    items.push({
      index,
      method: s.push,
      twoway: !!s.twoway,
      seq: s.twoway ? ++seq : null,
      encoding: enc,
      payload: resolve(s.payload, enc),
      transport: s.transport || 'normal',
      size: s.size ? s.size[enc] : null,
      note: s.note || '',
      dup: !!s.dup,
      excluded: !!s.excluded,
      deleted: !!s.deleted,
    });
    index++;
  }
  return { name, encoding: runEnc, items };
}

module.exports = {
  SCRIPTS, buildPlan, CU_GROUPS, CU_ROOM, pushEncoding, fill, byEnc, ByEnc,
  INT64_MAX, INT64_MIN, P53_1, INT64_MAX_1, P62, FILE_MSG, FILE_ATTRS, ESC, TRANSLATION,
};
