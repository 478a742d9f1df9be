// load() with each kind of source. The module is instantiated once per
// realm, so each case runs in its own Node process.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INDEX = new URL('../src/index.js', import.meta.url).href;
const WASM = new URL('../pkg/medcode_bg.wasm', import.meta.url);
const WASM_PATH = fileURLToPath(WASM);

/** Runs `body` (with `load` and `wasmPath` in scope) in a fresh Node and returns what it printed. */
async function inChild(body) {
  const src = `
    import { load } from ${JSON.stringify(INDEX)};
    import { readFile } from 'node:fs/promises';
    const wasmPath = ${JSON.stringify(WASM_PATH)};
    ${body}
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', src], { timeout: 60_000 });
  return stdout.trim();
}

const firstCode = `console.log(mc.search('E11.9', { date: '2026-05-01' }).results[0].code);`;

const sources = {
  'no options (the file next to the glue)': 'const mc = await load();',
  'empty options': 'const mc = await load({});',
  'a file: URL': `const mc = await load({ wasm: new URL('file://' + wasmPath) });`,
  'a file: URL string': `const mc = await load({ wasm: 'file://' + wasmPath });`,
  'a file path': 'const mc = await load({ wasm: wasmPath });',
  'a Buffer': 'const mc = await load({ wasm: await readFile(wasmPath) });',
  'an ArrayBuffer': `const b = await readFile(wasmPath); const mc = await load({ wasm: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) });`,
  'a Response': `const mc = await load({ wasm: new Response(await readFile(wasmPath), { headers: { 'content-type': 'application/wasm' } }) });`,
  'a promise of a Response': `const mc = await load({ wasm: Promise.resolve(new Response(await readFile(wasmPath), { headers: { 'content-type': 'application/wasm' } })) });`,
  'a WebAssembly.Module': 'const mc = await load({ wasm: await WebAssembly.compile(await readFile(wasmPath)) });',
};

test('the built module is there', async () => {
  const bytes = await readFile(WASM);
  assert.ok(WebAssembly.validate(bytes), 'www/pkg/medcode_bg.wasm is valid WebAssembly (run scripts/build-wasm.sh)');
});

for (const [name, setup] of Object.entries(sources)) {
  test(`load from ${name}`, async () => {
    assert.equal(await inChild(`${setup}\n${firstCode}`), 'E11.9');
  });
}

test('concurrent calls share one promise and one instance', async () => {
  const out = await inChild(`
    const a = load(); const b = load({ wasm: 'elsewhere.wasm' });
    const [x, y] = await Promise.all([a, b]);
    console.log(a === b, x === y);
  `);
  assert.equal(out, 'true true');
});

test('a failed load rejects, and the next call tries again', async () => {
  const out = await inChild(`
    let code;
    try { await load({ wasm: 42 }); } catch (err) { code = err.code; }
    let missing;
    try { await load({ wasm: '/nonexistent/medcode_bg.wasm' }); } catch (err) { missing = err.code; }
    let junk;
    try { await load({ wasm: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }); } catch (err) { junk = err instanceof Error; }
    const mc = await load();
    console.log(code, missing, junk, mc.search('E11.9', { date: '2026-05-01' }).results[0].code);
  `);
  assert.equal(out, 'BAD-ARGUMENT ENOENT true E11.9');
});

// A fresh engine, so that nothing is prepared yet.
test('warmUp prepares a fresh engine in steps, once, and searches meanwhile answer alike', async () => {
  const out = JSON.parse(
    await inChild(`
      const mc = await load();
      const opts = { system: 'icd10cm', billableOnly: true, limit: 10, date: '2026-05-01' };
      const codes = (q) => mc.search(q, opts).results.map((r) => r.code);
      const running = mc.warmUp(opts, { rounds: 0, sliceMs: 1 });
      // Typed while the steps run: a query that needs the word index.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const during = codes('diab 2 kid');
      const first = await running;
      const again = await mc.warmUp(opts, { rounds: 0 });
      console.log(JSON.stringify({ first, again, during, after: codes('diab 2 kid') }));
    `),
  );
  const { first, again } = out;
  // Two passes over ICD-10-CM's ~937,000 postings, 20,000 a step.
  assert.ok(first.prepareSteps > 20, `prepared in steps: ${JSON.stringify(first)}`);
  assert.ok(first.prepareMs > 0 && first.prepareMs <= first.busyMs && first.longestSliceMs > 0, JSON.stringify(first));
  assert.equal(first.searches, 0, 'rounds: 0 only prepares');
  assert.equal(first.aborted, false);
  assert.equal(again.prepareSteps, 0, 'prepared once');
  assert.ok(out.during.length > 0);
  assert.deepEqual(out.during, out.after);
});
