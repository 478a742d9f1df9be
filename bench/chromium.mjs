#!/usr/bin/env node
// medcode inside headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): ready time and per-keystroke latency measured in the page
// (bench/page/) with performance.now(). Usually run by scripts/bench.sh after
// bench/run.mjs, whose run it joins (results/chromium.json carries the same
// runId); then re-renders bench/RESULTS.md.
//
//   node bench/chromium.mjs [--rounds N] [--date YYYY-MM-DD]
//
// Each round starts a fresh browser and opens two pages: ?mode=bytes (the
// .wasm fetched first, then load({ wasm: bytes }) + first answer timed, then
// the keystrokes) and ?mode=stream (load() from the URL: fetch +
// instantiateStreaming + first answer). A tiny server on 127.0.0.1 serves
// only bench/page/, bench/queries.json, www/src/ and www/pkg/, with COOP/COEP
// headers so the page is cross-origin isolated (5 µs timer instead of 100 µs).

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { extname } from 'node:path';
import { chromium } from 'playwright-core';
import { latency } from './report.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const ROOT = new URL('../', import.meta.url);
const RESULTS = new URL('./results/', import.meta.url);
mkdirSync(RESULTS, { recursive: true });
const nodeFile = new URL('node.json', RESULTS);
const node = existsSync(nodeFile) ? JSON.parse(readFileSync(nodeFile, 'utf8')) : null;
const rounds = Number(opt('--rounds', String(node?.rounds ?? 3)));
const date = opt('--date', node?.date ?? new Date().toISOString().slice(0, 10));
const EXE = process.env.CHROMIUM ?? '/usr/bin/chromium';
const log = (...a) => console.error('[chromium]', ...a);

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm' };
const ALLOWED = ['/bench/page/', '/bench/queries.json', '/www/src/', '/www/pkg/'];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.includes('..') || !ALLOWED.some((p) => path.startsWith(p)) || !TYPES[extname(path)]) {
    res.writeHead(404).end();
    return;
  }
  let body;
  try {
    body = readFileSync(new URL('.' + path, ROOT));
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(path)],
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cache-Control': 'no-store',
  });
  res.end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

async function page(browser, mode) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await p.goto(`${base}/bench/page/index.html?mode=${mode}&date=${date}`);
  await p.waitForFunction(() => window.__bench !== undefined, null, { timeout: 600_000, polling: 100 });
  const r = await p.evaluate(() => window.__bench);
  await ctx.close();
  if (r.error || errors.length) throw new Error(`page (${mode}) failed: ${r.error ?? ''} ${errors.join('; ')}`);
  return r;
}

const runs = [];
let browserVersion = 'Chromium';
const started = new Date();
try {
  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}/${rounds}`);
    const browser = await chromium.launch({
      executablePath: EXE,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      browserVersion = `Chromium ${browser.version()}`;
      const bytes = await page(browser, 'bytes');
      const stream = await page(browser, 'stream');
      runs.push({ round, ...bytes, readyStreamingMs: stream.readyMs });
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const Q = JSON.parse(readFileSync(new URL('./queries.json', import.meta.url), 'utf8'));
const last = runs.at(-1);
const right = Q.obvious.filter((o) => last.top10[o.q].some((c) => o.expect.some((p) => (p.endsWith('*') ? c.startsWith(p.slice(0, -1)) : c === p)))).length;
const out = {
  runId: node?.runId ?? started.toISOString(),
  started: started.toISOString(),
  finished: new Date().toISOString(),
  date,
  rounds,
  browser: browserVersion,
  wasmSha256: createHash('sha256').update(readFileSync(new URL('www/pkg/medcode_bg.wasm', ROOT))).digest('hex').slice(0, 12),
  playwright: JSON.parse(readFileSync(new URL('./node_modules/playwright-core/package.json', import.meta.url), 'utf8')).version,
  summary: {
    ready: median(runs.map((r) => r.readyMs)),
    readyStreaming: median(runs.map((r) => r.readyStreamingMs)),
    linear: median(runs.map((r) => r.linearBytes)),
    lat: latency(runs),
    right,
    isolated: runs.every((r) => r.isolated),
  },
  runs,
};
writeFileSync(new URL('chromium.json', RESULTS), JSON.stringify(out, null, 1) + '\n');
log(
  `ready ${out.summary.ready.toFixed(1)} ms (streaming ${out.summary.readyStreaming.toFixed(1)} ms); p50 ${out.summary.lat.p50.toFixed(0)} µs p99 ${out.summary.lat.p99.toFixed(0)} µs max ${out.summary.lat.max.toFixed(0)} µs; isolated ${out.summary.isolated}`,
);
if (node) {
  const { renderFiles } = await import('./report.mjs');
  process.stdout.write(renderFiles());
}
