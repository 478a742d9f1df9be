#!/usr/bin/env node
// Renders bench/RESULTS.md from bench/results/node.json (run.mjs) and, when it
// belongs to the same run, bench/results/chromium.json (chromium.mjs).
//
//   node bench/report.mjs      (re-render and print)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = new URL('./', import.meta.url);
const RESULTS = new URL('./results/', HERE);

// ---- statistics ------------------------------------------------------------

export const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
/** Nearest-rank percentile of one run's keystroke times. */
export const pct = (times, p) => {
  const v = [...times].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
};
/** Percentiles of the runs' `key` pass (`times`, or `again`: the second pass), medians over runs. */
export const latency = (all, key = 'times') => {
  const runs = all.filter((r) => Array.isArray(r[key]) && r[key].length);
  return {
    p50: median(runs.map((r) => pct(r[key], 0.5))),
    p95: median(runs.map((r) => pct(r[key], 0.95))),
    p99: median(runs.map((r) => pct(r[key], 0.99))),
    max: median(runs.map((r) => Math.max(...r[key]))),
    n: runs[0]?.[key].length ?? 0,
    runs: runs.length,
  };
};

/** "p50 … µs, p99 … µs, max … µs" of a latency summary. */
const againText = (lat) => `p50 ${us(lat.p50)} µs, p99 ${us(lat.p99)} µs, max ${us(lat.max)} µs`;

/** Medians of medcode's ready time split into its steps (runs that recorded them). */
function readyParts(runs) {
  const parts = runs.map((r) => r.readyParts).filter(Boolean);
  if (!parts.length) return null;
  const med = (k) => median(parts.map((p) => p[k]));
  return { compile: med('compile'), instantiateOpen: med('instantiateOpen'), firstAnswer: med('firstAnswer') };
}

/** Medians of medcode's warmUp() reports, or null when no run made one. */
function warmUps(runs) {
  const w = runs.map((r) => r.warmUp).filter(Boolean);
  if (!w.length) return null;
  const med = (k) => median(w.map((x) => x[k]));
  // Runs before prepareMs and longestSliceMs were reported have neither.
  const optional = (k) => (w.every((x) => typeof x[k] === 'number') ? med(k) : null);
  return {
    ms: med('ms'),
    busyMs: med('busyMs'),
    searches: med('searches'),
    prepareMs: optional('prepareMs'),
    longestSliceMs: optional('longestSliceMs'),
  };
}

function warmUpText(w) {
  const prepared =
    w.prepareMs === null ? '' : `, ${w.prepareMs.toFixed(0)} ms of it building the search structures in steps first`;
  const longest = w.longestSliceMs === null ? '' : `; longest slice ${w.longestSliceMs.toFixed(1)} ms`;
  return `\`warmUp()\` after ready, before the keystrokes (what a page runs while idle; the widget does): ${w.searches.toFixed(0)} searches in slices of 4 ms, ${w.busyMs.toFixed(0)} ms busy${prepared} over ${w.ms.toFixed(0)} ms${longest} (medians)`;
}

function partsText(p) {
  const f = (x) => x.toFixed(0);
  return `compile ${f(p.compile)} ms, instantiate + open ${f(p.instantiateOpen)} ms, first answer ${f(p.firstAnswer)} ms (a one-letter word search; the per-entry word ids are built later: by \`warmUp()\`'s first steps while the page is idle, or by the first query that checks a word on codes' own words)`;
}

const matches = (code, pattern) => (pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern);
const right = (top10, o) => Array.isArray(top10?.[o.q]) && top10[o.q].some((c) => o.expect.some((p) => matches(c, p)));

// ---- formatting ------------------------------------------------------------

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const ms = (x) => (!Number.isFinite(x) ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : int(x));
const us = (x) => (!Number.isFinite(x) ? '—' : x < 10 ? x.toFixed(1) : int(x));
const kb = (b) => (!Number.isFinite(b) ? '—' : b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(0)} kB`);
const mib = (b) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(1)}` : '—');
const ratio = (x) => (Number.isFinite(x) ? (x >= 10 ? `${int(x)}×` : `${x.toFixed(1)}×`) : '—');
const met = (ok) => (ok === undefined ? 'n/a' : ok ? '**met**' : '**missed**');

