#!/usr/bin/env node
'use strict';
// Local RTM gate simulator: FPNN over WebSocket, for rtm_push.h tests/demo.
// See README.md in this directory. stdout: exactly "LISTENING <port>".
// Diagnostics: stderr.

const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocketServer } = require('ws');
const F = require('./fpnn');
const S = require('./script');
const H = require('./history');

const USAGE = `usage: node gate.js [--port N] [--host H] [--encoding json|msgpack|mixed]
  [--script demo|small] [--token T] [--pid N] [--uid N] [--auth ok|refuse|error|silent]
  [--report FILE] [--once] [--connections N] [--tls-cert F --tls-key K] [--keylog FILE] [--delay MS] [--timeout S]
  [--answer-timeout MS] [--ready FILE]
  [--echo-close] [--strict-handshake] [--quiet] [--quest-rate N] [--rate-slack MS]`;

function parseArgs(argv) {
  const o = {
    port: 0, host: '127.0.0.1', encoding: 'json', script: 'demo', token: 'demo-token',
    pid: 1017n, uid: 4242n, auth: 'ok', report: null, once: false, tlsCert: null, tlsKey: null, connections: 1,
    ready: null, questRate: 0, rateSlack: 300, delay: 5, timeout: null, answerTimeout: 5000, echoClose: false, strictHandshake: false, quiet: false,
  };
  const flags = { '--once': 'once', '--echo-close': 'echoClose', '--strict-handshake': 'strictHandshake', '--quiet': 'quiet' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stderr.write(USAGE + '\n'); process.exit(0); }
    if (flags[a]) { o[flags[a]] = true; continue; }
    const valued = ['--port', '--host', '--encoding', '--script', '--token', '--pid', '--uid', '--auth', '--report',
      '--tls-cert', '--tls-key', '--keylog', '--delay', '--timeout', '--answer-timeout', '--connections', '--ready',
      '--quest-rate', '--rate-slack'];
    if (!valued.includes(a)) die('unknown option ' + a + '\n' + USAGE);
    const v = argv[++i];
    if (v === undefined) die('missing value for ' + a);
    switch (a) {
      case '--port': o.port = int(v, a); break;
      case '--host': o.host = v; break;
      case '--encoding': if (!['json', 'msgpack', 'mixed'].includes(v)) die('bad --encoding'); o.encoding = v; break;
      case '--script': o.script = v; break;
      case '--token': o.token = v; break;
      case '--pid': o.pid = big(v, a); break;
      case '--uid': o.uid = big(v, a); break;
      case '--auth': if (!['ok', 'refuse', 'error', 'silent'].includes(v)) die('bad --auth'); o.auth = v; break;
      case '--report': o.report = v; break;
      case '--ready': o.ready = v; break;
      case '--tls-cert': o.tlsCert = v; break;
      case '--tls-key': o.tlsKey = v; break;
      case '--keylog': o.keylog = v; break; // TLS secrets, NSS key log format: tests/tls/cutproxy.js decrypts with them
      case '--delay': o.delay = int(v, a); break;
      case '--timeout': o.timeout = int(v, a); break;
      case '--answer-timeout': o.answerTimeout = int(v, a); break;
      case '--connections': o.connections = int(v, a); break;
      case '--quest-rate': o.questRate = int(v, a); break; // history/unread/session quests per second (0: no limit)
      case '--rate-slack': o.rateSlack = int(v, a); break; // ms taken off the 1 s window for arrival jitter
      default: die('unknown option ' + a + '\n' + USAGE);
    }
  }
  if (!!o.tlsCert !== !!o.tlsKey) die('--tls-cert and --tls-key go together');
  if (o.timeout === null) o.timeout = o.once ? 120 : 0;
  return o;
  function int(v, a) { if (!/^\d+$/.test(v)) die('bad number for ' + a); return Number(v); }
  function big(v, a) {
    if (!/^-?\d+$/.test(v)) die('bad integer for ' + a);
    const b = BigInt(v);
    if (b < S.INT64_MIN || b > S.INT64_MAX) die(a + ' out of Int64 range');
    return b;
  }
}
function die(m) { process.stderr.write('gate: ' + m + '\n'); process.exit(2); }

const opt = parseArgs(process.argv.slice(2));
const log = (m) => { if (!opt.quiet) process.stderr.write('[gate] ' + m + '\n'); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Int64 as decimal strings, bytes as hex: the report is plain JSON.
function jsonSafe(v) {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return { hex: v.toString('hex') };
  if (F.RawStr && v instanceof F.RawStr) return { hex: v.bytes.toString("hex") };
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = jsonSafe(v[k]); return o; }
  return v;
}

