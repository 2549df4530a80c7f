// The demo's filter (tests/demo.sh): copies its input line by line and cuts every JSON string value longer than
// MAX (default 120) bytes of JSON text to its first ~100 bytes and a "...(N bytes)" marker, N being the
// value's whole length as printed (so a 70,000-byte message is one short line). Before the kickout event it
// says that the kickout is the end of the simulator's script.
//   node tests/sim/shorten.js [MAX] <lines
'use strict';
const readline = require('readline');
const MAX = Number(process.argv[2]) || 120;
const KEEP = Math.min(100, MAX);
// JSON string literals: a quote, then characters or escapes, then a quote.
const STRING = /"((?:[^"\\]|\\.)*)"/g;
function shorten(line) {
  return line.replace(STRING, (whole, inner) => {
    const bytes = Buffer.byteLength(inner);
    if (bytes <= MAX) return whole;
    let cut = 0, kept = 0; // whole characters and escapes only
    while (cut < inner.length && kept < KEEP) {
      const m = /^\\u[0-9a-fA-F]{4}|^\\.|^[\s\S]/u.exec(inner.slice(cut));
      cut += m[0].length; kept += Buffer.byteLength(m[0]);
    }
    return `"${inner.slice(0, cut)}...(${bytes} bytes)"`;
  });
}
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.startsWith('{"event":"kickout"'))
    process.stdout.write('# the simulator ends its script with a kickout: the session ends normally\n');
  process.stdout.write(shorten(line) + '\n');
});
