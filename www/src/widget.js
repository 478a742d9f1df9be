// <medcode-search>: an embeddable, form-associated code picker.
//
//   <script type="module">
//     import { define } from 'medcode/widget';
//     define(); // registers <medcode-search> (safe to call twice)
//   </script>
//   <form>
//     <medcode-search name="dx" multiple system="icd10cm" label="Diagnoses"></medcode-search>
//   </form>
//
// A WAI-ARIA 1.2 combobox (an <input role="combobox"> controlling a
// role="listbox" popup) in a shadow root. Every widget on a page shares the
// one module instance of `load()`. All text from the code sets, packs and the
// query is put in the DOM as text (never parsed as HTML), and the element
// needs no inline script or style: it works under
//   default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
// Styles come from widget.css (a <link> in the shadow root); theme it with the
// --medcode-* custom properties and ::part() (see widget.css).
//
// Keys in the input: Down/Up move the active option (Down opens the list),
// Home/End first/last option, PageDown/PageUp ten at a time, Enter chooses
// the active option (on a header: lists the codes under it), Right on a
// header lists its codes and Left hides them, Alt+Down shows the notes of
// the active code and Alt+Up hides them, Escape closes the notes, then the
// list, then clears the text, Tab closes the list and moves on, Backspace in
// an empty input removes the last chosen code.

import { load } from './index.js';

const STYLESHEET = new URL('./widget.css', import.meta.url).href;
const DEFAULT_LABEL = 'Search medical codes';
const DEFAULT_LIMIT = 20;
const PAGE = 10;
/** At most this many codes are listed under an expanded header. */
const EXPANSION_LIMIT = 100;
const NAMES = { icd10cm: 'ICD-10-CM', hcpcs: 'HCPCS', icd10pcs: 'ICD-10-PCS', pos: 'Place of service', cpt: 'CPT' };
const NOTE_TITLES = {
  excludes1: 'Excludes1',
  excludes2: 'Excludes2',
  codeFirst: 'Code first',
  useAdditionalCode: 'Use additional code',
  codeAlso: 'Code also',
  includes: 'Includes',
  inclusionTerm: 'Inclusion terms',
  notes: 'Notes',
  sevenChrNote: '7th character note',
};
const NOTE_ORDER = ['excludes1', 'excludes2', 'codeFirst', 'useAdditionalCode', 'codeAlso', 'sevenChrNote', 'includes', 'inclusionTerm', 'notes'];

let serial = 0;
/** HTMLElement, or a stand-in where there is no DOM (importing this module in Node or SSR must not throw). */
const Base = globalThis.HTMLElement ?? class {};

/** `h('span', {part: 'code'}, 'text', child)`: an element; strings become text nodes, never markup. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c); // append() of a string makes a Text node
  }
  return node;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The words of a query worth highlighting, longest first. */