function summarize(node) {
  const Q = node.queries;
  const out = {};
  // medcode
  const m = node.runs.medcode.filter((r) => !r.failed);
  const mLast = m.at(-1);
  out.medcode = {
    name: 'medcode (wasm, Node)',
    version: `wasm sha256 ${node.medcode.wasmSha256}…`,
    build: NaN,
    ready: median(m.map((r) => r.readyMs)),
    readyParts: readyParts(m),
    warmUp: warmUps(m),
    bytes: node.medcode.total,
    memory: median(m.map((r) => r.memoryBytes)),
    linear: median(m.map((r) => r.linearBytes)),
    // After the keystrokes every search structure is built (the word ids are not at ready).
    linearAfter: median(m.map((r) => r.linearBytesAfter)),
    heap: median(m.map((r) => r.heapBytes)),
    lat: latency(m),
    again: latency(m, 'again'),
    top10: mLast?.top10,
    errors: Math.max(0, ...m.map((r) => r.errors)),
    failed: node.runs.medcode.filter((r) => r.failed).length,
  };
  for (const [p, v] of Object.entries(node.versions)) {
    const runs = node.runs[p];
    const b = runs.map((r) => r.build).filter((r) => !r.failed);
    const l = runs.map((r) => r.load).filter((r) => !r.failed);
    const lib = node.libs[p];
    const parts = [lib, lib.export ?? { raw: NaN, gzip: NaN, brotli: NaN }, v.needsDocs ? node.data.file : { raw: 0, gzip: 0, brotli: 0 }];
    out[p] = {
      name: v.name,
      version: v.version,
      build: median(b.map((r) => r.buildMs)),
      ready: median(l.map((r) => r.loadMs)),
      bytes: { raw: parts.reduce((t, x) => t + x.raw, 0), gzip: parts.reduce((t, x) => t + x.gzip, 0), brotli: parts.reduce((t, x) => t + x.brotli, 0) },
      buildBytes: { brotli: lib.brotli + node.data.file.brotli },
      memory: median(l.map((r) => r.memoryBytes)),
      lat: l.length ? latency(l) : { p50: NaN, p95: NaN, p99: NaN, max: NaN, n: 0, runs: 0 },
      again: latency(l, 'again'),
      top10: l.at(-1)?.top10,
      errors: Math.max(0, ...l.map((r) => r.errors)),
      failed: runs.filter((r) => r.build.failed || r.load.failed).length,
    };
  }
  for (const s of Object.values(out)) {
    s.right = Q.obvious.filter((o) => right(s.top10, o)).length;
    s.probe = {};
    for (const kind of ['code', 'typo', 'abbrev']) {
      const list = Q.obvious.filter((o) => o.probe === kind);
      s.probe[kind] = { ok: list.filter((o) => right(s.top10, o)).length, of: list.length };
    }
  }
  return out;
}

