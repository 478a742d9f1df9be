// Playwright smoke test of the demo page in headless Chromium (Debian's,
// /usr/bin/chromium; playwright-core never downloads a browser): the page
// loads under its strict CSP with no console error, and typing lists codes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

test('demo page: typing lists codes', { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (run scripts/setup.sh)`, timeout: 120_000 }, async (t) => {
  const server = await startServer({ port: 0 });
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${res.url()}`);
  });

  const wasmResponse = page.waitForResponse((res) => res.url().endsWith('/medcode_bg.wasm'));
  await page.goto(server.url);
  const wasm = await wasmResponse;
  assert.equal(wasm.headers()['content-type'], 'application/wasm');
  await page.waitForSelector('html[data-state="ready"]', { timeout: 60_000 });

  const input = page.locator('#q');
  const items = page.locator('#results > li');

  await t.test('typing "diab" lists diabetes codes', async () => {
    await input.pressSequentially('diab', { delay: 30 });
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length > 0);
    const rows = await items.evaluateAll((lis) => lis.map((li) => ({ code: li.dataset.code, text: li.textContent })));
    const listed = rows.map((r) => r.code).join(' ');
    // Diabetes mellitus is E08–E13 in ICD-10-CM.
    assert.ok(rows.some((r) => /^E(0[89]|1[013])\b/.test(r.code)), `diabetes mellitus codes (E08–E13) in ${listed}`);
    const diabetic = rows.filter((r) => /diabet/i.test(r.text)).length;
    assert.ok(diabetic >= rows.length / 2, `most results mention diabetes: ${diabetic} of ${rows.length} (${listed})`);
    assert.match(await page.locator('#status').innerText(), /result/);
  });

  await t.test('typing "E11.9" lists E11.9 first, marked billable', async () => {
    await input.fill('');
    await input.pressSequentially('E11.9', { delay: 30 });
    await page.waitForFunction(() => document.querySelector('#results > li')?.dataset.code === 'E11.9');
    const first = items.first();
    assert.match(await first.innerText(), /Type 2 diabetes mellitus without complications/);
    assert.equal(await first.locator('.mark').innerText(), 'billable');
  });

  await t.test('a header is marked as such, and clicking shows its record', async () => {
    await input.fill('E11');
    await page.waitForFunction(() => document.querySelector('#results > li')?.dataset.code === 'E11');
    assert.equal(await items.first().locator('.mark').innerText(), 'header');
    await items.first().locator('button').click();
    await page.waitForSelector('#detail:not([hidden])');
    assert.match(await page.locator('#detail').innerText(), /E11\.9/);
  });

  await t.test('no match says so', async () => {
    await input.fill('zzzzqqq');
    await page.waitForFunction(() => /No codes match/.test(document.querySelector('#status').textContent));
    assert.equal(await items.count(), 0);
  });

  assert.deepEqual(problems, [], 'no console errors or warnings, no failed requests');
});
