#!/usr/bin/env node
'use strict';
// The oracle: from script.js alone, print the exact lines a correct client
// (rtm-listen / rtm-dump) prints for a gate.js run.
//
//   node expect.js --script demo --encoding json|msgpack|mixed [--uid 4242] [--no-dedup] [--explain]
//
// --explain also writes a table of every push (seq, method, encoding,
// transport, event, delivered or why not) to stderr.

const S = require('./script');
const { RawStr } = require('./fpnn');

const VARIANTS = { pushmsg: '', pushgroupmsg: 'group', pushroommsg: 'room', pushbroadcastmsg: 'broadcast' };
const DERIVED = {};
for (const v of Object.values(VARIANTS)) for (const k of ['chat', 'audio', 'cmd', 'file']) DERIVED['push' + v + k] = v;
const FIELDS = ['from', 'to', 'gid', 'rid', 'mtype', 'mid', 'msg', 'attrs', 'mtime'];
const INT64_FIELDS = new Set(['from', 'to', 'gid', 'rid', 'mid', 'mtime']);
const TRANSLATION_KEYS = ['source', 'target', 'sourceText', 'targetText'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

function eventFor(method, payload) {
  if (method === 'ping' || method === 'kickout' || method === 'kickoutroom') return { event: method, message: false };
  if (method in VARIANTS) {
    const v = VARIANTS[method];
    const mt = payload.mtype === undefined ? null : Number(payload.mtype);
    let kind = null;
    if (mt === 30) kind = 'chat'; else if (mt === 31) kind = 'audio'; else if (mt === 32) kind = 'cmd';
    else if (mt !== null && mt >= 40 && mt <= 50) kind = 'file';
    return { event: kind ? 'push' + v + kind : method, message: true, category: v };
  }
  if (method in DERIVED) return { event: method, message: true, category: DERIVED[method] };
  return { event: 'unknown', message: false };
}

// minimal escaping of raw bytes (C0, and DEL and C1 controls too, as the library does: nothing a terminal acts
// on); the bytes must be valid UTF-8
function jstr(bytes) {
  let s = '"';
  const text = utf8.decode(bytes);
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (ch === '"') s += '\\"';
    else if (ch === '\\') s += '\\\\';
    else if (c === 8) s += '\\b';
    else if (c === 12) s += '\\f';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === 9) s += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) s += '\\u00' + c.toString(16).padStart(2, '0');
    else s += ch;
  }
  return s + '"';
}
function isUtf8(b) { try { utf8.decode(b); return true; } catch (e) { return false; } }

// one field -> `"name":value` (or `"name_base64":"..."`)
function field(name, v) {
  if (INT64_FIELDS.has(name)) return `"${name}":"${BigInt(v).toString()}"`;
  if (name === 'mtype') return `"${name}":${BigInt(v).toString()}`;
  let bytes = null;
  let bin = false;
  if (typeof v === 'string') bytes = Buffer.from(v, 'utf8');
  else if (v instanceof RawStr) bytes = v.bytes;
  else if (Buffer.isBuffer(v)) { bytes = v; bin = true; }
  else if (name === 'msg' && v && typeof v === 'object') {
    const parts = TRANSLATION_KEYS.filter((k) => k in v).map((k) => `${jstr(Buffer.from(k))}:${jstr(Buffer.from(v[k], 'utf8'))}`);
    return `"msg":{${parts.join(',')}}`;
  } else throw new Error(`expect.js: no rule for ${name} of type ${typeof v}`);
  if (bin || !isUtf8(bytes)) return `"${name}_base64":"${bytes.toString('base64')}"`;
  return `"${name}":${jstr(bytes)}`;
}

function excludes(attrs, uid) {
  if (typeof attrs !== 'string') return false;
  let a;
  try { a = JSON.parse(attrs); } catch (e) { return false; }
  if (!a || typeof a !== 'object' || !Array.isArray(a.excludedUids)) return false;
  return a.excludedUids.some((x) => (typeof x === 'string' && x === uid.toString()) ||
    (typeof x === 'number' && Number.isSafeInteger(x) && BigInt(x) === uid));
}