function queryWords(query) {
  const words = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/**
 * `text` as nodes, with each word of the text that starts with one of
 * `words` wrapped (that prefix only) in <mark part="mark">. DOM APIs only.
 */
function highlight(text, words) {
  if (!words.length) return [text];
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join('|')})`, 'giu');
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('mark', { part: 'mark' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The code with the part the query typed (dots ignored) marked. */
function highlightCode(code, query) {
  const typed = query.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
  if (!typed) return [code];
  let matched = 0;
  let end = 0;
  for (; end < code.length && matched < typed.length; end++) {
    const c = code[end].toLowerCase();
    if (c === '.') continue;
    if (c !== typed[matched]) return [code];
    matched++;
  }
  if (matched < typed.length) return [code];
  return [h('mark', { part: 'mark' }, code.slice(0, end)), code.slice(end)].filter((n) => n !== '');
}

/** The public shape of a chosen or listed code. */
function entry(r) {
  return { system: r.system, code: r.code, display: r.display, billable: Boolean(r.billable) };
}

function splitCodes(value) {
  return String(value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Searches build the module's search structures on first use (the word
 * index: tens of milliseconds, paid by the first query that checks words on
 * codes' own words), and the browser optimizes the search code only once it
 * has run for a while: do both while the page is idle instead, once per page
 * (`warmUp()` builds the structures, then types its queries, all in slices
 * of a few milliseconds; with the first widget's options), so the coder's
 * first keystrokes are as quick as the rest and no task holds the page long.
 */
const prepared = new WeakSet();
function prepareWhenIdle(mc, options) {
  if (prepared.has(mc) || typeof mc.warmUp !== 'function') return;
  prepared.add(mc);
  // Only an optimisation: a failure changes nothing but speed (the searches
  // that need the structures build them anyway).
  const run = () => mc.warmUp(options).catch(() => {});
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 2000 });
  else setTimeout(run, 50);
}

/** The embeddable code search: see the comment at the top of widget.js and README.md. */
export class MedcodeSearchElement extends Base {
  static formAssociated = true;
  static observedAttributes = [
    'system',
    'limit',
    'date',
    'billable-only',
    'placeholder',
    'multiple',
    'value',
    'name',
    'disabled',
    'label',
    'aria-label',
    'required',
  ];

  #internals;
  #id = `medcode-${++serial}`;
  /** @type {import('./index.js').MedCode | null} */
  #mc = null;
  #ready;
  #built = false;
  #loadError = null;

  // Shadow DOM parts.
  #root;
  #label;
  #chips;
  #input;
  #listbox;
  #status;
  #hint;
  #details;

  /** Flat list, in DOM order, of the listed options: {system, code, display, billable, depth, parent, el}. */
  #items = [];
  #active = -1;
  #query = '';
  /** Codes (system:code) of headers whose codes are listed under them. */
  #expanded = new Set();
  /** @type {Array<{system: string, code: string, display: string, billable: boolean}>} */
  #selected = [];
  #pendingValue = null;
  #disabled = false;
  #composing = false;
  #frame = 0;
  #inputStart = 0;
  #detailsFor = null;

  /** Milliseconds from the (first coalesced) input event to the rendered list, for the last search. */
  lastRenderMs = NaN;
  /** Milliseconds the last search itself took. */
  lastSearchMs = NaN;

  constructor() {
    super();
    this.#internals = this.attachInternals();
    this.#root = this.attachShadow({ mode: 'open', delegatesFocus: true });
  }

  // ----- attributes and properties -------------------------------------

  get system() {
    return this.getAttribute('system') ?? '';
  }
  set system(v) {
    this.#reflect('system', v);
  }
  get limit() {
    const n = Number.parseInt(this.getAttribute('limit') ?? '', 10);
    return Number.isInteger(n) && n >= 1 ? Math.min(n, 500) : DEFAULT_LIMIT;
  }
  set limit(v) {
    this.#reflect('limit', v);
  }
  get date() {
    return this.getAttribute('date') ?? '';
  }
  set date(v) {
    this.#reflect('date', v);
  }
  get billableOnly() {
    return this.hasAttribute('billable-only');
  }
  set billableOnly(v) {
    this.toggleAttribute('billable-only', Boolean(v));
  }
  get placeholder() {
    return this.getAttribute('placeholder') ?? '';
  }
  set placeholder(v) {
    this.#reflect('placeholder', v);
  }
  get multiple() {
    return this.hasAttribute('multiple');
  }
  set multiple(v) {
    this.toggleAttribute('multiple', Boolean(v));
  }
  get name() {
    return this.getAttribute('name') ?? '';
  }
  set name(v) {
    this.#reflect('name', v);
  }
  get disabled() {
    return this.hasAttribute('disabled');
  }
  set disabled(v) {
    this.toggleAttribute('disabled', Boolean(v));
  }
  get label() {
    return this.getAttribute('label') ?? '';
  }
  set label(v) {
    this.#reflect('label', v);
  }

  /** The chosen code (with `multiple`: the chosen codes, comma-separated). */
  get value() {
    if (this.#pendingValue !== null) {
      const codes = splitCodes(this.#pendingValue);
      return (this.multiple ? codes : codes.slice(0, 1)).join(',');
    }
    return this.#selected.map((s) => s.code).join(',');
  }
  /** Codes separated by commas or spaces; unknown codes are dropped once the module is loaded. */
  set value(v) {
    this.#setValue(v === null || v === undefined ? '' : String(v), false);
  }

  /** The chosen codes (a copy). */
  get selected() {
    return this.#selected.map((s) => ({ ...s }));
  }

  /** Resolves to the shared `MedCode` instance once the module is loaded. */
  get ready() {
    this.#ready ??= load().then((mc) => mc);
    return this.#ready;
  }

  get form() {
    return this.#internals.form;
  }
  get type() {
    return this.localName;
  }
  get validity() {
    return this.#internals.validity;
  }
  get validationMessage() {
    return this.#internals.validationMessage;
  }
  get willValidate() {
    return this.#internals.willValidate;
  }
  checkValidity() {
    return this.#internals.checkValidity();
  }
  reportValidity() {
    return this.#internals.reportValidity();
  }

  #reflect(name, v) {
    if (v === null || v === undefined || v === false) this.removeAttribute(name);
    else this.setAttribute(name, String(v));
  }

  // ----- lifecycle -------------------------------------------------------

  connectedCallback() {
    if (!this.#built) this.#build();
    this.#syncLabel();
    if (this.#pendingValue === null && this.#selected.length === 0 && this.hasAttribute('value')) {
      this.#pendingValue = this.getAttribute('value');
    }
    if (!this.#mc) {
      this.dataset.state = 'loading';
      this.ready.then(
        (mc) => {
          if (this.#mc) return;
          this.#mc = mc;
          this.dataset.state = 'ready';
          this.#input.removeAttribute('aria-busy');
          if (this.#pendingValue !== null) this.#setValue(this.#pendingValue, false, true);
          else this.#updateForm();
          if (this.#input.value.trim() && this.matches(':focus-within')) this.#schedule(performance.now());
          this.dispatchEvent(new CustomEvent('medcode-ready', { bubbles: true, composed: true }));
          prepareWhenIdle(mc, this.#searchOptions());
        },
        (err) => {
          this.#loadError = err;
          this.#ready = undefined; // a later connect tries again
          this.dataset.state = 'error';
          this.#announce(`Could not load the code sets: ${err?.message ?? err}`);
          this.dispatchEvent(new CustomEvent('medcode-error', { bubbles: true, composed: true, detail: { error: err } }));
        },
      );
    }
  }

  disconnectedCallback() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#close();
  }

  attributeChangedCallback(name, old, value) {
    if (!this.#built || old === value) return;
    switch (name) {
      case 'placeholder':
        this.#setInputAttr('placeholder', value);
        break;
      case 'label':
      case 'aria-label':
        this.#syncLabel();
        break;
      case 'disabled':
        // The browser also calls formDisabledCallback (for fieldsets too).
        this.#setDisabled(value !== null || this.matches(':disabled'));
        break;
      case 'multiple':
        if (value === null && this.#selected.length > 1) this.#commit(this.#selected.slice(-1));
        this.#renderChips();
        break;
      case 'value':
        this.#setValue(value ?? '', false);
        break;
      case 'name':
      case 'required':
        this.#updateForm();
        break;
      default:
        // system, limit, date, billable-only: search again if a list shows.
        if (!this.#listbox.hidden) this.#schedule(performance.now());
    }
  }

  formResetCallback() {
    this.#input.value = '';
    this.#close();
    this.#setValue(this.getAttribute('value') ?? '', true);
  }

  formDisabledCallback(disabled) {
    this.#setDisabled(disabled);
  }

  formStateRestoreCallback(state) {
    if (typeof state === 'string') this.#setValue(state, false);
  }

  // ----- building --------------------------------------------------------

  #build() {
    this.#built = true;
    const id = this.#id;
    const link = h('link', { rel: 'stylesheet', href: STYLESHEET });
    this.#label = h('label', { part: 'label', id: `${id}-label`, hidden: true });
    this.#chips = h('ul', { part: 'chips', class: 'chips', 'aria-label': 'Chosen codes', hidden: true });
    this.#input = h('input', {
      part: 'input',
      id: `${id}-input`,
      type: 'text',
      role: 'combobox',
      'aria-expanded': 'false',
      'aria-controls': `${id}-listbox`,
      'aria-autocomplete': 'list',
      'aria-describedby': `${id}-hint`,
      'aria-busy': 'true',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      enterkeyhint: 'search',
    });
    if (this.placeholder) this.#input.placeholder = this.placeholder;
    this.#listbox = h('div', { part: 'listbox', id: `${id}-listbox`, role: 'listbox', class: 'listbox', hidden: true });
    this.#hint = h(
      'span',
      { id: `${id}-hint`, hidden: true },
      'Type a code or words. Down arrow goes to the results; Enter chooses; Right arrow on a header lists its codes; Alt+Down arrow shows the notes of a code.',
    );
    this.#status = h('div', { part: 'status', class: 'status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    // Focusable (not in the tab order) so a click in the notes keeps them open.
    this.#details = h('section', { part: 'details', class: 'details', id: `${id}-details`, 'aria-live': 'polite', tabindex: '-1', hidden: true });
    const field = h('div', { part: 'field', class: 'field' }, this.#chips, this.#input);
    const popup = h('div', { part: 'popup', class: 'popup' }, this.#listbox, this.#details);
    const box = h('div', { part: 'base', class: 'base' }, this.#label, field, popup, this.#status, this.#hint);
    this.#root.replaceChildren(link, box);

    this.#input.addEventListener('input', (e) => this.#onInput(e));
    this.#input.addEventListener('keydown', (e) => this.#onKeyDown(e));
    this.#input.addEventListener('compositionstart', () => {
      this.#composing = true;
    });
    this.#input.addEventListener('compositionend', () => {
      this.#composing = false;
      this.#schedule(performance.now());
    });
    // Clicks in the list must not take the focus from the input.
    this.#listbox.addEventListener('mousedown', (e) => e.preventDefault());
    this.#listbox.addEventListener('click', (e) => this.#onListClick(e));
    this.#chips.addEventListener('click', (e) => this.#onChipClick(e));
    this.#chips.addEventListener('keydown', (e) => this.#onChipKey(e));
    // Focus goes back to the input before the panel empties: browsers now
    // fire blur and focusout when the focused element is removed (Chromium
    // 148 does), and focusout with nowhere to go would close everything.
    this.#details.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.#input.focus();
        this.#hideDetails();
      }
    });
    this.#details.addEventListener('click', (e) => {
      if (e.target.closest?.('[data-action="close-details"]')) {
        this.#input.focus();
        this.#hideDetails();
      }
    });
    this.#root.addEventListener('focusout', (e) => {
      const to = e.relatedTarget;
      if (!to || !this.#root.contains(to)) {
        this.#close();
        this.#hideDetails();
      }
    });
    this.#setDisabled(this.disabled || this.matches(':disabled'));
  }

  #setInputAttr(name, value) {
    if (value === null || value === undefined) this.#input.removeAttribute(name);
    else this.#input.setAttribute(name, value);
  }

  #syncLabel() {
    const label = this.getAttribute('label');
    if (label) {
      this.#label.textContent = label;
      this.#label.hidden = false;
      this.#label.htmlFor = this.#input.id;
      this.#input.removeAttribute('aria-label');
    } else {
      this.#label.textContent = '';
      this.#label.hidden = true;
      this.#label.removeAttribute('for');
      this.#input.setAttribute('aria-label', this.getAttribute('aria-label') || DEFAULT_LABEL);
    }
    this.#listbox.setAttribute('aria-label', `${label || this.getAttribute('aria-label') || DEFAULT_LABEL}: results`);
  }

  #setDisabled(disabled) {
    this.#disabled = disabled;
    if (!this.#built) return;
    this.#input.disabled = disabled;
    for (const b of this.#chips.querySelectorAll('button')) b.disabled = disabled;
    if (disabled) {
      this.#close();
      this.#hideDetails();
    }
  }

  // ----- searching -------------------------------------------------------

  #onInput(e) {
    // Mid-composition (IME) text is not a query yet: compositionend searches.
    if (this.#composing || e.isComposing) return;
    this.#schedule(e.timeStamp > 0 ? e.timeStamp : performance.now());
  }

  /** Searches on the next animation frame; keystrokes in between are coalesced. */
  #schedule(startedAt) {
    if (!this.#inputStart) this.#inputStart = startedAt;
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const start = this.#inputStart;
      this.#inputStart = 0;
      this.#search(start);
    });
  }

  #searchOptions() {
    return {
      system: this.system || undefined,
      date: this.date || undefined,
      billableOnly: this.billableOnly,
      limit: this.limit,
    };
  }

  #search(start) {
    if (!this.#mc || this.#disabled || this.#composing) return;
    const query = this.#input.value.trim();
    this.#hideDetails();
    this.#expanded.clear();
    if (!query) {
      this.#query = '';
      this.#items = [];
      this.#listbox.replaceChildren();
      this.#close();
      this.#announce('');
      return;
    }
    let found;
    const t0 = performance.now();
    try {
      found = this.#mc.search(query, this.#searchOptions()).results;
    } catch (err) {
      this.#items = [];
      this.#listbox.replaceChildren();
      this.#close();
      this.#announce(`Cannot search: ${err.message}${err.code ? ` (${err.code})` : ''}`);
      return;
    }
    const t1 = performance.now();
    this.lastSearchMs = t1 - t0;
    this.#query = query;
    this.#items = found.map((r) => ({ ...entry(r), depth: 0, parent: null }));
    this.#active = -1;
    this.#renderList();
    const n = found.length;
    if (n) this.#open();
    else this.#close();
    const end = performance.now();
    this.lastRenderMs = end - (start || t0);
    this.setAttribute('data-render-ms', this.lastRenderMs.toFixed(1));
    try {
      performance.measure('medcode-search', { start: start || t0, end, detail: { query, results: n } });
    } catch {
      // Older engines without measure options.
    }
    this.#announce(
      n === 0 ? `No codes match ${query}.` : `${n === this.limit ? `First ${n}` : n} result${n === 1 ? '' : 's'}. Down arrow to choose.`,
    );
    this.dispatchEvent(
      new CustomEvent('medcode-results', {
        bubbles: true,
        composed: true,
        detail: { query, count: n, renderMs: this.lastRenderMs, searchMs: this.lastSearchMs },
      }),
    );
  }

  // ----- the list --------------------------------------------------------

  #optionId(i) {
    return `${this.#id}-opt-${i}`;
  }

  #renderList() {
    const words = queryWords(this.#query);
    const chosen = new Set(this.#selected.map((s) => `${s.system}:${s.code}`));
    const nodes = [];
    let group = null;
    this.#items.forEach((item, i) => {
      const key = `${item.system}:${item.code}`;
      const isHeader = !item.billable;
      const expanded = this.#expanded.has(key);
      const opt = h(
        'div',
        {
          part: `option ${item.billable ? 'billable' : 'header'}${item.depth ? ' child' : ''}${chosen.has(key) ? ' chosen' : ''}`,
          role: 'option',
          id: this.#optionId(i),
          class: `option${item.depth ? ' child' : ''}`,
          'aria-selected': i === this.#active ? 'true' : 'false',
          'data-index': i,
          'data-code': item.code,
          'data-system': item.system,
          'data-billable': item.billable ? 'true' : 'false',
          'data-expanded': isHeader ? (expanded ? 'true' : 'false') : null,
        },
        h('span', { part: 'code', class: 'code' }, ...highlightCode(item.code, this.#query)),
        ' ',
        h('span', { part: 'description', class: 'description' }, ...highlight(item.display, words)),
        ' ',
        h(
          'span',
          { part: `badge ${item.billable ? 'badge-billable' : 'badge-header'}`, class: `badge ${item.billable ? 'billable' : 'header'}` },
          item.billable ? 'billable' : 'header',
        ),
        this.#selectedHas(item) ? h('span', { part: 'check', class: 'check' }, ' chosen') : null,
        isHeader
          ? h(
              'span',
              {
                part: 'expand',
                class: 'action expand',
                'data-action': 'expand',
                'aria-hidden': 'true',
                title: expanded ? `Hide the codes under ${item.code}` : `List the codes under ${item.code}`,
              },
              expanded ? '▾' : '▸',
            )
          : null,
        h(
          'span',
          { part: 'info', class: 'action info', 'data-action': 'notes', 'aria-hidden': 'true', title: `Notes for ${item.code}` },
          'i',
        ),
      );
      item.el = opt;
      if (item.depth === 0) {
        group = null;
        nodes.push(opt);
      } else {
        if (!group || group.dataset.parent !== item.parent) {
          group = h('div', { role: 'group', part: 'group', class: 'group', 'data-parent': item.parent, 'aria-label': `Codes under ${item.parent}` });
          nodes.push(group);
        }
        group.append(opt);
      }
    });
    this.#listbox.replaceChildren(...nodes);
    this.#setActive(this.#active, false);
  }

  #selectedHas(item) {
    return this.#selected.some((s) => s.system === item.system && s.code === item.code);
  }

  #open() {
    if (!this.#items.length || this.#disabled) return;
    this.#listbox.hidden = false;
    this.#input.setAttribute('aria-expanded', 'true');
    this.toggleAttribute('open', true);
  }

  #close() {
    if (!this.#built) return;
    this.#listbox.hidden = true;
    this.#input.setAttribute('aria-expanded', 'false');
    this.#input.removeAttribute('aria-activedescendant');
    this.removeAttribute('open');
    if (this.#items[this.#active]?.el) this.#items[this.#active].el.setAttribute('aria-selected', 'false');
    this.#active = -1;
  }

  get #isOpen() {
    return !this.#listbox.hidden;
  }

  #setActive(i, scroll = true) {
    const prev = this.#items[this.#active];
    if (prev?.el) {
      prev.el.setAttribute('aria-selected', 'false');
      prev.el.classList.remove('active');
    }
    this.#active = i >= 0 && i < this.#items.length ? i : -1;
    const item = this.#items[this.#active];
    if (!item) {
      this.#input.removeAttribute('aria-activedescendant');
      return;
    }
    item.el.setAttribute('aria-selected', 'true');
    item.el.classList.add('active');
    this.#input.setAttribute('aria-activedescendant', item.el.id);
    if (scroll) item.el.scrollIntoView({ block: 'nearest' });
    if (this.#detailsFor && this.#detailsFor !== item) this.#showDetails(item);
  }

  #move(delta) {
    const n = this.#items.length;
    if (!n) return;
    let i = this.#active;
    if (i < 0) i = delta > 0 ? 0 : n - 1;
    else i = Math.max(0, Math.min(n - 1, i + delta));
    this.#setActive(i);
  }

  #onKeyDown(e) {
    // Keys confirm IME candidates during composition: leave them alone.
    if (e.isComposing || this.#composing || e.keyCode === 229) return;
    if (this.#disabled) return;
    const open = this.#isOpen;
    const active = this.#active >= 0 && open;
    switch (e.key) {
      case 'ArrowDown':
        if (e.altKey) {
          if (!open) this.#open();
          else if (active) this.#showDetails(this.#items[this.#active]);
          e.preventDefault();
          return;
        }
        e.preventDefault();
        if (!open) {
          if (this.#items.length) this.#open();
          else if (this.#input.value.trim()) this.#schedule(performance.now());
          return;
        }
        this.#move(1);
        return;
      case 'ArrowUp':
        if (e.altKey) {
          if (this.#detailsFor) this.#hideDetails();
          else this.#close();
          e.preventDefault();
          return;
        }
        e.preventDefault();
        if (!open) {
          if (this.#items.length) {
            this.#open();
            this.#setActive(this.#items.length - 1);
          }
          return;
        }
        this.#move(-1);
        return;
      case 'Home':
      case 'End':
        if (!active) return; // the caret moves in the text
        e.preventDefault();
        this.#setActive(e.key === 'Home' ? 0 : this.#items.length - 1);
        return;
      case 'PageDown':
      case 'PageUp':
        if (!open) return;
        e.preventDefault();
        this.#move(e.key === 'PageDown' ? PAGE : -PAGE);
        return;
      case 'ArrowRight':
        if (!active) return;
        {
          const item = this.#items[this.#active];
          if (!item.billable && !this.#expanded.has(`${item.system}:${item.code}`)) {
            e.preventDefault();
            this.#toggleExpansion(this.#active);
          }
        }
        return;
      case 'ArrowLeft':
        if (!active) return;
        {
          const item = this.#items[this.#active];
          const headerIndex = item.depth ? this.#items.findIndex((x) => x.depth === 0 && x.code === item.parent) : this.#active;
          const header = this.#items[headerIndex];
          if (header && this.#expanded.has(`${header.system}:${header.code}`)) {
            e.preventDefault();
            this.#toggleExpansion(headerIndex);
          }
        }
        return;
      case 'Enter':
        if (active) {
          e.preventDefault();
          this.#activate(this.#active);
        }
        return;
      case 'Escape':
        if (this.#detailsFor) {
          e.preventDefault();
          this.#hideDetails();
        } else if (open) {
          e.preventDefault();
          this.#close();
        } else if (this.#input.value) {
          e.preventDefault();
          this.#input.value = '';
          this.#items = [];
          this.#listbox.replaceChildren();
          this.#announce('');
        }
        return;
      case 'Tab':
        // Close and let the focus move on.
        this.#close();
        this.#hideDetails();
        return;
      case 'Backspace':
        if (!this.#input.value && this.#selected.length && this.#input.selectionStart === 0) {
          e.preventDefault();
          this.#remove(this.#selected.length - 1, false);
        }
        return;
      default:
    }
  }

  #onListClick(e) {
    const opt = e.target.closest?.('[role="option"]');
    if (!opt || this.#disabled) return;
    const i = Number(opt.dataset.index);
    const action = e.target.closest?.('[data-action]')?.dataset.action;
    this.#setActive(i, false);
    if (action === 'notes') this.#showDetails(this.#items[i]);
    else if (action === 'expand') this.#toggleExpansion(i);
    else this.#activate(i);
    this.#input.focus();
  }

  /** Enter or a click: choose a code; on a header, list (or hide) the codes under it. */
  #activate(i) {
    const item = this.#items[i];
    if (!item) return;
    if (!item.billable) {
      this.#toggleExpansion(i);
      return;
    }
    this.#choose(item);
  }

  /** The billable codes under a header, in code order (at most EXPANSION_LIMIT). */
  #codesUnder(item) {
    const mc = this.#mc;
    const opts = { system: item.system, date: this.date || undefined };
    const out = [];
    let visits = 0;
    const walk = (code, display) => {
      if (out.length >= EXPANSION_LIMIT || ++visits > 2000) return;
      const tree = mc.tree(code, opts);
      const children = tree?.children ?? [];
      if (children.length === 0) {
        // A code that takes a 7th character: its completions.
        for (const s of mc.seventh(code, opts) ?? []) {
          if (out.length >= EXPANSION_LIMIT) return;
          const rec = mc.get(s.code, opts);
          if (rec && !rec.billable) continue;
          out.push({ system: item.system, code: s.code, display: rec?.display ?? `${display}, ${s.meaning}`, billable: true });
        }
        return;
      }
      for (const c of children) {
        if (out.length >= EXPANSION_LIMIT) return;
        if (c.billable) out.push({ system: item.system, code: c.code, display: c.display, billable: true });
        else walk(c.code, c.display);
      }
    };
    walk(item.code, item.display);
    return out;
  }

  #toggleExpansion(i) {
    const item = this.#items[i];
    if (!item || item.billable || !this.#mc) return;
    const key = `${item.system}:${item.code}`;
    if (this.#expanded.has(key)) {
      this.#expanded.delete(key);
      this.#items = this.#items.filter((x) => !(x.depth > 0 && x.parent === item.code));
      this.#renderList();
      this.#setActive(this.#items.indexOf(item));
      this.#announce(`Codes under ${item.code} hidden.`);
      return;
    }
    let codes;
    try {
      codes = this.#codesUnder(item);
    } catch (err) {
      this.#announce(`Cannot list the codes under ${item.code}: ${err.message}`);
      return;
    }
    this.#expanded.add(key);
    const children = codes.map((c) => ({ ...c, depth: 1, parent: item.code }));
    this.#items.splice(i + 1, 0, ...children);
    this.#renderList();
    this.#open();
    this.#setActive(children.length ? i + 1 : i);
    const n = children.length;
    this.#announce(
      n === 0
        ? `No billable codes under ${item.code}.`
        : `${n === EXPANSION_LIMIT ? `First ${n}` : n} billable code${n === 1 ? '' : 's'} under ${item.code}. Left arrow hides them.`,
    );
  }

  // ----- notes -----------------------------------------------------------

  #showDetails(item) {
    if (!item || !this.#mc) return;
    let rec;
    let seventh = [];
    const opts = { system: item.system, date: this.date || undefined };
    try {
      rec = this.#mc.get(item.code, opts);
      if (rec?.requiresSeventhCharacter || rec?.seventhCharacters?.length) seventh = this.#mc.seventh(item.code, opts) ?? [];
    } catch (err) {
      this.#announce(`Cannot look up ${item.code}: ${err.message}`);
      return;
    }
    this.#detailsFor = item;
    const id = `${this.#id}-details-title`;
    const parts = [
      h(
        'div',
        { class: 'details-head' },
        h('h2', { part: 'details-title', id, class: 'details-title' }, h('span', { part: 'code', class: 'code' }, item.code), ' ', item.display),
        h('button', { type: 'button', part: 'details-close', class: 'close', 'data-action': 'close-details', 'aria-label': `Close the notes for ${item.code}` }, '×'),
      ),
    ];
    if (!rec) {
      parts.push(h('p', {}, 'No record for this code.'));
    } else {
      parts.push(
        h(
          'p',
          { class: 'meta' },
          `${NAMES[rec.system] ?? rec.system} ${rec.kind}, ${rec.billable ? 'billable' : 'not billable'} on ${rec.date}`,
          rec.requiresSeventhCharacter ? '; needs a 7th character' : '',
          '.',
        ),
      );
      const byKind = new Map();
      for (const n of rec.notes ?? []) {
        if (!byKind.has(n.kind)) byKind.set(n.kind, []);
        byKind.get(n.kind).push(n);
      }
      const kinds = [...byKind.keys()].sort((a, b) => {
        const ia = NOTE_ORDER.indexOf(a);
        const ib = NOTE_ORDER.indexOf(b);
        return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      });
      for (const kind of kinds) {
        parts.push(
          h(
            'div',
            { part: `note ${kind}`, class: 'note', 'data-kind': kind },
            h('h3', { part: 'note-title' }, NOTE_TITLES[kind] ?? kind),
            h(
              'ul',
              {},
              ...byKind.get(kind).map((n) => h('li', {}, n.text, n.from !== rec.code ? h('span', { class: 'from' }, ` (at ${n.from})`) : null)),
            ),
          ),
        );
      }
      if (seventh.length) {
        parts.push(
          h(
            'div',
            { part: 'note seventh', class: 'note', 'data-kind': 'seventh' },
            h('h3', { part: 'note-title' }, '7th characters'),
            h('ul', {}, ...seventh.map((s) => h('li', {}, h('span', { part: 'code', class: 'code' }, s.code), ' ', s.meaning))),
          ),
        );
      }
      if (!kinds.length && !seventh.length) parts.push(h('p', {}, 'No notes for this code.'));
    }
    this.#details.setAttribute('aria-labelledby', id);
    this.#details.replaceChildren(...parts);
    this.#details.hidden = false;
    this.toggleAttribute('details-open', true);
  }

  #hideDetails() {
    // Hidden already, or hiding: emptying the panel can fire focusout, which
    // hides it again, inside replaceChildren.
    if (!this.#built || this.#details.hidden) return;
    this.#detailsFor = null;
    this.#details.hidden = true;
    this.#details.replaceChildren();
    this.removeAttribute('details-open');
  }

  // ----- choosing --------------------------------------------------------

  #choose(item) {
    const chosen = entry(item);
    let next;
    if (this.multiple) {
      if (this.#selectedHas(chosen)) {
        this.#announce(`${chosen.code} is already chosen.`);
        next = this.#selected;
      } else next = [...this.#selected, chosen];
    } else next = [chosen];
    this.#input.value = '';
    this.#items = [];
    this.#listbox.replaceChildren();
    this.#close();
    this.#hideDetails();
    this.dispatchEvent(new CustomEvent('medcode-select', { bubbles: true, composed: true, detail: { ...chosen } }));
    if (next !== this.#selected) {
      this.#commit(next);
      this.#announce(`${chosen.code} ${chosen.display} chosen.`);
    }
  }

  #remove(index, focusChips) {
    const gone = this.#selected[index];
    if (!gone || this.#disabled) return;
    this.#commit(this.#selected.filter((_, i) => i !== index));
    this.#announce(`${gone.code} removed.`);
    const buttons = this.#chips.querySelectorAll('button');
    // The focus goes to the chip that took its place, else back to the input.
    if (focusChips && index < buttons.length) buttons[index].focus();
    else this.#input.focus();
  }

  /** Sets the chosen codes, updates chips and form value, fires the change events. */
  #commit(next, silent = false) {
    const before = this.#selected.map((s) => `${s.system}:${s.code}`).join(' ');
    this.#selected = next.map(entry);
    const after = this.#selected.map((s) => `${s.system}:${s.code}`).join(' ');
    this.#renderChips();
    this.#updateForm();
    if (before !== after && !silent) {
      this.dispatchEvent(new CustomEvent('medcode-change', { bubbles: true, composed: true, detail: { selected: this.selected } }));
      this.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }

  /** Parses and looks up codes (once the module is loaded). */
  #setValue(text, fromReset, initial = false) {
    if (!this.#mc) {
      this.#pendingValue = text;
      return;
    }
    this.#pendingValue = null;
    const codes = splitCodes(text);
    const list = this.multiple ? codes : codes.slice(0, 1);
    const next = [];
    const opts = { system: this.system || undefined, date: this.date || undefined };
    for (const code of list) {
      let rec = null;
      try {
        rec = this.#mc.get(code, opts);
      } catch {
        rec = null;
      }
      if (rec && !next.some((s) => s.system === rec.system && s.code === rec.code)) next.push(entry(rec));
    }
    // Programmatic and initial values do not fire change events; a reset does.
    this.#commit(next, !fromReset || initial);
  }

  #renderChips() {
    if (!this.#built) return;
    const chips = this.#selected.map((s, i) =>
      h(
        'li',
        { part: `chip ${s.billable ? 'billable' : 'header'}`, class: 'chip', 'data-code': s.code, 'data-system': s.system },
        h('span', { part: 'chip-code code', class: 'code' }, s.code),
        ' ',
        h('span', { part: 'chip-description', class: 'description' }, s.display),
        h(
          'button',
          {
            type: 'button',
            part: 'chip-remove',
            class: 'remove',
            'data-index': i,
            'aria-label': `Remove ${s.code} ${s.display}`,
            title: `Remove ${s.code}`,
            disabled: this.#disabled,
          },
          '×',
        ),
      ),
    );
    this.#chips.replaceChildren(...chips);
    this.#chips.hidden = chips.length === 0;
  }

  #onChipClick(e) {
    const button = e.target.closest?.('button[data-index]');
    if (button) this.#remove(Number(button.dataset.index), e.detail === 0);
  }

  #onChipKey(e) {
    const button = e.target.closest?.('button[data-index]');
    if (!button) return;
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      this.#remove(Number(button.dataset.index), true);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const buttons = [...this.#chips.querySelectorAll('button')];
      const i = buttons.indexOf(button) + (e.key === 'ArrowLeft' ? -1 : 1);
      e.preventDefault();
      if (i >= buttons.length) this.#input.focus();
      else buttons[Math.max(0, i)].focus();
    }
  }

  #updateForm() {
    const name = this.name;
    const codes = this.#selected.map((s) => s.code);
    const state = codes.join(',');
    if (!codes.length) {
      this.#internals.setFormValue(null, state);
    } else if (!name) {
      this.#internals.setFormValue(state, state);
    } else {
      const data = new FormData();
      for (const code of codes) data.append(name, code);
      this.#internals.setFormValue(data, state);
    }
    if (this.hasAttribute('required') && !codes.length) {
      this.#internals.setValidity({ valueMissing: true }, 'Choose a code.', this.#input);
    } else {
      this.#internals.setValidity({});
    }
  }

  #announce(text) {
    if (!this.#built) return;
    this.#status.textContent = text;
  }
}

/**
 * Registers the element (default `<medcode-search>`). Calling it again, or
 * loading a second copy of this script, does not throw.
 * @param {string} [name]
 * @returns {CustomElementConstructor} the registered class
 */
export function define(name = 'medcode-search') {
  const existing = customElements.get(name);
  if (existing) return existing;
  customElements.define(name, class extends MedcodeSearchElement {});
  return customElements.get(name);
}

export default MedcodeSearchElement;