// ------------------------------------------------------------------ the plan
// Built once: seqs restart at 1 on every connection, so the packages are the
// same for every session. A script NAME may have one part per connection: NAME.1, NAME.2, ...
const plans = (() => {
  try {
    const parts = [];
    for (let k = 1; S.SCRIPTS[`${opt.script}.${k}`]; k++) parts.push(S.buildPlan(`${opt.script}.${k}`, opt.encoding));
    return parts.length ? parts : [S.buildPlan(opt.script, opt.encoding)];
  } catch (e) { die(e.message); }
})();
for (const it of plans.flatMap((p) => p.items)) {
  if (it.wsping || it.waitRooms || it.drop || it.waitCatchUp) continue;
  it.flag = F.flagOf(it.encoding);
  it.pkg = F.buildQuest({ method: it.method, twoway: it.twoway, seq: it.seq, flag: it.flag, payload: F.encodePayload(it.payload, it.flag) });
  if (it.size !== null && it.pkg.length !== it.size) die(`script: push index ${it.index} is ${it.pkg.length} bytes, must be ${it.size}`);
  if (it.transport === 'bug126' && it.pkg.length !== 126) die('script: bug126 push is not 126 bytes');
}

const ANSWER_TIMEOUT = opt.answerTimeout;
// The gate's message history and the catch-up quests' rate limit: one per gate (per user), across connections.
const history = new H.History(opt.uid);
const rateLimit = new H.RateLimit(opt.questRate, Math.max(1, 1000 - opt.rateSlack));
const CLOSE_WAIT = 3000;
const REFUSE_CLOSE = 200;

// ------------------------------------------------------------------ session
let sessionCount = 0;
let onceSession = null;

