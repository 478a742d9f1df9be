#!/usr/bin/env node
// Screenshots of the demo pages for the docs, taken in headless Chromium
// (Debian's /usr/bin/chromium, or $CHROMIUM) through www/scripts/serve.mjs:
//
//   node www/scripts/screenshots.mjs [--out DIR]
//
// writes DIR/search.png (the code search page: S72.001 with its
// 7th-character builder) and DIR/claim.png (the claim page with a sample's
// findings beside their fields). DIR defaults to docs/screenshots. 1200×800,
// light theme.

import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1200, height: 800 };

function outDir(argv) {
  const i = argv.indexOf('--out');
  return resolve(i >= 0 && argv[i + 1] ? argv[i + 1] : resolve(ROOT, 'docs/screenshots'));
}

async function ready(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-state="ready"]', { timeout: 60_000 });
}

const out = outDir(process.argv.slice(2));
await mkdir(out, { recursive: true });
const server = await startServer({ port: 0 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
});
try {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));

  // The search page: S72.001 chosen, 7th character A picked.
  await ready(page, new URL('?code=S72.001', server.url).href);
  await page.locator('.builder input[type="radio"][value="A"]').check();
  await page.locator('#search').evaluate((w) => {
    w.value = 'S72.001A';
  });
  await page.screenshot({ path: resolve(out, 'search.png') });

  // The claim page: a sample with findings of each severity, the summary and
  // the first fields in view.
  await ready(page, new URL('claim.html?sample=wellness-visit', server.url).href);
  await page.waitForSelector('#claim .finding');
  await page.evaluate(() => window.scrollTo(0, document.querySelector('#summary').offsetTop - 12));
  await page.screenshot({ path: resolve(out, 'claim.png') });

  if (errors.length) throw new Error(`the pages reported errors:\n${errors.join('\n')}`);
  for (const name of ['search.png', 'claim.png']) {
    const { size } = await stat(resolve(out, name));
    console.log(`${resolve(out, name)}  ${(size / 1024).toFixed(0)} kB`);
  }
} finally {
  await browser.close();
  await server.close();
}
