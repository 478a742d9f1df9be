// The JS package in Node: load from bytes, the shapes of search/get/info
// (the CLI's JSON), options, and errors with a stable `.code`.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import load, { load as namedLoad, MedCode } from '../src/index.js';

const wasmBytes = await readFile(new URL('../pkg/medcode_bg.wasm', import.meta.url));
const DAY = '2026-05-01';

const mcPromise = load({ wasm: new Uint8Array(wasmBytes) });

/** Calls fn and returns what it threw. */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an exception');
}

test('load() resolves to a MedCode, once', async () => {
  const mc = await mcPromise;
  assert.ok(mc instanceof MedCode);
  assert.equal(namedLoad, load);
  assert.equal(load(), mcPromise, 'a second call returns the same promise');
  assert.equal(load({ wasm: 'ignored.wasm' }), mcPromise, 'whatever its options');
  assert.throws(() => new MedCode(), TypeError, 'MedCode is made only by load()');
});

test('search: exact code first, in any form', async () => {
  const mc = await mcPromise;
  for (const [q, want] of [
    ['E11.9', 'E11.9'],
    ['e119', 'E11.9'],
    ['S72.001A', 'S72.001A'],
    ['s72001a', 'S72.001A'],
    ['G0439', 'G0439'],
  ]) {
    const res = mc.search(q, { date: DAY });
    assert.equal(res.query, q);
    assert.equal(res.results[0]?.code, want, `first result of ${q}`);
  }
});

test('search: result shape', async () => {
  const mc = await mcPromise;
  const res = mc.search('E11.9', { date: DAY, limit: 3 });
  assert.deepEqual(Object.keys(res).sort(), ['query', 'results']);
  assert.ok(res.results.length >= 1 && res.results.length <= 3);
  const [first] = res.results;
  assert.deepEqual(Object.keys(first).sort(), ['billable', 'code', 'display', 'score', 'system']);
  assert.deepEqual(
    { ...first, score: typeof first.score },
    { system: 'icd10cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', billable: true, score: 'number' },
  );
});

test('search: words in any order, each a prefix', async () => {
  const mc = await mcPromise;
  const res = mc.search('diab mell 2 kid', { date: DAY, system: 'icd10cm' });
  assert.ok(res.results.some((r) => r.code.startsWith('E11.2')), JSON.stringify(res.results.slice(0, 5)));
  const diab = mc.search('diab', { date: DAY, limit: 50 });
  assert.ok(diab.results.some((r) => r.code.startsWith('E11')), 'diab lists E11 codes');
});

test('search: options (limit, system, billableOnly, no options)', async () => {
  const mc = await mcPromise;
  assert.equal(mc.search('fracture', { date: DAY, limit: 7 }).results.length, 7);
  assert.equal(mc.search('fracture', { date: DAY }).results.length, 20, 'default limit 20');
  const hcpcs = mc.search('wheelchair', { date: DAY, system: 'hcpcs' }).results;
  assert.ok(hcpcs.length > 0 && hcpcs.every((r) => r.system === 'hcpcs'));
  const billable = mc.search('E11', { date: DAY, billableOnly: true, limit: 50 }).results;
  assert.ok(billable.length > 0 && billable.every((r) => r.billable));
  assert.equal(mc.search('E11.9').results[0].code, 'E11.9', 'no options: today');
  assert.equal(mc.search('E11.9', null).results[0].code, 'E11.9', 'null options');
  assert.deepEqual(mc.search('', { date: DAY }).results, [], 'empty query');
});

test('get: S72.001 needs a 7th character', async () => {
  const mc = await mcPromise;
  const rec = mc.get('S72.001', { date: DAY });
  assert.equal(rec.system, 'icd10cm');
  assert.equal(rec.code, 'S72.001');
  assert.equal(rec.billable, false);
  assert.equal(rec.requiresSeventhCharacter, true);
  assert.equal(rec.seventhCharacters.map((s) => s.char).join(''), 'ABCDEFGHJKMNPQRS');
  for (const s of rec.seventhCharacters) {
    assert.equal(typeof s.meaning, 'string');
    assert.ok(s.meaning.length > 0);
    assert.equal(s.code, `S72.001${s.char}`);
  }
});

