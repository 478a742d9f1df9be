#!/usr/bin/env node
// Before and after: two builds of medcode measured alternately, each run in a
// fresh process, so both see the same phases of a noisy host.
//
//   node bench/ab.mjs DIR_A DIR_B [--rounds 7] [--date YYYY-MM-DD]
//
// DIR_A, DIR_B: www directories, each with src/ (the facade) and pkg/ (the
// module built by scripts/build-wasm.sh), e.g. this repo's www/ and that of a
// `git worktree` of an older commit. Each run is `measure.mjs medcode --www
// DIR` (ready, warmUp(), then the benchmark's keystrokes timed one by one);
// the table gives medians over the rounds of each build's per-run figures.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, pct } from './report.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const dirs = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const rounds = Number(flag('--rounds', '7'));
const date = flag('--date', new Date().toISOString().slice(0, 10));
if (dirs.length !== 2 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: node bench/ab.mjs DIR_A DIR_B [--rounds N] [--date YYYY-MM-DD]');
  process.exit(2);
}
for (const d of dirs) {
  if (!existsSync(`${d}/src/index.js`) || !existsSync(`${d}/pkg/medcode_bg.wasm`)) {
    console.error(`ab: ${d} has no src/index.js and pkg/medcode_bg.wasm (build it with scripts/build-wasm.sh)`);
    process.exit(2);
  }
}

const measure = fileURLToPath(new URL('./measure.mjs', import.meta.url));
const runs = dirs.map(() => []);
for (let r = 1; r <= rounds; r++) {
  dirs.forEach((dir, i) => {
    const out = execFileSync(process.execPath, ['--expose-gc', measure, 'medcode', '--date', date, '--www', dir], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    runs[i].push(JSON.parse(out));
  });
  console.error(`[ab] round ${r}/${rounds}`);
}

const total = (times) => times.reduce((a, b) => a + b, 0) / 1000;
const rows = [
  ['ready ms', (r) => r.readyMs],
  ['keystroke p50 µs', (r) => pct(r.times, 0.5)],
  ['keystroke p95 µs', (r) => pct(r.times, 0.95)],
  ['keystroke p99 µs', (r) => pct(r.times, 0.99)],
  ['keystroke max µs', (r) => Math.max(...r.times)],
  ['all keystrokes ms', (r) => total(r.times)],
  ['warmUp busy ms', (r) => r.warmUp.busyMs],
];
const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
console.log(`${rounds} alternating rounds, date of service ${date}, ${runs[0][0].times.length} keystrokes a run; medians\n`);
console.log(`| | A: ${dirs[0]} | B: ${dirs[1]} | B / A |`);
console.log('|---|--:|--:|--:|');
for (const [name, f] of rows) {
  const [a, b] = runs.map((rs) => median(rs.map(f)));
  console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`);
}
