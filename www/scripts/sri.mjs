#!/usr/bin/env node
// Prints the subresource-integrity hashes (sha384) of the files the package
// ships, for hosts that pin them (`<script type="module" integrity=…>`,
// `<link rel="modulepreload" integrity=…>`, `fetch(url, {integrity})` for the
// .wasm), and writes them to dist/sri.json. Run by scripts/build-wasm.sh.
//
//   node scripts/sri.mjs [--out dist/sri.json]

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const www = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : join(www, 'dist', 'sri.json');

// What package.json ships: the glue, the module and the sources next to them.
const shipped = ['pkg/medcode_bg.wasm', 'pkg/medcode.js'];
for (const name of readdirSync(join(www, 'src')).sort()) {
  if (/\.(js|css)$/.test(name)) shipped.push(`src/${name}`);
}

const hashes = {};
for (const file of shipped) {
  const digest = createHash('sha384').update(readFileSync(join(www, file))).digest('base64');
  hashes[file] = `sha384-${digest}`;
}

console.log('subresource integrity (sha384):');
const width = Math.max(...shipped.map((f) => f.length));
for (const [file, sri] of Object.entries(hashes)) console.log(`  ${file.padEnd(width)}  ${sri}`);
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(out, `${JSON.stringify(hashes, null, 2)}\n`);
console.log(`written to ${relative(process.cwd(), resolve(out)) || out}`);
