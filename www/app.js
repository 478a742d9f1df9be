// The code search page: the <medcode-search> widget (src/widget.js), filters
// bound to its attributes, and a details pane for the chosen code
// (hierarchy, children, notes, dates, edits, the 7th-character builder).
//
// Runs under a strict Content-Security-Policy: no inline script or style, and
// every node is built with createElement/textContent (never innerHTML).

import { load } from './src/index.js';
import { define } from './src/widget.js';
import { definePacks } from './src/packs-ui.js';

define(); // registers <medcode-search> (a no-op when already registered)
definePacks(); // <medcode-packs> in the header

const $ = (id) => document.getElementById(id);
const search = $('search');
const system = $('system');
const date = $('date');
const billable = $('billable');
const status = $('status');
const detail = $('detail');
const sets = $('sets');

const NAMES = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS Level II', icd10pcs: 'ICD-10-PCS', pos: 'Place of service', cpt: 'CPT' };
const KINDS = { chapter: 'Chapter', block: 'Block', category: 'Category', subcategory: 'Subcategory', code: 'Code' };
const OPEN_END = '9999-12-31';

/** `el('span', {class: 'x'}, 'text', child)`: a DOM node; strings always become text. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

const range = (r) => (r.to === OPEN_END ? `${r.from} onward` : `${r.from} to ${r.to}`);

function mark(isBillable, kind) {
  return isBillable
    ? el('span', { class: 'mark billable' }, 'billable')
    : el('span', { class: 'mark header' }, kind === 'code' ? 'not billable on this date' : 'header');
}

let mc;
let current = null; // { code, system } shown in the details pane

// ---------------------------------------------------------------- filters

function dateOption() {
  return date.value || undefined;
}

/** Copies the filters onto the widget's attributes (it searches with them). */
function syncFilters() {
  if (system.value) search.setAttribute('system', system.value);
  else search.removeAttribute('system');
  if (date.value) search.setAttribute('date', date.value);
  else search.removeAttribute('date');
  search.toggleAttribute('billable-only', billable.checked);
}

for (const control of [system, date, billable]) {
  control.addEventListener('change', () => {
    syncFilters();
    showSets();
    if (current) showCode(current.code, current.system, { push: false });
  });
}
$('filters').addEventListener('submit', (e) => e.preventDefault());

/** Adds a CPT choice to the code-set filter once a CPT pack is loaded. */
function syncSystems() {
  let hasCpt = false;
  try {
    hasCpt = mc.packs().some((p) => p.kind === 'cpt');
  } catch {
    /* no packs */
  }
  const option = system.querySelector('option[value="cpt"]');
  if (hasCpt && !option) system.append(el('option', { value: 'cpt' }, 'CPT (from a loaded pack)'));
  if (!hasCpt && option) option.remove();
}

// ---------------------------------------------------------------- details

function codeButton(ref, sys, extra = {}) {
  return el(
    'button',
    { type: 'button', class: 'code-link', 'data-code': ref.code, 'data-system': sys, ...extra },
    el('span', { class: 'code' }, ref.code),
    ref.display ? el('span', { class: 'display' }, ref.display) : null,
  );
}

function section(title, cls, ...body) {
  return el('section', { class: `part ${cls}` }, el('h3', {}, title), ...body);
}

function hierarchy(tree, sys) {
  if (!tree || tree.path.length < 2) return null;
  const last = tree.path.length - 1;
  return section(
    'Hierarchy',
    'hierarchy',
    el(
      'ol',
      { class: 'crumbs' },
      tree.path.map((ref, i) =>
        el(
          'li',
          { class: `kind-${ref.kind}` },
          el('span', { class: 'kind' }, KINDS[ref.kind] ?? ref.kind),
          i === last
            ? el('span', { class: 'here', 'aria-current': 'true' }, el('span', { class: 'code' }, ref.code), el('span', { class: 'display' }, ref.display))
            : codeButton(ref, sys),
        ),
      ),
    ),
  );
}

function children(refs, sys) {
  if (!refs.length) return null;
  return section(
    `Codes under it (${refs.length})`,
    'children',
    el(
      'ul',
      { class: 'refs' },
      refs.map((ref) => el('li', {}, codeButton(ref, sys), mark(ref.billable, ref.kind))),
    ),
  );
}

