// Hostile input through the JS API in Node (the same cases as the native
// suite, tests/it/hostile.rs): nothing a caller or a file can send makes the
// module trap. Misuse throws an Error with a stable `code`; a bad claim is
// either refused as NOT-A-CLAIM or judged into findings; and after every case
// the same instance still answers, which is what a trap would break.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { load } from '../src/index.js';
import { dataSegments } from '../scripts/wasm-binary.mjs';

const TODAY = '2026-11-27';
const WASM = readFileSync(new URL('../pkg/medcode_bg.wasm', import.meta.url));
const mc = await load({ wasm: WASM });

/** The instance still works: a trap would have poisoned it. */
function stillAlive() {
  assert.equal(mc.search('E11.9').results[0]?.code, 'E11.9');
}

/** Runs `f`; returns the findings count, or the thrown error's code. */
function outcome(f) {
  try {
    const r = f();
    return { findings: r.findings.length };
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    assert.equal(typeof e.code, 'string', `an Error without a code: ${e.message}`);
    assert.ok(e.message.length > 0);
    return { code: e.code, message: e.message };
  }
}

const scrub = (claim) => outcome(() => mc.scrub(claim, { today: TODAY }));

test('empty, truncated and non-JSON claims are refused with NOT-A-CLAIM', () => {
  for (const text of ['', ' ', '{', '{"lines": [', 'null', '[]', '42', '"text"', 'true', '\u0000', '{"a":1}}', 'garbage']) {
    const r = scrub(text);
    assert.equal(r.code, 'NOT-A-CLAIM', `${JSON.stringify(text)} gave ${JSON.stringify(r)}`);
  }
  for (const value of [null, undefined, 42, true, [], Symbol('x'), () => 1, 10n]) {
    const r = scrub(value);
    assert.equal(r.code, 'NOT-A-CLAIM', `${String(value)} gave ${JSON.stringify(r)}`);
  }
  const circular = { lines: [] };
  circular.self = circular;
  assert.equal(scrub(circular).code, 'NOT-A-CLAIM');
  // An empty object is a claim with nothing in it: findings, not an error.
  assert.ok(scrub({}).findings > 3);
  stillAlive();
});

test('deep nesting (100,000 levels) is refused quickly, as text and as an object', () => {
  const deepText = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(scrub(`{"lines": ${deepText}}`).code, 'NOT-A-CLAIM');
  let deep = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.equal(scrub({ lines: [deep] }).code, 'NOT-A-CLAIM');
  assert.equal(outcome(() => mc.toFhir(deepText)).code, 'NOT-A-CLAIM');
  assert.equal(outcome(() => mc.fromFhir(deepText)).code, 'NOT-A-CLAIM');
  stillAlive();
});

test('a 30 MB string is refused; a long string inside the limit is judged', () => {
  const big = 'x'.repeat(30 << 20);
  const r = scrub(`{"diagnoses": ["${big}"]}`);
  assert.equal(r.code, 'NOT-A-CLAIM');
  assert.match(r.message, /bytes/);
  assert.ok(scrub({ diagnoses: ['x'.repeat(1 << 20)], lines: [] }).findings > 0);
  assert.equal(mc.search(big).results.length, 0);
  assert.equal(mc.get(big), null);
  stillAlive();
});

test('20,000 lines and 100,000 diagnoses are refused with a reason; 900 are judged', () => {
  const line = { code: 'G0439', serviceDate: '2026-05-01', diagnosisPointers: [1] };
  let r = scrub({ diagnoses: ['E11.9'], lines: Array(20_000).fill(line) });
  assert.equal(r.code, 'NOT-A-CLAIM');
  assert.match(r.message, /service lines/);
  r = scrub({ diagnoses: Array(100_000).fill('E11.9'), lines: [] });
  assert.equal(r.code, 'NOT-A-CLAIM');
  assert.match(r.message, /diagnoses/);
  assert.ok(scrub({ diagnoses: Array(900).fill('E11.9'), lines: [line] }).findings > 1);
  stillAlive();
});

test('odd characters, wrong types, huge numbers and impossible dates become findings', () => {
  for (const text of [
    '{"diagnoses": ["E11\\u0000.9", "\\u202eE11.9", "é11.9", "💥"], "lines": [{"code": "G0439\\u0000"}]}',
    '{"patient": [], "diagnoses": {"a": 1}, "lines": "none", "billingProvider": 5}',
    '{"patient": {"birthDate": "2026-02-30", "sex": 7}, "lines": [{"units": -1e308, "charge": 1e308, "serviceDate": "9999-99-99", "diagnosisPointers": [0, -5, 99999999999999999999, "Z", "", null, {}]}]}',
    '{"lines": [{"units": "NaN", "charge": "Infinity", "modifiers": [1, null, "25", "XXXXXXXXXXXX"], "serviceDate": "2026-05-01", "serviceDateTo": "1900-01-01"}]}',
    '{"diagnoses": ["E11.9"], "diagnoses": ["I10"], "lines": [], "lines": [{}]}',
    '{"resourceType": "Claim", "diagnosis": 5, "item": [{"productOrService": "x"}, null, 3], "contained": "no"}',
    '{"resourceType": "Claim", "item": [{"diagnosisSequence": [1e300, -1, "A"], "quantity": {"value": "x"}, "servicedPeriod": {"start": 5}}]}',
  ]) {
    const r = scrub(text);
    assert.ok(r.findings > 0, `${text} gave ${JSON.stringify(r)}`);
  }
  // A lone surrogate is not valid JSON text (RFC 8259 §8.2): refused with
  // where it is, whether it comes as text or inside an object.
  for (const claim of ['{"diagnoses": ["\\ud800"]}', { diagnoses: ['\ud800'] }]) {
    const r = scrub(claim);
    assert.equal(r.code, 'NOT-A-CLAIM');
    assert.match(r.message, /column \d+/);
  }
  // The same as objects (JS numbers, NaN and -0 included).
  const r = scrub({ patient: { birthDate: '0000-00-00' }, lines: [{ units: NaN, charge: -0, serviceDate: '2026-13-45', diagnosisPointers: [Infinity] }] });
  assert.ok(r.findings > 0);
  stillAlive();
});

