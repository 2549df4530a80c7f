#!/usr/bin/env node
'use strict';
// Self-test of gate.js + expect.js, with a Node `ws` client that decodes the
// pushes on its own (its own msgpack / strict FPNN-style JSON readers and its
// own client rules; it does not use fpnn.js or script.js).
//
//   node selftest.js [--keep DIR] [--verbose]
//
// --keep DIR  writes each run's raw server->client bytes (after the 101) to
//             DIR/<run>.bin for a hex dump, and the reports to DIR/<run>.report.json

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

const HERE = __dirname;
const args = process.argv.slice(2);
const KEEP = args.includes('--keep') ? args[args.indexOf('--keep') + 1] : null;
const VERBOSE = args.includes('--verbose');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-selftest-'));
if (KEEP) fs.mkdirSync(KEEP, { recursive: true });

let failures = 0;
let checks = 0;
function check(name, cond, detail) {
  checks++;
  if (cond) { if (VERBOSE) console.log('  ok   ' + name); return true; }
  failures++;
  console.log('  FAIL ' + name + (detail !== undefined ? ': ' + detail : ''));
  return false;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------ own decoders
// Values: BigInt (integers), Number (floats), {str: Buffer}, {bin: Buffer},
// Map (string keys), Array, null, booleans.
function mpDecode(buf) {
  let p = 0;
  const take = (n) => { if (p + n > buf.length) throw new Error('msgpack truncated'); const b = buf.subarray(p, p + n); p += n; return b; };
  const u = (n) => { const b = take(n); let v = 0n; for (const x of b) v = (v << 8n) | BigInt(x); return v; };
  const s = (n) => BigInt.asIntN(n * 8, u(n));
  const map = (n) => { const m = new Map(); for (let i = 0; i < n; i++) { const k = val(); m.set(Buffer.from(k.str).toString('utf8'), val()); } return m; };
  const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(val()); return a; };
  function val() {
    const t = take(1)[0];
    if (t <= 0x7f) return BigInt(t);
    if (t >= 0xe0) return BigInt(t) - 256n;
    if (t >= 0x80 && t <= 0x8f) return map(t - 0x80);
    if (t >= 0x90 && t <= 0x9f) return arr(t - 0x90);
    if (t >= 0xa0 && t <= 0xbf) return { str: Buffer.from(take(t - 0xa0)) };
    switch (t) {
      case 0xc0: return null; case 0xc2: return false; case 0xc3: return true;
      case 0xc4: return { bin: Buffer.from(take(Number(u(1)))) };
      case 0xc5: return { bin: Buffer.from(take(Number(u(2)))) };
      case 0xc6: return { bin: Buffer.from(take(Number(u(4)))) };
      case 0xca: return take(4).readFloatBE(0);
      case 0xcb: return take(8).readDoubleBE(0);
      case 0xcc: return u(1); case 0xcd: return u(2); case 0xce: return u(4); case 0xcf: return u(8);
      case 0xd0: return s(1); case 0xd1: return s(2); case 0xd2: return s(4); case 0xd3: return s(8);
      case 0xd9: return { str: Buffer.from(take(Number(u(1)))) };
      case 0xda: return { str: Buffer.from(take(Number(u(2)))) };
      case 0xdb: return { str: Buffer.from(take(Number(u(4)))) };
      case 0xdc: return arr(Number(u(2))); case 0xdd: return arr(Number(u(4)));
      case 0xde: return map(Number(u(2))); case 0xdf: return map(Number(u(4)));
      default: throw new Error('msgpack type 0x' + t.toString(16));
    }
  }
  const v = val();
  if (p !== buf.length) throw new Error('msgpack trailing bytes');
  return v;
}

