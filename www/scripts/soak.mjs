#!/usr/bin/env node
// Soak: one wasm instance answers many searches and scrubs; linear memory and
// the JS heap must not keep growing after warm-up (a leak in the module or
// the glue would show here long before it shows in a coder's browser tab).
//
//   node --expose-gc scripts/soak.mjs [--searches 1000000] [--scrubs 100000] [--max-growth-kib 1024]
//
// Prints the figures; exits 1 when either memory grows by more than the
// allowed amount between the end of warm-up and the end of the run.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import init from '../pkg/medcode.js';
import { load } from '../src/index.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SEARCHES = arg('searches', 1_000_000);
const SCRUBS = arg('scrubs', 100_000);
const MAX_GROWTH = arg('max-growth-kib', 1024) * 1024;

if (typeof globalThis.gc !== 'function') {
  console.error('soak: run with node --expose-gc');
  process.exit(2);
}

// The glue's init returns the module's exports (memory included); load()
// then reuses the same instance.
const exports = await init({ module_or_path: readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url)) });
const mc = await load();
const linear = () => exports.memory.buffer.byteLength;
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

// Every keystroke prefix of queries as coders type them, with options that
// vary the way a widget would.
const QUERIES = ['E11.9', 'diab 2 kid', 'fx femur', 'hypertention', 'copd exac', 'hbp', 'o2 concentrator', 'hosp bed', 'S72.001A',
  'chest pain', 'G0439', 'wheelchair', 'stroke', 'uti', 'low back pain', 'pregnancy 3rd trimester', 'm54.5', 'ambulance'];
const prefixes = QUERIES.flatMap((q) => [...q].map((_, i) => q.slice(0, i + 1)));
const OPTIONS = [{}, { system: 'icd10cm' }, { system: 'hcpcs', limit: 5 }, { billableOnly: true, date: '2024-01-01' }];

const root = fileURLToPath(new URL('../../tests/fixtures/claims/', import.meta.url));
const claims = [];
for (const dir of readdirSync(root, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  for (const f of readdirSync(`${root}/${dir.name}`).sort()) {
    if (f.endsWith('.json') && !f.endsWith('.out.json')) claims.push(readFileSync(`${root}/${dir.name}/${f}`, 'utf8'));
  }
}

let sink = 0;
function searches(n) {
  for (let i = 0; i < n; i++) sink += mc.search(prefixes[i % prefixes.length], OPTIONS[i % OPTIONS.length]).results.length;
}
function scrubs(n) {
  // Half as JSON text, half as objects: both paths cross the boundary.
  for (let i = 0; i < n; i++) {
    const text = claims[i % claims.length];
    sink += mc.scrub(i % 2 ? text : JSON.parse(text), { today: '2026-11-27' }).findings.length;
  }
}

// Warm-up: every query and claim shape once, so lazily built tables and the
// allocator's pools reach their working size.
const warm = Math.max(prefixes.length * OPTIONS.length * 4, 10_000);
searches(Math.min(warm, SEARCHES));
scrubs(Math.min(claims.length * 10, SCRUBS));
const linear0 = linear();
const heap0 = heap();

const t0 = performance.now();
searches(SEARCHES);
const t1 = performance.now();
scrubs(SCRUBS);
const t2 = performance.now();

const linear1 = linear();
const heap1 = heap();
const mib = (b) => `${(b / 1048576).toFixed(2)} MiB`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
console.log(`soak: ${SEARCHES.toLocaleString('en-US')} searches in ${((t1 - t0) / 1000).toFixed(1)} s, ${SCRUBS.toLocaleString('en-US')} scrubs in ${((t2 - t1) / 1000).toFixed(1)} s (Node ${process.versions.node})`);
console.log(`  linear memory: ${mib(linear0)} after warm-up, ${mib(linear1)} at the end: growth ${kib(linear1 - linear0)}`);
console.log(`  JS heap:       ${mib(heap0)} after warm-up, ${mib(heap1)} at the end: growth ${kib(heap1 - heap0)}`);
console.log(`  (checksum ${sink})`);
const bad = [];
if (linear1 - linear0 > MAX_GROWTH) bad.push(`linear memory grew by ${kib(linear1 - linear0)}`);
if (heap1 - heap0 > MAX_GROWTH) bad.push(`the JS heap grew by ${kib(heap1 - heap0)}`);
if (bad.length) {
  console.error(`soak: FAILED: ${bad.join('; ')} (allowed ${kib(MAX_GROWTH)})`);
  process.exit(1);
}
console.log(`soak: ok (growth allowed: ${kib(MAX_GROWTH)} each)`);