export function render(node, chromium) {
  const Q = node.queries;
  const S = summarize(node);
  const peers = Object.keys(node.versions);
  const keystrokes = Q.queries.reduce((t, q) => t + q.length, 0);
  const L = [];
  L.push('# Typeahead benchmark: medcode against FlexSearch, MiniSearch, Fuse.js, Orama, Lunr');
  L.push('');
  L.push(`Written by \`scripts/bench.sh\` (bench/run.mjs${chromium ? ' + bench/chromium.mjs' : ''}); method in [bench/README.md](README.md).`);
  L.push('');
  L.push(`- **Run**: ${node.runId.slice(0, 16).replace('T', ' ')} UTC → ${(chromium?.finished ?? node.finished).slice(0, 16).replace('T', ' ')} UTC; date of service ${node.date}; ${node.rounds} rounds, medians.`);
  L.push(`- **Machine**: ${node.machine.cpu}, ${node.machine.cores} cores, ${node.machine.memGiB} GiB, ${node.machine.os} (shared with other jobs: expect noise).`);
  L.push(`- **Runtimes**: Node ${node.node}${chromium ? `; ${chromium.browser} (headless, Playwright ${chromium.playwright})` : ''}.`);
  L.push(`- **Versions**: ${peers.map((p) => `${node.versions[p].pkg} ${node.versions[p].version}`).join(', ')}; medcode www/pkg wasm sha256 ${node.medcode.wasmSha256}… (${node.medcode.info.map((s) => s.system).join(' + ')}).`);
  L.push(`- **Data**: ${int(node.data.codes)} ICD-10-CM codes billable on ${node.date}, each with its description (${kb(node.data.file.raw)} TSV; ${node.data.undescribed} billable codes that have no description in medcode's sources are left out). medcode searches its own module with \`{ system: 'icd10cm', limit: 10, billableOnly: true, date }\`.`);
  L.push(`- **Queries**: every keystroke prefix of ${Q.queries.length} queries (${keystrokes} keystrokes per run, after ${Q.warmup.length} untimed warm-up queries); ${Q.obvious.length} obvious queries scored on their top 10 (bench/queries.json).`);
  L.push('');
  L.push('## Node');
  L.push('');
  L.push('| library | build ms | ready / load-from-export ms | bytes raw / gzip / brotli | memory after load MiB | p50 µs | p95 µs | p99 µs | max µs | obvious right | dot code | typo | abbrev. |');
  L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const k of ['medcode', ...peers]) {
    const s = S[k];
    const name = k === 'medcode' ? '**medcode** (wasm)' : `${s.name} ${s.version}`;
    const p = (x) => `${x.ok}/${x.of}`;
    L.push(
      `| ${name} | ${k === 'medcode' ? 'ahead of time' : ms(s.build)} | ${ms(s.ready)} | ${kb(s.bytes.raw)} / ${kb(s.bytes.gzip)} / ${kb(s.bytes.brotli)} | ${mib(s.memory)} | ${us(s.lat.p50)} | ${us(s.lat.p95)} | ${us(s.lat.p99)} | ${us(s.lat.max)} | ${s.right}/${Q.obvious.length} | ${p(s.probe.code)} | ${p(s.probe.typo)} | ${p(s.probe.abbrev)} |`,
    );
  }
  L.push('');
  if (S.medcode.readyParts) L.push(`medcode's ready, split (medians): ${partsText(S.medcode.readyParts)}.`, '');
  if (S.medcode.warmUp) L.push(`medcode's ${warmUpText(S.medcode.warmUp)}.`, '');
  const withAgain = ['medcode', ...peers].filter((k) => S[k]?.again?.n);
  if (withAgain.length) {
    L.push(
      `Second pass (the same ${keystrokes} keystrokes again, in the same process right after the first; the table and the goals use the first): ${withAgain.map((k) => `${k === 'medcode' ? '**medcode**' : S[k].name} ${againText(S[k].again)}`).join('; ')}.`,
      '',
    );
  }
  L.push('- *build*: data text in hand → parsed, indexed, first answer. *ready / load-from-export*: medcode: `.wasm` bytes in hand → compiled, instantiated, opened, first answer; peers: their own export (and the data file, when the export lacks the descriptions) in hand → parsed, loaded, first answer.');
  L.push(`- *bytes*: what a page downloads to be ready. medcode: medcode_bg.wasm + medcode.js + index.js. Peers: the library's minified file + its export + the data TSV when the export does not hold the descriptions (${peers.filter((p) => node.versions[p].needsDocs).map((p) => node.versions[p].name).join(', ')}). gzip -9, brotli q11.`);
  L.push('- *memory*: medcode: wasm linear memory + JS heap growth; peers: JS heap growth (after gc) with the loaded index alive.');
  L.push('- *latency*: one `search(prefix)` → top-10 codes, including the JS↔wasm boundary for medcode; percentiles per run, then the median over runs.');
  L.push('- *dot code / typo / abbrev.*: the probe queries among the obvious ones (codes typed with their dot; misspellings; clinical abbreviations).');
  L.push('');
  if (chromium) {
    L.push('## Chromium (medcode in the page)');
    L.push('');
    const c = chromium.summary;
    L.push('| runtime | ready ms (bytes in hand) | ready ms (fetch + streaming compile, localhost) | linear memory MiB | p50 µs | p95 µs | p99 µs | max µs | obvious right | timer |');
    L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
    L.push(
      `| ${chromium.browser} headless | ${ms(c.ready)} | ${ms(c.readyStreaming)} | ${mib(c.linear)} (${mib(median(chromium.runs.map((r) => r.linearBytesAfter)))} after the keystrokes) | ${us(c.lat.p50)} | ${us(c.lat.p95)} | ${us(c.lat.p99)} | ${us(c.lat.max)} | ${c.right}/${Q.obvious.length} | ${c.isolated ? 'cross-origin isolated (5 µs)' : 'coarse (100 µs)'} |`,
    );
    L.push('');
    const cp = readyParts(chromium.runs);
    if (cp) L.push(`medcode's ready (bytes in hand), split (medians): ${partsText(cp)}.`, '');
    const cw = warmUps(chromium.runs);
    if (cw) L.push(`In the page, ${warmUpText(cw)}.`, '');
    const ca = latency(chromium.runs, 'again');
    if (ca.n) L.push(`Second pass in the page (the same keystrokes again): ${againText(ca)}.`, '');
    L.push(`Measured inside the page with \`performance.now()\`: the page fetches the \`.wasm\`, then times \`load({ wasm: bytes })\` + the first search; a second page times \`load()\` from the URL (fetch + \`instantiateStreaming\`). Keystrokes as in Node. Served from 127.0.0.1 with COOP/COEP so the timer has 5 µs resolution.${chromium.wasmSha256 && chromium.wasmSha256 !== node.medcode.wasmSha256 ? ` **Note**: www/pkg was rebuilt between the Node part (wasm sha256 ${node.medcode.wasmSha256}…) and this part (${chromium.wasmSha256}…).` : ''}`);
    L.push('');
  }
  // ---- goals ----
  const m = S.medcode;
  const usable = peers.filter((p) => Number.isFinite(S[p].lat.p99) && S[p].lat.p99 <= 100_000 && S[p].right * 2 >= Q.obvious.length);
  const pool = usable.length ? usable : peers.filter((p) => Number.isFinite(S[p].ready));
  const fastestLoad = pool.reduce((a, b) => (S[b].ready < S[a].ready ? b : a), pool[0]);
  const bestP99 = peers.filter((p) => Number.isFinite(S[p].lat.p99)).reduce((a, b) => (S[b].lat.p99 < S[a].lat.p99 ? b : a), peers[0]);
  const failedByPeers = Q.obvious.filter((o) => o.probe && peers.some((p) => !right(S[p].top10, o)));
  const answered = failedByPeers.filter((o) => right(m.top10, o));
  const wasmBr = node.medcode.files['www/pkg/medcode_bg.wasm'].brotli;
  const tsvBr = node.tsv.module.brotli;
  const G = [];
  const goal = (what, target, figure, ok) => G.push(`| ${what} | ${target} | ${figure} | ${met(ok)} |`);
  goal('Keystroke p99 (Node)', '≤ 1 ms', `${us(m.lat.p99)} µs`, m.lat.p99 <= 1000);
  if (chromium) goal('Keystroke p99 (Chromium)', '≤ 1 ms', `${us(chromium.summary.lat.p99)} µs`, chromium.summary.lat.p99 <= 1000);
  goal(
    'Keystroke p99 vs the best peer (Node)',
    '≤ 1/20 of the best peer’s p99',
    `${us(m.lat.p99)} µs vs ${S[bestP99]?.name} ${us(S[bestP99]?.lat.p99)} µs: 1/${(S[bestP99]?.lat.p99 / m.lat.p99).toFixed(1)}`,
    S[bestP99]?.lat.p99 / m.lat.p99 >= 20,
  );
  goal('Worst keystroke (Node)', '≤ 2 ms', `${us(m.lat.max)} µs`, m.lat.max <= 2000);
  if (chromium) goal('Worst keystroke (Chromium)', '≤ 2 ms', `${us(chromium.summary.lat.max)} µs`, chromium.summary.lat.max <= 2000);
  goal('Ready (Node)', '≤ 30 ms', `${ms(m.ready)} ms`, m.ready <= 30);
  if (chromium) goal('Ready (Chromium, bytes in hand)', '≤ 30 ms', `${ms(chromium.summary.ready)} ms`, chromium.summary.ready <= 30);
  goal(
    'Ready vs the fastest usable peer’s load-from-export',
    '≥ 20× faster',
    `${ms(m.ready)} ms vs ${S[fastestLoad]?.name} ${ms(S[fastestLoad]?.ready)} ms: ${ratio(S[fastestLoad]?.ready / m.ready)}`,
    S[fastestLoad]?.ready / m.ready >= 20,
  );
  goal(
    'Ready vs that peer’s build',
    '≥ 100× faster',
    `${ms(m.ready)} ms vs ${S[fastestLoad]?.name} build ${ms(S[fastestLoad]?.build)} ms: ${ratio(S[fastestLoad]?.build / m.ready)}`,
    S[fastestLoad]?.build / m.ready >= 100,
  );
  goal(
    'Default module size, brotli',
    '≤ 1.1 × brotli of a plain TSV of its codes + descriptions',
    `${kb(wasmBr)} vs TSV ${kb(tsvBr)} (${int(node.tsv.module.lines)} lines: ${node.tsv.module.systems.join(', ')}): ${(wasmBr / tsvBr).toFixed(2)}×`,
    wasmBr <= 1.1 * tsvBr,
  );
  goal(
    'Linear memory after load, and once every search structure is built',
    '≤ 16 MiB',
    `${mib(m.linear)} MiB after load, ${mib(m.linearAfter)} MiB after the keystrokes`,
    Math.max(m.linear, m.linearAfter) <= 16 * 2 ** 20,
  );
  goal('Obvious queries right (top 10)', `all ${Q.obvious.length}`, `${m.right}/${Q.obvious.length}`, m.right === Q.obvious.length);
  goal(
    'Probes a peer fails, answered',
    'all',
    `${answered.length}/${failedByPeers.length}${failedByPeers.length > answered.length ? ` (missed: ${failedByPeers.filter((o) => !answered.includes(o)).map((o) => `“${o.q}”`).join(', ')})` : ''}`,
    answered.length === failedByPeers.length,
  );
  L.push('## Goals (GitHub issue #6)');
  L.push('');
  L.push('| goal | target | figure (this run) | |');
  L.push('|---|---|---|---|');
  L.push(...G);
  L.push('');
  L.push(
    `A peer is *usable* when its keystroke p99 is ≤ 100 ms and it gets at least half the obvious queries right: ${usable.length ? usable.map((p) => S[p].name).join(', ') : 'none (so all peers count)'}. The module-size TSV holds every code and description the default module embeds (all ICD-10-CM tabular entries, described deleted codes, distinct HCPCS code/description pairs, place-of-service codes); the TSV of just the benchmark's billable codes is ${kb(node.tsv.billable.brotli)} brotli.`,
  );
  L.push('');
  // ---- per query ----
  L.push('## Obvious queries: right in the top 10?');
  L.push('');
  L.push(`| query | expected | probe | medcode | ${peers.map((p) => S[p].name).join(' | ')} |`);
  L.push(`|---|---|---|:-:|${peers.map(() => ':-:').join('|')}|`);
  for (const o of Q.obvious) {
    const cell = (k) => (right(S[k].top10, o) ? '✓' : '✗');
    L.push(`| \`${o.q}\` | ${o.expect.join(', ')} | ${o.probe ?? ''} | ${cell('medcode')} | ${peers.map(cell).join(' | ')} |`);
  }
  L.push('');
  // ---- bytes detail ----
  L.push('## Bytes in detail (brotli)');
  L.push('');
  L.push('| library | library file | export | data TSV | load path total | build path (library + data) |');
  L.push('|---|--:|--:|--:|--:|--:|');
  const f = node.medcode.files;
  L.push(`| medcode | ${kb(f['www/pkg/medcode.js'].brotli + f['www/src/index.js'].brotli)} (glue + facade) | ${kb(f['www/pkg/medcode_bg.wasm'].brotli)} (.wasm) | — | ${kb(node.medcode.total.brotli)} | — |`);
  for (const p of peers) {
    const lib = node.libs[p];
    L.push(
      `| ${S[p].name} | ${kb(lib.brotli)} | ${kb(lib.export?.brotli)} (${kb(lib.export?.raw)} raw) | ${node.versions[p].needsDocs ? kb(node.data.file.brotli) : 'in export'} | ${kb(S[p].bytes.brotli)} | ${kb(S[p].buildBytes.brotli)} |`,
    );
  }
  L.push('');
  L.push(`Library files: ${peers.map((p) => `${S[p].name}: ${node.libs[p].how}`).join('; ')}.`);
  L.push('');
  // ---- per run ----
  L.push('<details><summary>Every run</summary>');
  L.push('');
  L.push('| library | round | build ms | ready/load ms | p99 µs | max µs | memory MiB |');
  L.push('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of node.runs.medcode) {
    L.push(r.failed ? `| medcode | ${r.round} | failed: ${r.failed} | | | | |` : `| medcode | ${r.round} | — | ${ms(r.readyMs)} | ${us(pct(r.times, 0.99))} | ${us(Math.max(...r.times))} | ${mib(r.memoryBytes)} |`);
  }
  for (const p of peers) {
    for (const r of node.runs[p]) {
      const l = r.load;
      L.push(
        l.failed || r.build.failed
          ? `| ${S[p].name} | ${r.round} | ${r.build.failed ? `failed: ${r.build.failed}` : ms(r.build.buildMs)} | ${l.failed ? `failed: ${l.failed}` : ''} | | | |`
          : `| ${S[p].name} | ${r.round} | ${ms(r.build.buildMs)} | ${ms(l.loadMs)} | ${us(pct(l.times, 0.99))} | ${us(Math.max(...l.times))} | ${mib(l.memoryBytes)} |`,
      );
    }
  }
  if (chromium) {
    for (const r of chromium.runs) {
      L.push(`| medcode in Chromium | ${r.round} | — | ${ms(r.readyMs)} (streaming ${ms(r.readyStreamingMs)}) | ${us(pct(r.times, 0.99))} | ${us(Math.max(...r.times))} | ${mib(r.linearBytes)} |`);
    }
  }
  L.push('');
  L.push('</details>');
  L.push('');
  L.push('Peer settings: ' + peers.map((p) => `${S[p].name}: ${node.versions[p].settings}`).join('; ') + '.');
  L.push('');
  return L.join('\n');
}

/** Reads the result files, writes bench/RESULTS.md, returns the markdown. */
export function renderFiles() {
  const node = JSON.parse(readFileSync(new URL('node.json', RESULTS), 'utf8'));
  let chromium = null;
  const cf = new URL('chromium.json', RESULTS);
  if (existsSync(cf)) {
    const c = JSON.parse(readFileSync(cf, 'utf8'));
    if (c.runId === node.runId) chromium = c;
  }
  const md = render(node, chromium);
  writeFileSync(new URL('./RESULTS.md', HERE), md);
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(renderFiles());
