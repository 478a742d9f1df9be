// The claim page (claim.html) in headless Chromium (Debian's /usr/bin/chromium):
//
// - it loads with no console error or warning, no failed request, no
//   `securitypolicyviolation` event, and every request on its own origin,
//   with the Content-Security-Policy as an HTTP header and with only the
//   page's <meta> policy;
// - axe-core finds no accessibility violation, blank and with findings shown;
// - a sample claim's findings show beside the field their JSON pointer names
//   (aria-invalid, aria-describedby), and in the summary, whose links focus
//   the field;
// - a suggested code fixes the claim in one click (the finding goes away),
//   editing a field scrubs again, a "code first" fix moves the diagnosis and
//   its pointers, and import/export of medcode JSON and FHIR R4 round-trip.
//
// axe-core is injected with page.evaluate(source): the strict CSP blocks
// inline <script> tags, but the DevTools protocol's evaluate is not subject
// to the page's policy. axe applies inline styles while it runs, which the
// CSP refuses: those reports, made during the run, are axe's and are dropped.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const BASE = readFileSync(new URL('../../tests/fixtures/claims/base.json', import.meta.url), 'utf8');
const skip = !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (run scripts/setup.sh)`;

/** Opens `path` and records console problems, CSP violations and every request. */
async function open(browser, server, path) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
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

function assertSameOrigin(requests, origin) {
  assert.ok(requests.length > 0, 'the page made requests');
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], `requests off ${origin}`);
}

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

/** The findings shown in the summary: [{edit, path}]. */
function summary(page) {
  return page.locator('#summary-list li').evaluateAll((lis) => lis.map((li) => ({ edit: li.dataset.edit, path: li.querySelector('a').dataset.path })));
}

/** Loads a sample by its file name and waits for its findings. */
async function loadSample(page, file) {
  const before = await page.locator('#io-status').innerText();
  await page.selectOption('#sample', `samples/${file}`);
  await page.waitForFunction((b) => document.querySelector('#io-status').textContent !== b && /Loaded/.test(document.querySelector('#io-status').textContent), before);
}

/** The finding's message element, the field it is for, and whether the field points to it. */
async function beside(page, edit, fieldId) {
  return page.evaluate(
    ([edit, fieldId]) => {
      const field = document.getElementById(fieldId);
      const finding = document.querySelector(`#claim .finding[data-edit="${edit}"]`);
      if (!field || !finding) return { field: Boolean(field), finding: Boolean(finding) };
      const described = (field.getAttribute('aria-describedby') ?? '').split(' ').includes(finding.id);
      // "Beside": the message sits in the field's own row (diagnosis row, field box or service line).
      const holder = field.closest('.line') ?? field.closest('.dx, .field');
      return {
        field: true,
        finding: true,
        described,
        invalid: field.getAttribute('aria-invalid'),
        severity: field.dataset.severity,
        sameRow: holder.contains(finding),
        path: field.dataset.path,
        findingPath: finding.dataset.path,
      };
    },
    [edit, fieldId],
  );
}

