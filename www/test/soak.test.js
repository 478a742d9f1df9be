// A short soak in CI (the full one is `node --expose-gc scripts/soak.mjs`,
// 1,000,000 searches and 100,000 scrubs; its figures are in the README):
// one instance answers many searches and scrubs and neither linear memory
// nor the JS heap keeps growing after warm-up.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('soak: memory does not grow across 20,000 searches and 5,000 scrubs', { timeout: 600_000 }, (t) => {
  const script = fileURLToPath(new URL('../scripts/soak.mjs', import.meta.url));
  const run = spawnSync(process.execPath, ['--expose-gc', script, '--searches', '20000', '--scrubs', '5000'], {
    encoding: 'utf8',
  });
  for (const line of `${run.stdout}${run.stderr}`.trim().split('\n')) t.diagnostic(line);
  assert.equal(run.status, 0, run.stderr || run.stdout);
  assert.match(run.stdout, /soak: ok/);
});
