// Packs of licensed data in the JS package: a CPT pack built from the made-up
// fixtures by the native `medcode pack build` (MEDCODE_BIN, set by
// scripts/test.sh), loaded from bytes. Runs in its own process: loading a
// pack changes the shared instance.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load } from '../src/index.js';

const BIN = process.env.MEDCODE_BIN;
const FIXTURES = fileURLToPath(new URL('../../tests/fixtures/packs/cpt/', import.meta.url));
const skip = BIN ? false : 'MEDCODE_BIN (the native medcode CLI) is not set: scripts/test.sh sets it';

test('loadPack: a CPT pack makes system "cpt" searchable', { skip }, async (t) => {
  assert.ok(existsSync(BIN), `MEDCODE_BIN=${BIN} does not exist (build it with cargo build --bin medcode)`);
  const dir = mkdtempSync(join(tmpdir(), 'medcode-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'cpt.mcpack');
  const files = readdirSync(FIXTURES).map((f) => join(FIXTURES, f));
  execFileSync(BIN, ['pack', 'build', '--kind', 'cpt', ...files, '-o', out], { stdio: 'pipe' });
  const bytes = readFileSync(out);

  const mc = await load({ wasm: readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url)) });
  assert.deepEqual(mc.packs(), []);

  // A damaged pack is refused with a stable code, and nothing is loaded.
  const broken = new Uint8Array(bytes);
  broken[broken.length - 1] ^= 0xff;
  let err;
  try {
    mc.loadPack(broken, 'broken.mcpack');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error);
  assert.match(err.code, /^PACK-/);
  assert.deepEqual(mc.packs(), []);

  const info = mc.loadPack(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), 'cpt.mcpack');
  assert.equal(info.kind, 'cpt');
  assert.equal(info.name, 'cpt.mcpack');
  assert.ok(info.entries > 0 && info.codes > 0);
  assert.match(info.checksum, /^[0-9a-f]+$/);
  assert.deepEqual(mc.packs().map((p) => p.name), ['cpt.mcpack']);

  const hits = mc.search('quuxplasty', { system: 'cpt' }).results;
  assert.ok(hits.length > 0 && hits.every((r) => r.system === 'cpt'), JSON.stringify(hits));
  assert.ok(mc.info().some((s) => s.pack?.name === 'cpt.mcpack'));

  assert.throws(() => mc.loadPack('not bytes'), (e) => e instanceof TypeError && e.code === 'BAD-ARGUMENT');
});
