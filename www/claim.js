// The claim page: a CMS-1500-shaped form over the medcode claim JSON
// (/work/shared/CLAIMS.md), scrubbed as you type. Every field carries the
// JSON pointer of its value (`data-path`), so a finding's `path` lands on
// its field; suggested codes fix the claim in one click.
//
// The claim object below is the single source of truth: fields write into
// it, and it is what is scrubbed and exported. Runs under a strict
// Content-Security-Policy: no inline script or style, DOM built with
// createElement/textContent only.

import { load } from './src/index.js';
import { define } from './src/widget.js';
import { definePacks } from './src/packs-ui.js';

define(); // registers <medcode-search> (a no-op when already registered)
definePacks(); // <medcode-packs> in the header

const $ = (id) => document.getElementById(id);
const form = $('claim');
const dxList = $('diagnoses');
const lineList = $('lines');
const summaryText = $('summary-text');
const summaryList = $('summary-list');
const ioStatus = $('io-status');
const sampleSelect = $('sample');
const exportFormat = $('export-format');
const exportLink = $('export');

const LETTERS = 'ABCDEFGHIJKL';
const DX_SLOTS = 12;
const MOD_SLOTS = 4;
const PTR_SLOTS = 4;
const MAX_LINES = 50;
const SUGGESTIONS_SHOWN = 6;
const SEVERITY = { error: 'Error', warning: 'Warning', info: 'Info' };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

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

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

let mc;
/** The claim being edited, in medcode JSON. */
let claim = blankClaim();
/** A new blank claim shows hints instead of findings until the first edit. */
let pristine = true;
let lastFindings = [];
let frame = 0;
let exportUrl = null;
/** Place-of-service code → name, for the datalist and the hint. */
const posNames = new Map();

function blankClaim() {
  return {
    patient: {},
    billingProvider: {},
    placeOfService: '11',
    diagnoses: [],
    lines: [blankLine(today())],
  };
}

function blankLine(date) {
  return { code: '', modifiers: [], units: 1, serviceDate: date, diagnosisPointers: [1] };
}

// ------------------------------------------------------------ JSON pointers

function parsePointer(path) {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(obj, keys) {
  let v = obj;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}

/** Sets (or with `undefined`, deletes) the value at `keys`, making objects on the way. */
function setAt(obj, keys, value) {
  let v = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    if (v[k] === null || typeof v[k] !== 'object') v[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    v = v[k];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) {
    if (Array.isArray(v) && /^\d+$/.test(last)) v.splice(Number(last), 1);
    else delete v[last];
  } else {
    v[last] = value;
  }
}

const asText = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

// ------------------------------------------------------------ scrubbing

function schedule() {
  pristine = false;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    scrub();
  });
}

function scrub() {
  if (!mc) return;
  let result;
  try {
    result = mc.scrub(claim);
  } catch (err) {
    showFindings([], `This is not a claim medcode can read: ${err.message}`);
    return;
  }
  showFindings(result.findings);
}

// ------------------------------------------------------------ the form

/** The top fields: element id, JSON pointer, and whether an empty value removes the field. */
const TOP_FIELDS = [
  ['patient-name', '/patient/name'],
  ['patient-birthDate', '/patient/birthDate'],
  ['patient-sex', '/patient/sex'],
  ['billing-npi', '/billingProvider/npi'],
  ['rendering-npi', '/renderingProvider/npi'],
  ['claim-pos', '/placeOfService'],
  ['claim-id', '/id'],
];

/** A date field shows a date picker, or plain text when the value is not a YYYY-MM-DD date. */
function setDateValue(input, value) {
  const text = asText(value);
  input.type = text === '' || ISO_DATE.test(text) ? 'date' : 'text';
  if (input.type === 'text') input.placeholder = 'YYYY-MM-DD';
  input.value = text;
}

function setSelectValue(select, value) {
  const text = asText(value);
  for (const o of select.querySelectorAll('option[data-extra]')) o.remove();
  if (![...select.options].some((o) => o.value === text)) {
    select.append(el('option', { value: text, 'data-extra': true }, `${text} (as imported)`));
  }
  select.value = text;
}

function fillTop() {
  for (const [id, path] of TOP_FIELDS) {
    const input = $(id);
    const value = getAt(claim, parsePointer(path));
    if (input.tagName === 'SELECT') setSelectValue(input, value);
    else if (input.id === 'patient-birthDate') setDateValue(input, value);
    else input.value = asText(value);
  }
  showPosName();
}