class Session {
  constructor(ws, req, hsWarnings) {
    this.id = ++sessionCount;
    this.ws = ws;
    this.sock = ws._socket;
    this.t0 = Date.now();
    this.state = 'await-auth';
    this.closed = false;
    this.stopped = false; // no more script pushes (bye / close)
    this.scriptDone = false;
    this.kickoutSent = false;
    this.pending = new Map(); // seq -> { item, sentAt, timer }
    this.rooms = new Set();   // rids the client entered (BigInt)
    this.cuUnread = null;     // what getunread told the client (this connection)
    this.cuDone = new Set();  // conversations paged to their end (a short page) on this connection
    this.expired = new Map(); // seq -> { item, sentAt }
    this.answeredSeqs = new Set();
    this.onewaySent = []; // one-way pushes not yet matched to a stray answer
    this.busy = false; // a multi-part send is in progress
    this.deferred = []; // sends from event handlers while busy
    this.closeFrame = null; // { code }
    this.maxAnswerMs = 0;
    this.report = {
      auth: null, pushes: 0, twoway: 0, answered: 0, unanswered: [], bad_answers: [], oneway_answered: [],
      pongs: 0, pings: 0, bye: false, client_close_code: null, errors: [], ok: false,
      // extras
      warnings: hsWarnings.slice(), client_pings: 0, script: opt.script, encoding: opt.encoding, auth_mode: opt.auth,
      script_complete: false, handshake: { url: req.url, headers: pairs(req.rawHeaders).map(([k, v]) => `${k}: ${v}`) }, duration_ms: 0, max_answer_ms: 0,
    };
    this.log(`connected from ${req.socket.remoteAddress}:${req.socket.remotePort} ${req.url}`);

    // FPNN answers a close frame by dropping TCP without a close frame of its
    // own; do the same unless --echo-close.
    ws._receiver.prependListener('conclude', (code) => {
      this.closeFrame = { code };
      this.log(`client close frame, code ${code}`);
      if (!opt.echoClose) this.sock.destroy();
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('ping', () => { this.report.client_pings++; this.ws.pong(); }); // FPNN: empty pong
    ws.on('pong', () => { this.report.pongs++; });
    ws.on('error', (e) => this.error('websocket: ' + e.message));
    ws.on('close', (code) => this.onClose(code));
  }

  log(m) { log(`#${this.id} ${m}`); }
  error(m) { this.report.errors.push(m); this.log('ERROR ' + m); }
  warn(m) { this.report.warnings.push(m); this.log('warning: ' + m); }

  // ---- output
  sendNow(buf) { this.ws.send(buf, { binary: true }); }
  // sends from event handlers wait while the script is in the middle of a
  // multi-part transport, so they never land between the parts
  sendSafe(buf) { if (this.busy) this.deferred.push(buf); else if (!this.closed) this.sendNow(buf); }
  flushDeferred() { this.busy = false; while (this.deferred.length && !this.closed) this.sendNow(this.deferred.shift()); }
  answer(pkg, payloadObj, status = 0) {
    this.sendSafe(F.buildAnswer({ seq: pkg.seq, status, flag: pkg.flag, payload: F.encodePayload(payloadObj, pkg.flag) }));
  }
  errorAnswer(pkg, code, ex) { this.answer(pkg, { code: BigInt(code), ex }, 1); }
  rawWrite(buf) {
    const snd = this.ws._sender;
    if (snd._state !== 0 || snd._queue.length || !snd._firstFragment) throw new Error('raw write while the ws sender is busy');
    this.sock.write(buf);
  }

  // ---- input
  onMessage(data, isBinary) {
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    if (!isBinary) { this.error(`text message from client (${buf.length} bytes); FPNN needs binary`); return; }
    const pkgs = [];
    let off = 0;
    try {
      while (off < buf.length) {
        const r = F.parsePackage(buf, off);
        if (r.need) { this.error(`client message of ${buf.length} bytes ends inside an FPNN package at offset ${off}` + (r.total ? ` (package of ${r.total} bytes)` : '')); break; }
        pkgs.push(r.pkg);
        off = r.next;
      }
    } catch (e) {
      this.error(`invalid FPNN package in client message at offset ${off}: ${e.message}; bytes ${buf.subarray(off, off + 16).toString('hex')}`);
    }
    if (pkgs.length > 1) this.error(`client message holds ${pkgs.length} FPNN packages (must be exactly one)`);
    if (buf.length === 0) this.error('empty client message');
    for (const p of pkgs) this.onPackage(p);
  }

  onPackage(pkg) {
    if (pkg.mtype === F.MT_ANSWER) return this.onAnswer(pkg);
    let payload;
    try { payload = F.decodePayload(pkg.payload, pkg.flag); } catch (e) {
      this.error(`client quest ${pkg.method}: payload does not decode as ${pkg.encoding}: ${e.message}`);
      if (pkg.mtype === F.MT_TWOWAY) this.errorAnswer(pkg, 10003, 'invalid package');
      return;
    }
    const twoway = pkg.mtype === F.MT_TWOWAY;
    this.log(`<- quest ${pkg.method} ${twoway ? 'seq ' + pkg.seq : 'one-way'} ${pkg.encoding}`);
    if (pkg.method === 'auth') {
      if (this.state === 'await-auth') return this.onAuth(pkg, payload);
      this.error('auth sent twice');
      if (twoway) this.errorAnswer(pkg, 200023, 'duplicated auth');
      return;
    }
    if (this.state === 'await-auth') {
      this.error(`client quest ${pkg.method} before auth`);
      if (twoway) this.errorAnswer(pkg, 200022, 'unauthorized');
      return;
    }
    if (pkg.method === 'bye') {
      this.report.bye = true;
      this.stopped = true;
      if (twoway) this.answer(pkg, {});
      this.log('bye: waiting for the client to close');
      setTimeout(() => { if (!this.closed) { this.warn('client did not close within 3 s after bye; gate closed'); this.sock.destroy(); } }, CLOSE_WAIT);
      return;
    }
    if (this.onGateMethod(pkg, payload, twoway)) return;
    if (twoway) this.errorAnswer(pkg, 20004, 'unknown method');
    else this.warn(`one-way quest from client with unknown method ${pkg.method}`);
  }

  // The gate methods a client may call (rtm_push.h's generic quests and typed helpers), recorded in the
  // report with Int64 values as decimal strings. test.slow answers after {"ms"} milliseconds (answers out
  // of order); test.never never answers (timeouts).
  onGateMethod(pkg, p, twoway) {
    const isInt = (v) => typeof v === 'bigint';
    const rec = { method: pkg.method, seq: twoway ? pkg.seq : null, encoding: pkg.encoding, payload: jsonSafe(p) };
    const need = (keys) => {
      const miss = keys.filter(([k, t]) => !(p && k in p) || (t === 'int' ? !isInt(p[k]) : typeof p[k] !== 'string' && !Buffer.isBuffer(p[k])));
      if (miss.length) { if (twoway) this.errorAnswer(pkg, 10010, 'bad or missing ' + miss.map((m) => m[0]).join(', ')); rec.error = true; }
      return !miss.length;
    };
    const send = (target) => {
      if (!need([[target, 'int'], ['mid', 'int'], ['mtype', 'int'], ['msg', 'str'], ['attrs', 'str']])) return;
      this.mtime = (this.mtime || 9007199254740993n) + 1n; // beyond 2^53: the answer's mtime must stay exact
      if (twoway) this.answer(pkg, { mtime: this.mtime });
    };
    switch (pkg.method) {
      case 'enterroom': if (need([['rid', 'int']])) { this.rooms.add(p.rid); if (twoway) this.answer(pkg, {}); } break;
      case 'leaveroom': if (need([['rid', 'int']])) { this.rooms.delete(p.rid); if (twoway) this.answer(pkg, {}); } break;
      case 'sendmsg': send('to'); break;
      case 'sendgroupmsg': send('gid'); break;
      case 'sendroommsg': send('rid'); break;
      case 'test.slow': setTimeout(() => { if (!this.closed && twoway) this.answer(pkg, { slept: p && isInt(p.ms) ? p.ms : 0n }); }, Number(p && isInt(p.ms) ? p.ms : 0n)); break;
      case 'test.never': break;
      case 'getunread': case 'getsession': case 'getp2pmsg': case 'getgroupmsg': case 'getroommsg': case 'getbroadcastmsg':
        if (twoway) this.historyQuest(pkg, p, rec);
        break;
      default: return false;
    }
    (this.report.client_quests = this.report.client_quests || []).push(rec);
    return true;
  }

  // getunread, getsession and the four history quests (tests/sim/history.js), under the rate limit (--quest-rate).
  historyQuest(pkg, p, rec) {
    if (!rateLimit.admit(pkg.method, Date.now())) {
      rec.refused = true;
      this.log(`quest ${pkg.method} refused: more than ${opt.questRate} a second`);
      this.errorAnswer(pkg, H.RATE_LIMITED, 'API frequency limited');
      return;
    }
    if (pkg.method === 'getunread') {
      const u = history.unread();
      if (!this.cuUnread) this.cuUnread = u;
      this.answer(pkg, u);
      return;
    }
    if (pkg.method === 'getsession') { this.answer(pkg, history.sessions()); return; }
    const isMember = (cat, target) => {
      if (cat === 'group' && !S.CU_GROUPS.includes(target)) return { code: 200041, ex: 'not a group member' };
      if (cat === 'room' && !this.rooms.has(target)) return { code: 200040, ex: 'not in the room' };
      return true;
    };
    const r = history.page(pkg.method, p, isMember);
    if (r.code) { rec.error = r.code; this.errorAnswer(pkg, r.code, r.ex); return; }
    rec.count = r.count;
    const cat = H.HISTORY_METHODS[pkg.method];
    const target = { p2p: p.ouid, group: p.gid, room: p.rid, broadcast: 0n }[cat];
    if (BigInt(r.count) < p.num) this.cuDone.add(H.History.key(cat, target));
    this.answer(pkg, r.answer);
  }

  onAuth(pkg, p) {
    const twoway = pkg.mtype === F.MT_TWOWAY;
    const isMap = p !== null && typeof p === 'object' && !Array.isArray(p) && !Buffer.isBuffer(p) && !(p instanceof F.RawStr);
    const a = { encoding: pkg.encoding, seq: twoway ? pkg.seq : null, twoway };
    this.report.auth = a;
    const problems = [];
    let code = 10009;
    if (!isMap) { problems.push('payload is not a map'); code = 10006; } else {
      a.keys = Object.keys(p);
      const want = (k, t) => {
        if (!(k in p)) { problems.push(`missing ${k}`); return; }
        const v = p[k];
        const ok = t === 'int' ? typeof v === 'bigint' : typeof v === 'string';
        if (!ok) { problems.push(`${k} is not ${t === 'int' ? 'an integer' : 'a string'}`); code = 10010; }
      };
      want('pid', 'int'); want('uid', 'int'); want('token', 'str'); want('version', 'str');
      for (const k of ['pid', 'uid', 'token', 'version', 'lang', 'attrs']) if (k in p) a[k] = p[k];
      if (typeof a.pid === 'bigint' && a.pid >= -(2n ** 53n) && a.pid <= 2n ** 53n) a.pid = Number(a.pid);
      if (typeof a.uid === 'bigint') a.uid = a.uid.toString();
      if ('lang' in p && typeof p.lang !== 'string') problems.push('lang is not a string');
      if ('attrs' in p) {
        const at = p.attrs;
        const atOk = at !== null && typeof at === 'object' && !Array.isArray(at) && !Buffer.isBuffer(at) &&
          Object.values(at).every((x) => typeof x === 'string');
        if (!atOk) problems.push('attrs is not a map of string to string');
      }
    }
    if (!twoway) {
      this.error('auth is a one-way quest (must be two-way)');
      a.answer = 'none';
      this.state = 'auth-failed';
      setTimeout(() => this.sock.destroy(), REFUSE_CLOSE);
      return;
    }
    if (opt.auth === 'silent') { // never answered: the client's login timeout ends the connection
      a.answer = 'none';
      this.state = 'auth-failed';
      this.log('auth not answered (--auth silent)');
      return;
    }
    if (opt.auth === 'error') {
      if (problems.length) this.warn('auth: ' + problems.join('; '));
      a.answer = 'error';
      this.errorAnswer(pkg, 200027, 'invalid token');
      this.state = 'auth-failed';
      this.log('auth answered with error 200027 (--auth error); waiting for the client to close');
      this.closeLater(CLOSE_WAIT, 'client did not close within 3 s after the auth error');
      return;
    }
    if (problems.length) {
      this.error('auth: ' + problems.join('; '));
      a.answer = 'error';
      this.errorAnswer(pkg, code, problems.join('; '));
      this.state = 'auth-failed';
      this.closeLater(CLOSE_WAIT, 'client did not close within 3 s after the auth error');
      return;
    }
    const mism = [];
    if (p.token !== opt.token) mism.push('token');
    if (p.pid !== opt.pid) mism.push(`pid (got ${p.pid}, want ${opt.pid})`);
    if (p.uid !== opt.uid) mism.push(`uid (got ${p.uid}, want ${opt.uid})`);
    if (opt.auth === 'refuse' || mism.length) {
      if (mism.length && opt.auth !== 'refuse') this.error('auth refused: wrong ' + mism.join(', '));
      a.answer = 'ok-false';
      this.answer(pkg, { ok: false });
      this.state = 'auth-failed';
      this.log(`auth refused (${opt.auth === 'refuse' ? '--auth refuse' : mism.join(', ')}); closing in ${REFUSE_CLOSE} ms`);
      setTimeout(() => { if (!this.closed) this.sock.end(); }, REFUSE_CLOSE);
      setTimeout(() => { if (!this.closed) this.sock.destroy(); }, REFUSE_CLOSE + 1000);
      return;
    }
    a.answer = 'ok';
    this.answer(pkg, { ok: true });
    this.state = 'authed';
    this.log(`auth ok (pid ${p.pid}, uid ${p.uid}, version ${p.version}); pushing script "${opt.script}" (${opt.encoding})`);
    this.runScript().catch((e) => { this.error('script runner: ' + e.stack); this.sock.destroy(); });
  }

  closeLater(ms, why) {
    setTimeout(() => { if (!this.closed) { this.warn(why + '; gate closed'); this.sock.destroy(); } }, ms);
  }

  onAnswer(pkg) {
    const seq = pkg.seq;
    const pend = this.pending.get(seq);
    // the answer as received: JSON text, or msgpack bytes in hex
    const describe = () => (pkg.flag === F.FLAG_JSON
      ? { status: pkg.status, encoding: pkg.encoding, payload: pkg.payload.toString('utf8') }
      : { status: pkg.status, encoding: pkg.encoding, payload_hex: pkg.payload.toString('hex') });
    if (pend) {
      clearTimeout(pend.timer);
      this.pending.delete(seq);
      this.answeredSeqs.add(seq);
      const ms = Date.now() - pend.sentAt;
      this.maxAnswerMs = Math.max(this.maxAnswerMs, ms);
      const problems = [];
      if (pkg.status !== 0) problems.push(`status ${pkg.status}`);
      if (pkg.flag !== pend.item.flag) problems.push(`answer in ${pkg.encoding}, push was ${pend.item.encoding}`);
      let v;
      try { v = F.decodePayload(pkg.payload, pkg.flag); } catch (e) { problems.push('payload does not decode: ' + e.message); }
      if (v !== undefined) {
        const emptyMap = v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof F.RawStr) && Object.keys(v).length === 0;
        if (!emptyMap) problems.push('payload is not an empty map');
        else if (pkg.flag === F.FLAG_MSGPACK && !pkg.payload.equals(Buffer.from([0x80]))) this.warn(`seq ${seq}: empty map not in smallest form (${pkg.payload.toString('hex')})`);
      }
      if (problems.length) {
        this.report.bad_answers.push({ seq, method: pend.item.method, problems, ...describe() });
        this.log(`<- answer seq ${seq} BAD: ${problems.join('; ')}`);
      } else {
        this.report.answered++;
      }
      return;
    }
    if (this.expired.has(seq)) {
      const ex = this.expired.get(seq);
      this.expired.delete(seq);
      this.answeredSeqs.add(seq);
      this.report.unanswered = this.report.unanswered.filter((s) => s !== seq);
      this.report.bad_answers.push({ seq, method: ex.item.method, problems: [`late: answered after ${Date.now() - ex.sentAt} ms (limit ${ANSWER_TIMEOUT} ms)`], ...describe() });
      return;
    }
    if (this.answeredSeqs.has(seq)) {
      this.report.bad_answers.push({ seq, method: null, problems: ['answered twice'], ...describe() });
      return;
    }
    if (this.onewaySent.length) {
      const o = this.onewaySent.shift();
      this.report.oneway_answered.push({ method: o.method, index: o.index, answer_seq: seq, ...describe() });
      this.log(`<- answer seq ${seq} matches no two-way push: counted as an answer to one-way ${o.method}`);
      return;
    }
    this.error(`answer to unknown seq ${seq} (status ${pkg.status})`);
  }

  // ---- the script
  registerSent(it) {
    this.report.pushes++;
    history.store(it.method, it.payload); // the gate keeps what it pushes (HISTORY.md 5)
    if (it.twoway) {
      this.report.twoway++;
      const ent = { item: it, sentAt: Date.now(), timer: null };
      ent.timer = setTimeout(() => {
        if (this.pending.get(it.seq) !== ent) return;
        this.pending.delete(it.seq);
        this.expired.set(it.seq, ent);
        this.report.unanswered.push(it.seq);
        this.log(`seq ${it.seq} (${it.method}) not answered within ${ANSWER_TIMEOUT} ms`);
      }, ANSWER_TIMEOUT);
      this.pending.set(it.seq, ent);
    } else {
      this.onewaySent.push(it);
    }
    this.log(`-> ${it.twoway ? 'seq ' + it.seq : 'one-way'} ${it.method} ${it.encoding} ${it.pkg.length}B ${it.transport}${it.note ? ' (' + it.note + ')' : ''}`);
  }

  async waitFor(cond, ms) {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await sleep(10);
    return cond();
  }

  async runScript() {
    const items = plans[Math.min(this.id, plans.length) - 1].items;
    const live = () => !this.closed && !this.stopped;
    for (let i = 0; i < items.length; i++) {
      if (!live()) break;
      const it = items[i];
      if (it.wsping) { this.ws.ping(); this.report.pings++; await sleep(opt.delay); continue; }
      if (it.drop) { // the connection drops at a frame boundary, once every push was answered
        await this.waitFor(() => this.pending.size === 0 || !live(), ANSWER_TIMEOUT + 500);
        this.dropped = true;
        this.log('dropping the TCP connection (frame boundary)');
        if (it.away && it.away.length) { // sent while the client is away: stored, not pushed
          history.logoutMtime = history.maxMtime();
          for (const a of it.away) history.store(a.push, a.payload, { deleted: a.deleted });
          this.log(`stored ${it.away.length} messages sent while the client is away`);
        }
        this.sock.destroy();
        return;
      }
      if (it.waitCatchUp) { // until the client paged every conversation it was told of (and its rooms, the broadcast) to the end
        const want = () => {
          if (!this.cuUnread) return null;
          const keys = [...this.cuUnread.p2p.map((t) => H.History.key('p2p', t)), ...this.cuUnread.group.map((t) => H.History.key('group', t)),
            ...[...this.rooms].map((r) => H.History.key('room', r)), H.History.key('broadcast', 0n)];
          return keys.filter((k) => !this.cuDone.has(k));
        };
        const done = () => { const w = want(); return w !== null && w.length === 0; };
        if (!(await this.waitFor(() => done() || !live(), 30000)) && live()) this.error('the client did not finish its catch-up: ' + JSON.stringify(want()));
        continue;
      }
      if (it.waitRooms) { // room pushes only once the client is in the rooms
        const inAll = () => it.waitRooms.every((r) => this.rooms.has(r));
        if (!(await this.waitFor(() => inAll() || !live(), 10000))) this.error('the client did not enter rooms ' + it.waitRooms.join(', '));
        continue;
      }
      if (it.method === 'kickout') {
        // give the client the chance to answer everything before the kick
        await this.waitFor(() => this.pending.size === 0 || !live(), ANSWER_TIMEOUT + 500);
        if (!live()) break;
      }
      const next = items[i + 1];
      switch (it.transport) {
        case 'normal':
          this.registerSent(it);
          this.sendNow(it.pkg);
          break;
        case 'bug126':
          this.registerSent(it);
          this.rawWrite(Buffer.concat([Buffer.from([0x82, 0x7e]), it.pkg]));
          break;
        case 'frag3': {
          const a = Math.floor(it.pkg.length / 3), b = Math.floor((2 * it.pkg.length) / 3);
          this.busy = true;
          this.registerSent(it);
          this.ws.send(it.pkg.subarray(0, a), { binary: true, fin: false });
          await sleep(opt.delay);
          this.ws.ping(); this.report.pings++;
          await sleep(opt.delay);
          if (this.closed) break;
          this.ws.send(it.pkg.subarray(a, b), { binary: true, fin: false });
          await sleep(opt.delay);
          if (this.closed) break;
          this.ws.send(it.pkg.subarray(b), { binary: true, fin: true });
          this.flushDeferred();
          break;
        }
        case 'split':
          this.busy = true;
          this.registerSent(it);
          this.sendNow(it.pkg.subarray(0, 10));
          await sleep(Math.max(opt.delay, 10));
          if (this.closed) break;
          this.sendNow(it.pkg.subarray(10));
          this.flushDeferred();
          break;
        case 'coalesce':
        case 'coalesce-split': {
          if (!next || next.wsping) throw new Error('coalesce needs a following push');
          i++;
          this.registerSent(it);
          this.registerSent(next);
          if (it.transport === 'coalesce') { this.sendNow(Buffer.concat([it.pkg, next.pkg])); break; }
          this.busy = true;
          this.sendNow(Buffer.concat([it.pkg, next.pkg.subarray(0, 20)]));
          await sleep(Math.max(opt.delay, 10));
          if (this.closed) break;
          this.sendNow(next.pkg.subarray(20));
          this.flushDeferred();
          break;
        }
        case 'drop-mid-frame': { // half a frame, then the connection is gone: not a push the client gets
          const n = it.pkg.length;
          const hdr = n < 126 ? Buffer.from([0x82, n]) : n < 65536 ? Buffer.from([0x82, 126, n >> 8, n & 255])
            : Buffer.from([0x82, 127, 0, 0, 0, 0, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
          await this.waitFor(() => this.pending.size === 0 || !live(), ANSWER_TIMEOUT + 500);
          this.rawWrite(Buffer.concat([hdr, it.pkg.subarray(0, n >> 1)]));
          this.dropped = true;
          this.log('dropping the TCP connection in the middle of a frame');
          await sleep(20);
          this.sock.destroy();
          return;
        }
        default: throw new Error('unknown transport ' + it.transport);
      }
      if (it.method === 'kickout') this.kickoutSent = true;
      if (i === items.length - 1 && !this.closed) { this.scriptDone = true; this.report.script_complete = true; }
      await sleep(opt.delay);
    }
    if (this.closed) return;
    if (this.stopped) return; // bye: its own close timer runs
    if (this.kickoutSent) {
      const closed = await this.waitFor(() => this.closed, CLOSE_WAIT);
      if (!closed) { this.warn('client did not close within 3 s after kickout; gate closed the connection'); this.sock.destroy(); }
    } else {
      // a script without kickout: wait for answers, then for the client
      await this.waitFor(() => this.pending.size === 0 || this.closed, ANSWER_TIMEOUT + 500);
    }
  }

  onClose(code) {
    if (this.closed) return;
    this.closed = true;
    this.busy = false;
    const r = this.report;
    r.client_close_code = this.closeFrame ? this.closeFrame.code : null;
    for (const [seq, ent] of this.pending) { clearTimeout(ent.timer); r.unanswered.push(seq); }
    this.pending.clear();
    r.unanswered.sort((x, y) => x - y);
    if (this.dropped) r.script_complete = true;
    if (this.state === 'authed' && !this.scriptDone && !r.script_complete) {
      if (r.bye) this.warn('script cut short by the client\'s bye');
      else this.error(`connection closed before the script finished (${r.pushes} pushes sent)`);
    }
    if (this.state === 'await-auth') this.error('connection closed before auth');
    if (r.pings > r.pongs) this.warn(`${r.pings} pings sent, ${r.pongs} pongs received`);
    r.duration_ms = Date.now() - this.t0;
    if (history.convs.size && rateLimit.log.length) { // catch-up runs: the history and every catch-up quest's arrival
      r.history = history.dump();
      r.quest_log = rateLimit.log.slice();
      r.quest_rate = opt.questRate;
    }
    r.max_answer_ms = this.maxAnswerMs;
    r.ok = r.errors.length === 0 && r.unanswered.length === 0 && r.bad_answers.length === 0 &&
      r.oneway_answered.length === 0 && r.answered === r.twoway;
    this.log(`closed (ws code ${code}, close frame ${this.closeFrame ? this.closeFrame.code : 'none'}); ` +
      `pushes ${r.pushes}, two-way ${r.twoway}, answered ${r.answered}, errors ${r.errors.length}: ${r.ok ? 'OK' : 'NOT OK'}`);
    finishSession(this);
  }
}

function pairs(raw) { const o = []; for (let i = 0; i + 1 < raw.length; i += 2) o.push([raw[i], raw[i + 1]]); return o; }

function writeReport(report) {
  if (!opt.report) return;
  fs.writeFileSync(opt.report, F.toReportJson(report, 2) + '\n');
}

const finished = []; // reports of the sessions served (--connections N: one after another)
function finishSession(sess) {
  finished.push(sess.report);
  const all = finished.length === 1 && opt.connections === 1 ? sess.report
    : { sessions: finished, connections: finished.length, ok: finished.every((r) => r.ok) && finished.length === opt.connections };
  writeReport(all);
  if (opt.once && sess === onceSession) {
    onceSession = null;
    if (finished.length < opt.connections) return; // wait for the client's next connection
    server.close();
    process.exit(all.ok ? 0 : 1);
  }
}

// ------------------------------------------------------------------ server
const server = opt.tlsCert
  ? https.createServer({ cert: fs.readFileSync(opt.tlsCert), key: fs.readFileSync(opt.tlsKey) })
  : http.createServer();
const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false, maxPayload: F.MAX_PACKAGE + 1024, clientTracking: false });

server.on('request', (req, res) => {
  log(`plain HTTP ${req.method} ${req.url}: 404`);
  res.writeHead(404, { 'Content-Type': 'text/plain', Connection: 'close' });
  res.end('not found\n');
});

function handshakeWarnings(req) {
  // FPNN matches header names case-sensitively and wants "Connection: Upgrade"
  const w = [];
  const raw = pairs(req.rawHeaders);
  const get = (name) => raw.find(([k]) => k === name);
  for (const n of ['Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version']) {
    if (!get(n)) w.push(`handshake: no header named exactly "${n}"`);
  }
  const c = get('Connection');
  if (c && c[1] !== 'Upgrade') w.push(`handshake: "Connection: ${c[1]}" (FPNN wants "Connection: Upgrade")`);
  const u = get('Upgrade');
  if (u && u[1] !== 'websocket') w.push(`handshake: "Upgrade: ${u[1]}" (FPNN wants "Upgrade: websocket")`);
  return w;
}

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const path = req.url.split('?')[0];
  if (path !== '/service/websocket') {
    log(`upgrade for ${req.url}: 404`);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n');
    return;
  }
  if (opt.once && onceSession) {
    log('--once: already serving a session; 503');
    socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const w = handshakeWarnings(req);
  if (w.length && opt.strictHandshake) {
    const body = F.fpnnJsonEncode({ code: 20004n, ex: w.join('; ') });
    log('strict handshake: 500: ' + w.join('; '));
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    return;
  }
  if (opt.once) onceSession = 'pending';
  wss.handleUpgrade(req, socket, head, (ws) => {
    const s = new Session(ws, req, w);
    for (const m of w) s.log('warning: ' + m);
    if (opt.once) onceSession = s;
  });
});

