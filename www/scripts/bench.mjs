#!/usr/bin/env node
// Measures the built module in Node: time to ready, per-keystroke search
// latency over every prefix of realistic queries, and scrub throughput on a
// typical 4-line claim. Prints figures; asserts nothing.
//
//   node www/scripts/bench.mjs

import { readFileSync } from 'node:fs';
import { load } from '../src/index.js';

const QUERIES = [
  'E11.9', 'e1165', 'S72.001A', 'G0439', 'I21.', 'diab 2 kid', 'fx femur', 'hypertension', 'copd exac',
  'chest pain', 'low back pain', 'type 2 diabetes with hyperglycemia', 'pneumonia', 'uti', 'hbp',
  'wheelchair', 'hosp bed', 'o2 concentrator', 'fracture of neck of right femur', 'major depressive disorder',
  'atrial fibrillation', 'hypertention', 'abdominal pain', 'covid', 'j44.1',
];

const wasm = readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url));
const options = { limit: 10, date: '2026-05-01' };
const t0 = performance.now();
const mc = await load({ wasm });
mc.search(QUERIES[0].slice(0, 1), options);
const ready = performance.now() - t0;

/** Every keystroke prefix of the queries, `rounds` times, each timed alone (µs). */
function keystrokes(rounds) {
  const times = [];
  for (let round = 0; round < rounds; round++) {
    for (const q of QUERIES) {
      for (let end = 1; end <= q.length; end++) {
        const t = performance.now();
        mc.search(q.slice(0, end), options);
        times.push((performance.now() - t) * 1000);
      }
    }
  }
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.round((times.length - 1) * p)].toFixed(0);
  return `${times.length} keystrokes; p50 ${pct(0.5)} µs p95 ${pct(0.95)} µs p99 ${pct(0.99)} µs max ${times[times.length - 1].toFixed(0)} µs`;
}
// Typed right after load: the search code still runs on V8's baseline
// compiler, and the first query that checks words on codes' own words
// builds the word index (the max).
console.log(`wasm lookup: ready ${ready.toFixed(1)} ms (bytes in hand -> first answer); typed from load: ${keystrokes(1)}`);
// What a page does while idle after load (the widget does): then 3 rounds.
const idle = performance.now();
const warm = await mc.warmUp(options);
console.log(
  `wasm lookup: after warmUp() (${(performance.now() - idle).toFixed(0)} ms, ${warm.busyMs.toFixed(0)} ms busy, ` +
    `${warm.prepareMs.toFixed(0)} ms of it preparing in ${warm.prepareSteps} steps, longest slice ${warm.longestSliceMs.toFixed(1)} ms): ${keystrokes(3)}`,
);

const claim = readFileSync(new URL('../../benches/typical_claim.json', import.meta.url), 'utf8');
const n = 5000;
const scrubRound = () => {
  const ts = performance.now();
  for (let i = 0; i < n; i++) mc.scrub(claim, { today: '2026-11-27' });
  return n / ((performance.now() - ts) / 1000);
};
// V8 first runs wasm from its baseline compiler and optimizes hot functions
// in the background, the big ones seconds later: the first round is the
// cold figure, the median of the last 5 of 12 rounds the steady one a batch
// of claims sees.
const rounds = Array.from({ length: 12 }, scrubRound);
const steady = rounds.slice(-5).sort((a, b) => a - b)[2];
console.log(`wasm scrub: ${steady.toFixed(0)} claims/s steady (median of the last 5 of 12 rounds of ${n}); first ${n} claims ${rounds[0].toFixed(0)} claims/s (4-line claim, Node ${process.version})`);
const mem = process.memoryUsage();
console.log(`memory: JS heap ${(mem.heapUsed / 1048576).toFixed(1)} MB, array buffers (wasm linear memory) ${(mem.arrayBuffers / 1048576).toFixed(1)} MB`);