function bindTop() {
  for (const [id, path] of TOP_FIELDS) {
    const input = $(id);
    const keys = parsePointer(path);
    input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
      const value = input.value.trim();
      setAt(claim, keys, value === '' ? undefined : value);
      // An empty rendering NPI means no rendering provider at all.
      if (keys[0] === 'renderingProvider' && value === '' && Object.keys(claim.renderingProvider ?? {}).length === 0) {
        delete claim.renderingProvider;
      }
      if (id === 'claim-pos') showPosName();
      schedule();
    });
  }
}

function showPosName() {
  const code = $('claim-pos').value.trim();
  $('claim-pos-name').textContent = posNames.get(code.padStart(2, '0')) ?? '';
}

/** A code box (exact value, free text) paired with a <medcode-search> to find one by words. */
function codeField({ id, label, system, value, path, onChange }) {
  const input = el('input', {
    id,
    class: 'code-input',
    'data-path': path,
    'data-label': label,
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    maxlength: 12,
  });
  input.value = asText(value);
  const widget = el('medcode-search', {
    system,
    limit: 15,
    'aria-label': `${label}: search by code or words`,
    placeholder: 'search by words…',
    'data-for': id,
  });
  const date = widgetDate();
  if (date) widget.setAttribute('date', date);
  widget.value = input.value; // unknown codes are simply not shown as chosen
  input.addEventListener('input', () => {
    widget.value = input.value.trim();
    onChange(input.value.trim());
  });
  widget.addEventListener('medcode-change', (e) => {
    const code = e.detail?.selected?.[0]?.code ?? '';
    if (code === input.value.trim()) return;
    // Removing the chosen code of an unknown typed value leaves the text alone.
    if (!code && !widget.value && input.value.trim() && !isKnown(input.value.trim(), system)) return;
    input.value = code;
    onChange(code);
  });
  return { input, widget };
}

function isKnown(code, system) {
  try {
    return Boolean(mc?.get(code, { system }));
  } catch {
    return false;
  }
}

/** The date the pickers judge "billable" by: the first line's service date. */
function widgetDate() {
  const d = claim.lines?.[0]?.serviceDate;
  return typeof d === 'string' && ISO_DATE.test(d) ? d : '';
}

function syncWidgetDates() {
  const date = widgetDate();
  for (const w of form.querySelectorAll('medcode-search')) {
    if (date) w.setAttribute('date', date);
    else w.removeAttribute('date');
  }
}

function renderDiagnoses() {
  const codes = Array.isArray(claim.diagnoses) ? claim.diagnoses : [];
  const slots = Math.max(DX_SLOTS, codes.length);
  const rows = [];
  for (let i = 0; i < slots; i++) {
    const letter = LETTERS[i] ?? String(i + 1);
    const label = `Diagnosis ${letter}`;
    const { input, widget } = codeField({
      id: `dx-${i}`,
      label,
      system: 'icd10cm',
      value: codes[i],
      path: `/diagnoses/${i}`,
      onChange: () => {
        readDiagnoses();
        schedule();
      },
    });
    rows.push(
      el(
        'li',
        { class: 'dx', 'data-index': i },
        el('label', { class: 'dx-letter', for: input.id }, el('span', { 'aria-hidden': 'true' }, letter), el('span', { class: 'visually-hidden' }, `${label} code`)),
        input,
        widget,
        el('div', { class: 'msgs' }),
      ),
    );
  }
  dxList.replaceChildren(...rows);
}

/** claim.diagnoses from the boxes: up to the last filled one, gaps kept (as ""), so letters stay put. */
function readDiagnoses() {
  const values = [...dxList.querySelectorAll('.code-input')].map((i) => i.value.trim());
  let n = values.length;
  while (n > 0 && values[n - 1] === '') n--;
  claim.diagnoses = values.slice(0, n);
}

function pointerText(p) {
  if (typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 12) return LETTERS[p - 1];
  return asText(p);
}

