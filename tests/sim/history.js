'use strict';
// The gate's message history, for catch-up after a reconnect (issue #22; wire facts: HISTORY.md).
//
// One store per conversation: P2P (keyed by the peer's uid, seen from the client), group (gid), room (rid),
// broadcast (one). Each entry: { id (per-conversation cursor, from 1), from, to, mtype, mid, deleted, msg,
// attrs, mtime }. The quests answered here, in the quest's own encoding:
//   getp2pmsg {ouid} / getgroupmsg {gid} / getroommsg {rid} / getbroadcastmsg {}, each with
//     desc, num (<= 20), begin, end, lastid  ->  {num, lastid, begin, end, msgs: [[id, from|direction, mtype,
//     mid, deleted, msg, attrs, mtime], ...]}    (P2P element 1: 1 = sent by the client, 2 = by the peer)
//   getunread {clear?, gettime?} -> {p2p: [uid], group: [gid][, logouttime]}
//   getsession {} -> {p2p: [uid], group: [gid]}
// Paging (HISTORY.md 4): desc=false pages forward: mtime >= begin (0: unset), mtime <= end (0: unset), id > lastid
// (0: unset), oldest first; desc=true pages backward: id < lastid, newest first. The answer's lastid is the id of
// its last entry (the request's lastid when empty), begin/end the values to pass back: forward, begin = the last
// entry's mtime; backward, end = the last entry's mtime.

const MAX_NUM = 20;
const RATE_LIMITED = 200010;
const HISTORY_METHODS = { getp2pmsg: 'p2p', getgroupmsg: 'group', getroommsg: 'room', getbroadcastmsg: 'broadcast' };

class History {
  constructor(uid) {
    this.uid = BigInt(uid);
    this.convs = new Map(); // "cat:target" -> { cat, target, entries: [] }
    this.logoutMtime = null; // the server time the client's last connection was lost (getunread)
  }

  static key(cat, target) { return `${cat}:${cat === 'broadcast' ? 0n : target}`; }

  conv(cat, target) {
    const k = History.key(cat, target);
    if (!this.convs.has(k)) this.convs.set(k, { cat, target: cat === 'broadcast' ? 0n : BigInt(target), entries: [] });
    return this.convs.get(k);
  }

  // The conversation a push method + payload belongs to (P2P: the peer, seen from the client).
  convOf(method, p) {
    if (method === 'pushmsg') return this.conv('p2p', p.from === this.uid ? p.to : p.from);
    if (method === 'pushgroupmsg') return this.conv('group', p.gid);
    if (method === 'pushroommsg') return this.conv('room', p.rid);
    if (method === 'pushbroadcastmsg') return this.conv('broadcast', 0n);
    return null;
  }

  // Store a message (a push, or one "sent while the client was away"); the same (from, mid) once per conversation.
  store(method, p, extra) {
    if (!p || typeof p.from !== 'bigint' || typeof p.mid !== 'bigint') return null;
    const t = { pushmsg: p.from === this.uid ? p.to : p.from, pushgroupmsg: p.gid, pushroommsg: p.rid, pushbroadcastmsg: 0n }[method];
    if (typeof t !== 'bigint') return null;
    const c = this.convOf(method, p);
    if (!c) return null;
    const old = c.entries.find((e) => e.from === p.from && e.mid === p.mid);
    if (old) return old;
    const e = {
      id: BigInt(c.entries.length + 1), from: p.from, to: p.to, mtype: p.mtype === undefined ? 0 : p.mtype, mid: p.mid,
      deleted: !!(extra && extra.deleted), msg: p.msg === undefined ? '' : p.msg, attrs: p.attrs === undefined ? '' : p.attrs,
      mtime: p.mtime === undefined ? 0n : p.mtime,
    };
    c.entries.push(e);
    return e;
  }

  element(c, e) {
    const who = c.cat === 'p2p' ? (e.from === this.uid ? 1n : 2n) : e.from;
    let msg = e.msg;
    // history keeps chat text as a plain string (a push may carry a translation object)
    if (msg && typeof msg === 'object' && !Buffer.isBuffer(msg) && msg.sourceText !== undefined) msg = msg.targetText || msg.sourceText;
    return [e.id, who, BigInt(e.mtype), e.mid, e.deleted, msg, e.attrs, e.mtime];
  }