test('get: record shape', async () => {
  const mc = await mcPromise;
  const rec = mc.get('e119', { date: DAY });
  for (const key of [
    'system', 'code', 'display', 'kind', 'billable', 'inEffect', 'date', 'requiresSeventhCharacter', 'validity',
    'billableRanges', 'parent', 'ancestors', 'children', 'notes', 'seventhCharacters', 'flags',
  ]) {
    assert.ok(key in rec, `record has ${key}`);
  }
  assert.equal(rec.code, 'E11.9');
  assert.equal(rec.kind, 'code');
  assert.equal(rec.date, DAY);
  assert.equal(rec.inEffect, true);
  assert.equal(rec.parent.code, 'E11');
  assert.deepEqual(Object.keys(rec.parent).sort(), ['billable', 'code', 'display', 'kind']);
  assert.ok(rec.ancestors.length >= 2 && rec.ancestors.at(-1).code === 'E11', 'ancestors run root → parent');
  assert.ok(rec.validity.every((r) => /^\d{4}-\d\d-\d\d$/.test(r.from) && /^\d{4}-\d\d-\d\d$/.test(r.to)));
  assert.ok(rec.notes.every((n) => typeof n.kind === 'string' && typeof n.text === 'string' && Array.isArray(n.codes)));
  assert.ok(rec.flags.every((f) => typeof f.flag === 'string' && typeof f.from === 'string'));
});

test('get: M54.5 by date; C61 male flag; unknown codes', async () => {
  const mc = await mcPromise;
  assert.equal(mc.get('M54.5', { date: '2021-06-01' }).billable, true);
  const m545 = mc.get('M54.5', { date: DAY });
  assert.equal(m545.billable, false);
  assert.deepEqual(m545.children.map((c) => c.code), ['M54.50', 'M54.51', 'M54.59']);
  const c61 = mc.get('C61', { date: DAY });
  assert.ok(c61.flags.some((f) => f.flag === 'male' && f.to === '2024-09-30'), JSON.stringify(c61.flags));
  assert.equal(mc.get('Q99.99999'), null);
  assert.equal(mc.get('E11.9', { system: 'hcpcs' }), null);
  const g0439 = mc.get('G0439', { system: 'hcpcs', date: DAY });
  assert.equal(g0439.system, 'hcpcs');
  assert.equal(g0439.billable, true);
  assert.ok(g0439.flags.every((f) => typeof f.flag === 'string'));
});

test('info: one entry per code set, counts on the date', async () => {
  const mc = await mcPromise;
  const info = mc.info({ date: '2026-04-01' });
  const by = Object.fromEntries(info.map((s) => [s.system, s]));
  assert.equal(by.icd10cm?.billable, 74719);
  assert.equal(by.hcpcs?.billable, 7409);
  for (const s of info) {
    assert.deepEqual(Object.keys(s).sort(), ['billable', 'bytes', 'edition', 'entries', 'source', 'system', 'validFrom', 'validTo']);
    assert.ok(s.entries > 0 && s.bytes > 0);
    assert.match(s.validFrom, /^\d{4}-\d\d-\d\d$/);
  }
  assert.ok(Array.isArray(mc.info()), 'no options: today');
});

test('errors from the module are Errors with a stable code', async () => {
  const mc = await mcPromise;
  const cases = [
    [() => mc.search('E11', { date: '2026-02-30' }), 'BAD-DATE'],
    [() => mc.search('E11', { date: 'yesterday' }), 'BAD-DATE'],
    [() => mc.search('E11', { system: 'snomed' }), 'UNKNOWN-SYSTEM'],
    [() => mc.search('E11', { limit: 0 }), 'BAD-OPTION'],
    [() => mc.search('E11', { limit: 2.5 }), 'BAD-OPTION'],
    [() => mc.search('E11', { date: 20260501 }), 'BAD-OPTION'],
    [() => mc.get('E11', { date: '2026-13-01' }), 'BAD-DATE'],
    [() => mc.info({ date: '' }), 'BAD-DATE'],
  ];
  for (const [fn, code] of cases) {
    const err = thrown(fn);
    assert.ok(err instanceof Error, `${fn}: an Error`);
    assert.equal(err.code, code, `${fn}: ${err.message}`);
    assert.ok(err.message.length > 0);
  }
});

test('misuse caught in JavaScript: TypeError with code BAD-ARGUMENT', async () => {
  const mc = await mcPromise;
  for (const fn of [() => mc.search(42), () => mc.search(), () => mc.get(null), () => mc.search('E11', 'icd10cm'), () => mc.info(5)]) {
    const err = thrown(fn);
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, 'BAD-ARGUMENT');
  }
});