function parsePointerValue(text) {
  if (/^[A-La-l]$/.test(text)) return LETTERS.indexOf(text.toUpperCase()) + 1;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

function renderLines() {
  if (!Array.isArray(claim.lines)) claim.lines = [];
  lineList.replaceChildren(...claim.lines.map((line, i) => lineRow(line, i)));
  $('add-line').disabled = claim.lines.length >= MAX_LINES;
}

function lineRow(line, i) {
  const n = i + 1;
  const base = `/lines/${i}`;
  const id = (f) => `line-${i}-${f}`;
  const obj = line !== null && typeof line === 'object' ? line : {};
  const update = (key, value) => {
    if (claim.lines[i] === null || typeof claim.lines[i] !== 'object') claim.lines[i] = {};
    if (value === undefined) delete claim.lines[i][key];
    else claim.lines[i][key] = value;
    if (i === 0 && key === 'serviceDate') syncWidgetDates();
    schedule();
  };

  const field = (key, label, input, cls = '') => {
    input.id = id(key);
    input.dataset.path = `${base}/${key}`;
    input.dataset.label = `Line ${n} ${label.toLowerCase()}`;
    return el('div', { class: `field ${cls}` }, el('label', { for: input.id }, label), input);
  };

  const dateInput = (key) => {
    const input = el('input', { type: 'date' });
    setDateValue(input, obj[key]);
    input.addEventListener('input', () => update(key, input.value.trim() || undefined));
    return input;
  };

  const from = field('serviceDate', 'From', dateInput('serviceDate'), 'date');
  const to = field('serviceDateTo', 'To (optional)', dateInput('serviceDateTo'), 'date');

  const pos = el('input', { list: 'pos-list', inputmode: 'numeric', maxlength: 4, placeholder: 'as claim' });
  pos.value = asText(obj.placeOfService);
  pos.addEventListener('input', () => update('placeOfService', pos.value.trim() || undefined));
  const posField = field('placeOfService', 'POS (optional)', pos, 'pos');

  const { input: codeInput, widget } = codeField({
    id: id('code'),
    label: `Line ${n} procedure code`,
    system: 'hcpcs',
    value: obj.code,
    path: `${base}/code`,
    onChange: (v) => update('code', v),
  });
  const codeBox = el(
    'div',
    { class: 'field proc' },
    el('label', { for: codeInput.id }, 'Procedure code (HCPCS or CPT format)'),
    el('div', { class: 'code-pair' }, codeInput, widget),
  );

  // Modifiers and pointers: four boxes each; empty boxes are left out of the
  // claim, so each filled box gets the pointer of its place in the array.
  const list = (key, count, label, show, parse, inputAttrs) => {
    const values = Array.isArray(obj[key]) ? obj[key] : [];
    const inputs = [];
    for (let k = 0; k < Math.max(count, values.length); k++) {
      const input = el('input', { class: 'mini', id: id(`${key}-${k}`), 'aria-label': `Line ${n} ${label} ${k + 1}`, ...inputAttrs });
      input.value = show(values[k]);
      inputs.push(input);
    }
    const group = el(
      'div',
      { class: 'field group', role: 'group', 'aria-labelledby': id(`${key}-label`), 'data-path': `${base}/${key}`, 'data-label': `Line ${n} ${label}s` },
      el('span', { class: 'label', id: id(`${key}-label`) }, `${label[0].toUpperCase()}${label.slice(1)}s`),
      el('div', { class: 'minis' }, inputs),
    );
    const reindex = () => {
      let k = 0;
      for (const input of inputs) {
        if (input.value.trim() === '') {
          delete input.dataset.path;
          input.dataset.label = `Line ${n} ${label}`;
        } else {
          input.dataset.path = `${base}/${key}/${k}`;
          input.dataset.label = `Line ${n} ${label} ${k + 1}`;
          k++;
        }
      }
    };
    for (const input of inputs) {
      input.addEventListener('input', () => {
        update(
          key,
          inputs.map((x) => x.value.trim()).filter((v) => v !== '').map(parse),
        );
        reindex();
      });
    }
    reindex();
    return group;
  };
  const modifiers = list('modifiers', MOD_SLOTS, 'modifier', asText, (v) => v, { maxlength: 2, autocapitalize: 'characters', spellcheck: 'false' });
  const pointers = list('diagnosisPointers', PTR_SLOTS, 'diagnosis pointer', pointerText, parsePointerValue, { maxlength: 2, autocapitalize: 'characters' });
  pointers.querySelector('.label').textContent = 'Diagnosis pointers (A–L)';

  const numberField = (key, label, attrs) => {
    const input = el('input', { type: 'number', ...attrs });
    input.value = typeof obj[key] === 'number' ? String(obj[key]) : asText(obj[key]);
    input.addEventListener('input', () => {
      const v = input.value.trim();
      update(key, v === '' ? undefined : Number(v));
    });
    return field(key, label, input, 'num');
  };
  const charge = numberField('charge', 'Charge ($)', { step: '0.01', min: '0', inputmode: 'decimal' });
  const units = numberField('units', 'Units', { step: '1', min: '0', inputmode: 'numeric' });

  const remove = el('button', { type: 'button', class: 'button remove', 'aria-label': `Remove line ${n}` }, 'Remove');
  remove.addEventListener('click', () => {
    claim.lines.splice(i, 1);
    renderLines();
    syncWidgetDates();
    schedule();
    (lineList.querySelector('.line:last-child input') ?? $('add-line')).focus();
  });

  return el(
    'li',
    { class: 'line' },
    el(
      'fieldset',
      { 'data-path': base, 'data-label': `Line ${n}` },
      el('legend', {}, `Line ${n}`),
      el('div', { class: 'line-grid' }, from, to, posField, codeBox, modifiers, pointers, charge, units, el('div', { class: 'field end' }, remove)),
      el('ul', { class: 'msgs line-msgs' }),
    ),
  );
}

function renderForm() {
  fillTop();
  renderDiagnoses();
  renderLines();
}

$('add-line').addEventListener('click', () => {
  const last = claim.lines[claim.lines.length - 1];
  const date = typeof last?.serviceDate === 'string' ? last.serviceDate : today();
  claim.lines.push(blankLine(date));
  renderLines();
  schedule();
  $(`line-${claim.lines.length - 1}-code`)?.focus();
});

// ------------------------------------------------------------ findings

/** The field (or the closest container) for a JSON pointer. */
function targetFor(path) {
  let p = path;
  for (;;) {
    const found = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (found) return found;
    if (p === '') return form;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** Where a finding's message goes: under its field, or in the list of its line or box. */
function messagesFor(target) {
  const line = target.closest('.line');
  if (line) return line.querySelector('.line-msgs');
  const own = target.querySelector(':scope > .msgs');
  if (own) return own;
  const holder = target.closest('.field, .dx');
  return holder?.querySelector(':scope > .msgs') ?? form.querySelector('.claim-msgs');
}

function isControl(node) {
  return node.matches('input, select, textarea');
}

/** The element that gets the focus for a finding: the field, or the first field of its container. */
function focusTarget(target) {
  if (isControl(target)) return target;
  return target.querySelector('input, select, textarea') ?? target;
}

function labelOf(target) {
  return target.dataset.label ?? (target === form ? 'Claim' : target.closest('[data-label]')?.dataset.label ?? 'Claim');
}

const DX_ACTIONS = {
  'DX-CODE-FIRST': 'before',
  'DX-USE-ADDITIONAL': 'add',
  'DX-EXTERNAL-CAUSE-FIRST': 'first',
  'DX-MANIFESTATION-FIRST': 'first',
};

/** What clicking a suggestion does, and the button's text. */
function fixFor(finding, code) {
  const keys = parsePointer(finding.path);
  const isDx = keys[0] === 'diagnoses' && keys.length === 2;
  const mode = isDx ? DX_ACTIONS[finding.edit] ?? 'replace' : 'replace';
  const onClaim = (claim.diagnoses ?? []).findIndex((d) => canonical(d) === canonical(code));
  if (mode === 'before') return onClaim >= 0 ? { mode: 'move', text: `Move ${code} before it`, from: onClaim } : { mode: 'insert', text: `Insert ${code} before it` };
  if (mode === 'first') return onClaim >= 0 ? { mode: 'move-first', text: `List ${code} first`, from: onClaim } : { mode: 'insert-first', text: `Add ${code} first` };
  if (mode === 'add') return { mode: 'add', text: `Add ${code}` };
  return { mode: 'replace', text: `Use ${code}` };
}

const canonical = (code) => asText(code).replace(/\./g, '').toUpperCase();

/**
 * Reorders the diagnoses: `order` lists, for each new position, the old
 * index (a number) or a new code (a string). Pointers follow their diagnosis.
 */
function reorderDiagnoses(order) {
  const old = claim.diagnoses ?? [];
  const where = new Map();
  order.forEach((o, i) => {
    if (typeof o === 'number') where.set(o, i);
  });
  claim.diagnoses = order.map((o) => (typeof o === 'number' ? old[o] : o));
  for (const line of claim.lines ?? []) {
    if (!Array.isArray(line?.diagnosisPointers)) continue;
    line.diagnosisPointers = line.diagnosisPointers.map((p) => {
      const n = typeof p === 'number' ? p : /^[A-La-l]$/.test(asText(p)) ? LETTERS.indexOf(asText(p).toUpperCase()) + 1 : NaN;
      if (!Number.isInteger(n) || !where.has(n - 1)) return p;
      return where.get(n - 1) + 1;
    });
  }
}

function applyFix(finding, code) {
  const fix = fixFor(finding, code);
  const keys = parsePointer(finding.path);
  const at = Number(keys[1]);
  const dx = claim.diagnoses ?? [];
  const indices = dx.map((_, i) => i);
  let focusPath = finding.path;
  let said;
  switch (fix.mode) {
    case 'move': {
      const order = indices.filter((i) => i !== fix.from);
      order.splice(order.indexOf(at), 0, fix.from);
      reorderDiagnoses(order);
      focusPath = `/diagnoses/${order.indexOf(fix.from)}`;
      said = `Moved ${code} before ${dx[at]}; line pointers follow.`;
      break;
    }
    case 'insert': {
      const order = [...indices];
      order.splice(at, 0, code);
      reorderDiagnoses(order);
      focusPath = `/diagnoses/${at}`;
      said = `Inserted ${code} before ${dx[at]}; line pointers follow.`;
      break;
    }
    case 'move-first': {
      reorderDiagnoses([fix.from, ...indices.filter((i) => i !== fix.from)]);
      focusPath = '/diagnoses/0';
      said = `Listed ${code} first; line pointers follow.`;
      break;
    }
    case 'insert-first': {
      reorderDiagnoses([code, ...indices]);
      focusPath = '/diagnoses/0';
      said = `Added ${code} first; line pointers follow.`;
      break;
    }
    case 'add': {
      const free = dx.findIndex((d) => asText(d).trim() === '');
      const slot = free >= 0 ? free : dx.length;
      claim.diagnoses = [...dx];
      claim.diagnoses[slot] = code;
      focusPath = `/diagnoses/${slot}`;
      said = `Added ${code} as diagnosis ${LETTERS[slot] ?? slot + 1}; point a line to it.`;
      break;
    }
    default: {
      const before = getAt(claim, keys);
      setAt(claim, keys, code);
      said = `Replaced ${asText(before) || 'the empty value'} with ${code}.`;
    }
  }
  renderForm();
  pristine = false;
  scrub();
  say(said);
  focusTarget(targetFor(focusPath)).focus();
}

function clearFindings() {
  for (const list of form.querySelectorAll('.msgs')) list.replaceChildren();
  for (const node of form.querySelectorAll('[data-severity]')) {
    node.removeAttribute('data-severity');
    node.removeAttribute('aria-invalid');
    const keep = (node.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && !x.startsWith('finding-'));
    if (keep.length) node.setAttribute('aria-describedby', keep.join(' '));
    else node.removeAttribute('aria-describedby');
  }
}

const RANK = { error: 3, warning: 2, info: 1 };

function suggestionButtons(finding) {
  if (!finding.suggestions?.length) return null;
  const button = (code) => {
    const fix = fixFor(finding, code);
    let title;
    try {
      title = mc.get(code)?.display;
    } catch {
      /* no description */
    }
    return el(
      'button',
      { type: 'button', class: 'fix', 'data-code': code, 'data-mode': fix.mode, title, onclick: () => applyFix(finding, code) },
      fix.text,
    );
  };
  const shown = finding.suggestions.slice(0, SUGGESTIONS_SHOWN).map(button);
  const rest = finding.suggestions.slice(SUGGESTIONS_SHOWN);
  return el(
    'div',
    { class: 'fixes' },
    el('span', { class: 'fixes-label' }, 'Fix:'),
    shown,
    rest.length ? el('details', { class: 'more' }, el('summary', {}, `${rest.length} more`), rest.map(button)) : null,
  );
}

function showFindings(findings, problem = '') {
  lastFindings = findings;
  clearFindings();
  document.documentElement.dataset.findings = String(findings.length);
  if (pristine && !problem) {
    summaryText.textContent = 'A blank claim: load a sample or fill in the form. Findings show up here, and next to each field, as you type.';
    summaryText.className = 'summary-text empty';
    summaryList.replaceChildren();
    return;
  }
  const counts = { error: 0, warning: 0, info: 0 };
  const items = [];
  findings.forEach((f, n) => {
    counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const id = `finding-${n}`;
    const target = targetFor(f.path);
    const label = labelOf(target);
    const focus = focusTarget(target);
    const holder = messagesFor(target);
    // The field name is said unless the message sits right under its own field.
    const inLine = !(isControl(target) && holder.parentElement === target.closest('.field, .dx'));
    holder.append(
      el(
        holder.tagName === 'UL' ? 'li' : 'div',
        { class: `finding sev-${f.severity}`, id, 'data-edit': f.edit, 'data-path': f.path },
        el('span', { class: 'sev' }, SEVERITY[f.severity] ?? f.severity),
        inLine ? el('span', { class: 'where' }, `${label}: `) : null,
        el('span', { class: 'msg' }, f.message),
        el('span', { class: 'edit-id' }, f.edit),
        suggestionButtons(f),
      ),
    );
    // A field gets the severity styling; a container finding (a whole line) marks the container.
    const marked = target === form ? null : target;
    if (marked) {
      const had = marked.getAttribute('data-severity');
      if (!had || RANK[f.severity] > RANK[had]) marked.setAttribute('data-severity', f.severity);
    }
    if (marked && isControl(marked)) {
      if (f.severity === 'error') marked.setAttribute('aria-invalid', 'true');
      const ids = (marked.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
      marked.setAttribute('aria-describedby', [...ids, id].join(' '));
    }
    items.push(
      el(
        'li',
        { class: `sev-${f.severity}`, 'data-edit': f.edit },
        el('span', { class: 'sev' }, SEVERITY[f.severity] ?? f.severity),
        el(
          'a',
          {
            href: `#${focus.id || id}`,
            'data-path': f.path,
            onclick: (e) => {
              e.preventDefault();
              focus.scrollIntoView({ block: 'center' });
              focus.focus({ preventScroll: true });
            },
          },
          label,
        ),
        ': ',
        el('span', { class: 'msg' }, f.message),
      ),
    );
  });
  summaryList.replaceChildren(...items);
  const parts = [];
  if (counts.error) parts.push(`${counts.error} error${counts.error === 1 ? '' : 's'}`);
  if (counts.warning) parts.push(`${counts.warning} warning${counts.warning === 1 ? '' : 's'}`);
  if (counts.info) parts.push(`${counts.info} note${counts.info === 1 ? '' : 's'}`);
  summaryText.className = `summary-text ${problem ? 'problem' : counts.error ? 'has-errors' : counts.warning ? 'has-warnings' : 'clean'}`;
  summaryText.textContent = problem
    ? problem
    : findings.length
      ? `${parts.join(', ')}. Click a field name to go to it; suggested codes fix the claim in one click.`
      : 'No findings: the claim passes every check medcode runs.';
}

function say(text, isError = false) {
  ioStatus.textContent = text;
  ioStatus.classList.toggle('error', isError);
}

// ------------------------------------------------------------ import / export

function patientName(fhir) {
  const ref = asText(fhir?.patient?.reference).replace(/^#/, '');
  const patient = (fhir?.contained ?? []).find((r) => r?.resourceType === 'Patient' && (!ref || r.id === ref));
  const name = patient?.name?.[0];
  if (!name) return undefined;
  return name.text ?? [name.family, ...(name.given ?? [])].filter(Boolean).join(', ');
}

/** Takes a parsed medcode claim or FHIR R4 Claim; returns a description of what was loaded. */
function importClaim(data, source) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error('the JSON is not an object');
  }
  let next;
  let kind;
  if (data.resourceType === 'Claim') {
    next = mc.fromFhir(data);
    const name = patientName(data);
    if (name) next.patient = { ...(next.patient ?? {}), name };
    kind = 'FHIR R4 Claim';
    exportFormat.value = 'fhir';
  } else if (data.resourceType) {
    throw new Error(`a FHIR ${data.resourceType} is not a Claim`);
  } else {
    next = structuredClone(data);
    kind = 'medcode claim';
    exportFormat.value = 'medcode';
  }
  claim = next;
  if (!Array.isArray(claim.lines)) claim.lines = [];
  pristine = false;
  renderForm();
  scrub();
  const n = lastFindings.length;
  say(`Loaded ${source} (${kind}): ${n} finding${n === 1 ? '' : 's'}.`);
}

function importText(text, source) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    say(`Could not read ${source}: not valid JSON (${err.message}).`, true);
    return false;
  }
  try {
    importClaim(data, source);
    return true;
  } catch (err) {
    say(`Could not import ${source}: ${err.message}`, true);
    return false;
  }
}

async function loadSample(url) {
  const option = [...sampleSelect.options].find((o) => o.value === url);
  const name = option ? `the sample “${option.textContent}”` : url;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    importText(await res.text(), name);
  } catch (err) {
    say(`Could not load ${name}: ${err.message}`, true);
  }
}

