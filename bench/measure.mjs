// One measurement in a fresh process (run.mjs starts it with
// `node --expose-gc`, so no two libraries share a heap or a JIT). Prints one
// JSON line.
//
//   node --expose-gc bench/measure.mjs medcode       --date D [--www DIR]
//   node --expose-gc bench/measure.mjs build <peer>  --date D --export FILE
//   node --expose-gc bench/measure.mjs load  <peer>  --date D --export FILE
//
// medcode (the build in DIR/src + DIR/pkg, by default this repo's www/):
//   ready = .wasm bytes in hand -> compile + instantiate + open + the
//   first answer; memory = linear memory + JS heap growth; then warmUp() (what
//   a page runs when idle after load; timed apart), then keystrokes.
// build:   data text in hand -> parse + build + the first answer; then writes
//   the library's export to FILE.
// load:    export (+ data) text in hand -> parse + load + the first answer;
//   memory = JS heap growth; then keystrokes.
// Keystrokes: every prefix of the warm-up queries (untimed), one gc(), then
// every prefix of every query, each search timed alone; then the obvious
// queries, top 10 each.

import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dataFile, parseTsv } from './data.mjs';

const Q = JSON.parse(readFileSync(new URL('./queries.json', import.meta.url), 'utf8'));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const date = opt('--date');
const mode = args[0];
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const prefixes = (list) => list.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));
const FIRST = Q.warmup[0].slice(0, 1);

function heap() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external };
}

/** Every keystroke prefix of the queries, each timed alone (µs), and how many threw. */
async function timedPass(search) {
  const times = [];
  let errors = 0;
  for (const p of prefixes(Q.queries)) {
    const t = performance.now();
    try {
      const r = search(p);
      if (typeof r?.then === 'function') await r;
    } catch {
      errors++;
    }
    times.push((performance.now() - t) * 1000);
  }
  return { times, errors };
}

/** Warm-up, then every keystroke prefix timed alone (µs), twice, then the obvious queries. */
async function keystrokes(search) {
  for (const p of prefixes(Q.warmup)) {
    const r = search(p);
    if (typeof r?.then === 'function') await r;
  }
  gc();
  const { times, errors } = await timedPass(search);
  // The same keystrokes once more: every code path has run by now, so this
  // pass shows the search itself, where the first also pays for whatever
  // settles right after load (reported apart; the goals use the first).
  const { times: again } = await timedPass(search);
  const top10 = {};
  for (const { q } of Q.obvious) {
    try {
      top10[q] = await search(q);
    } catch (e) {
      top10[q] = { error: String(e?.message ?? e) };
    }
  }
  return { times, again, errors, top10 };
}

async function medcode() {
  const www = opt('--www') === undefined ? new URL('../www/', import.meta.url) : pathToFileURL(`${opt('--www')}/`);
  const { load } = await import(new URL('src/index.js', www).href);
  const { default: init } = await import(new URL('pkg/medcode.js', www).href);
  const wasmUrl = new URL('pkg/medcode_bg.wasm', www);
  const before = heap();
  let bytes = readFileSync(wasmUrl);
  // The same steps load({ wasm: bytes }) takes, timed one by one (in Node
  // it compiles synchronously).
  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const t1 = performance.now();
  const mc = await load({ wasm: module });
  const t2 = performance.now();
  const opts = { system: 'icd10cm', limit: 10, billableOnly: true, date };
  mc.search(FIRST, opts);
  const t3 = performance.now();
  const readyMs = t3 - t0;
  const readyParts = { compile: t1 - t0, instantiateOpen: t2 - t1, firstAnswer: t3 - t2 };
  bytes = null;
  const exports = await init(); // the glue hands back the instantiated exports
  const after = heap();
  const linear = exports.memory.buffer.byteLength;
  const search = (q) => mc.search(q, opts).results.map((r) => r.code);
  // What a page does when idle after load (the widget does it): the search
  // code gets optimized before anyone types. Timed and reported apart.
  const warmUp = await mc.warmUp(opts);
  const ks = await keystrokes(search);
  return {
    readyMs,
    readyParts,
    warmUp,
    linearBytes: linear,
    heapBytes: after.heapUsed - before.heapUsed,
    memoryBytes: linear + (after.heapUsed - before.heapUsed),
    ...ks,
    linearBytesAfter: exports.memory.buffer.byteLength,
  };
}

async function peer(kind, name) {
  const { PEERS } = await import('./peers.mjs');
  const a = PEERS[name];
  if (!a) throw new Error(`unknown peer ${name}`);
  const exportFile = opt('--export');
  const dataUrl = dataFile(date);
  if (kind === 'build') {
    const text = readFileSync(dataUrl, 'utf8');
    const t0 = performance.now();
    const rows = parseTsv(text);
    let index = await a.build(rows);
    const first = a.search(index, FIRST, rows);
    if (typeof first?.then === 'function') await first;
    const buildMs = performance.now() - t0;
    const t1 = performance.now();
    const out = await a.exportIndex(index);
    const exportMs = performance.now() - t1;
    writeFileSync(exportFile, out);
    return { buildMs, exportMs, exportBytes: Buffer.byteLength(out) };
  }
  // load
  const before = heap();
  let state = await (async () => {
    const text = readFileSync(exportFile, 'utf8');
    const data = a.needsDocs ? readFileSync(dataUrl, 'utf8') : null;
    const t0 = performance.now();
    const rows = data === null ? null : parseTsv(data);
    const index = await a.load(text, rows);
    const first = a.search(index, FIRST, rows);
    if (typeof first?.then === 'function') await first;
    return { index, rows, loadMs: performance.now() - t0 };
  })();
  const after = heap();
  const { index, rows, loadMs } = state;
  state = null;
  const ks = await keystrokes((q) => a.search(index, q, rows));
  return {
    loadMs,
    heapBytes: after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers),
    memoryBytes: after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers),
    ...ks,
  };
}

let result;
if (mode === 'medcode') result = await medcode();
else if (mode === 'build' || mode === 'load') result = await peer(mode, args[1]);
else throw new Error('usage: measure.mjs medcode | build <peer> | load <peer> --date D [--export FILE]');
process.stdout.write(JSON.stringify(result) + '\n');
