// The code search page (index.html) in headless Chromium (Debian's,
// /usr/bin/chromium; playwright-core never downloads a browser):
//
// - it loads with no console error or warning, no failed request, no
//   `securitypolicyviolation` event, and every request on its own origin,
//   both with the Content-Security-Policy as an HTTP header and with only
//   the page's <meta> policy;
// - axe-core finds no accessibility violation (empty and with a code shown);
// - searching in the <medcode-search> widget and choosing a code shows its
//   details; S72.001 shows the 7th-character builder.
//
// axe-core is injected with page.evaluate(source): the strict CSP blocks
// inline <script> tags (so page.addScriptTag would fail), but the DevTools
// protocol's evaluate is not subject to the page's policy.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const skip = !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (run scripts/setup.sh)`;

/** Opens `path` and records console problems, CSP violations and every request. */
async function open(browser, server, path) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${res.url()}`);
  });
  page.on('request', (req) => requests.push(req.url()));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(new URL(path, server.url).href);
  await page.waitForSelector('html[data-state="ready"]', { timeout: 60_000 });
  return { page, context, problems, requests };
}

/** Every request stays on the page's origin (data: URLs are inline, not requests to anyone). */
function assertSameOrigin(requests, origin) {
  assert.ok(requests.length > 0, 'the page made requests');
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], `requests off ${origin}`);
}

/**
 * axe-core's violations on the page as it is. axe itself applies inline
 * styles while it runs (color-contrast checks), which the page's CSP refuses:
 * the CSP violations and console errors of that kind reported during the run
 * are axe's, not the page's, and are dropped from `problems`.
 */
async function axeViolations(page, problems) {
  const mark = problems.length;
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const before = window.__cspViolations.length;
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    await new Promise((r) => setTimeout(r, 50)); // let the reports arrive
    window.__cspViolations.length = before;
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  const later = problems.splice(mark).filter((p) => !/Applying inline style violates the following Content Security Policy/.test(p));
  problems.push(...later);
  return violations;
}

test('search page', { skip, timeout: 180_000 }, async (t) => {
  const server = await startServer({ port: 0 });
  t.after(() => server.close());
  const bare = await startServer({ port: 0, cspHeader: false });
  t.after(() => bare.close());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  t.after(() => browser.close());

  for (const [how, srv] of [
    ['with the CSP as an HTTP header', server],
    ['with the CSP in the <meta> tag only', bare],
  ]) {
    await t.test(`loads cleanly ${how}`, async () => {
      const res = await fetch(srv.url);
      assert.equal(res.headers.has('content-security-policy'), srv === server);
      assert.match(await res.text(), /<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/);
      const { page, context, problems, requests } = await open(browser, srv, '');
      assert.equal(await page.locator('header.site nav a[aria-current="page"]').innerText(), 'Code search');
      assert.equal(await page.locator('medcode-search').getAttribute('data-state'), 'ready');
      const input = page.locator('#search input[role="combobox"]');
      await input.pressSequentially('diab', { delay: 20 });
      await page.locator('#search [role="option"]').first().waitFor();
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no CSP violation');
      assert.deepEqual(problems, [], 'no console error or warning, no failed request');
      assertSameOrigin(requests, new URL(srv.url).origin);
      assert.ok(requests.some((u) => u.endsWith('/pkg/medcode_bg.wasm')), 'the wasm came from the same server');
      await context.close();
    });
  }

  const { page, problems, requests } = await open(browser, server, '');
  const input = page.locator('#search input[role="combobox"]');
  const detail = page.locator('#detail');

  await t.test('the empty page has no accessibility violation', async () => {
    assert.match(await detail.innerText(), /No code chosen yet/);
    assert.deepEqual(await axeViolations(page, problems), []);
  });

  await t.test('typing "diab" lists diabetes codes', async () => {
    await input.pressSequentially('diab', { delay: 20 });
    await page.locator('#search [role="option"]').first().waitFor();
    const codes = await page.locator('#search [role="option"]').evaluateAll((os) => os.map((o) => o.dataset.code));
    assert.ok(codes.some((c) => /^E(0[89]|1[013])\b/.test(c)), `diabetes mellitus codes (E08–E13) in ${codes.join(' ')}`);
  });

  await t.test('choosing E11.9 shows its details: hierarchy, notes, dates', async () => {
    await input.fill('');
    await input.pressSequentially('E11.9', { delay: 20 });
    const option = page.locator('#search [role="option"][data-code="E11.9"]');
    await option.waitFor();
    await option.click();
    await page.waitForFunction(() => document.documentElement.dataset.code === 'E11.9');
    assert.match(await detail.locator('h2').innerText(), /E11\.9\s+Type 2 diabetes mellitus without complications/);
    assert.equal(await detail.locator('.detail-head .mark').innerText(), 'billable');
    const path = await detail.locator('.crumbs li').evaluateAll((lis) => lis.map((li) => li.querySelector('.code').textContent));
    assert.deepEqual(path, ['4', 'E08-E13', 'E11', 'E11.9'], 'chapter → block → category → code');
    assert.match(await detail.locator('.notes-part').innerText(), /Use additional code/);
    assert.match(await detail.locator('.dates').innerText(), /In effect\s+2015-10-01 onward/);
    assert.match(page.url(), /[?&]code=E11\.9/);
  });

  await t.test('the hierarchy is clickable: the category shows its children', async () => {
    await detail.locator('.crumbs button[data-code="E11"]').click();
    await page.waitForFunction(() => document.documentElement.dataset.code === 'E11');
    const children = await detail.locator('.children button[data-code]').evaluateAll((bs) => bs.map((b) => b.dataset.code));
    assert.ok(children.includes('E11.9') && children.includes('E11.6'), `children of E11: ${children.join(' ')}`);
  });

  await t.test('Enter on a header in the list shows its details (keyboard only)', async () => {
    await input.fill('');
    await input.pressSequentially('E10', { delay: 20 });
    await page.locator('#search [role="option"][data-code="E10"]').waitFor();
    await input.press('ArrowDown');
    await input.press('Enter');
    await page.waitForFunction(() => document.documentElement.dataset.code === 'E10');
    assert.match(await detail.locator('h2').innerText(), /Type 1 diabetes mellitus/);
  });

  await t.test('S72.001: choosing the header shows the 7th-character builder', async () => {
    await input.fill('');
    await input.pressSequentially('S72.001', { delay: 20 });
    const option = page.locator('#search [role="option"][data-code="S72.001"]');
    await option.waitFor();
    await option.click();
    await page.waitForFunction(() => document.documentElement.dataset.code === 'S72.001');
    const builder = detail.locator('.builder');
    assert.match(await builder.innerText(), /S72\.001 needs a 7th character to be billable/);
    const chars = await builder.locator('input[type="radio"]').evaluateAll((rs) => rs.map((r) => r.value).join(''));
    assert.equal(chars, 'ABCDEFGHJKMNPQRS');
    await builder.locator('input[type="radio"][value="A"]').check();
    assert.equal(await page.locator('#built-code').innerText(), 'S72.001A');
    assert.match(await page.locator('#built-display').innerText(), /initial encounter for closed fracture/);
    await page.locator('#built-use').click();
    await page.waitForFunction(() => document.documentElement.dataset.code === 'S72.001A');
    assert.equal(await detail.locator('.detail-head .mark').innerText(), 'billable');
    assert.equal(await page.locator('#search').evaluate((w) => w.value), 'S72.001A', 'the widget holds the built code');
  });

  await t.test('a short code gets placeholder X before the 7th character', async () => {
    await page.goto(new URL('?code=S02.0', server.url).href);
    await page.waitForSelector('html[data-state="ready"]');
    await page.locator('.builder input[type="radio"][value="A"]').check();
    assert.equal(await page.locator('#built-code').innerText(), 'S02.0XXA');
    assert.equal(await page.locator('#built-code .placeholder').innerText(), 'XX');
  });

  await t.test('sex and age edits show for O09.511', async () => {
    await page.goto(new URL('?code=O09.511', server.url).href);
    await page.waitForSelector('html[data-state="ready"]');
    const edits = await detail.locator('.edits').innerText();
    assert.match(edits, /Female patients only/);
    assert.match(edits, /Maternity age edit/);
  });

  await t.test('the filters set the widget attributes', async () => {
    await page.selectOption('#system', 'hcpcs');
    await page.fill('#date', '2024-05-01');
    await page.check('#billable');
    const attrs = await page.locator('#search').evaluate((w) => [w.getAttribute('system'), w.getAttribute('date'), w.hasAttribute('billable-only')]);
    assert.deepEqual(attrs, ['hcpcs', '2024-05-01', true]);
    await input.fill('');
    await input.pressSequentially('G0439', { delay: 20 });
    await page.locator('#search [role="option"][data-code="G0439"]').click();
    await page.waitForFunction(() => document.documentElement.dataset.code === 'G0439');
    assert.match(await detail.innerText(), /HCPCS Level II/);
  });

  await t.test('a code shown has no accessibility violation', async () => {
    await page.goto(new URL('?code=S72.001', server.url).href);
    await page.waitForSelector('html[data-state="ready"]');
    await page.locator('.builder input[type="radio"][value="D"]').check();
    assert.deepEqual(await axeViolations(page, problems), []);
  });

  await t.test('no console error, CSP violation or foreign request along the way', async () => {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
    assertSameOrigin(requests, new URL(server.url).origin);
  });
});
