#!/usr/bin/env node
// Side-by-side typeahead benchmark, Node part. Usually run by scripts/bench.sh.
//
//   node bench/run.mjs [--rounds N] [--only medcode,flexsearch,...] [--date YYYY-MM-DD]
//
// Every round, for each peer in turn: medcode, then the peer's build, then the
// peer's load-from-export, each in a fresh `node --expose-gc` child
// (bench/measure.mjs), so medcode and the peers alternate under the same
// machine noise and no two libraries share a heap. Figures are medians over
// the rounds (medcode's over all its runs). Writes bench/results/node.json and
// bench/RESULTS.md (bench/report.mjs) and prints the markdown.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { build } from 'esbuild';
import { CACHE, ROOT, addSizes, billableIcd10cm, dataFile, sizes, tsvBaselines } from './data.mjs';
import { PEERS, version } from './peers.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const rounds = Number(opt('--rounds', '3'));
const date = opt('--date', new Date().toISOString().slice(0, 10));
const only = opt('--only', 'flexsearch,minisearch,fuse,orama,lunr').split(',');
const peers = only.filter((p) => p !== 'medcode');
for (const p of peers) if (!PEERS[p]) throw new Error(`unknown peer ${p}; known: ${Object.keys(PEERS).join(', ')}`);

const HERE = new URL('./', import.meta.url);
const RESULTS = new URL('./results/', HERE);
const EXPORTS = new URL('./export/', CACHE);
mkdirSync(RESULTS, { recursive: true });
mkdirSync(EXPORTS, { recursive: true });
const log = (...a) => console.error('[bench]', ...a);

// ---- Data and static figures (not timed) -----------------------------------

const { load } = await import('../www/src/index.js');
const mc = await load();
const info = mc.info({ date });
const systems = info.map((s) => s.system);
const { rows, undescribed } = billableIcd10cm(date);
dataFile(date);
// Cross-check a spread sample (every 25th code; all 74k take minutes).
let notBillable = 0;
for (let i = 0; i < rows.length; i += 25) {
  const rec = mc.get(rows[i][0], { system: 'icd10cm', date });
  if (!rec || !rec.billable) notBillable++;
}
const icd = info.find((s) => s.system === 'icd10cm');
log(`data: ${rows.length} billable ICD-10-CM codes on ${date} with descriptions (+${undescribed} without); medcode says ${icd.billable} billable; ${notBillable} of a 1-in-25 sample not billable in medcode`);
if (notBillable > 0 || rows.length + undescribed !== icd.billable) {
  log('warning: the data and the module disagree on the billable set; see results/node.json');
}

const pkgFile = (rel) => readFileSync(new URL(rel, ROOT));
const medcodeFiles = {
  'www/pkg/medcode_bg.wasm': sizes(pkgFile('www/pkg/medcode_bg.wasm')),
  'www/pkg/medcode.js': sizes(pkgFile('www/pkg/medcode.js')),
  'www/src/index.js': sizes(pkgFile('www/src/index.js')),
};
const wasmSha = execFileSync('sha256sum', [new URL('www/pkg/medcode_bg.wasm', ROOT).pathname]).toString().slice(0, 12);

async function libBytes(a) {
  if (a.lib.file) return { how: `node_modules/${a.lib.file}`, ...sizes(readFileSync(new URL(`./node_modules/${a.lib.file}`, HERE))) };
  const spec = JSON.stringify(a.lib.bundle);
  const out = await build({
    // The whole public surface: named exports, plus the default one if any.
    stdin: { contents: `export * from ${spec};${a.lib.hasDefault ? ` export { default } from ${spec};` : ''}`, resolveDir: HERE.pathname, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return { how: `esbuild --bundle --minify of ${a.lib.bundle} (no minified dist shipped)`, ...sizes(out.outputFiles[0].contents) };
}
const dataSizes = sizes(readFileSync(dataFile(date)));
const libs = {};
for (const p of peers) libs[p] = await libBytes(PEERS[p]);
const tsv = tsvBaselines(date, systems);

// ---- Rounds ----------------------------------------------------------------

function child(argv) {
  const t = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', new URL('./measure.mjs', HERE).pathname, ...argv, '--date', date], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    log(`child ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
    return { failed: (r.stderr || '').trim().split('\n').slice(-3).join(' ') };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  out.wallMs = Date.now() - t;
  return out;
}

const runs = { medcode: [], ...Object.fromEntries(peers.map((p) => [p, []])) };
const started = new Date();
for (let round = 1; round <= rounds; round++) {
  for (const p of peers) {
    log(`round ${round}/${rounds}: medcode`);
    runs.medcode.push({ round, ...child(['medcode']) });
    const exportFile = new URL(`${p}.json`, EXPORTS).pathname;
    log(`round ${round}/${rounds}: ${p} build`);
    const b = child(['build', p, '--export', exportFile]);
    log(`round ${round}/${rounds}: ${p} load`);
    const l = b.failed ? { failed: 'build failed' } : child(['load', p, '--export', exportFile]);
    if (round === rounds && !b.failed) {
      const exp = sizes(readFileSync(exportFile));
      libs[p].export = exp;
    }
    runs[p].push({ round, build: b, load: l });
  }
  if (peers.length === 0) runs.medcode.push({ round, ...child(['medcode']) });
}

const node = {
  runId: started.toISOString(),
  date,
  finished: new Date().toISOString(),
  rounds,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1), os: `${platform()} ${release()}` },
  node: process.version,
  versions: Object.fromEntries(peers.map((p) => [p, { name: PEERS[p].name, pkg: PEERS[p].pkg, version: version(PEERS[p].pkg), settings: PEERS[p].settings, needsDocs: PEERS[p].needsDocs }])),
  medcode: { wasmSha256: wasmSha, files: medcodeFiles, total: addSizes(...Object.values(medcodeFiles)), info },
  data: { codes: rows.length, undescribed, medcodeBillable: icd.billable, notBillableInMedcode: notBillable, file: dataSizes },
  tsv,
  libs,
  queries: JSON.parse(readFileSync(new URL('./queries.json', HERE), 'utf8')),
  runs,
};
writeFileSync(new URL('node.json', RESULTS), JSON.stringify(node, null, 1) + '\n');
// The markdown (bench/report.mjs also re-renders it after the Chromium part).
const { renderFiles } = await import('./report.mjs');
process.stdout.write(renderFiles());
