#!/usr/bin/env node
// How close can ready and size get? The floor under issue #6's two goals
// that stay missed, measured on this machine:
//
//   node bench/floor.mjs [--rounds 9] [--www www] [--date YYYY-MM-DD]
//
// Ready: V8 compiles and instantiates these modules synchronously, as
// load() does in Node, each in a fresh Node process, alternately, medians
// over the rounds (medcode's ready without opening anything or answering):
//
//   module     www/pkg/medcode_bg.wasm as shipped
//   code only  the same module with its data segments emptied
//   data only  a module of one memory and medcode's data segments, no code
//   peers' TSV a module of one memory holding the TSV every peer indexes
//              (74,689 billable codes with their descriptions), no code
//
// Size: the module's brotli bytes by what they hold (each blob section and
// the code compressed on its own; the rest is Rust's static data and the
// wasm structure), beside 1.1 × the brotli size of a plain TSV of the
// module's codes and descriptions.
//
// Writes bench/FLOOR.md and prints it. FlexSearch's load and build come
// from the last `scripts/bench.sh` run (bench/results/node.json).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compressedSizes } from '../www/scripts/compressed-size.mjs';
import { dataSegments, sections } from '../www/scripts/wasm-binary.mjs';
import { CACHE, dataFile, tsvBaselines } from './data.mjs';
import { median } from './report.mjs';

const brotli = (bytes) => compressedSizes(bytes).brotli;

// --- writing wasm binaries (read by www/scripts/wasm-binary.mjs) --------

export { dataSegments };

const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
};

const section = (id, body) => Buffer.concat([Buffer.from([id]), leb(body.length), body]);
const HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const i32Offset = (n) => {
  // Signed LEB128 of a non-negative i32.
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>>= 7;
    if (n === 0 && !(byte & 0x40)) return Buffer.from([...out, byte]);
    out.push(byte | 0x80);
  }
};

/** The module with every data segment's bytes cut away. */
export function codeOnly(bytes) {
  const parts = [HEADER];
  for (const s of sections(bytes)) {
    if (s.id !== 11) {
      parts.push(bytes.subarray(s.start - 1 - leb(s.end - s.start).length, s.end));
      continue;
    }
    const segs = dataSegments(bytes);
    if (segs.some((seg) => seg.offset === undefined)) throw new Error('floor: a passive data segment (only active ones are rewritten)');
    const body = [leb(segs.length)];
    for (const seg of segs) body.push(Buffer.from([0, 0x41]), i32Offset(seg.offset), Buffer.from([0x0b]), leb(0));
    parts.push(section(11, Buffer.concat(body)));
  }
  return Buffer.concat(parts);
}

/** A module of one memory (exported) and these data segments, nothing else. */
export function dataOnly(segments) {
  const end = Math.max(...segments.map((s) => s.offset + s.bytes.length));
  const pages = Math.ceil(end / 0x10000); // 64 KiB wasm pages
  const memory = section(5, Buffer.concat([leb(1), Buffer.from([0]), leb(pages)]));
  const body = [leb(segments.length)];
  for (const s of segments) body.push(Buffer.from([0, 0x41]), i32Offset(s.offset), Buffer.from([0x0b]), leb(s.bytes.length), s.bytes);
  const exported = section(7, Buffer.concat([leb(1), leb(6), Buffer.from('memory'), Buffer.from([2]), leb(0)]));
  return Buffer.concat([HEADER, memory, exported, section(11, Buffer.concat(body))]);
}

// --- the size split -------------------------------------------------------

/** What each blob section holds, for the size table. */
const GROUPS = [
  ['codes and descriptions', ['KEYS', 'DSIX', 'DESC', 'SEVN', 'EXPN', 'TERM']],
  ['word index', ['WORD', 'POST', 'WCNT', 'RNKH', 'PRIO']],
  ['notes and their references', ['EXLN', 'EXTR', 'EXTK', 'RFCN', 'REFS']],
  ['hierarchy, validity, flags, edit tables', []], // everything else
];
const groupOf = (tag) => (GROUPS.find(([, tags]) => tags.includes(tag)) ?? GROUPS[GROUPS.length - 1])[0];