test('warmUp: types its queries in slices, leaves search unchanged, reports what it did', async () => {
  const mc = await mcPromise;
  const opts = { system: 'icd10cm', billableOnly: true, limit: 10, date: DAY };
  const before = mc.search('diab 2 kid', opts);
  let between = 0;
  const ticking = setInterval(() => {
    between++;
    assert.deepEqual(mc.search('diab 2 kid', opts), before, 'a search made during the warm-up');
  }, 0);
  const report = await mc.warmUp(opts, { rounds: 2, sliceMs: 1 });
  clearInterval(ticking);
  assert.equal(report.aborted, false);
  const one = (await mc.warmUp(opts, { rounds: 1 })).searches;
  assert.ok(one > 50, `a round types every prefix of a few dozen queries: ${one}`);
  assert.equal(report.searches, 2 * one, 'two rounds type the same keystrokes twice');
  assert.ok(report.busyMs > 0 && report.ms >= report.busyMs, JSON.stringify(report));
  assert.ok(between > 0, 'other tasks ran between the slices');
  assert.deepEqual(mc.search('diab 2 kid', opts), before, 'search answers as before');
  const none = await mc.warmUp(opts, { rounds: 0 });
  assert.equal(none.searches + none.busyMs, 0, 'no rounds, no searches');
  const all = (await mc.warmUp(undefined, { rounds: 1 })).searches;
  assert.ok(all > one, `every system has queries of its own: ${all} > ${one}`);
});

test('warmUp: stops when aborted; bad options reject', async () => {
  const mc = await mcPromise;
  const stop = new AbortController();
  const running = mc.warmUp({ system: 'icd10cm' }, { signal: stop.signal, sliceMs: 1 });
  stop.abort();
  const report = await running;
  assert.equal(report.aborted, true);
  assert.equal(report.searches, 0, 'aborted before its first slice');
  for (const [args, code] of [
    [[{ system: 'snomed' }], 'UNKNOWN-SYSTEM'],
    [[{ date: '2026-02-30' }, { rounds: 0 }], 'BAD-DATE'],
    [[{}, { rounds: -1 }], 'BAD-ARGUMENT'],
    [[{}, { rounds: 1.5 }], 'BAD-ARGUMENT'],
    [[{}, { sliceMs: 0 }], 'BAD-ARGUMENT'],
    [['icd10cm'], 'BAD-ARGUMENT'],
  ]) {
    await assert.rejects(mc.warmUp(...args), (err) => err.code === code, `${JSON.stringify(args)} → ${code}`);
  }
});

test('tree and seventh', async () => {
  const mc = await mcPromise;
  const tree = mc.tree('e119', { date: DAY });
  assert.equal(tree.system, 'icd10cm');
  assert.equal(tree.code, 'E11.9');
  assert.equal(tree.path.at(-1).code, 'E11.9');
  assert.equal(tree.path.at(-2).code, 'E11');
  assert.ok(Array.isArray(tree.children));
  assert.equal(mc.tree('Q99.99999'), null);
  const seventh = mc.seventh('S72.001', { date: DAY });
  assert.equal(seventh.map((s) => s.code).join(' '), 'S72.001A S72.001B S72.001C S72.001D S72.001E S72.001F S72.001G S72.001H S72.001J S72.001K S72.001M S72.001N S72.001P S72.001Q S72.001R S72.001S');
  assert.equal(mc.seventh('Q99.99999'), null);
});

const CLAIM = {
  id: 'c1',
  patient: { birthDate: '1950-03-02', sex: 'F' },
  billingProvider: { npi: '1234567893' },
  placeOfService: '11',
  diagnoses: ['E11.9', 'E11'],
  lines: [{ code: 'G0439', units: 1, charge: 175.0, serviceDate: '2026-05-01', diagnosisPointers: [1, 2] }],
};

test('scrub: findings are data; misuse throws NOT-A-CLAIM', async () => {
  const mc = await mcPromise;
  for (const input of [CLAIM, JSON.stringify(CLAIM)]) {
    const res = mc.scrub(input, { today: '2026-11-27' });
    assert.equal(res.claim, 'c1');
    assert.ok(Array.isArray(res.findings));
    const header = res.findings.find((f) => f.edit === 'DX-NOT-BILLABLE');
    assert.ok(header, JSON.stringify(res.findings));
    assert.equal(header.severity, 'error');
    assert.equal(header.path, '/diagnoses/1');
    assert.deepEqual(Object.keys(header).sort(), ['codes', 'edit', 'message', 'path', 'severity', 'suggestions']);
  }
  for (const bad of ['not json', '[1, 2]', 42]) {
    const err = thrown(() => mc.scrub(bad));
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'NOT-A-CLAIM', `${JSON.stringify(bad)}: ${err.message}`);
  }
  assert.equal(thrown(() => mc.scrub(CLAIM, { today: 'soon' })).code, 'BAD-DATE');
});

test('toFhir and fromFhir', async () => {
  const mc = await mcPromise;
  const fhir = mc.toFhir(CLAIM);
  assert.equal(fhir.resourceType, 'Claim');
  const back = mc.fromFhir(fhir);
  assert.deepEqual(back.diagnoses, CLAIM.diagnoses);
  assert.equal(back.lines[0].code, 'G0439');
  const viaFhir = mc.scrub(fhir, { today: '2026-11-27' });
  assert.ok(viaFhir.findings.some((f) => f.edit === 'DX-NOT-BILLABLE'));
});
