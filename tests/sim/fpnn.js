'use strict';
// FPNN codec for the RTM gate simulator: msgpack encoder/decoder, FPNN-style
// JSON writer, BigInt-exact JSON reader, FPNN package build/parse.
// No dependencies. Integers decode as BigInt; 64-bit values never pass
// through a JS Number.

const FLAG_JSON = 0x40;
const FLAG_MSGPACK = 0x80;
const MT_ONEWAY = 0;
const MT_TWOWAY = 1;
const MT_ANSWER = 2;
const MAX_PACKAGE = 8 * 1024 * 1024;

const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

// A msgpack "str" whose bytes are given verbatim (may be invalid UTF-8).
class RawStr {
  constructor(bytes) { this.bytes = Buffer.from(bytes); }
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
function isValidUtf8(buf) {
  try { utf8Fatal.decode(buf); return true; } catch (e) { return false; }
}
function bytesToStr(buf) {
  // valid UTF-8 -> JS string, else RawStr
  return isValidUtf8(buf) ? buf.toString('utf8') : new RawStr(buf);
}

function isPlainMap(v) {
  return v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Uint8Array) &&
    !Array.isArray(v) && !(v instanceof RawStr);
}
function mapEntries(v) {
  return v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, v[k]]);
}

// ---------------------------------------------------------------- msgpack

function mpEncodeInt(v, out) {
  v = BigInt(v);
  if (v < INT64_MIN || v > UINT64_MAX) throw new RangeError('integer out of 64-bit range: ' + v);
  const b = (n) => { const x = Buffer.alloc(n); out.push(x); return x; };
  if (v >= 0n) {
    if (v < 128n) { b(1)[0] = Number(v); }
    else if (v < 256n) { const x = b(2); x[0] = 0xcc; x[1] = Number(v); }
    else if (v < 65536n) { const x = b(3); x[0] = 0xcd; x.writeUInt16BE(Number(v), 1); }
    else if (v < 4294967296n) { const x = b(5); x[0] = 0xce; x.writeUInt32BE(Number(v), 1); }
    else { const x = b(9); x[0] = 0xcf; x.writeBigUInt64BE(v, 1); }
  } else {
    if (v >= -32n) { b(1)[0] = Number(v) & 0xff; }
    else if (v >= -128n) { const x = b(2); x[0] = 0xd0; x.writeInt8(Number(v), 1); }
    else if (v >= -32768n) { const x = b(3); x[0] = 0xd1; x.writeInt16BE(Number(v), 1); }
    else if (v >= -2147483648n) { const x = b(5); x[0] = 0xd2; x.writeInt32BE(Number(v), 1); }
    else { const x = b(9); x[0] = 0xd3; x.writeBigInt64BE(v, 1); }
  }
}

function mpEncodeStrBytes(bytes, out) {
  const n = bytes.length;
  let h;
  if (n < 32) h = Buffer.from([0xa0 | n]);
  else if (n < 256) h = Buffer.from([0xd9, n]);
  else if (n < 65536) { h = Buffer.alloc(3); h[0] = 0xda; h.writeUInt16BE(n, 1); }
  else { h = Buffer.alloc(5); h[0] = 0xdb; h.writeUInt32BE(n, 1); }
  out.push(h, bytes);
}