test('claim page', { skip, timeout: 240_000 }, async (t) => {
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
    await t.test(`loads cleanly ${how}, blank and with a sample`, async () => {
      const res = await fetch(new URL('claim.html', srv.url));
      assert.equal(res.headers.has('content-security-policy'), srv === server);
      assert.match(await res.text(), /<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/);
      const { page, context, problems, requests } = await open(browser, srv, 'claim.html');
      assert.equal(await page.locator('header.site nav a[aria-current="page"]').innerText(), 'Claim scrubber');
      assert.match(await page.locator('#summary-text').innerText(), /blank claim: load a sample or fill in the form/i);
      await loadSample(page, 'wellness-visit.json');
      assert.ok((await summary(page)).length > 0);
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no CSP violation');
      assert.deepEqual(problems, [], 'no console error or warning, no failed request');
      assertSameOrigin(requests, new URL(srv.url).origin);
      assert.ok(requests.some((u) => u.endsWith('/samples/wellness-visit.json')), 'the sample came from the same server');
      await context.close();
    });
  }

  const { page, problems, requests } = await open(browser, server, 'claim.html');

  await t.test('the blank page has no accessibility violation', async () => {
    assert.deepEqual(await axeViolations(page, problems), []);
  });

  await t.test('a sample shows each finding beside its field', async () => {
    await loadSample(page, 'wellness-visit.json');
    assert.deepEqual(await summary(page), [
      { edit: 'NPI-INVALID', path: '/billingProvider/npi' },
      { edit: 'DX-NOT-BILLABLE', path: '/diagnoses/0' },
      { edit: 'DX-UNPOINTED', path: '/diagnoses/4' },
      { edit: 'MOD-INVALID', path: '/lines/3/modifiers/1' },
      { edit: 'LINE-DUPLICATE', path: '/lines/4' },
    ]);
    assert.match(await page.locator('#summary-text').innerText(), /3 errors, 1 warning, 1 note/);
    for (const [edit, id, severity] of [
      ['NPI-INVALID', 'billing-npi', 'error'],
      ['DX-NOT-BILLABLE', 'dx-0', 'error'],
      ['DX-UNPOINTED', 'dx-4', 'info'],
      ['MOD-INVALID', 'line-3-modifiers-1', 'error'],
    ]) {
      const b = await beside(page, edit, id);
      assert.ok(b.finding && b.field, `${edit}: finding and field exist`);
      assert.equal(b.path, b.findingPath, `${edit}: the field's pointer is the finding's`);
      assert.ok(b.described, `${edit}: #${id} is described by its finding`);
      assert.ok(b.sameRow, `${edit}: the message sits beside #${id}`);
      assert.equal(b.severity, severity);
      assert.equal(b.invalid, severity === 'error' ? 'true' : null);
    }
    assert.equal(await page.inputValue('#line-3-modifiers-1'), 'ZZ');
    // A whole-line finding marks the line.
    const line = page.locator('#lines > li').nth(4);
    assert.equal(await line.locator('fieldset').getAttribute('data-severity'), 'warning');
    assert.match(await line.locator('.finding[data-edit="LINE-DUPLICATE"]').innerText(), /Lines 3 and 5 bill J3420/);
    // The suggestions of a non-billable header are billable codes under it.
    const fixes = await page.locator('.dx[data-index="0"] .finding button.fix').evaluateAll((bs) => bs.map((b) => b.dataset.code));
    assert.ok(fixes.includes('E11.9'), `fixes offered: ${fixes.join(' ')}`);
  });

  await t.test('the page with findings has no accessibility violation', async () => {
    assert.deepEqual(await axeViolations(page, problems), []);
  });

  await t.test('a summary link focuses its field', async () => {
    await page.locator('#summary-list a[data-path="/lines/3/modifiers/1"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'line-3-modifiers-1');
    await page.locator('#summary-list a[data-path="/diagnoses/0"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'dx-0');
  });

  await t.test('a suggested code fixes the non-billable header in one click', async () => {
    await page.locator('.dx[data-index="0"] .finding[data-edit="DX-NOT-BILLABLE"] button.fix[data-code="E11.9"]').click();
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="DX-NOT-BILLABLE"]'));
    assert.equal(await page.inputValue('#dx-0'), 'E11.9');
    assert.equal(await page.locator('#dx-0').getAttribute('aria-invalid'), null);
    assert.equal(await page.locator('.dx[data-index="0"] medcode-search').evaluate((w) => w.value), 'E11.9', 'the picker shows the new code');
    const left = (await summary(page)).map((f) => f.edit);
    assert.deepEqual(left, ['NPI-INVALID', 'DX-UNPOINTED', 'MOD-INVALID', 'LINE-DUPLICATE']);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'dx-0', 'the fixed field has the focus');
  });

  await t.test('editing a field scrubs again', async () => {
    await page.fill('#billing-npi', '1234567893');
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="NPI-INVALID"]'));
    await page.fill('#line-3-modifiers-1', '');
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="MOD-INVALID"]'));
    // Pointing a line to diagnosis E clears "not pointed to".
    await page.fill('#line-0-diagnosisPointers-3', '');
    await page.fill('#line-1-diagnosisPointers-1', 'e');
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="DX-UNPOINTED"]'));
    await page.locator('#lines > li').nth(4).getByRole('button', { name: 'Remove line 5' }).click();
    await page.waitForFunction(() => document.documentElement.dataset.findings === '0');
    assert.match(await page.locator('#summary-text').innerText(), /No findings/);
    assert.equal(await page.locator('#claim .finding').count(), 0);
  });

  await t.test('typing a code and picking one with the widget both update the claim', async () => {
    await page.fill('#dx-5', 'S72.001');
    await page.waitForFunction(() => document.querySelector('.finding[data-edit="DX-7TH-CHAR"]'));
    const b = await beside(page, 'DX-7TH-CHAR', 'dx-5');
    assert.ok(b.described && b.sameRow);
    const search = page.locator('.dx[data-index="5"] medcode-search input[role="combobox"]');
    await search.pressSequentially('S72.001A', { delay: 20 });
    await page.locator('.dx[data-index="5"] [role="option"][data-code="S72.001A"]').click();
    await page.waitForFunction(() => document.querySelector('#dx-5').value === 'S72.001A');
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="DX-7TH-CHAR"]'));
    await page.fill('#dx-5', '');
  });

  await t.test('a "code first" fix moves the underlying condition and its pointers (FHIR sample)', async () => {
    await loadSample(page, 'kidney.fhir.json');
    assert.equal(await page.inputValue('#export-format'), 'fhir', 'a FHIR import exports FHIR by default');
    const before = await summary(page);
    assert.deepEqual(before.map((f) => f.edit), ['DX-CODE-FIRST', 'DX-USE-ADDITIONAL']);
    assert.equal(before[0].path, '/diagnoses/2');
    assert.equal(await page.inputValue('#patient-name'), 'Sample, Morgan (made up)');
    const fix = page.locator('.finding[data-edit="DX-CODE-FIRST"] button.fix[data-code="E11.22"]');
    assert.equal(await fix.innerText(), 'Move E11.22 before it');
    const pointersBefore = await page.inputValue('#line-1-diagnosisPointers-0');
    assert.equal(pointersBefore, 'A');
    await fix.click();
    await page.waitForFunction(() => !document.querySelector('.finding[data-edit="DX-CODE-FIRST"]'));
    const dx = await page.locator('#diagnoses .code-input').evaluateAll((is) => is.map((i) => i.value).filter(Boolean));
    assert.deepEqual(dx, ['E78.5', 'Z79.84', 'E11.22', 'N18.30']);
    // Line 3 pointed to D (E11.22), which is now C.
    assert.equal(await page.inputValue('#line-2-diagnosisPointers-0'), 'C');
  });

  await t.test('export as FHIR R4 and as medcode JSON through Blob URLs', async () => {
    const href = await page.locator('#export').getAttribute('href');
    assert.match(href, /^blob:/);
    const [fhirDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    assert.match(fhirDownload.suggestedFilename(), /\.fhir\.json$/);
    const fhir = JSON.parse(readFileSync(await fhirDownload.path(), 'utf8'));
    assert.equal(fhir.resourceType, 'Claim');
    assert.equal(fhir.contained.find((r) => r.resourceType === 'Patient').name[0].text, 'Sample, Morgan (made up)');
    await page.selectOption('#export-format', 'medcode');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    const claim = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.deepEqual(claim.diagnoses, ['E78.5', 'Z79.84', 'E11.22', 'N18.30']);
    assert.equal(claim.lines[2].diagnosisPointers[0], 3);
  });

  await t.test('pasted medcode JSON imports; bad JSON says why', async () => {
    await page.locator('.paste summary').click();
    await page.fill('#paste', '{ not json');
    await page.click('#paste-import');
    assert.match(await page.locator('#io-status').innerText(), /not valid JSON/);
    await page.fill('#paste', BASE);
    await page.click('#paste-import');
    await page.waitForFunction(() => /Loaded the pasted JSON \(medcode claim\): 0 findings/.test(document.querySelector('#io-status').textContent));
    assert.match(await page.locator('#summary-text').innerText(), /No findings/);
    assert.equal(await page.inputValue('#line-3-modifiers-0'), 'KX');
  });

  await t.test('a file import auto-detects FHIR', async () => {
    const fhir = readFileSync(new URL('../../tests/fixtures/claims/DX-NOT-BILLABLE/fires.fhir.json', import.meta.url));
    await page.setInputFiles('#file', { name: 'claim.fhir.json', mimeType: 'application/json', buffer: fhir });
    await page.waitForFunction(() => /claim\.fhir\.json \(FHIR R4 Claim\): 1 finding/.test(document.querySelector('#io-status').textContent));
    assert.deepEqual(await summary(page), [{ edit: 'DX-NOT-BILLABLE', path: '/diagnoses/0' }]);
    assert.equal(await page.inputValue('#dx-0'), 'E11');
  });

  await t.test('no console error, CSP violation or foreign request along the way', async () => {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
    assertSameOrigin(requests, new URL(server.url).origin);
  });
});