sampleSelect.addEventListener('change', () => {
  if (sampleSelect.value) loadSample(sampleSelect.value);
});

$('blank').addEventListener('click', () => {
  claim = blankClaim();
  pristine = true;
  sampleSelect.value = '';
  exportFormat.value = 'medcode';
  renderForm();
  scrub();
  say('Started a blank claim.');
  $('patient-birthDate').focus();
});

$('file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  if (importText(await file.text(), `the file ${file.name}`)) sampleSelect.value = '';
  e.target.value = '';
});

$('paste-import').addEventListener('click', () => {
  const text = $('paste').value.trim();
  if (!text) {
    say('Paste a claim (medcode JSON or a FHIR R4 Claim) into the box first.', true);
    $('paste').focus();
    return;
  }
  if (importText(text, 'the pasted JSON')) sampleSelect.value = '';
});

/** The claim as the chosen export format: { text, name }. */
function exported() {
  const base = asText(claim.id).replace(/[^\w.-]+/g, '_') || 'claim';
  if (exportFormat.value === 'fhir') {
    const fhir = mc.toFhir(claim);
    const name = asText(claim.patient?.name).trim();
    const patient = (fhir.contained ?? []).find((r) => r?.resourceType === 'Patient');
    if (name && patient) patient.name = [{ text: name }];
    return { text: `${JSON.stringify(fhir, null, 2)}\n`, name: `${base}.fhir.json`, type: 'application/fhir+json' };
  }
  return { text: `${JSON.stringify(claim, null, 2)}\n`, name: `${base}.json`, type: 'application/json' };
}