if (opt.keylog && opt.tlsCert) server.on('keylog', (line) => fs.appendFileSync(opt.keylog, line));
server.on('error', (e) => die('server: ' + e.message));
server.listen(opt.port, opt.host, () => {
  const port = server.address().port;
  process.stdout.write(`LISTENING ${port}\n`);
  // --ready FILE: the port, written whole under another name and then renamed, so that a reader finds either
  // no FILE or the complete line (tests remove FILE, or pick a new name, before each start).
  if (opt.ready) {
    fs.writeFileSync(opt.ready + '.tmp', `${port}\n`);
    fs.renameSync(opt.ready + '.tmp', opt.ready);
  }
  log(`${opt.tlsCert ? 'wss' : 'ws'}://${opt.host}:${port}/service/websocket script=${opt.script} encoding=${opt.encoding} auth=${opt.auth} token=${opt.token} pid=${opt.pid} uid=${opt.uid}`);
});

if (opt.timeout > 0) {
  setTimeout(() => {
    const s = onceSession instanceof Session ? onceSession : null;
    if (s) {
      s.error(`--timeout ${opt.timeout} s reached`);
      s.sock.destroy(); // onClose finishes and exits
      setTimeout(() => process.exit(1), 1000);
    } else if (finished.length) { // --connections N: the client stopped coming back
      writeReport({ sessions: finished, connections: finished.length, ok: false,
        errors: [`--timeout ${opt.timeout} s reached after ${finished.length} of ${opt.connections} connections`] });
      process.exit(1);
    } else {
      const r = { auth: null, pushes: 0, twoway: 0, answered: 0, unanswered: [], bad_answers: [], oneway_answered: [],
        pongs: 0, pings: 0, bye: false, client_close_code: null, errors: [`--timeout ${opt.timeout} s reached: no client session`], ok: false };
      writeReport(r);
      process.exit(1);
    }
  }, opt.timeout * 1000).unref();
}
