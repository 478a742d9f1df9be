// The golden claim fixtures (tests/fixtures/claims/) through the JS API in
// Node: the wasm module must give exactly the findings the native scrubber
// gave when the goldens were blessed, for medcode JSON and FHIR alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { load } from '../src/index.js';

const root = new URL('../../tests/fixtures/claims/', import.meta.url);
const edits = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

test('every edit fixture scrubs in wasm exactly as its golden output', async () => {
  const mc = await load();
  let checked = 0;
  for (const edit of edits) {
    for (const name of ['fires', 'clean', 'fires.fhir', 'clean.fhir']) {
      const input = new URL(`${edit}/${name}.json`, root);
      const golden = new URL(`${edit}/${name}.out.json`, root);
      if (!existsSync(input) || !existsSync(golden)) continue;
      const res = mc.scrub(readFileSync(input, 'utf8'), { today: '2026-11-27' });
      assert.deepEqual(res, JSON.parse(readFileSync(golden, 'utf8')), `${edit}/${name}`);
      if (name.startsWith('fires')) {
        assert.ok(res.findings.some((f) => f.edit === edit), `${edit}/${name} fires ${edit}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 100, `checked ${checked} fixtures`);
});
