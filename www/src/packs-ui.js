// <medcode-packs>: load .mcpack files (CPT, NCCI PTP, MUE; built with
// `medcode pack build`) from the user's disk into the page's shared medcode
// instance. The files are read in the page (File.stream()) and never leave
// it: nothing is uploaded.
//
//   import { definePacks } from 'medcode/packs-ui';
//   definePacks(); // <medcode-packs>
//   <medcode-packs label="Licensed data packs"></medcode-packs>
//
// Shows a file input (multiple, accept=".mcpack"), a <progress> while a file
// is read and opened, the loaded packs (from mc.packs()) and, as text, any
// error with its code (PACK-CORRUPT, PACK-VERSION, PACK-KIND, PACK-READ).
// Events (bubbling, composed): `medcode-pack-load` {detail: {pack}} per loaded
// pack, `medcode-pack-error` {detail: {name, code, message}}, and
// `medcode-packs-change` {detail: {packs}} after each batch. Every
// <medcode-search> on the page searches the loaded CPT codes with
// system="cpt" (or with no system).
//
// `loadPackFiles(files, {onProgress})` is the same without the element.

import { load } from './index.js';

const STYLESHEET = new URL('./widget.css', import.meta.url).href;
const KINDS = { cpt: 'CPT codes', 'ncci-ptp': 'NCCI PTP edits', mue: 'MUE values' };
let serial = 0;
/** HTMLElement, or a stand-in where there is no DOM (importing this module in Node or SSR must not throw). */
const Base = globalThis.HTMLElement ?? class {};

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) node.append(c);
  return node;
}

/**
 * Loads File/Blob objects as packs one after the other. Resolves to
 * `{loaded: PackInfo[], errors: [{name, code, message}]}`; never rejects for a
 * bad file. `onProgress({file, index, count, phase, loaded, total})`.
 * @param {Iterable<Blob>} files
 * @param {{onProgress?: (p: object) => void}} [options]
 */
export async function loadPackFiles(files, { onProgress } = {}) {
  const mc = await load();
  const list = [...files];
  const loaded = [];
  const errors = [];
  for (const [index, file] of list.entries()) {
    const name = typeof file.name === 'string' && file.name ? file.name : `pack ${index + 1}`;
    try {
      const pack = await mc.loadPack(file, {
        name,
        onProgress: (p) => onProgress?.({ ...p, file, index, count: list.length }),
      });
      loaded.push(pack);
    } catch (err) {
      errors.push({ name, code: err?.code ?? 'ERROR', message: err?.message ?? String(err) });
    }
  }
  return { loaded, errors };
}