// Strict reader for FPNN's JSON style: throws on any deviation from it
// (", " between members, ":" tight, "\/" for every slash, \u00xx lowercase
// only for control bytes and DEL, raw UTF-8, bare integers).
function fpnnJsonStrict(buf) {
  let p = 0;
  const bad = (m) => { throw new Error(`FPNN-style JSON: ${m} at ${p}: ...${buf.subarray(Math.max(0, p - 20), p + 20).toString('latin1')}...`); };
  const SHORT = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
  function str() {
    if (buf[p] !== 0x22) bad('expected string');
    p++;
    const out = [];
    for (;;) {
      if (p >= buf.length) bad('unterminated string');
      const c = buf[p++];
      if (c === 0x22) return { str: Buffer.from(out) };
      if (c === 0x2f) bad('unescaped /');
      if (c < 0x20 || c === 0x7f) bad('raw control byte 0x' + c.toString(16));
      if (c !== 0x5c) { out.push(c); continue; }
      const e = buf[p++];
      if (e in SHORT) { out.push(SHORT[e]); continue; }
      if (e !== 0x75) bad('bad escape');
      const h = buf.toString('latin1', p, p + 4);
      if (!/^00[0-7][0-9a-f]$/.test(h)) bad('\\u escape not \\u00xx lowercase: ' + h);
      const v = parseInt(h, 16);
      if ((v >= 0x20 && v !== 0x7f) || [8, 9, 10, 12, 13].includes(v)) bad('needless \\u escape ' + h);
      out.push(v);
      p += 4;
    }
  }
  function val() {
    const c = buf[p];
    if (c === 0x7b || c === 0x5b) {
      const isObj = c === 0x7b;
      p++;
      const res = isObj ? new Map() : [];
      if (buf[p] === (isObj ? 0x7d : 0x5d)) { p++; return res; }
      for (;;) {
        if (isObj) {
          const k = str();
          if (buf[p++] !== 0x3a) bad('expected ":" right after key');
          res.set(k.str.toString('utf8'), val());
        } else res.push(val());
        const d = buf[p++];
        if (d === (isObj ? 0x7d : 0x5d)) return res;
        if (d !== 0x2c || buf[p] !== 0x20 || buf[p + 1] === 0x20) bad('members must be separated by ", "');
        p++;
      }
    }
    if (c === 0x22) return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (buf.toString('latin1', p, p + lit.length) === lit) { p += lit.length; return v; }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(buf.toString('latin1', p, p + 40));
    if (!m) bad('bad value');
    p += m[0].length;
    return m[2] || m[3] ? Number(m[0]) : BigInt(m[0]);
  }
  const v = val();
  if (p !== buf.length) bad('trailing bytes');
  return v;
}

// ------------------------------------------------------------ own FPNN bits
function quest(method, seq, flag, payload) {
  const m = Buffer.from(method);
  const h = Buffer.alloc(seq === null ? 12 : 16);
  h.write('FPNN'); h[4] = 1; h[5] = flag; h[6] = seq === null ? 0 : 1; h[7] = m.length;
  h.writeUInt32LE(payload.length, 8);
  if (seq !== null) h.writeUInt32LE(seq, 12);
  return Buffer.concat([h, m, payload]);
}
function answer(seq, flag, payload, status = 0) {
  const h = Buffer.alloc(16);
  h.write('FPNN'); h[4] = 1; h[5] = flag; h[6] = 2; h[7] = status;
  h.writeUInt32LE(payload.length, 8); h.writeUInt32LE(seq, 12);
  return Buffer.concat([h, payload]);
}
const EMPTY = { 0x40: Buffer.from('{}'), 0x80: Buffer.from([0x80]) };
function authPayload(flag, { pid, uid, token }) {
  if (flag === 0x40) return Buffer.from(`{"pid":${pid},"uid":${uid},"token":${JSON.stringify(token)},"version":"node-selftest-1.0","lang":"en"}`);
  const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([0xd9, b.length]), b]); };
  const i64 = (v) => { const b = Buffer.alloc(9); b[0] = 0xd3; b.writeBigInt64BE(BigInt(v), 1); return b; }; // deliberately not the smallest form
  return Buffer.concat([Buffer.from([0x85]), str('pid'), i64(pid), str('uid'), i64(uid), str('token'), str(token), str('version'), str('node-selftest-1.0'), str('lang'), str('en')]);
}
function decodeAny(flag, payload) { return flag === 0x40 ? fpnnJsonStrict(payload) : mpDecode(payload); }

// Splits the server->client TCP stream into WebSocket frames, records them,
// and repairs FPNN's 126-byte framing bug (82 7E + 'FPNN...') so that the ws
// client's strict parser can read it.
class FrameTap {
  constructor() { this.buf = Buffer.alloc(0); this.frames = []; this.raw = []; this.offset = 0; }
  push(chunk) {
    this.raw.push(Buffer.from(chunk));
    this.buf = Buffer.concat([this.buf, chunk]);
    const out = [];
    for (;;) {
      const b = this.buf;
      if (b.length < 2) break;
      const l7 = b[1] & 0x7f;
      const masked = (b[1] & 0x80) !== 0;
      let hl = 2, len = l7, bug = false;
      if (l7 === 126) {
        if (b.length < 8) break;
        if (b.toString('latin1', 2, 6) === 'FPNN') { bug = true; len = 126; } else { hl = 4; len = b.readUInt16BE(2); }
      } else if (l7 === 127) {
        if (b.length < 10) break;
        hl = 10; len = Number(b.readBigUInt64BE(2));
      }
      if (masked) hl += 4;
      if (b.length < hl + len) break;
      this.frames.push({ offset: this.offset, fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, len, bug126: bug, header: b.subarray(0, hl).toString('hex'), head8: b.subarray(0, 8).toString('hex'), masked });
      if (bug) out.push(Buffer.from([0x82, 0x7e, 0x00, 0x7e]), b.subarray(2, 2 + len));
      else out.push(b.subarray(0, hl + len));
      this.offset += hl + len;
      this.buf = Buffer.from(b.subarray(hl + len));
    }
    return out.length ? Buffer.concat(out) : null;
  }
}