function mpEncodeValue(v, out) {
  if (v === null || v === undefined) out.push(Buffer.from([0xc0]));
  else if (v === true) out.push(Buffer.from([0xc3]));
  else if (v === false) out.push(Buffer.from([0xc2]));
  else if (typeof v === 'bigint') mpEncodeInt(v, out);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) mpEncodeInt(BigInt(v), out);
    else { const x = Buffer.alloc(9); x[0] = 0xcb; x.writeDoubleBE(v, 1); out.push(x); }
  } else if (typeof v === 'string') mpEncodeStrBytes(Buffer.from(v, 'utf8'), out);
  else if (v instanceof RawStr) mpEncodeStrBytes(v.bytes, out);
  else if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    const bytes = Buffer.from(v);
    const n = bytes.length;
    let h;
    if (n < 256) h = Buffer.from([0xc4, n]);
    else if (n < 65536) { h = Buffer.alloc(3); h[0] = 0xc5; h.writeUInt16BE(n, 1); }
    else { h = Buffer.alloc(5); h[0] = 0xc6; h.writeUInt32BE(n, 1); }
    out.push(h, bytes);
  } else if (Array.isArray(v)) {
    const n = v.length;
    let h;
    if (n < 16) h = Buffer.from([0x90 | n]);
    else if (n < 65536) { h = Buffer.alloc(3); h[0] = 0xdc; h.writeUInt16BE(n, 1); }
    else { h = Buffer.alloc(5); h[0] = 0xdd; h.writeUInt32BE(n, 1); }
    out.push(h);
    for (const e of v) mpEncodeValue(e, out);
  } else if (isPlainMap(v)) {
    const ents = mapEntries(v);
    const n = ents.length;
    let h;
    if (n < 16) h = Buffer.from([0x80 | n]);
    else if (n < 65536) { h = Buffer.alloc(3); h[0] = 0xde; h.writeUInt16BE(n, 1); }
    else { h = Buffer.alloc(5); h[0] = 0xdf; h.writeUInt32BE(n, 1); }
    out.push(h);
    for (const [k, val] of ents) { mpEncodeValue(k, out); mpEncodeValue(val, out); }
  } else throw new TypeError('cannot msgpack-encode ' + typeof v);
}

function msgpackEncode(v) {
  const out = [];
  mpEncodeValue(v, out);
  return Buffer.concat(out);
}

// Decode one msgpack value. Integers -> BigInt, str -> string (or RawStr when
// not UTF-8), bin -> Buffer, map -> plain object (null prototype, insertion
// order kept). Throws on truncation / trailing bytes / unsupported types.
function msgpackDecode(buf) {
  let p = 0;
  const need = (n) => { if (p + n > buf.length) throw new Error('msgpack: truncated at ' + p); };
  const str = (n) => { need(n); const s = buf.subarray(p, p + n); p += n; return bytesToStr(Buffer.from(s)); };
  const bin = (n) => { need(n); const s = Buffer.from(buf.subarray(p, p + n)); p += n; return s; };
  const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(val()); return a; };
  const map = (n) => {
    const m = Object.create(null);
    for (let i = 0; i < n; i++) {
      const k = val();
      const ks = typeof k === 'string' ? k : (typeof k === 'bigint' ? k.toString() : null);
      if (ks === null) throw new Error('msgpack: unsupported map key type');
      m[ks] = val();
    }
    return m;
  };
  function val() {
    need(1);
    const t = buf[p++];
    if (t < 0x80) return BigInt(t);
    if (t >= 0xe0) return BigInt(t - 256);
    if ((t & 0xf0) === 0x80) return map(t & 0x0f);
    if ((t & 0xf0) === 0x90) return arr(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    let v;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: need(1); v = buf[p]; p += 1; return bin(v);
      case 0xc5: need(2); v = buf.readUInt16BE(p); p += 2; return bin(v);
      case 0xc6: need(4); v = buf.readUInt32BE(p); p += 4; return bin(v);
      case 0xca: need(4); v = buf.readFloatBE(p); p += 4; return v;
      case 0xcb: need(8); v = buf.readDoubleBE(p); p += 8; return v;
      case 0xcc: need(1); v = BigInt(buf[p]); p += 1; return v;
      case 0xcd: need(2); v = BigInt(buf.readUInt16BE(p)); p += 2; return v;
      case 0xce: need(4); v = BigInt(buf.readUInt32BE(p)); p += 4; return v;
      case 0xcf: need(8); v = buf.readBigUInt64BE(p); p += 8; return v;
      case 0xd0: need(1); v = BigInt(buf.readInt8(p)); p += 1; return v;
      case 0xd1: need(2); v = BigInt(buf.readInt16BE(p)); p += 2; return v;
      case 0xd2: need(4); v = BigInt(buf.readInt32BE(p)); p += 4; return v;
      case 0xd3: need(8); v = buf.readBigInt64BE(p); p += 8; return v;
      case 0xd9: need(1); v = buf[p]; p += 1; return str(v);
      case 0xda: need(2); v = buf.readUInt16BE(p); p += 2; return str(v);
      case 0xdb: need(4); v = buf.readUInt32BE(p); p += 4; return str(v);
      case 0xdc: need(2); v = buf.readUInt16BE(p); p += 2; return arr(v);
      case 0xdd: need(4); v = buf.readUInt32BE(p); p += 4; return arr(v);
      case 0xde: need(2); v = buf.readUInt16BE(p); p += 2; return map(v);
      case 0xdf: need(4); v = buf.readUInt32BE(p); p += 4; return map(v);
      default: throw new Error('msgpack: unsupported type byte 0x' + t.toString(16));
    }
  }
  const v = val();
  if (p !== buf.length) throw new Error('msgpack: ' + (buf.length - p) + ' trailing bytes');
  return v;
}

