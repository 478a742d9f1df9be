// The demo page: type into the input, see matching codes. Uses only the
// public JS package (src/index.js); no inline script or style, so it runs
// under a strict Content-Security-Policy.

import { load } from './src/index.js';

const $ = (id) => document.getElementById(id);
const form = $('search');
const input = $('q');
const system = $('system');
const date = $('date');
const billable = $('billable');
const list = $('results');
const status = $('status');
const detail = $('detail');
const sets = $('sets');

const LIMIT = 25;
const NAMES = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS', icd10pcs: 'ICD-10-PCS', pos: 'Place of service', cpt: 'CPT' };

/** `el('span', {class: 'x'}, 'text', child)`: a DOM node, text always as text. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

function options() {
  return {
    system: system.value || undefined,
    date: date.value || undefined,
    billableOnly: billable.checked,
  };
}

function mark(isBillable) {
  return isBillable
    ? el('span', { class: 'mark billable', title: 'Billable on the date of service' }, 'billable')
    : el('span', { class: 'mark header', title: 'A header: pick a more specific code' }, 'header');
}

let mc;
let pending = 0;

function schedule() {
  if (!mc || pending) return;
  pending = requestAnimationFrame(() => {
    pending = 0;
    render();
  });
}

function render() {
  const query = input.value.trim();
  list.replaceChildren();
  if (!query) {
    status.textContent = 'Type a code (E11.9, e119, G0439) or words (diab mell 2 kid).';
    return;
  }
  let found;
  const started = performance.now();
  try {
    const { system: sys, date: day, billableOnly } = options();
    found = mc.search(query, { system: sys, date: day, billableOnly, limit: LIMIT });
  } catch (err) {
    status.textContent = `Cannot search: ${err.message}`;
    return;
  }
  const ms = performance.now() - started;
  list.replaceChildren(
    ...found.results.map((r) =>
      el(
        'li',
        { 'data-code': r.code, 'data-system': r.system, class: r.billable ? 'billable' : 'header' },
        el(
          'button',
          { type: 'button', class: 'result', 'data-code': r.code, 'data-system': r.system },
          el('span', { class: 'code' }, r.code),
          el('span', { class: 'display' }, r.display),
          el('span', { class: 'meta' }, el('span', { class: 'system' }, NAMES[r.system] ?? r.system), mark(r.billable)),
        ),
      ),
    ),
  );
  const n = found.results.length;
  status.textContent =
    n === 0
      ? `No codes match “${query}”.`
      : `${n === LIMIT ? `First ${n}` : n} result${n === 1 ? '' : 's'} for “${query}” (${ms < 1 ? '<1' : Math.round(ms)} ms).`;
}

function codeList(title, refs) {
  if (!refs.length) return null;
  return el(
    'div',
    {},
    el('h3', {}, title),
    el('ul', { class: 'refs' }, ...refs.map((c) => el('li', {}, el('span', { class: 'code' }, c.code), ' ', c.display))),
  );
}

function showDetail(code, sys) {
  let rec;
  try {
    rec = mc.get(code, { system: sys, date: date.value || undefined });
  } catch (err) {
    status.textContent = `Cannot look up ${code}: ${err.message}`;
    return;
  }
  if (!rec) return;
  const ranges = rec.billableRanges.map((r) => `${r.from} – ${r.to === '9999-12-31' ? 'now' : r.to}`).join(', ');
  const parts = [
    el('h2', {}, el('span', { class: 'code' }, rec.code), ' ', rec.display),
    el(
      'p',
      {},
      mark(rec.billable),
      ` ${NAMES[rec.system] ?? rec.system} ${rec.kind} on ${rec.date}`,
      rec.requiresSeventhCharacter ? '; needs a 7th character' : '',
      ranges ? `; billable ${ranges}` : '',
      '.',
    ),
    rec.parent ? el('p', {}, 'Under ', el('span', { class: 'code' }, rec.parent.code), ` ${rec.parent.display}`) : null,
    // A code that needs a 7th character lists its completions below instead.
    rec.seventhCharacters.length ? null : codeList('Codes under it', rec.children.slice(0, 30)),
    rec.seventhCharacters.length
      ? el(
          'div',
          {},
          el('h3', {}, '7th characters'),
          el('ul', { class: 'refs' }, ...rec.seventhCharacters.map((s) => el('li', {}, el('span', { class: 'code' }, s.code), ' ', s.meaning))),
        )
      : null,
    rec.notes.length
      ? el(
          'div',
          {},
          el('h3', {}, 'Notes'),
          el('ul', { class: 'notes' }, ...rec.notes.map((n) => el('li', {}, el('span', { class: 'note-kind' }, n.kind), ' ', n.text))),
        )
      : null,
  ];
  detail.replaceChildren(...parts.filter(Boolean));
  detail.hidden = false;
}

function showSets() {
  try {
    const info = mc.info({ date: date.value || undefined });
    sets.textContent = info
      .filter((s) => s.system !== 'pos')
      .map((s) => `${NAMES[s.system] ?? s.system}: ${s.billable.toLocaleString('en-US')} billable codes (${s.edition})`)
      .join(' · ');
  } catch {
    sets.textContent = '';
  }
}

form.addEventListener('submit', (e) => e.preventDefault());
input.addEventListener('input', schedule);
for (const control of [system, date, billable]) {
  control.addEventListener('change', () => {
    schedule();
    showSets();
  });
}
list.addEventListener('click', (e) => {
  const button = e.target.closest('button.result');
  if (button) showDetail(button.dataset.code, button.dataset.system);
});

try {
  mc = await load();
} catch (err) {
  status.textContent = `Could not load medcode: ${err.message}`;
  document.documentElement.dataset.state = 'error';
  throw err;
}
document.documentElement.dataset.state = 'ready';
showSets();
render();
input.focus();