// ------------------------------------------------------------ own client rules
const VARIANT = { pushmsg: 'p2p', pushgroupmsg: 'group', pushroommsg: 'room', pushbroadcastmsg: 'broadcast' };
const PREFIX = { p2p: 'push', group: 'pushgroup', room: 'pushroom', broadcast: 'pushbroadcast' };
const DERIVED_RE = /^push(group|room|broadcast)?(chat|audio|cmd|file)$/;
const ORDER = ['from', 'to', 'gid', 'rid', 'mtype', 'mid', 'msg', 'attrs', 'mtime'];
const I64 = ['from', 'to', 'gid', 'rid', 'mid', 'mtime'];
const utf8ok = (b) => { try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch (e) { return false; } };

function escBytes(b) { // C0, DEL and C1 controls (0xC2 0x80..0x9F) escaped, as the library does
  const out = [0x22];
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0xc2 && i + 1 < b.length && b[i + 1] < 0xa0) { out.push(...Buffer.from('\\u00' + b[++i].toString(16))); continue; }
    if (c === 0x7f) { out.push(...Buffer.from('\\u007f')); continue; }
    if (c === 0x22 || c === 0x5c) out.push(0x5c, c);
    else if (c === 8) out.push(0x5c, 0x62); else if (c === 12) out.push(0x5c, 0x66);
    else if (c === 10) out.push(0x5c, 0x6e); else if (c === 13) out.push(0x5c, 0x72);
    else if (c === 9) out.push(0x5c, 0x74);
    else if (c < 0x20) out.push(...Buffer.from('\\u00' + c.toString(16).padStart(2, '0')));
    else out.push(c);
  }
  out.push(0x22);
  return Buffer.from(out).toString('utf8');
}

class ClientModel {
  constructor(uid, dedup = true) { this.uid = BigInt(uid); this.dedup = dedup; this.keys = new Set(); this.problems = []; }
  // returns a line or null
  onQuest(method, seq, payload) {
    const m = payload instanceof Map ? payload : new Map();
    const g = (k) => m.get(k);
    let event, cat = null;
    if (['ping', 'kickout', 'kickoutroom'].includes(method)) event = method;
    else if (VARIANT[method]) {
      cat = VARIANT[method];
      const mt = typeof g('mtype') === 'bigint' ? g('mtype') : null;
      const kind = mt === 30n ? 'chat' : mt === 31n ? 'audio' : mt === 32n ? 'cmd' : (mt !== null && mt >= 40n && mt <= 50n) ? 'file' : null;
      event = kind ? PREFIX[cat] + kind : method;
    } else if (DERIVED_RE.test(method)) { event = method; cat = VARIANT['push' + (DERIVED_RE.exec(method)[1] || '') + 'msg']; }
    else event = 'unknown';
    if (cat) {
      const at = g('attrs');
      if (at && at.str && utf8ok(at.str)) {
        try {
          const a = JSON.parse(at.str.toString('utf8'));
          if (a && Array.isArray(a.excludedUids) && a.excludedUids.some((x) => String(x) === this.uid.toString())) return null;
        } catch (e) { /* not JSON: deliver */ }
      }
      const mid = typeof g('mid') === 'bigint' ? g('mid') : 0n;
      if (mid !== 0n) {
        const tk = { p2p: 'to', group: 'gid', room: 'rid', broadcast: null }[cat];
        const key = [cat, tk && typeof g(tk) === 'bigint' ? g(tk) : 0n, typeof g('from') === 'bigint' ? g('from') : 0n, mid].join('/');
        const dup = this.keys.has(key);
        this.keys.add(key);
        if (dup && this.dedup) return null;
      }
    }
    const parts = [`"event":"${event}"`, `"method":${escBytes(Buffer.from(method))}`];
    if (seq !== null) parts.push(`"seq":${seq}`);
    parts.push(`"twoway":${seq !== null}`);
    if (event !== 'unknown') {
      for (const k of ORDER) {
        if (!m.has(k)) continue;
        const v = m.get(k);
        if (I64.includes(k) || k === 'mtype') {
          if (typeof v !== 'bigint') { this.problems.push(`${method} seq ${seq}: ${k} is not an integer`); continue; }
          if (v < -(2n ** 63n) || v >= 2n ** 63n) { this.problems.push(`${k} out of Int64 range`); continue; }
          parts.push(k === 'mtype' ? `"mtype":${v}` : `"${k}":"${v}"`);
        } else if (v && v.bin) parts.push(`"${k}_base64":"${v.bin.toString('base64')}"`);
        else if (v && v.str) parts.push(utf8ok(v.str) ? `"${k}":${escBytes(v.str)}` : `"${k}_base64":"${v.str.toString('base64')}"`);
        else if (k === 'msg' && v instanceof Map) {
          const tp = ['source', 'target', 'sourceText', 'targetText'].filter((x) => v.has(x)).map((x) => `"${x}":${escBytes(v.get(x).str)}`);
          parts.push(`"msg":{${tp.join(',')}}`);
        } else this.problems.push(`${method} seq ${seq}: ${k} has an unexpected type`);
      }
    }
    return '{' + parts.join(',') + '}';
  }
}