const NOTE_TITLES = [
  ['inclusionTerm', 'Inclusion terms'],
  ['includes', 'Includes'],
  ['excludes1', 'Excludes1 (never coded together)'],
  ['excludes2', 'Excludes2 (not included here; both may be coded)'],
  ['codeFirst', 'Code first'],
  ['useAdditionalCode', 'Use additional code'],
  ['codeAlso', 'Code also'],
  ['notes', 'Notes'],
  ['sevenChrNote', '7th character note'],
];

/** A note's codes (`E230`, `O10-O11`) as buttons that open them. */
function noteCodes(codes, sys) {
  const buttons = [];
  for (const raw of codes) {
    const first = raw.split('-')[0];
    let rec = null;
    try {
      rec = mc.get(first, { system: sys });
    } catch {
      /* not a code */
    }
    if (!rec) continue;
    const label = raw.includes('-') ? `${rec.code}–${raw.split('-')[1]}` : rec.code;
    buttons.push(el('button', { type: 'button', class: 'chip', 'data-code': rec.code, 'data-system': sys, title: rec.display }, label));
  }
  return buttons.length ? el('span', { class: 'chips' }, buttons) : null;
}

function notes(rec) {
  if (!rec.notes.length) return null;
  const groups = new Map(NOTE_TITLES.map(([k]) => [k, []]));
  for (const n of rec.notes) {
    if (!groups.has(n.kind)) groups.set(n.kind, []);
    groups.get(n.kind).push(n);
  }
  const titles = new Map(NOTE_TITLES);
  const blocks = [];
  for (const [kind, list] of groups) {
    if (!list.length) continue;
    blocks.push(
      el(
        'div',
        { class: `note-group note-${kind}` },
        el('h4', {}, titles.get(kind) ?? kind),
        el(
          'ul',
          { class: 'notes' },
          list.map((n) =>
            el(
              'li',
              {},
              el('span', { class: 'note-text' }, n.text),
              n.from && n.from !== rec.code ? el('span', { class: 'note-from' }, ` (at ${n.from})`) : null,
              noteCodes(n.codes, rec.system),
            ),
          ),
        ),
      ),
    );
  }
  return section('Notes', 'notes-part', blocks);
}

function dates(rec) {
  const rows = [];
  const dl = (term, ...desc) => rows.push(el('dt', {}, term), el('dd', {}, ...desc));
  if (rec.validity.length) dl('In effect', rec.validity.map(range).join('; '));
  if (rec.billableRanges.length) dl('Billable', rec.billableRanges.map(range).join('; '));
  else if (rec.kind !== 'code') dl('Billable', 'never (a header: pick a code under it)');
  if (rec.approved) dl('Approved', rec.approved);
  if (rec.terminated) dl('Terminated', rec.terminated);
  const conv = (list) =>
    list.flatMap((c, i) => [i ? ', ' : '', el('button', { type: 'button', class: 'chip', 'data-code': c.code, 'data-system': rec.system }, c.code), ` (from ${c.effective})`]);
  if (rec.replacedBy?.length) dl('Converted to', ...conv(rec.replacedBy));
  if (rec.replaces?.length) dl('Converted from', ...conv(rec.replaces));
  if (rec.descriptionSource) dl('Description from', rec.descriptionSource);
  const parts = [el('dl', { class: 'facts' }, rows)];
  if (rec.descriptions?.length) {
    parts.push(
      el('h4', {}, 'Descriptor history'),
      el('ul', { class: 'notes' }, rec.descriptions.map((d) => el('li', {}, `${range(d)}: ${d.description}`))),
    );
  }
  return rows.length || rec.descriptions?.length ? section('Dates and history', 'dates', parts) : null;
}

const SEX_FLAGS = { male: 'Male patients only', female: 'Female patients only' };
const AGE_FLAGS = {
  newborn: 'Newborn age edit (age 0)',
  pediatric: 'Pediatric age edit',
  maternity: 'Maternity age edit',
  adult: 'Adult age edit',
};
const OTHER_FLAGS = {
  unacceptable: 'Unacceptable as principal diagnosis (MCE)',
  manifestation: 'Manifestation code: not first-listed',
  qadm: 'Questionable admission (MCE)',
  telehealth: 'On the Medicare telehealth list',
};