/** Every medcode blob in the data segments: `{ tag, bytes }` per section. */
export function blobSections(segments) {
  // The memory the segments fill (wasm-opt splits them around runs of zeros).
  const memory = Buffer.alloc(Math.max(...segments.map((s) => s.offset + s.bytes.length)));
  for (const s of segments) s.bytes.copy(memory, s.offset);
  const out = [];
  const magic = Buffer.from('MEDCODE\0', 'latin1');
  {
    for (let at = memory.indexOf(magic); at >= 0; at = memory.indexOf(magic, at + 8)) {
      const blob = memory.subarray(at);
      const count = blob.readUInt32LE(20);
      if (count > 64) continue; // the magic inside other bytes, not a blob
      for (let i = 0; i < count; i++) {
        const e = 24 + 12 * i;
        const tag = blob.subarray(e, e + 4).toString('latin1');
        const off = blob.readUInt32LE(e + 4);
        const len = blob.readUInt32LE(e + 8);
        out.push({ tag, bytes: blob.subarray(off, off + len) });
      }
    }
  }
  return out;
}

// --- timing ---------------------------------------------------------------

const TIMER = `
const bytes = require('node:fs').readFileSync(process.argv[1]);
const t0 = performance.now();
const module = new WebAssembly.Module(bytes);
const t1 = performance.now();
const imports = {};
for (const i of WebAssembly.Module.imports(module)) {
  (imports[i.module] ??= {})[i.name] = () => { throw new Error('not called'); };
}
new WebAssembly.Instance(module, imports);
const t2 = performance.now();
console.log(JSON.stringify({ compile: t1 - t0, instantiate: t2 - t1 }));
`;

