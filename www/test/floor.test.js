// bench/floor.mjs measures the floor under ready and size with modules it
// derives from the shipped one. Its figures mean something only if those
// modules are what it says: the code without the data, the data without
// the code (the same memory image), and the blob sections it sorts.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blobSections, codeOnly, dataOnly, dataSegments } from '../../bench/floor.mjs';

const wasm = readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url));
const segments = dataSegments(wasm);

/** The memory a module's active data segments fill, from a real instance. */
function memoryOf(bytes) {
  const module = new WebAssembly.Module(bytes);
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    (imports[i.module] ??= {})[i.name] = () => {
      throw new Error('not called');
    };
  }
  const instance = new WebAssembly.Instance(module, imports);
  const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
  return new Uint8Array(memory.buffer);
}

test('floor: the data segments read back are the whole data section', () => {
  const total = segments.reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(total > 5_000_000, `${total} bytes of data`);
  const memory = memoryOf(wasm);
  for (const s of segments) assert.ok(Buffer.from(memory.subarray(s.offset, s.offset + s.bytes.length)).equals(s.bytes));
});

test('floor: "code only" keeps every function and import, and no data', () => {
  const code = codeOnly(wasm);
  const [a, b] = [new WebAssembly.Module(wasm), new WebAssembly.Module(code)];
  assert.deepEqual(WebAssembly.Module.exports(b), WebAssembly.Module.exports(a));
  assert.deepEqual(WebAssembly.Module.imports(b), WebAssembly.Module.imports(a));
  assert.ok(dataSegments(code).every((s) => s.bytes.length === 0));
  assert.ok(wasm.length - code.length >= segments.reduce((n, s) => n + s.bytes.length, 0));
});

test('floor: "data only" fills memory as the module does, with no code', () => {
  const data = dataOnly(segments);
  assert.equal(WebAssembly.Module.imports(new WebAssembly.Module(data)).length, 0);
  const [a, b] = [memoryOf(wasm), memoryOf(data)];
  for (const s of segments) {
    assert.ok(Buffer.from(b.subarray(s.offset, s.offset + s.bytes.length)).equals(Buffer.from(a.subarray(s.offset, s.offset + s.bytes.length))));
  }
});

test('floor: the size split finds the embedded sets sections', () => {
  const tags = blobSections(segments).map((s) => s.tag);
  for (const tag of ['KEYS', 'DESC', 'WORD', 'POST', 'EXTR', 'PR16', 'KLEN', 'TERM', 'EXPN']) {
    assert.ok(tags.includes(tag), `${tag} in ${tags.join(' ')}`);
  }
  // icd10cm, hcpcs, pos and the synonym list.
  assert.equal(tags.filter((t) => t === 'META').length, 4);
});
