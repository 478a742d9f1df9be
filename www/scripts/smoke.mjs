#!/usr/bin/env node
// Smoke test of the built module (www/pkg) through the JS package, in Node:
// it instantiates (an optimizer that breaks the externref table fails here),
// opens the embedded code sets and answers a search, a get and an info.
// Run by scripts/build-wasm.sh after wasm-opt.

import { load } from '../src/index.js';

function check(ok, what) {
  if (!ok) {
    console.error(`smoke test FAILED: ${what}`);
    process.exit(1);
  }
}

const t0 = performance.now();
const mc = await load();
const t1 = performance.now();

const hit = mc.search('E11.9', { limit: 5 });
check(hit.results[0]?.code === 'E11.9', `search("E11.9") first result is E11.9, got ${JSON.stringify(hit.results[0])}`);
const words = mc.search('diab', { limit: 10 });
check(words.results.length > 0, 'search("diab") finds something');
const rec = mc.get('s72001', { system: 'icd10cm' });
check(rec?.code === 'S72.001' && rec.requiresSeventhCharacter === true, 'get("s72001") is S72.001 and needs a 7th character');
const info = mc.info();
check(info.some((s) => s.system === 'icd10cm' && s.entries > 0), 'info() lists icd10cm');
let code;
try {
  mc.search('x', { date: 'not a date' });
} catch (err) {
  code = err.code;
}
check(code === 'BAD-DATE', `a bad date throws an Error with code BAD-DATE, got ${code}`);
const t2 = performance.now();

console.log(
  `smoke test ok: load ${Math.round(t1 - t0)} ms, queries ${Math.round(t2 - t1)} ms; ` +
    info.map((s) => `${s.system} ${s.entries} entries`).join(', '),
);
