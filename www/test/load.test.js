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