/** Points the download link at a fresh Blob URL of the claim. */
function refreshExport() {
  let out;
  try {
    out = exported();
  } catch (err) {
    say(`Cannot export as ${exportFormat.selectedOptions[0].textContent}: ${err.message}`, true);
    return false;
  }
  if (exportUrl) URL.revokeObjectURL(exportUrl);
  exportUrl = URL.createObjectURL(new Blob([out.text], { type: out.type }));
  exportLink.href = exportUrl;
  exportLink.download = out.name;
  return true;
}

exportLink.addEventListener('click', (e) => {
  if (!refreshExport()) e.preventDefault();
  else say(`Downloading ${exportLink.download}.`);
});
exportFormat.addEventListener('change', refreshExport);

// ------------------------------------------------------------ start

function fillPlaces() {
  const options = [];
  for (let n = 1; n <= 99; n++) {
    const code = String(n).padStart(2, '0');
    let rec = null;
    try {
      rec = mc.get(code, { system: 'pos' });
    } catch {
      /* not a place of service */
    }
    if (rec?.system === 'pos') {
      posNames.set(code, rec.display);
      options.push(el('option', { value: code }, rec.display));
    }
  }
  $('pos-list').replaceChildren(...options);
}

// A CPT, NCCI or MUE pack loaded from the header changes what the scrubber checks.
document.addEventListener('medcode-packs-change', () => {
  scrub();
  say('Packs changed: the claim was checked again.');
});

bindTop();
try {
  mc = await load();
  await customElements.whenDefined('medcode-search');
} catch (err) {
  summaryText.textContent = `Could not load medcode: ${err.message}`;
  document.documentElement.dataset.state = 'error';
  throw err;
}
fillPlaces();
renderForm();
const wanted = new URLSearchParams(location.search).get('sample');
const sampleUrl = wanted && /^[\w.-]+$/.test(wanted) ? `samples/${wanted.endsWith('.json') ? wanted : `${wanted}.json`}` : '';
if (sampleUrl && [...sampleSelect.options].some((o) => o.value === sampleUrl)) {
  sampleSelect.value = sampleUrl;
  await loadSample(sampleUrl);
} else {
  scrub();
}
refreshExport();
document.documentElement.dataset.state = 'ready';