// Returns [{ item, line|null, event, why }] for every push of the plan.
function expected(scriptName, encoding, { uid = 4242n, dedup = true } = {}, seen = new Set()) {
  const plan = S.buildPlan(scriptName, encoding);
  const out = [];
  for (const it of plan.items) {
    if (it.wsping || it.waitRooms || it.drop || it.transport === 'drop-mid-frame') continue;
    const p = it.payload;
    const ev = eventFor(it.method, p);
    let why = null;
    if (ev.message) {
      if (excludes(p.attrs, uid)) why = 'excludedUids holds our uid';
      const mid = p.mid === undefined ? 0n : BigInt(p.mid);
      if (mid !== 0n) {
        const tgtName = { '': 'to', group: 'gid', room: 'rid', broadcast: null }[ev.category];
        const tgt = tgtName && p[tgtName] !== undefined ? BigInt(p[tgtName]) : 0n;
        const from = p.from === undefined ? 0n : BigInt(p.from);
        const key = `${ev.category}|${tgt}|${from}|${mid}`;
        if (seen.has(key) && dedup && !why) why = 'duplicate';
        seen.add(key);
      }
    }
    let line = null;
    if (!why) {
      const parts = [`"event":"${ev.event}"`, `"method":${jstr(Buffer.from(it.method))}`];
      if (it.twoway) parts.push(`"seq":${it.seq}`);
      parts.push(`"twoway":${it.twoway}`);
      if (ev.event !== 'unknown') for (const f of FIELDS) if (p[f] !== undefined) parts.push(field(f, p[f]));
      line = '{' + parts.join(',') + '}';
    }
    out.push({ item: it, line, event: ev.event, why });
  }
  return out;
}

// A script in parts (NAME.1, NAME.2, ...) is one logical session over several connections: a login line
// per connection, duplicates suppressed across all of them.
function parts(scriptName) {
  const p = [];
  for (let k = 1; S.SCRIPTS[`${scriptName}.${k}`]; k++) p.push(`${scriptName}.${k}`);
  return p.length ? p : [scriptName];
}
function lines(scriptName, encoding, opts) {
  const seen = new Set(), out = [];
  for (const part of parts(scriptName)) {
    out.push('{"event":"login","ok":true}');
    for (const e of expected(part, encoding, opts, seen)) if (e.line) out.push(e.line);
  }
  return out;
}

module.exports = { expected, lines, eventFor };

if (require.main === module) {
  const o = { script: 'demo', encoding: 'json', uid: 4242n, dedup: true, explain: false };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
      case '--script': o.script = a[++i]; break;
      case '--encoding': o.encoding = a[++i]; break;
      case '--uid': o.uid = BigInt(a[++i]); break;
      case '--no-dedup': o.dedup = false; break;
      case '--explain': o.explain = true; break;
      default:
        process.stderr.write('usage: node expect.js --script demo|small --encoding json|msgpack|mixed [--uid N] [--no-dedup] [--explain]\n');
        process.exit(2);
    }
  }
  const ex = parts(o.script).length > 1 ? [] : expected(o.script, o.encoding, o);
  if (o.explain) {
    for (const e of ex) {
      const it = e.item;
      process.stderr.write(`# idx ${String(it.index).padStart(2)} seq ${it.seq === null ? '  -' : String(it.seq).padStart(3)} ${it.method.padEnd(17)} ${it.encoding.padEnd(7)} ` +
        `${it.transport.padEnd(14)} -> ${e.why ? 'NOT DELIVERED (' + e.why + ')' : e.event}${it.note ? '  [' + it.note + ']' : ''}\n`);
    }
  }
  process.stdout.write(lines(o.script, o.encoding, o).join('\n') + '\n');
}