function edits(rec) {
  const sex = [];
  const age = [];
  const other = [];
  for (const f of rec.flags) {
    const when = ` (${range(f)})`;
    if (SEX_FLAGS[f.flag]) sex.push(el('li', { class: 'edit-sex' }, SEX_FLAGS[f.flag], when));
    else if (AGE_FLAGS[f.flag]) age.push(el('li', { class: 'edit-age' }, AGE_FLAGS[f.flag], when));
    else if (f.flag.startsWith('si=')) other.push(el('li', {}, `OPPS status indicator ${f.flag.slice(3)}`, when));
    else other.push(el('li', {}, OTHER_FLAGS[f.flag] ?? f.flag, when));
  }
  if (rec.ageLow !== undefined || rec.ageHigh !== undefined) {
    age.push(el('li', { class: 'edit-age' }, `Patient age ${rec.ageLow ?? 0} to ${rec.ageHigh ?? 'any'}`));
  }
  if (!sex.length && !age.length && !other.length) return null;
  return section(
    'Edits and flags',
    'edits',
    sex.length ? el('div', {}, el('h4', {}, 'Sex'), el('ul', { class: 'notes' }, sex)) : null,
    age.length ? el('div', {}, el('h4', {}, 'Age'), el('ul', { class: 'notes' }, age)) : null,
    other.length ? el('div', {}, el('h4', {}, 'Other flags'), el('ul', { class: 'notes' }, other)) : null,
  );
}

/** The 7th-character builder: pick a character, see and copy or use the complete code. */
function builder(rec, choices) {
  if (!choices?.length) return null;
  const stem = rec.code;
  const output = el('output', { class: 'built', id: 'built-code', 'aria-live': 'polite' });
  const meaning = el('p', { class: 'built-display', id: 'built-display' });
  const copy = el('button', { type: 'button', class: 'button', id: 'built-copy', disabled: true }, 'Copy code');
  const use = el('button', { type: 'button', class: 'button primary', id: 'built-use', disabled: true }, 'Open this code');
  let chosen = null;

  const pick = (s) => {
    chosen = s;
    const middle = s.code.slice(stem.length, -1);
    output.replaceChildren(
      ...[
        el('span', { class: 'stem' }, stem),
        middle ? el('span', { class: 'placeholder', title: 'placeholder X' }, middle) : null,
        el('span', { class: 'seventh' }, s.char),
      ].filter(Boolean),
    );
    let full = null;
    try {
      full = mc.get(s.code, { system: rec.system, date: dateOption() });
    } catch {
      /* shown without a description */
    }
    meaning.textContent = full ? full.display : s.meaning;
    copy.disabled = false;
    use.disabled = false;
  };

  const radios = el(
    'fieldset',
    { class: 'sevenths' },
    el('legend', {}, '7th character'),
    choices.map((s, i) =>
      el(
        'label',
        { class: 'seventh-choice' },
        el('input', { type: 'radio', name: 'seventh', value: s.char, 'data-code': s.code, onchange: () => pick(s) }),
        el('span', { class: 'char' }, s.char),
        el('span', { class: 'meaning' }, s.meaning),
      ),
    ),
  );
  output.append(el('span', { class: 'stem' }, stem), el('span', { class: 'pending' }, ' + pick a 7th character'));

  copy.addEventListener('click', async () => {
    if (!chosen) return;
    try {
      await navigator.clipboard.writeText(chosen.code);
      say(`Copied ${chosen.code} to the clipboard.`);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(output);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      say(`Could not reach the clipboard: ${chosen.code} is selected, press Ctrl+C to copy it.`);
    }
  });
  use.addEventListener('click', () => {
    if (!chosen) return;
    search.setAttribute('value', chosen.code);
    showCode(chosen.code, rec.system, { push: true });
    detail.focus();
  });

  const placeholderHint = choices.some((s) => s.code.length > stem.length + 1)
    ? el('p', { class: 'hint' }, 'The code is shorter than six characters, so placeholder X fills the gap before the 7th character.')
    : null;
  return section(
    '7th-character builder',
    'builder',
    el('p', {}, el('span', { class: 'code' }, stem), ' needs a 7th character to be billable. Pick one below.'),
    el('div', { class: 'built-row' }, el('span', { class: 'label' }, 'Complete code:'), output),
    meaning,
    el('div', { class: 'actions' }, copy, use),
    radios,
    placeholderHint,
  );
}