function main() {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i < 0 ? fallback : args[i + 1];
  };
  const rounds = Number(flag('--rounds', '9'));
  const dirArg = flag('--www', undefined);
  const www = dirArg === undefined ? new URL('../www/', import.meta.url) : pathToFileURL(`${path.resolve(dirArg)}/`);
  const date = flag('--date', new Date().toISOString().slice(0, 10));
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error('usage: node bench/floor.mjs [--rounds N] [--www DIR] [--date YYYY-MM-DD]');
    process.exit(2);
  }
  const wasmFile = new URL('pkg/medcode_bg.wasm', www);
  if (!existsSync(wasmFile)) {
    console.error(`floor: ${wasmFile.pathname} is missing: run scripts/build-wasm.sh first`);
    process.exit(2);
  }
  const wasm = readFileSync(wasmFile);
  const segments = dataSegments(wasm);
  const dir = new URL('floor/', CACHE);
  mkdirSync(dir, { recursive: true });
  const tsv = readFileSync(dataFile(date));
  const variants = [
    ['module', 'www/pkg/medcode_bg.wasm as shipped', wasm],
    ['code only', 'its data segments emptied', codeOnly(wasm)],
    ['data only', "one memory and medcode's data segments, no code", dataOnly(segments)],
    ["peers' TSV", 'one memory holding the TSV the peers index, no code', dataOnly([{ offset: 1 << 20, bytes: tsv }])],
  ].map(([name, what, bytes]) => {
    const file = new URL(`${name.replace(/\W+/g, '-')}.wasm`, dir);
    writeFileSync(file, bytes);
    return { name, what, file, size: bytes.length, runs: [] };
  });
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`[floor] round ${round}/${rounds}\n`);
    for (const v of variants) {
      const out = execFileSync(process.execPath, ['-e', TIMER, v.file.pathname], { encoding: 'utf8' });
      v.runs.push(JSON.parse(out));
    }
  }

  const node = JSON.parse(readFileSync(new URL('results/node.json', import.meta.url), 'utf8'));
  const flex = node.runs?.flexsearch ?? [];
  const flexLoad = median(flex.map((r) => r.load?.loadMs).filter(Number.isFinite));
  const flexBuild = median(flex.map((r) => r.build?.buildMs).filter(Number.isFinite));
  const ms = (x) => x.toFixed(1);
  const kb = (n) => `${Math.round(n / 1000).toLocaleString('en-US')} kB`;

  const L = [];
  L.push('# The floor under ready and size (issue #6)');
  L.push('');
  L.push(`Written by \`node bench/floor.mjs --rounds ${rounds}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
  L.push(`Machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores; Node ${process.version}.`);
  L.push('');
  L.push('## Ready: what V8 needs before any code of medcode runs');
  L.push('');
  L.push(`Each module compiled (\`new WebAssembly.Module\`, as \`load()\` does in Node) and instantiated (\`new WebAssembly.Instance\`) in a fresh Node process, the four alternately, medians of ${rounds} rounds. medcode's ready adds opening the code sets and the first answer to the first row.`);
  L.push('');
  L.push('| module | what | bytes | compile ms | instantiate ms | both ms |');
  L.push('|---|---|--:|--:|--:|--:|');
  for (const v of variants) {
    const c = median(v.runs.map((r) => r.compile));
    const i = median(v.runs.map((r) => r.instantiate));
    const both = median(v.runs.map((r) => r.compile + r.instantiate));
    v.both = both;
    L.push(`| ${v.name} | ${v.what} | ${v.size.toLocaleString('en-US')} | ${ms(c)} | ${ms(i)} | ${ms(both)} |`);
  }
  L.push('');
  if (Number.isFinite(flexLoad)) {
    const need = flexLoad / 20;
    const [module, , , peers] = variants;
    L.push(
      `FlexSearch's load from its export took ${ms(flexLoad)} ms and its build ${Math.round(flexBuild).toLocaleString('en-US')} ms in the last \`scripts/bench.sh\` run, so *ready ≥ 20× faster than its load* means ready ≤ ${ms(need)} ms and *≥ 100× faster than its build* ready ≤ ${ms(flexBuild / 100)} ms. ` +
        `Compiling and instantiating the module alone take ${ms(module.both)} ms (${Math.round((100 * module.both) / need)} % of ${ms(need)} ms), before anything is opened or answered; a module holding nothing but the text the peers index takes ${ms(peers.both)} ms (${Math.round((100 * peers.both) / need)} %).`,
    );
  } else {
    L.push('(No FlexSearch figures: run `scripts/bench.sh --only flexsearch` first.)');
  }
  L.push('');

  // Size.
  const code = sections(wasm).find((s) => s.id === 10);
  const parts = new Map(GROUPS.map(([g]) => [g, 0]));
  for (const { tag, bytes } of blobSections(segments)) parts.set(groupOf(tag), parts.get(groupOf(tag)) + brotli(bytes));
  parts.set('code', brotli(wasm.subarray(code.start, code.end)));
  const base = tsvBaselines(date, node.tsv?.module?.systems ?? ['icd10cm', 'hcpcs', 'pos']).module;
  const moduleBrotli = brotli(wasm);
  const budget = 1.1 * base.brotli;
  L.push("## Size: the module's brotli bytes by what they hold");
  L.push('');
  L.push('| part | brotli | share of 1.1 × the TSV |');
  L.push('|---|--:|--:|');
  let sum = 0; // the parts, each compressed alone
  for (const [name, bytes] of parts) {
    sum += bytes;
    L.push(`| ${name} | ${kb(bytes)} | ${Math.round((100 * bytes) / budget)} % |`);
  }
  const rest = moduleBrotli - sum;
  L.push(`| the rest (Rust's static data, the wasm structure) | ${kb(rest)} | ${Math.round((100 * rest) / budget)} % |`);
  L.push(`| **the module as shipped** | ${kb(moduleBrotli)} | ${Math.round((100 * moduleBrotli) / budget)} % |`);
  L.push('');
  const codes = parts.get('codes and descriptions');
  L.push(
    `The plain TSV of the module's ${base.lines.toLocaleString('en-US')} codes and descriptions is ${kb(base.brotli)} brotli, so the goal allows ${kb(budget)}. ` +
      `The codes and descriptions alone take ${kb(codes)} (front-coded: ${Math.round((100 * codes) / base.brotli)} % of the TSV) and the code ${kb(parts.get('code'))}, which leaves ${kb(budget - codes - parts.get('code'))} for the word index (${kb(parts.get('word index'))}), the notes (${kb(parts.get('notes and their references'))}) and the rest (${kb(parts.get('hierarchy, validity, flags, edit tables'))}).`,
  );
  L.push('');
  const text = L.join('\n');
  writeFileSync(new URL('FLOOR.md', import.meta.url), text);
  console.log(text);
}

// Run as a command; imported (by www/test/floor.test.js) for its builders.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