function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The pack loader element; see the comment at the top of packs-ui.js. */
export class MedcodePacksElement extends Base {
  #root;
  #file;
  #progress;
  #status;
  #errors;
  #list;
  #label;
  #built = false;
  #busy = false;
  /** @type {import('./index.js').MedCode | null} */
  #mc = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
  }

  connectedCallback() {
    if (!this.#built) this.#build();
    load().then(
      (mc) => {
        this.#mc = mc;
        this.#renderPacks();
      },
      (err) => this.#showErrors([{ name: 'medcode', code: err?.code ?? 'ERROR', message: err?.message ?? String(err) }]),
    );
  }

  static observedAttributes = ['label'];

  attributeChangedCallback() {
    if (this.#built) this.#label.firstChild.textContent = this.getAttribute('label') || 'Load data packs (.mcpack)';
  }

  /** Loads files as the file input does (for drag and drop from the page). */
  async loadFiles(files) {
    const list = [...files];
    if (!list.length || this.#busy) return { loaded: [], errors: [] };
    this.#mc ??= await load();
    this.#busy = true;
    this.#file.disabled = true;
    this.#showErrors([]);
    this.#progress.hidden = false;
    this.#progress.removeAttribute('value');
    this.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await loadPackFiles(list, {
        onProgress: (p) => {
          const share = 1 / p.count;
          let done = p.index * share;
          if (p.phase === 'read' && p.total) done += (p.loaded / p.total) * share * 0.9;
          else if (p.phase === 'open') done += share * 0.9;
          else if (p.phase === 'done') done += share;
          this.#progress.max = 1;
          this.#progress.value = Math.min(1, done);
          const what = p.phase === 'read' ? `Reading ${p.file.name ?? 'pack'}: ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}` : p.phase === 'open' ? `Opening ${p.file.name ?? 'pack'}…` : `Loaded ${p.file.name ?? 'pack'}.`;
          this.#status.textContent = what;
        },
      });
    } finally {
      this.#busy = false;
      this.#file.disabled = false;
      this.#progress.hidden = true;
      this.removeAttribute('aria-busy');
    }
    for (const pack of result.loaded) {
      this.dispatchEvent(new CustomEvent('medcode-pack-load', { bubbles: true, composed: true, detail: { pack } }));
    }
    for (const error of result.errors) {
      this.dispatchEvent(new CustomEvent('medcode-pack-error', { bubbles: true, composed: true, detail: { ...error } }));
    }
    this.#showErrors(result.errors);
    const n = result.loaded.length;
    this.#status.textContent =
      `${n} pack${n === 1 ? '' : 's'} loaded` + (result.errors.length ? `, ${result.errors.length} refused.` : '.');
    const packs = this.#renderPacks();
    this.dispatchEvent(new CustomEvent('medcode-packs-change', { bubbles: true, composed: true, detail: { packs } }));
    return result;
  }

  #build() {
    this.#built = true;
    const id = `medcode-packs-${++serial}`;
    this.#file = h('input', { type: 'file', part: 'file', id: `${id}-file`, multiple: true, accept: '.mcpack' });
    this.#label = h('label', { part: 'label', for: `${id}-file` }, this.getAttribute('label') || 'Load data packs (.mcpack)');
    this.#progress = h('progress', { part: 'progress', hidden: true, 'aria-label': 'Loading packs' });
    this.#status = h('p', { part: 'status', class: 'packs-status', role: 'status', 'aria-live': 'polite' }, 'Packs stay on this device: files are read in the page, never uploaded.');
    this.#errors = h('div', { part: 'errors', role: 'alert' });
    this.#list = h('ul', { part: 'list', 'aria-label': 'Loaded packs' });
    const base = h('div', { part: 'base', class: 'packs' }, this.#label, this.#file, this.#progress, this.#status, this.#errors, this.#list);
    this.#root.replaceChildren(h('link', { rel: 'stylesheet', href: STYLESHEET }), base);
    this.#file.addEventListener('change', () => {
      const files = [...(this.#file.files ?? [])];
      this.loadFiles(files).finally(() => {
        this.#file.value = '';
      });
    });
  }

  #showErrors(errors) {
    this.#errors.replaceChildren(
      ...errors.map((e) => h('p', { part: 'error', class: 'error', 'data-code': e.code }, `${e.name}: ${e.message} (${e.code})`)),
    );
  }

  /** Lists mc.packs() and returns them. */
  #renderPacks() {
    const packs = this.#mc ? this.#mc.packs() : [];
    this.#list.replaceChildren(
      ...packs.map((p) =>
        h(
          'li',
          { part: 'pack', 'data-kind': p.kind, 'data-name': p.name },
          h('strong', {}, p.name),
          `: ${KINDS[p.kind] ?? p.kind}, ${p.edition}; ${p.codes.toLocaleString('en-US')} codes, ${p.entries.toLocaleString('en-US')} entries, valid ${p.validFrom} to ${p.validTo === '9999-12-31' ? 'now' : p.validTo} (${formatBytes(p.bytes)})`,
        ),
      ),
    );
    this.#list.hidden = packs.length === 0;
    return packs;
  }
}

export function definePacks(name = 'medcode-packs') {
  const existing = customElements.get(name);
  if (existing) return existing;
  customElements.define(name, class extends MedcodePacksElement {});
  return customElements.get(name);
}

export default MedcodePacksElement;