// ------------------------------------------------------------ running things
function startGate(gateArgs) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(HERE, 'gate.js'), ...gateArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const exited = new Promise((r) => proc.on('exit', (code) => r({ code, stdout: out, stderr: err })));
    proc.stderr.on('data', (d) => { err += d; if (VERBOSE) process.stderr.write(d); });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^LISTENING (\d+)\n/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]), exited });
    });
    proc.on('exit', (code) => reject(new Error('gate exited early with ' + code + ': ' + err)));
    // bounded, and generous: a loaded machine (make test-stress) may start node slowly
    setTimeout(() => reject(new Error('gate did not print LISTENING within 30 s')), 30000).unref();
  });
}

function expectLines(encoding, extra = []) {
  return execFileSync(process.execPath, [path.join(HERE, 'expect.js'), '--script', 'demo', '--encoding', encoding, ...extra], { encoding: 'utf8' })
    .trimEnd().split('\n');
}

// behaviour: 'good' | 'bye' | 'bad' | 'auth-only'
function runClient(port, { flag = 0x40, pid = 1017n, uid = 4242n, token = 'demo-token', behaviour = 'good', tls = false, pathName = '/service/websocket', dedupUid } = {}) {
  return new Promise((resolve) => {
    const url = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}${pathName}`;
    const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
    const tap = new FrameTap();
    const stream = { buf: Buffer.alloc(0) };
    const model = new ClientModel(dedupUid !== undefined ? dedupUid : uid);
    const r = { lines: [], quests: [], answers: [], tap, problems: model.problems, closedByServer: false, pongPayloads: [], httpStatus: null, messages: 0 };
    let mySeq = 0;
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(r); } };
    ws.on('unexpected-response', (req, res) => { r.httpStatus = res.statusCode; res.resume(); ws.terminate(); finish(); });
    ws.on('error', (e) => { if (!r.httpStatus) r.problems.push('ws error: ' + e.message); finish(); });
    ws.on('pong', (d) => r.pongPayloads.push(d.length));
    ws.on('close', (code) => { r.closeCode = code; finish(); });
    ws.on('open', () => {
      const sock = ws._socket;
      const ls = sock.listeners('data');
      sock.removeAllListeners('data');
      sock.on('data', (chunk) => { const out = tap.push(chunk); if (out) for (const l of ls) l.call(sock, out); });
      sock.on('end', () => { r.closedByServer = true; });
      ws.send(quest('auth', ++mySeq, flag, authPayload(flag, { pid, uid, token })));
      ws.ping(Buffer.from('abc'));
    });
    ws.on('message', (data) => {
      r.messages++;
      stream.buf = Buffer.concat([stream.buf, data]);
      for (;;) {
        const b = stream.buf;
        if (b.length < 12) break;
        if (b.toString('latin1', 0, 4) !== 'FPNN') { r.problems.push('stream lost sync'); stream.buf = Buffer.alloc(0); break; }
        const mt = b[6], ss = b[7], ps = b.readUInt32LE(8);
        const hl = mt === 0 ? 12 : 16, ml = mt === 2 ? 0 : ss;
        if (b.length < hl + ml + ps) break;
        const pkg = { flag: b[5], mtype: mt, status: mt === 2 ? ss : null, seq: mt === 0 ? null : b.readUInt32LE(12),
          method: mt === 2 ? null : b.toString('utf8', hl, hl + ml), payload: Buffer.from(b.subarray(hl + ml, hl + ml + ps)), size: hl + ml + ps };
        stream.buf = Buffer.from(b.subarray(hl + ml + ps));
        onPackage(pkg);
      }
    });
    function onPackage(pkg) {
      if (pkg.mtype === 2) {
        let v = null;
        try { v = decodeAny(pkg.flag, pkg.payload); } catch (e) { r.problems.push('answer payload: ' + e.message); }
        r.answers.push({ ...pkg, value: v });
        if (pkg.seq === 1) {
          const ok = v instanceof Map && v.get('ok') === true && pkg.status === 0;
          if (ok) r.lines.push('{"event":"login","ok":true}');
          r.authAnswer = pkg;
          if (behaviour === 'auth-only' && pkg.status === 1) setTimeout(() => ws.close(1000), 100);
        }
        if (r.byeSeq && pkg.seq === r.byeSeq) ws.close(1000);
        return;
      }
      // a quest: answer first (before decoding), then decode
      if (pkg.mtype === 1) {
        if (behaviour === 'bad' && pkg.seq === 1) ws.send(answer(pkg.seq, pkg.flag, pkg.flag === 0x40 ? Buffer.from('{"x":1}') : Buffer.from([0x81, 0xa1, 0x78, 0x01])));
        else if (behaviour === 'bad' && pkg.seq === 2) { /* never answered */ }
        else ws.send(answer(pkg.seq, pkg.flag, EMPTY[pkg.flag]));
      }
      let v;
      try { v = decodeAny(pkg.flag, pkg.payload); } catch (e) { r.problems.push(`quest ${pkg.method} seq ${pkg.seq}: ${e.message}`); return; }
      r.quests.push({ ...pkg, value: v });
      const line = model.onQuest(pkg.method, pkg.seq, v);
      if (line) r.lines.push(line);
      if (behaviour === 'bye' && pkg.method === 'pushmsg') {
        ws.send(quest('whatever', ++mySeq, 0x40, Buffer.from('{}')));
        r.byeSeq = ++mySeq;
        ws.send(quest('bye', r.byeSeq, 0x40, Buffer.from('{}')));
      }
      if (pkg.method === 'kickout') {
        if (behaviour === 'bad') {
          ws.send(answer(0, 0x40, EMPTY[0x40])); // answering a one-way quest
          ws.send(Buffer.concat([quest('foo', null, 0x40, Buffer.from('{}')), quest('foo', null, 0x40, Buffer.from('{}'))]));
        }
        ws.close(1000); // at once: the gate must not count this as an early close
      }
    }
    setTimeout(() => { r.problems.push('client timeout'); ws.terminate(); finish(); }, 20000);
  });
}

async function session(name, gateArgs, clientOpts) {
  const report = path.join(TMP, name + '.report.json');
  const t0 = Date.now();
  const g = await startGate(['--once', '--report', report, ...gateArgs]);
  const c = await runClient(g.port, clientOpts);
  const ex = await g.exited;
  const ms = Date.now() - t0;
  let rep = null;
  try { rep = JSON.parse(fs.readFileSync(report, 'utf8')); } catch (e) { /* checked below */ }
  if (KEEP) {
    fs.writeFileSync(path.join(KEEP, name + '.bin'), Buffer.concat(c.tap.raw));
    if (rep) fs.copyFileSync(report, path.join(KEEP, name + '.report.json'));
  }
  console.log(`${name}: ${ms} ms, gate exit ${ex.code}, ${c.quests.length} quests decoded, ${c.tap.frames.length} frames`);
  return { c, rep, ex, ms, g };
}

function reportShape(rep) {
  const keys = ['auth', 'pushes', 'twoway', 'answered', 'unanswered', 'bad_answers', 'oneway_answered', 'pongs', 'pings', 'bye', 'client_close_code', 'errors', 'ok'];
  return rep && keys.every((k) => k in rep);
}

async function demoRun(encoding, extraGate = [], clientExtra = {}, expectExtra = []) {
  const name = `demo-${encoding}` + (clientExtra.uid ? '-uid' : '');
  const { c, rep, ex } = await session(name, ['--script', 'demo', '--encoding', encoding, ...extraGate], { flag: encoding === 'msgpack' ? 0x80 : 0x40, ...clientExtra });
  const want = expectLines(encoding, expectExtra);
  check(`${name}: report has every key`, reportShape(rep), JSON.stringify(rep));
  check(`${name}: report ok`, rep && rep.ok === true, rep && JSON.stringify({ errors: rep.errors, bad: rep.bad_answers, un: rep.unanswered, ow: rep.oneway_answered }));
  check(`${name}: gate exit 0`, ex.code === 0, ex.code);
  check(`${name}: counts`, rep && rep.pushes === 47 && rep.twoway === 44 && rep.answered === 44 && rep.pings === 5 && rep.pongs === 5,
    rep && JSON.stringify({ p: rep.pushes, t: rep.twoway, a: rep.answered, pi: rep.pings, po: rep.pongs }));
  check(`${name}: client close code 1000 reported`, rep && rep.client_close_code === 1000, rep && rep.client_close_code);
  check(`${name}: gate answered our ws ping with an empty pong`, c.pongPayloads.length === 1 && c.pongPayloads[0] === 0 && rep.client_pings === 1, JSON.stringify(c.pongPayloads));
  check(`${name}: no client-side problems`, c.problems.length === 0, c.problems.join(' | '));
  check(`${name}: decoded line count`, c.lines.length === want.length, `${c.lines.length} vs ${want.length}`);
  for (let i = 0; i < Math.max(c.lines.length, want.length); i++) {
    if (c.lines[i] !== want[i]) { check(`${name}: line ${i} matches expect.js`, false, `\n    got  ${String(c.lines[i]).slice(0, 300)}\n    want ${String(want[i]).slice(0, 300)}`); break; }
  }
  // seqs: 1..N over two-way quests, in order
  const seqs = c.quests.filter((q) => q.mtype === 1).map((q) => q.seq);
  check(`${name}: server seqs are 1..${seqs.length}`, seqs.every((s, i) => s === i + 1));
  // per-push encoding
  const flags = c.quests.map((q) => q.flag);
  if (encoding === 'mixed') check(`${name}: mixed encodings alternate`, flags.every((f, i) => f === (i % 2 ? 0x80 : 0x40)));
  else check(`${name}: all pushes in ${encoding}`, flags.every((f) => f === (encoding === 'json' ? 0x40 : 0x80)));
  // transport
  const fr = c.tap.frames;
  const b126 = fr.filter((f) => f.bug126);
  check(`${name}: one 126-byte frame in FPNN's buggy form 82 7e 46 50 4e 4e`, b126.length === 1 && b126[0].head8.startsWith('827e46504e4e'), JSON.stringify(b126));
  check(`${name}: a 127-byte package in genuine 16-bit form 82 7e 00 7f`, fr.some((f) => f.header === '827e007f'));
  check(`${name}: a frame in 64-bit length form above 65535`, fr.some((f) => f.header.startsWith('827f') && f.len > 65535));
  const i0 = fr.findIndex((f) => f.opcode === 2 && !f.fin);
  check(`${name}: fragmented message: binary fin=0, ping, cont fin=0, cont fin=1`,
    i0 >= 0 && fr[i0 + 1].opcode === 9 && fr[i0 + 2].opcode === 0 && !fr[i0 + 2].fin && fr[i0 + 3].opcode === 0 && fr[i0 + 3].fin,
    JSON.stringify(fr.slice(i0, i0 + 4)));
  check(`${name}: server frames unmasked`, fr.every((f) => !f.masked));
  check(`${name}: a message carried two packages / a package spanned messages`, c.messages < c.quests.length + c.answers.length + 3);
  return { c, rep };
}

async function main() {
  const t0 = Date.now();
  // the oracle: json / msgpack differ only where the script says so
  const ej = expectLines('json'), em = expectLines('msgpack');
  check('expect.js: json and msgpack have the same number of lines', ej.length === em.length);
  const diff = ej.map((l, i) => [l, em[i]]).filter(([a, b]) => a !== b);
  check('expect.js: json/msgpack differ only in the bin / non-UTF-8 / padded pushes', diff.length === 4 && diff.every(([a]) => /"seq":(33|34|35|36),/.test(a)), diff.map((d) => d[0].slice(0, 90)).join('\n'));
  check('expect.js: --no-dedup adds exactly the duplicate', expectLines('json', ['--no-dedup']).length === ej.length + 1);
  check('expect.js: --uid 7 still excludes, --uid 99 excludes the other one', expectLines('json', ['--uid', '7']).length === ej.length &&
    expectLines('json', ['--uid', '99']).join('\n').includes('"seq":27,') && !expectLines('json', ['--uid', '99']).join('\n').includes('"seq":28,'));

  const { c: cj } = await demoRun('json');
  // FPNN JSON style, byte level: every JSON quest already went through the strict reader; spot checks:
  const esc = cj.quests.find((q) => q.seq === 3);
  const txt = esc.payload.toString('latin1');
  check('json style: escapes as FPNN writes them', txt.includes('slash:\\/ quote:\\" backslash:\\\\ bs:\\b ff:\\f nl:\\n cr:\\r tab:\\t nul:\\u0000 soh:\\u0001 del:\\u007f ls:\xe2\x80\xa8 crab:\xf0\x9f\xa6\x80'), txt.slice(0, 200));
  check('json style: ", " separators and bare big integers', txt.startsWith('{"from":7, "to":4242, "mtype":30, "mid":1700000000000123457, "msg":"'));
  const tr = cj.quests.find((q) => q.seq === 2).payload.toString('utf8');
  check('json style: nested translation map', tr.includes('"msg":{"source":"zh-CN", "target":"en", "sourceText":"你好世界", "targetText":"Hello world"}'), tr);
  const neg = cj.quests.find((q) => q.seq === 5).payload.toString('utf8');
  check('json style: INT64_MIN bare', neg.includes('"from":-9223372036854775808, "to":-1,'), neg);

  const { c: cm } = await demoRun('msgpack');
  const mp = (seq) => cm.quests.find((q) => q.seq === seq).payload;
  check('msgpack: INT64_MAX as uint64 cf 7f ff..', mp(4).includes(Buffer.from('a466726f6dcf7fffffffffffffff', 'hex')));
  check('msgpack: INT64_MIN as int64 d3 80 00..', mp(5).includes(Buffer.from('a466726f6dd38000000000000000', 'hex')));
  check('msgpack: -1 as negative fixint ff', mp(5).includes(Buffer.from('a2746fff', 'hex')));
  check('msgpack: bin 00 ff 80 41 as c4 04', mp(33).includes(Buffer.from('a36d7367c40400ff8041', 'hex')));
  check('msgpack: 70,000-byte msg as str32', mp(37).includes(Buffer.from('a36d7367db00011170', 'hex')));
  check('msgpack: translation as fixmap 84', mp(2).includes(Buffer.from('a36d736784', 'hex')));

  await demoRun('mixed', ['--uid', '9007199254740993'], { uid: 9007199254740993n }, ['--uid', '9007199254740993']);

  // small: bye + unknown client method
  {
    const { c, rep, ex } = await session('small-bye', ['--script', 'small'], { behaviour: 'bye' });
    const unk = c.answers.find((a) => a.seq === 2);
    check('small-bye: unknown client method -> error answer 20004',
      unk && unk.status === 1 && unk.payload.toString() === '{"code":20004, "ex":"unknown method"}', unk && unk.payload.toString());
    const bye = c.answers.find((a) => a.seq === 3);
    check('small-bye: bye answered {}', bye && bye.status === 0 && bye.payload.toString() === '{}');
    check('small-bye: report bye, ok, exit 0', rep && rep.bye === true && rep.ok === true && ex.code === 0, JSON.stringify(rep));
    check('small-bye: lines', c.lines[0] === '{"event":"login","ok":true}' && c.lines[1] === '{"event":"ping","method":"ping","seq":1,"twoway":true}' && /"event":"pushchat"/.test(c.lines[2]), c.lines.join('\n'));
  }
  // a client that gets things wrong
  {
    const { rep, ex } = await session('small-bad', ['--script', 'small', '--answer-timeout', '300'], { behaviour: 'bad' });
    check('small-bad: not ok, exit 1', rep && rep.ok === false && ex.code === 1);
    check('small-bad: bad answer to seq 1', rep && rep.bad_answers.length === 1 && rep.bad_answers[0].seq === 1, rep && JSON.stringify(rep.bad_answers));
    check('small-bad: seq 2 unanswered', rep && JSON.stringify(rep.unanswered) === '[2]');
    check('small-bad: answered one-way kickout', rep && rep.oneway_answered.length === 1 && rep.oneway_answered[0].method === 'kickout', rep && JSON.stringify(rep.oneway_answered));
    check('small-bad: two packages in one client message is an error', rep && rep.errors.some((e) => /holds 2 FPNN packages/.test(e)), rep && JSON.stringify(rep.errors));
  }
  // auth variants
  {
    const { c, rep, ex, ms } = await session('auth-refuse', ['--script', 'small', '--auth', 'refuse'], { behaviour: 'auth-only' });
    check('auth-refuse: {"ok":false}', c.authAnswer && c.authAnswer.status === 0 && c.authAnswer.payload.toString() === '{"ok":false}');
    check('auth-refuse: gate closed TCP without a close frame', c.closedByServer && !c.tap.frames.some((f) => f.opcode === 8));
    check('auth-refuse: report ok, answer ok-false, exit 0', rep && rep.ok && rep.auth.answer === 'ok-false' && rep.auth.uid === '4242' && rep.auth.pid === 1017 && ex.code === 0, JSON.stringify(rep && rep.auth));
    check('auth-refuse: quick', ms < 3000, ms);
  }
  {
    const { c, rep, ex } = await session('auth-badtoken', ['--script', 'small'], { behaviour: 'auth-only', token: 'nope', flag: 0x80 });
    check('auth-badtoken: msgpack {"ok":false} (81 a2 6f 6b c2)', c.authAnswer && c.authAnswer.flag === 0x80 && c.authAnswer.payload.toString('hex') === '81a26f6bc2');
    check('auth-badtoken: report not ok, exit 1', rep && !rep.ok && ex.code === 1 && rep.errors.some((e) => /token/.test(e)), JSON.stringify(rep && rep.errors));
  }
  {
    const { c, rep, ex } = await session('auth-error', ['--script', 'small', '--auth', 'error'], { behaviour: 'auth-only' });
    const vec = fs.readFileSync(path.join(__dirname, '..', 'vectors', 'autherror.bin'));
    const all = Buffer.concat(c.tap.raw);
    check('auth-error: first frame identical to the FPNN vector autherror.bin', all.subarray(0, vec.length).equals(vec), all.toString('hex'));
    check('auth-error: then only the empty pong (8a 00)', all.subarray(vec.length).toString('hex') === '8a00', all.subarray(vec.length).toString('hex'));
    check('auth-error: report ok, close code 1000, exit 0', rep && rep.ok && rep.auth.answer === 'error' && rep.client_close_code === 1000 && ex.code === 0, JSON.stringify(rep));
  }
  {
    const { c, rep, ex } = await session('auth-bigint-uid', ['--script', 'small', '--uid', '9223372036854775807'], { behaviour: 'auth-only', uid: 9223372036854775806n });
    check('auth-bigint-uid: uid 2^63-2 refused for 2^63-1 (no double rounding)', c.authAnswer && c.authAnswer.payload.toString() === '{"ok":false}' && rep && !rep.ok && ex.code === 1);
  }
  // wrong path -> 404
  {
    const g = await startGate(['--script', 'small', '--timeout', '3']);
    const c = await runClient(g.port, { pathName: '/service/other' });
    check('wrong path: HTTP 404', c.httpStatus === 404, c.httpStatus);
    g.proc.kill();
  }
  // history (catch-up, issue #22): paging, direction, deleted entries, unread, rate limit -- no network
  {
    const H = require('./history');
    const h = new H.History(4242n);
    for (let i = 1; i <= 23; i++) h.store('pushmsg', { from: i === 7 ? 4242n : 21n, to: i === 7 ? 21n : 4242n, mtype: 30, mid: 100n + BigInt(i), msg: 'm' + i, attrs: '', mtime: 1000n + BigInt(i) }, { deleted: i === 5 });
    h.store('pushmsg', { from: 21n, to: 4242n, mtype: 30, mid: 101n, msg: 'again', attrs: '', mtime: 5000n }); // same from+mid: kept once
    const all = () => true;
    const q = (o) => h.page('getp2pmsg', { ouid: 21n, desc: false, num: 20n, begin: 0n, end: 0n, lastid: 0n, ...o }, all);
    const p1 = q({ begin: 1003n });
    check('history: forward page from begin (>=), 20 of 21, oldest first', p1.count === 20 && p1.answer.msgs[0][0] === 3n && p1.answer.lastid === 22n && p1.answer.begin === 1022n, JSON.stringify(H.History.key));
    const p2 = q({ begin: p1.answer.begin, lastid: p1.answer.lastid, end: p1.answer.end });
    check('history: next page by lastid/begin: the short last page', p2.count === 1 && p2.answer.msgs[0][0] === 23n && p2.answer.msgs[0][5] === 'm23');
    const p3 = q({ begin: p2.answer.begin, lastid: p2.answer.lastid });
    check('history: past the end: an empty page keeps lastid', p3.count === 0 && p3.answer.lastid === 23n && p3.answer.msgs.length === 0);
    check('history: P2P direction 1 (sent by the client) and 2, the deleted flag, 8 elements',
      p1.answer.msgs.find((m) => m[0] === 7n)[1] === 1n && p1.answer.msgs[0][1] === 2n && p1.answer.msgs.find((m) => m[0] === 5n)[4] === true && p1.answer.msgs[0].length === 8);
    const back = q({ desc: true, num: 5n, lastid: 10n });
    check('history: desc pages backward below lastid', back.count === 5 && back.answer.msgs.map((m) => Number(m[0])).join() === '9,8,7,6,5' && back.answer.end === 1005n);
    check('history: num above 20 refused (200034), missing ouid 10009', q({ num: 21n }).code === 200034 && h.page('getp2pmsg', { desc: false, num: 1n }, all).code === 10009);
    check('history: a refused membership passes its code', h.page('getgroupmsg', { gid: 9n, desc: false, num: 5n }, () => ({ code: 200041, ex: 'x' })).code === 200041);
    h.store('pushgroupmsg', { from: 7n, gid: 31n, mtype: 30, mid: 1n, msg: 'g', attrs: '', mtime: 6000n });
    h.logoutMtime = 5500n;
    const u = h.unread();
    check('history: unread = conversations with messages from others after the lost connection', u.p2p.length === 0 && u.group.length === 1 && u.group[0] === 31n, JSON.stringify(u, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
    const rl = new H.RateLimit(2, 700);
    const verdicts = [0, 100, 650, 800, 1400].map((t) => rl.admit('getp2pmsg', t));
    check('rate limit: 2 per window, the third inside the window refused, recorded', verdicts.join() === 'true,true,false,true,true' && rl.log.length === 5 && rl.log[2].refused, verdicts.join());
  }
  // TLS
  let tlsNote = 'skipped (no openssl)';
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(TMP, 'k.pem'), '-out', path.join(TMP, 'c.pem')], { stdio: 'ignore' });
    const { c, rep, ex } = await session('small-tls', ['--script', 'small', '--tls-cert', path.join(TMP, 'c.pem'), '--tls-key', path.join(TMP, 'k.pem')], { tls: true });
    check('tls: small script over wss ok', rep && rep.ok && ex.code === 0 && c.lines.length === 4, c.lines.join('\n'));
    tlsNote = 'ran';
  } catch (e) { if (!/ENOENT/.test(String(e))) check('tls', false, e.message); }

  fs.rmSync(TMP, { recursive: true, force: true });
  console.log(`\n${checks - failures}/${checks} checks passed, tls ${tlsNote}, ${Date.now() - t0} ms total`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