// ---------------------------------------------------------------- FPNN-style JSON writer

const HEX = '0123456789abcdef';
// Escape raw bytes the way FPNN (msgpack-c's printer) does.
function fpnnJsonStringBytes(bytes) {
  const parts = [0x22];
  for (const c of bytes) {
    switch (c) {
      case 0x22: parts.push(0x5c, 0x22); break;
      case 0x5c: parts.push(0x5c, 0x5c); break;
      case 0x2f: parts.push(0x5c, 0x2f); break;
      case 0x08: parts.push(0x5c, 0x62); break;
      case 0x0c: parts.push(0x5c, 0x66); break;
      case 0x0a: parts.push(0x5c, 0x6e); break;
      case 0x0d: parts.push(0x5c, 0x72); break;
      case 0x09: parts.push(0x5c, 0x74); break;
      default:
        if (c < 0x20 || c === 0x7f) {
          parts.push(0x5c, 0x75, 0x30, 0x30, HEX.charCodeAt(c >> 4), HEX.charCodeAt(c & 15));
        } else parts.push(c);
    }
  }
  parts.push(0x22);
  return Buffer.from(parts);
}

function fpnnJsonValue(v, out) {
  if (v === null || v === undefined) out.push(Buffer.from('null'));
  else if (v === true) out.push(Buffer.from('true'));
  else if (v === false) out.push(Buffer.from('false'));
  else if (typeof v === 'bigint') out.push(Buffer.from(v.toString(10)));
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('non-finite number');
    out.push(Buffer.from(Number.isInteger(v) ? BigInt(v).toString(10) : String(v)));
  } else if (typeof v === 'string') out.push(fpnnJsonStringBytes(Buffer.from(v, 'utf8')));
  else if (v instanceof RawStr) out.push(fpnnJsonStringBytes(v.bytes));
  else if (Buffer.isBuffer(v) || v instanceof Uint8Array) out.push(fpnnJsonStringBytes(Buffer.from(v)));
  else if (Array.isArray(v)) {
    out.push(Buffer.from('['));
    v.forEach((e, i) => { if (i) out.push(Buffer.from(', ')); fpnnJsonValue(e, out); });
    out.push(Buffer.from(']'));
  } else if (isPlainMap(v)) {
    out.push(Buffer.from('{'));
    mapEntries(v).forEach(([k, e], i) => {
      if (i) out.push(Buffer.from(', '));
      out.push(fpnnJsonStringBytes(Buffer.from(String(k), 'utf8')), Buffer.from(':'));
      fpnnJsonValue(e, out);
    });
    out.push(Buffer.from('}'));
  } else throw new TypeError('cannot JSON-encode ' + typeof v);
}

function fpnnJsonEncode(v) {
  const out = [];
  fpnnJsonValue(v, out);
  return Buffer.concat(out);
}

// ---------------------------------------------------------------- JSON reader (exact)