  // A history quest: returns { code, ex } for an error answer, else { answer }.
  page(method, p, isMember) {
    const cat = HISTORY_METHODS[method];
    const int = (k) => (p && typeof p[k] === 'bigint' ? p[k] : p && k in p ? null : 0n);
    const need = { p2p: 'ouid', group: 'gid', room: 'rid' }[cat];
    if (need && (!p || typeof p[need] !== 'bigint')) return { code: 10009, ex: 'missing or bad ' + need };
    if (!p || typeof p.desc !== 'boolean') return { code: 10009, ex: 'missing or bad desc' };
    const num = int('num'), begin = int('begin'), end = int('end'), lastid = int('lastid');
    if (num === null || begin === null || end === null || lastid === null) return { code: 200034, ex: 'invalid parameter' };
    if (num < 1n || num > BigInt(MAX_NUM)) return { code: 200034, ex: `num must be 1..${MAX_NUM}` };
    const target = need ? p[need] : 0n;
    const member = isMember(cat, target);
    if (member !== true) return member; // { code, ex }
    const c = this.convs.get(History.key(cat, target));
    const all = c ? c.entries : [];
    let sel = all.filter((e) => (begin === 0n || e.mtime >= begin) && (end === 0n || e.mtime <= end));
    if (p.desc) sel = sel.filter((e) => lastid === 0n || e.id < lastid).reverse();
    else sel = sel.filter((e) => lastid === 0n || e.id > lastid);
    sel = sel.slice(0, Number(num));
    const last = sel.length ? sel[sel.length - 1] : null;
    const answer = {
      num: BigInt(sel.length),
      lastid: last ? last.id : lastid,
      begin: !p.desc && last ? last.mtime : begin,
      end: p.desc && last ? last.mtime : end,
      msgs: sel.map((e) => this.element(c || { cat }, e)),
    };
    return { answer, count: sel.length };
  }

  // P2P peers and groups with messages from others after the last lost connection.
  unread() {
    const p2p = [], group = [];
    for (const c of this.convs.values()) {
      if (c.cat !== 'p2p' && c.cat !== 'group') continue;
      const since = this.logoutMtime === null ? null : this.logoutMtime;
      if (c.entries.some((e) => e.from !== this.uid && !e.deleted && (since === null || e.mtime > since))) (c.cat === 'p2p' ? p2p : group).push(c.target);
    }
    return { p2p, group };
  }

  maxMtime() {
    let m = null;
    for (const c of this.convs.values()) for (const e of c.entries) if (typeof e.mtime === 'bigint' && (m === null || e.mtime > m)) m = e.mtime;
    return m;
  }

  // Every conversation and its entries (the report: Int64 as decimal strings by the report writer).
  dump() {
    const o = {};
    for (const [k, c] of this.convs) o[k] = c.entries.map((e) => ({ ...e, msg: typeof e.msg === 'string' ? e.msg : '(bytes)' }));
    return o;
  }

  sessions() {
    const p2p = [], group = [];
    for (const c of this.convs.values()) if (c.cat === 'p2p') p2p.push(c.target); else if (c.cat === 'group') group.push(c.target);
    return { p2p, group };
  }
}

// Sliding-window rate limit over the catch-up quests: at most `rate` quests in any `windowMs` (the window is
// 1000 ms minus a slack for transport jitter: the client paces by its own clock, the gate stamps arrivals).
class RateLimit {
  constructor(rate, windowMs) { this.rate = rate; this.windowMs = windowMs; this.accepted = []; this.log = []; }
  admit(method, now) {
    if (!this.rate) { this.log.push({ method, t: now, refused: false }); return true; }
    this.accepted = this.accepted.filter((t) => now - t < this.windowMs);
    const ok = this.accepted.length < this.rate;
    if (ok) this.accepted.push(now);
    this.log.push({ method, t: now, refused: !ok });
    return ok;
  }
}

module.exports = { History, RateLimit, HISTORY_METHODS, MAX_NUM, RATE_LIMITED };
