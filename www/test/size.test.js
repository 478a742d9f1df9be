// The size budget: the default module must not grow past the checked-in
// numbers in size-budget.json (bytes, measured the way a static host would
// serve the files pre-compressed). Timing never decides a test; size may.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const www = new URL('../', import.meta.url);
const budget = JSON.parse(readFileSync(new URL('size-budget.json', www), 'utf8'));

function measure(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

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
