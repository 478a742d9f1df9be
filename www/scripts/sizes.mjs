#!/usr/bin/env node
// Prints raw / gzip / brotli sizes of the built files as a table and writes
// them as JSON. Used by scripts/build-wasm.sh.
//
//   node sizes.mjs [--before-opt BYTES] [--out sizes.json] FILE...
//
// gzip at level 9, brotli at quality 11 (what a static host would serve
// pre-compressed).

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressedSizes } from './compressed-size.mjs';

const args = process.argv.slice(2);
let out;
let beforeOpt;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = args[++i];
  else if (args[i] === '--before-opt') beforeOpt = Number(args[++i]);
  else files.push(args[i]);
}
if (!files.length) {
  console.error('usage: node sizes.mjs [--before-opt BYTES] [--out FILE] FILE...');
  process.exit(2);
}

const www = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rows = files.map((f) => {
  const bytes = readFileSync(f);
  return {
    file: relative(www, resolve(f)) || basename(f),
    ...compressedSizes(bytes),
  };
});
const total = rows.reduce((t, r) => ({ file: 'total', raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  file: 'total',
  raw: 0,
  gzip: 0,
  brotli: 0,
});

const n = (x) => x.toLocaleString('en-US');
const kib = (x) => `${(x / 1024).toFixed(1)} KiB`;
const table = [['file', 'raw', 'gzip', 'brotli'], ...[...rows, total].map((r) => [r.file, n(r.raw), n(r.gzip), n(r.brotli)])];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
const line = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
console.log('');
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('   '));
for (const row of table.slice(1, -1)) console.log(line(row));
if (rows.length > 1) {
  console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  console.log(line(table.at(-1)));
}
const wasm = rows.find((r) => r.file.endsWith('.wasm'));
if (wasm) {
  console.log('');
  console.log(
    `module: ${kib(wasm.raw)} raw, ${kib(wasm.gzip)} gzip, ${kib(wasm.brotli)} brotli` +
      (beforeOpt ? ` (wasm-bindgen output before wasm-opt: ${n(beforeOpt)} bytes)` : ''),
  );
}
console.log('');

if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  const json = {
    note: 'bytes; gzip level 9, brotli quality 11; written by scripts/build-wasm.sh',
    files: Object.fromEntries(rows.map(({ file, ...s }) => [file, s])),
    total: { raw: total.raw, gzip: total.gzip, brotli: total.brotli },
    ...(beforeOpt ? { wasmBeforeOpt: beforeOpt } : {}),
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`sizes written to ${relative(process.cwd(), resolve(out)) || out}`);
}