// Parses JSON from bytes. Integers -> BigInt, other numbers -> Number,
// strings -> string (or RawStr if the bytes are not UTF-8), objects -> plain
// object with null prototype.
function jsonDecode(buf) {
  if (typeof buf === 'string') buf = Buffer.from(buf, 'utf8');
  let p = 0;
  const err = (m) => { throw new Error('json: ' + m + ' at byte ' + p); };
  const ws = () => { while (p < buf.length && (buf[p] === 0x20 || buf[p] === 0x09 || buf[p] === 0x0a || buf[p] === 0x0d)) p++; };
  const lit = (s, v) => { if (buf.toString('latin1', p, p + s.length) !== s) err('bad literal'); p += s.length; return v; };
  function string() {
    p++; // opening quote
    const bytes = [];
    for (;;) {
      if (p >= buf.length) err('unterminated string');
      const c = buf[p++];
      if (c === 0x22) break;
      if (c === 0x5c) {
        const e = buf[p++];
        switch (e) {
          case 0x22: bytes.push(0x22); break;
          case 0x5c: bytes.push(0x5c); break;
          case 0x2f: bytes.push(0x2f); break;
          case 0x62: bytes.push(0x08); break;
          case 0x66: bytes.push(0x0c); break;
          case 0x6e: bytes.push(0x0a); break;
          case 0x72: bytes.push(0x0d); break;
          case 0x74: bytes.push(0x09); break;
          case 0x75: {
            const hex = buf.toString('latin1', p, p + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('bad \\u escape');
            p += 4;
            let cp = parseInt(hex, 16);
            if (cp >= 0xd800 && cp < 0xdc00 && buf[p] === 0x5c && buf[p + 1] === 0x75) {
              const lo = parseInt(buf.toString('latin1', p + 2, p + 6), 16);
              if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); p += 6; }
            }
            for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
            break;
          }
          default: err('bad escape');
        }
      } else bytes.push(c);
    }
    return bytesToStr(Buffer.from(bytes));
  }
  function number() {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(buf.toString('latin1', p, Math.min(buf.length, p + 400)));
    if (!m) err('bad number');
    p += m[0].length;
    return (m[2] || m[3]) ? Number(m[0]) : BigInt(m[0]);
  }
  function value() {
    ws();
    if (p >= buf.length) err('unexpected end');
    const c = buf[p];
    if (c === 0x7b) {
      p++;
      const o = Object.create(null);
      ws();
      if (buf[p] === 0x7d) { p++; return o; }
      for (;;) {
        ws();
        if (buf[p] !== 0x22) err('expected key');
        const k = string();
        ws();
        if (buf[p++] !== 0x3a) err('expected :');
        o[k instanceof RawStr ? k.bytes.toString('latin1') : k] = value();
        ws();
        const d = buf[p++];
        if (d === 0x7d) return o;
        if (d !== 0x2c) err('expected , or }');
      }
    }
    if (c === 0x5b) {
      p++;
      const a = [];
      ws();
      if (buf[p] === 0x5d) { p++; return a; }
      for (;;) {
        a.push(value());
        ws();
        const d = buf[p++];
        if (d === 0x5d) return a;
        if (d !== 0x2c) err('expected , or ]');
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return lit('true', true);
    if (c === 0x66) return lit('false', false);
    if (c === 0x6e) return lit('null', null);
    return number();
  }
  const v = value();
  ws();
  if (p !== buf.length) err('trailing bytes');
  return v;
}

// ---------------------------------------------------------------- payloads

function encodePayload(v, flag) {
  if (flag === FLAG_JSON) return fpnnJsonEncode(v);
  if (flag === FLAG_MSGPACK) return msgpackEncode(v);
  throw new Error('bad flag ' + flag);
}
function decodePayload(buf, flag) {
  if (flag === FLAG_JSON) return jsonDecode(buf);
  if (flag === FLAG_MSGPACK) return msgpackDecode(buf);
  throw new Error('bad flag ' + flag);
}
function flagOf(enc) {
  if (enc === 'json') return FLAG_JSON;
  if (enc === 'msgpack') return FLAG_MSGPACK;
  throw new Error('bad encoding ' + enc);
}
function encOf(flag) { return flag === FLAG_JSON ? 'json' : flag === FLAG_MSGPACK ? 'msgpack' : 'flag-0x' + flag.toString(16); }

// ---------------------------------------------------------------- packages

function buildQuest({ method, twoway, seq, flag, payload }) {
  const m = Buffer.from(method, 'utf8');
  if (m.length > 255) throw new Error('method too long');
  const hl = twoway ? 16 : 12;
  const h = Buffer.alloc(hl);
  h.write('FPNN', 0, 'latin1');
  h[4] = 1; h[5] = flag; h[6] = twoway ? MT_TWOWAY : MT_ONEWAY; h[7] = m.length;
  h.writeUInt32LE(payload.length, 8);
  if (twoway) h.writeUInt32LE(seq >>> 0, 12);
  return Buffer.concat([h, m, payload]);
}

function buildAnswer({ seq, status, flag, payload }) {
  const h = Buffer.alloc(16);
  h.write('FPNN', 0, 'latin1');
  h[4] = 1; h[5] = flag; h[6] = MT_ANSWER; h[7] = status;
  h.writeUInt32LE(payload.length, 8);
  h.writeUInt32LE(seq >>> 0, 12);
  return Buffer.concat([h, payload]);
}

// Try to cut one package from buf at offset off.
// Returns {pkg, next} | {need: true} | throws on an invalid header.
function parsePackage(buf, off = 0) {
  if (buf.length - off < 12) return { need: true };
  if (buf.toString('latin1', off, off + 4) !== 'FPNN') throw new Error('bad magic ' + buf.subarray(off, off + 4).toString('hex'));
  const version = buf[off + 4], flag = buf[off + 5], mtype = buf[off + 6], ss = buf[off + 7];
  const psize = buf.readUInt32LE(off + 8);
  if (version > 1) throw new Error('bad version ' + version);
  if (flag !== FLAG_JSON && flag !== FLAG_MSGPACK) throw new Error('bad flag 0x' + flag.toString(16));
  if (mtype > 2) throw new Error('bad mtype ' + mtype);
  const hl = mtype === MT_ONEWAY ? 12 : 16;
  const ml = mtype === MT_ANSWER ? 0 : ss;
  const total = hl + ml + psize;
  if (total > MAX_PACKAGE) throw new Error('package too large: ' + total);
  if (buf.length - off < total) return { need: true, total };
  const pkg = {
    version, flag, mtype, encoding: encOf(flag),
    seq: mtype === MT_ONEWAY ? null : buf.readUInt32LE(off + 12),
    status: mtype === MT_ANSWER ? ss : null,
    method: mtype === MT_ANSWER ? null : buf.toString('utf8', off + hl, off + hl + ml),
    payload: Buffer.from(buf.subarray(off + hl + ml, off + total)),
    raw: Buffer.from(buf.subarray(off, off + total)),
  };
  return { pkg, next: off + total };
}

// Accumulates a byte stream and cuts packages out of it.
class PackageStream {
  constructor() { this.buf = Buffer.alloc(0); }
  push(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out = [];
    let off = 0;
    for (;;) {
      const r = parsePackage(this.buf, off);
      if (r.need) break;
      out.push(r.pkg);
      off = r.next;
    }
    this.buf = this.buf.subarray(off);
    return out;
  }
  get pending() { return this.buf.length; }
}

// JSON.stringify replacement for reports: BigInt -> string, Buffer -> {base64}.
function toReportJson(v, indent) {
  return JSON.stringify(v, (k, x) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof RawStr) return { raw_base64: x.bytes.toString('base64') };
    if (x && x.type === 'Buffer' && Array.isArray(x.data)) return { base64: Buffer.from(x.data).toString('base64') };
    return x;
  }, indent);
}

module.exports = {
  FLAG_JSON, FLAG_MSGPACK, MT_ONEWAY, MT_TWOWAY, MT_ANSWER, MAX_PACKAGE,
  RawStr, isValidUtf8,
  msgpackEncode, msgpackDecode, fpnnJsonEncode, jsonDecode,
  encodePayload, decodePayload, flagOf, encOf,
  buildQuest, buildAnswer, parsePackage, PackageStream, toReportJson,
};
