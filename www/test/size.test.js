// The size budget: the default module must not grow past the checked-in
// numbers in size-budget.json (bytes, measured the way a static host would
// serve the files pre-compressed). Timing never decides a test; size may.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compressedSizes as measure } from '../scripts/compressed-size.mjs';

const www = new URL('../', import.meta.url);
const budget = JSON.parse(readFileSync(new URL('size-budget.json', www), 'utf8'));

for (const [file, limits] of Object.entries(budget)) {
  if (file === 'note') continue;
  test(`size budget: ${file}`, () => {
    const sizes = measure(readFileSync(new URL(file, www)));
    for (const [kind, limit] of Object.entries(limits)) {
      assert.ok(
        sizes[kind] <= limit,
        `${file} is ${sizes[kind].toLocaleString('en-US')} bytes ${kind}, over its budget of ${limit.toLocaleString('en-US')} (www/size-budget.json)`,
      );
    }
  });
}
