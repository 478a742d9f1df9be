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

// loadPack(source, { name, onProgress }): Blobs and Files read chunk by chunk,
// Responses, and the progress phases. Uses the packs prebuilt from the same
// made-up fixtures (tests/fixtures/packs/built), so it needs no CLI; it runs
// after the test above (which expects no pack loaded yet).
const BUILT = new URL('../../tests/fixtures/packs/built/', import.meta.url);

test('loadPack: a Blob (chunk by chunk), a File and a Response, with progress', async () => {
  const mc = await load({ wasm: readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url)) });
  const before = mc.packs().length;

  // A Blob in three parts streams as (at least) three chunks.
  const mue = readFileSync(new URL('mue.mcpack', BUILT));
  const blob = new Blob([mue.subarray(0, 100), mue.subarray(100, 300), mue.subarray(300)]);
  const events = [];
  const pending = mc.loadPack(blob, { name: 'mue.mcpack', onProgress: (p) => events.push({ ...p }) });
  assert.ok(pending instanceof Promise, 'the options form returns a Promise');
  const info = await pending;
  assert.equal(info.kind, 'mue');
  assert.equal(info.name, 'mue.mcpack');
  const reads = events.filter((e) => e.phase === 'read');
  assert.ok(reads.length >= 3, `one read event per chunk: ${JSON.stringify(events)}`);
  assert.deepEqual(
    reads.map((e) => e.total),
    reads.map(() => mue.length),
    'a Blob knows its size',
  );
  assert.ok(
    reads.every((e, i) => i === 0 || e.loaded > reads[i - 1].loaded),
    'loaded grows',
  );
  assert.equal(reads.at(-1).loaded, mue.length);
  assert.deepEqual(
    events.slice(reads.length).map((e) => [e.phase, e.loaded, e.total]),
    [
      ['open', mue.length, mue.length],
      ['done', mue.length, mue.length],
    ],
  );
  assert.equal(events.at(-1).pack.name, 'mue.mcpack');

  // A File: its name is the default pack name.
  const ptp = readFileSync(new URL('ncci-ptp.mcpack', BUILT));
  const fromFile = await mc.loadPack(new File([ptp], 'ptp-from-file.mcpack'), {});
  assert.equal(fromFile.kind, 'ncci-ptp');
  assert.equal(fromFile.name, 'ptp-from-file.mcpack');

  // A Response (or a promise of one); no Content-Length: total is undefined
  // while reading. The same pack bytes again: the pack already loaded comes back.
  const phases = [];
  const fromResponse = await mc.loadPack(Promise.resolve(new Response(ptp)), {
    name: 'ptp-from-response.mcpack',
    onProgress: (p) => phases.push([p.phase, p.total]),
  });
  assert.equal(fromResponse.checksum, fromFile.checksum);
  assert.equal(fromResponse.name, 'ptp-from-file.mcpack');
  assert.deepEqual(phases.at(0), ['read', undefined]);
  assert.deepEqual(phases.slice(-2), [
    ['open', ptp.length],
    ['done', ptp.length],
  ]);

  // Errors reject with stable codes; nothing is loaded.
  const loaded = mc.packs().length;
  await assert.rejects(mc.loadPack(new Blob([new Uint8Array(64)]), { name: 'zeros.mcpack' }), (e) => e.code === 'PACK-CORRUPT');
  await assert.rejects(mc.loadPack(new Response('gone', { status: 404 }), {}), (e) => e.code === 'PACK-READ');
  assert.equal(mc.packs().length, loaded);
  assert.deepEqual(
    mc.packs().map((p) => p.name).slice(before),
    ['mue.mcpack', 'ptp-from-file.mcpack'],
  );

  // Wrong types throw at once, in both forms; the (bytes, name) form stays synchronous.
  assert.throws(() => mc.loadPack(42, { name: 'x' }), (e) => e instanceof TypeError && e.code === 'BAD-ARGUMENT');
  assert.throws(() => mc.loadPack(new Uint8Array(1), { onProgress: 'no' }), (e) => e.code === 'BAD-ARGUMENT');
  assert.throws(() => mc.loadPack(new Uint8Array(1), 7), (e) => e.code === 'BAD-ARGUMENT');
  assert.throws(() => mc.loadPack(new Uint8Array(64), 'sync.mcpack'), (e) => e.code === 'PACK-CORRUPT');
});