test('hostile queries and codes do not trap and return quickly', () => {
  for (const q of ['', '\u0000', '\u202ediab', '\ud800', 'ééééé', '💥💥', '.', '...........', '-', 'E', 'E11.9.9.9', 'S72.001AAAAAAAAA',
    'a b c d e f g h i j k l m n o p q r s t u v w x y z', 'x'.repeat(100_000), 'diab '.repeat(1_000), 'z'.repeat(31)]) {
    const t = performance.now();
    assert.ok(Array.isArray(mc.search(q).results));
    mc.get(q);
    mc.tree(q);
    mc.seventh(q);
    assert.ok(performance.now() - t < 2000, `${JSON.stringify(q.slice(0, 20))} took ${performance.now() - t} ms`);
  }
  stillAlive();
});

test('misuse throws an Error with a stable code', () => {
  const cases = [
    [() => mc.search(42), 'BAD-ARGUMENT'],
    [() => mc.search('x', 'opts'), 'BAD-ARGUMENT'],
    [() => mc.search('x', { system: 'snomed' }), 'UNKNOWN-SYSTEM'],
    [() => mc.search('x', { system: 5 }), 'BAD-OPTION'],
    [() => mc.search('x', { date: '2026-02-30' }), 'BAD-DATE'],
    [() => mc.search('x', { limit: -1 }), 'BAD-OPTION'],
    [() => mc.search('x', { limit: 1e300 }), 'BAD-OPTION'],
    [() => mc.search('x', { limit: 'ten' }), 'BAD-OPTION'],
    [() => mc.get(null), 'BAD-ARGUMENT'],
    [() => mc.get('E11.9', { date: 'yesterday' }), 'BAD-DATE'],
    [() => mc.scrub({}, { today: '2026-99-01' }), 'BAD-DATE'],
    [() => mc.scrub({}, { format: 'x12' }), 'BAD-OPTION'],
    [() => mc.loadPack(new Uint8Array(0)), /^PACK-/],
    [() => mc.loadPack(new Uint8Array(1 << 16).fill(0xff)), /^PACK-/],
  ];
  for (const [f, code] of cases) {
    let err;
    try {
      const r = f();
      // loadPack may return a promise; its rejection is checked below.
      if (r && typeof r.then === 'function') {
        err = r;
      }
    } catch (e) {
      err = e;
    }
    if (err && typeof err.then === 'function') continue;
    assert.ok(err instanceof Error, `${f} did not throw`);
    if (code instanceof RegExp) assert.match(err.code, code, `${f}: ${err.code} ${err.message}`);
    else assert.equal(err.code, code, `${f}: ${err.message}`);
  }
  stillAlive();
});

test('a bad pack is refused with a PACK- code, and nothing is loaded', async () => {
  for (const bytes of [new Uint8Array(0), new Uint8Array(1 << 16).fill(0xff), new TextEncoder().encode('MCPK not really a pack')]) {
    await assert.rejects(
      async () => mc.loadPack(bytes),
      (e) => e instanceof Error && /^PACK-/.test(e.code),
    );
  }
  assert.deepEqual(mc.packs(), []);
  stillAlive();
});

/**
 * Where the module's data begins: rustc lays the stack out below it,
 * growing down from there towards address 0 (scripts/build-wasm.sh sets
 * its size). Reads the active data segments' offsets from the binary.
 */
function stackTop(bytes) {
  const offsets = dataSegments(bytes).map((s) => s.offset).filter((o) => o !== undefined);
  if (offsets.length === 0) throw new Error('the module has no active data segment');
  return Math.min(...offsets);
}

// Runs last: every case above has had its go at the stack by now.
test('no hostile case comes within three quarters of the stack\'s end', async () => {
  const { default: init } = await import('../pkg/medcode.js');
  const exports = await init(); // the instance load() made
  const top = stackTop(WASM);
  assert.ok(top >= 64 << 10 && top <= 1 << 20, `stack of ${top} bytes`);
  // Linear memory starts zeroed; the lowest byte written is as deep as the stack went.
  const stack = new Uint8Array(exports.memory.buffer, 0, top);
  const lowest = stack.findIndex((b) => b !== 0);
  const used = lowest < 0 ? 0 : top - lowest;
  assert.ok(used > 0, 'nothing on the stack: the measurement is broken');
  assert.ok(used < top / 4, `the stack went ${used} bytes deep of ${top}`);
});