function showCode(code, sys, { push = false } = {}) {
  let rec;
  let tree;
  let choices;
  const opts = { system: sys || undefined, date: dateOption() };
  try {
    rec = mc.get(code, opts);
    if (rec) {
      opts.system = rec.system;
      tree = mc.tree(rec.code, opts);
      choices = mc.seventh(rec.code, opts);
    }
  } catch (err) {
    say(`Cannot look up ${code}: ${err.message}`);
    return;
  }
  if (!rec) {
    say(`No code set knows ${code}.`);
    return;
  }
  current = { code: rec.code, system: rec.system };
  document.documentElement.dataset.code = rec.code;
  if (push) {
    const url = new URL(location.href);
    url.searchParams.set('code', rec.code);
    url.searchParams.set('system', rec.system);
    history.pushState(current, '', url);
  }
  const status = rec.billable
    ? `Billable on ${rec.date}.`
    : rec.inEffect
      ? rec.requiresSeventhCharacter
        ? `Not billable by itself on ${rec.date}: it needs a 7th character.`
        : `Not billable on ${rec.date}: a header; pick a code under it.`
      : `Not in effect on ${rec.date}.`;
  detail.replaceChildren(
    el(
      'header',
      { class: 'detail-head' },
      el('h2', { id: 'detail-title' }, el('span', { class: 'code' }, rec.code), ' ', el('span', { class: 'display' }, rec.display)),
      el(
        'p',
        { class: 'summary' },
        mark(rec.billable, rec.kind),
        el('span', { class: 'system' }, `${NAMES[rec.system] ?? rec.system} · ${(KINDS[rec.kind] ?? rec.kind).toLowerCase()}`),
        el('span', {}, status),
      ),
      rec.longDescription ? el('p', { class: 'long' }, rec.longDescription) : null,
    ),
    el(
      'div',
      { class: 'cols' },
      el('div', { class: 'col' }, ...[hierarchy(tree, rec.system), notes(rec), dates(rec), edits(rec)].filter(Boolean)),
      el(
        'div',
        { class: 'col' },
        ...[builder(rec, choices), choices?.length ? null : children(tree?.children ?? rec.children, rec.system)].filter(Boolean),
      ),
    ),
  );
  detail.classList.add('filled');
}

detail.addEventListener('click', (e) => {
  const target = e.target.closest('[data-code]');
  if (!target || target.tagName === 'INPUT') return;
  e.preventDefault();
  showCode(target.dataset.code, target.dataset.system, { push: true });
  detail.focus();
});

window.addEventListener('popstate', () => {
  const params = new URLSearchParams(location.search);
  if (params.get('code')) showCode(params.get('code'), params.get('system'), { push: false });
});

function say(text) {
  status.textContent = text;
}

function showSets() {
  try {
    const info = mc.info({ date: dateOption() });
    sets.textContent = info
      .filter((s) => s.system !== 'pos')
      .map((s) => `${NAMES[s.system] ?? s.system}: ${s.billable.toLocaleString('en-US')} billable codes (${s.edition})`)
      .join(' · ');
  } catch {
    sets.textContent = '';
  }
}

// ---------------------------------------------------------------- widget

search.addEventListener('medcode-select', (e) => {
  const { code, system: sys } = e.detail ?? {};
  if (code) showCode(code, sys, { push: true });
});

// The widget fires medcode-select for billable codes only: a click or Enter
// on a header (E11, S72.001) lists the codes under it instead. A coder often
// wants the header itself (its notes, its 7th characters), so the page shows
// its details too, reading the option from the widget's open shadow root.
function headerOption(node) {
  const option = node?.closest?.('[role="option"]');
  return option && option.dataset.billable === 'false' ? option : null;
}
search.addEventListener('click', (e) => {
  const option = headerOption(e.composedPath()[0]?.nodeType === 1 ? e.composedPath()[0] : null);
  if (option && !e.composedPath().some((n) => n.dataset?.action === 'notes')) {
    showCode(option.dataset.code, option.dataset.system, { push: true });
  }
}, { capture: true });
search.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const input = e.composedPath()[0];
  const id = input?.getAttribute?.('aria-activedescendant');
  const option = id ? headerOption(search.shadowRoot?.getElementById(id)) : null;
  if (option) showCode(option.dataset.code, option.dataset.system, { push: true });
}, { capture: true }); // before the widget's own handler moves the active option
// A pack loaded from the header adds CPT to the code sets.
document.addEventListener('medcode-packs-change', syncSystems);
document.addEventListener('medcode-pack-load', syncSystems);

try {
  mc = await load();
  await customElements.whenDefined('medcode-search');
} catch (err) {
  say(`Could not load medcode: ${err.message}`);
  document.documentElement.dataset.state = 'error';
  throw err;
}
syncFilters();
syncSystems();
showSets();
say('Ready. Type in the search box; pick a result to see its details.');
const start = new URLSearchParams(location.search);
if (start.get('code')) showCode(start.get('code'), start.get('system'), { push: false });
document.documentElement.dataset.state = 'ready';
