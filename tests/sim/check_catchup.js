#!/usr/bin/env node
'use strict';
// Checks an `rtm-listen --catch-up --reconnect` run against the gate's report (gate.js --script catchup).
//   node tests/sim/check_catchup.js REPORT.json LISTEN.out [--uid 4242] [--encoding json|msgpack]
// Every message in the gate's history (not deleted, not sent by the client) is printed exactly once, with the
// same fields; in each conversation the caught-up ones come in the history's order (ids ascending) and the pushed
// ones in push order; some were caught up, some pushed, and the messages both stored while away and redelivered
// as pushes are among them once; two CATCH_UP lines without errors; every connection's report ok; every catch-up
// quest within the configured rate (none refused, no window of 1000 ms minus the slack with more than the rate).
// Prints what it checked; exits 1 with the reasons on a failure.
const fs = require('fs');

const [reportFile, listenFile] = process.argv.slice(2);
const uidArg = process.argv.indexOf('--uid');
const UID = uidArg > 0 ? process.argv[uidArg + 1] : '4242';
const encArg = process.argv.indexOf('--encoding');
const ENC = encArg > 0 ? process.argv[encArg + 1] : null; // the encoding every catch-up quest must have come in
const problems = [];
const fail = (m) => problems.push(m);

const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
const sessions = rep.sessions || [rep];
if (rep.connections !== 3 || !rep.ok) fail(`report: ${rep.connections} connections, ok ${rep.ok}`);
const last = sessions[sessions.length - 1];
const history = last.history || {};
const log = last.quest_log || [];

// the lines rtm-listen printed
const lines = fs.readFileSync(listenFile, 'utf8').split('\n').filter((l) => l);
const evs = lines.map((l, i) => { try { return JSON.parse(l); } catch (e) { fail(`line ${i + 1} is not JSON: ${l.slice(0, 80)}`); return {}; } });
const catName = (name) => (/^pushgroup/.test(name) ? 'group' : /^pushroom/.test(name) ? 'room' : /^pushbroadcast/.test(name) ? 'broadcast' : 'p2p');
const msgs = evs.filter((e) => typeof e.event === 'string' && /^push/.test(e.event) && e.mid !== undefined);
const catchups = evs.filter((e) => e.event === 'catchup');

// expected: the history, keyed as the duplicate table keys them
const expected = new Map(); // key -> { conv, e }
for (const [conv, entries] of Object.entries(history)) {
  for (const e of entries) {
    if (e.deleted || e.from === UID) continue;
    expected.set(`${conv.split(':')[0]}|${conv.split(':')[1]}|${e.from}|${e.mid}`, { conv, e });
  }
}
const seen = new Map();
const byConv = {};
for (const m of msgs) {
  const cat = catName(m.event);
  const target = cat === 'p2p' ? m.from : cat === 'group' ? m.gid : cat === 'room' ? m.rid : '0';
  const key = `${cat}|${target}|${m.from}|${m.mid}`;
  seen.set(key, (seen.get(key) || 0) + 1);
  const x = expected.get(key);
  if (!x) { fail('printed but not in the history: ' + JSON.stringify(m)); continue; }
  const e = x.e;
  if (String(e.mtype) !== String(m.mtype) || e.mtime !== m.mtime || (typeof e.msg === 'string' && e.msg !== m.msg) || (cat === 'p2p' && m.to !== UID))
    fail(`fields differ for ${key}: printed ${JSON.stringify(m)}, stored ${JSON.stringify(e)}`);
  (byConv[x.conv] = byConv[x.conv] || []).push({ id: Number(e.id), caught: !!m.caught_up });
}
let once = 0;
for (const key of expected.keys()) {
  const n = seen.get(key) || 0;
  if (n === 1) once++;
  else fail(`${key}: printed ${n} times`);
}
let caught = 0, pushed = 0;
for (const [conv, list] of Object.entries(byConv)) {
  const c = list.filter((x) => x.caught).map((x) => x.id);
  caught += c.length;
  pushed += list.length - c.length;
  if (c.some((id, i) => i && id <= c[i - 1])) fail(`${conv}: caught-up messages out of the history's order: ${c.join(',')}`);
}
if (!caught || !pushed) fail(`caught up ${caught}, pushed ${pushed}: both kinds expected`);
// the redelivered ones: stored while away (stored before the push), printed once, whichever came first
if (catchups.length !== 2 || catchups.some((c) => c.errors !== 0)) fail('CATCH_UP lines: ' + JSON.stringify(catchups));
for (const s of sessions) if (!s.ok) fail('a connection report is not ok: ' + JSON.stringify(s.errors));

// the catch-up quests' encoding (the gate answers each in its own)
const cq = sessions.flatMap((x) => x.client_quests || []).filter((q) => /^get/.test(q.method));
if (ENC && cq.some((q) => q.encoding !== ENC)) fail(`catch-up quests not all in ${ENC}: ${[...new Set(cq.map((q) => q.encoding))]}`);

// pacing
const rate = last.quest_rate;
const refused = log.filter((q) => q.refused);
if (!rate) fail('no --quest-rate in the report');
if (refused.length) fail(`${refused.length} catch-up quests refused (200010): ${JSON.stringify(refused)}`);
let minGap = Infinity;
for (let i = rate; i < log.length; i++) minGap = Math.min(minGap, log[i].t - log[i - rate].t);
if (log.length < 10) fail(`only ${log.length} catch-up quests recorded`);

if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
console.log(`${expected.size} messages once each (${caught} caught up, ${pushed} pushed), ${msgs.length} message lines, ` +
  `${catchups.length} catch-ups, ${log.length} catch-up quests${ENC ? ' in ' + ENC : ''}, none refused, the closest ${rate + 1} within ${minGap} ms`);
