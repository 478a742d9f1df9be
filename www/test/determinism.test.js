// Determinism: the same input and options give byte-identical output from
// the native CLI (MEDCODE_BIN, set by scripts/test.sh) and from the wasm
// module through the JS API. The CLI prints compact JSON; the module returns
// plain objects whose JSON text must be the same bytes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { load } from '../src/index.js';

const BIN = process.env.MEDCODE_BIN;
const skip = BIN ? false : 'MEDCODE_BIN (the native medcode CLI) is not set: scripts/test.sh sets it';
const DATE = '2026-04-01';
const TODAY = '2026-11-01';

function cli(args, input) {
  return execFileSync(BIN, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd();
}

// Codes, words, abbreviations, typos, filters, all systems.
const SEARCHES = [
  ['E11.9', {}],
  ['e119', {}],
  ['diab 2 kid', {}],
  ['fx femur', { limit: 50 }],
  ['hypertention', {}],
  ['hbp', { system: 'icd10cm' }],
  ['o2 concentrator', { system: 'hcpcs' }],
  ['wheelchair', { billableOnly: true, limit: 30 }],
  ['S72.0', { within: 'S72' }],
  ['copd exac', { date: '2019-01-01' }],
  ['a', {}],
  ['zzzzqqq', {}],
];

function searchArgs(query, o) {
  const args = ['search', '--json', '--date', o.date ?? DATE];
  if (o.system) args.push('--system', o.system);
  if (o.limit) args.push('--limit', String(o.limit));
  if (o.billableOnly) args.push('--billable');
  if (o.within) args.push('--within', o.within);
  return [...args, '--', query];
}

test('search, get, tree and seventh: CLI and wasm give the same bytes', { skip, timeout: 120_000 }, async () => {
  const mc = await load();
  for (const [query, o] of SEARCHES) {
    const native = cli(searchArgs(query, o));
    const wasm = JSON.stringify(mc.search(query, { ...o, date: o.date ?? DATE }));
    assert.equal(wasm, native, `search ${JSON.stringify(query)} ${JSON.stringify(o)}`);
  }
  for (const code of ['E11.9', 'S72.001', 'M54.5', 'C61', 'G0439', 'I10']) {
    for (const command of ['get', 'tree']) {
      const native = cli([command, code, '--json', '--date', DATE]);
      const wasm = JSON.stringify(mc[command](code, { date: DATE }));
      assert.equal(wasm, native, `${command} ${code}`);
    }
  }
  for (const code of ['S72.001', 'S02.0']) {
    assert.equal(JSON.stringify(mc.seventh(code, { date: DATE })), cli(['seventh', code, '--json', '--date', DATE]), `seventh ${code}`);
  }
});

test('scrub: every golden claim gives the same bytes from the CLI and from wasm', { skip, timeout: 120_000 }, async () => {
  const mc = await load();
  const root = fileURLToPath(new URL('../../tests/fixtures/claims/', import.meta.url));
  const claims = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(`${root}/${dir.name}`).sort()) {
      if (f.endsWith('.json') && !f.endsWith('.out.json')) claims.push(`${root}/${dir.name}/${f}`);
    }
  }
  assert.ok(claims.length >= 70, `only ${claims.length} fixture claims found`);
  // One NDJSON stream through the CLI; one call per claim through wasm.
  const texts = claims.map((f) => JSON.stringify(JSON.parse(readFileSync(f, 'utf8'))));
  let native;
  try {
    native = cli(['scrub', '-', '--today', TODAY], texts.join('\n'));
  } catch (e) {
    native = e.stdout.trimEnd(); // exit 1 = some claim has an error finding
  }
  const lines = native.split('\n');
  assert.equal(lines.length, texts.length);
  texts.forEach((text, i) => {
    assert.equal(JSON.stringify(mc.scrub(text, { today: TODAY })), lines[i], claims[i]);
  });
});
