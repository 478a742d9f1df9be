// medcode: US medical code sets in one WebAssembly module.
//
// A thin facade over the wasm-bindgen glue in ../pkg (built by
// scripts/build-wasm.sh): `load()` instantiates the module once and resolves
// to a `MedCode` whose methods return plain objects in the same JSON shapes
// as the `medcode` CLI. Works in browsers and in Node >= 20.

import init, { Engine, initSync } from '../pkg/medcode.js';


const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';

/** @type {Promise<MedCode> | undefined} */
let instance;

/**
 * Loads the WebAssembly module (once) and opens the embedded code sets.
 *
 * `options.wasm` may be a URL or URL string, a `Response` (or a promise of
 * one, e.g. `fetch(...)`), the module's bytes (`ArrayBuffer`, a typed array,
 * a `DataView`) or a compiled `WebAssembly.Module`. Without it, browsers
 * fetch `medcode_bg.wasm` next to the glue and Node reads that file.
 *
 * The module is instantiated once per JavaScript realm: every later call
 * returns the same promise, whatever its options. If loading fails, the
 * promise rejects and the next call tries again.
 *
 * @param {import('./index.js').LoadOptions} [options]
 * @returns {Promise<MedCode>}
 */
export function load(options = {}) {
  if (instance === undefined) {
    instance = open(options);
    instance.catch(() => {
      instance = undefined;
    });
  }
  return instance;
}

async function open(options) {
  if (options === null || typeof options !== 'object') {
    throw argumentError('load(options): options must be an object');
  }
  const source = await wasmSource(options.wasm);
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    // With the module in hand, instantiate synchronously: Node's async
    // WebAssembly.instantiate spent ~150 ms more waiting on its event loop
    // (bench/RESULTS.md splits the ready time). Browsers refuse to
    // instantiate a module this big synchronously on the main thread;
    // then the asynchronous path runs as before. Node, with no page to
    // keep responsive, compiles synchronously too (~0.6 ms sooner); a page
    // compiles off its main thread.
    const module =
      source instanceof WebAssembly.Module
        ? source
        : isNode
          ? new WebAssembly.Module(source)
          : await WebAssembly.compile(source);
    try {
      initSync({ module });
    } catch {
      await init({ module_or_path: module });
    }
  } else {
    await init({ module_or_path: source });
  }
  return new MedCode(new Engine(), token);
}

/** What to hand the glue's `init`: bytes, a Response, a URL or a Module. */
async function wasmSource(wasm) {
  wasm = await wasm;
  // A compiled module or bytes first: in Node, the first mention of the
  // global `Response` loads its fetch implementation (30-40 ms of ready time).
  if (wasm instanceof WebAssembly.Module || wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return wasm;
  if (wasm === undefined || wasm === null) {
    // The module next to the glue (a literal, so bundlers can see it).
    const url = new URL('../pkg/medcode_bg.wasm', import.meta.url);
    return isNode && url.protocol === 'file:' ? readFileBytes(url) : url;
  }
  if (typeof wasm === 'string' || wasm instanceof URL) {
    if (!isNode) return wasm;
    // Node's fetch cannot read file: URLs; plain strings that are not
    // absolute URLs are file-system paths there.
    if (/^[a-zA-Z]:[\\/]/.test(wasm)) return readFileBytes(wasm); // a Windows path
    let url;
    try {
      url = new URL(wasm);
    } catch {
      return readFileBytes(wasm);
    }
    return url.protocol === 'file:' ? readFileBytes(url) : url;
  }
  if (typeof SharedArrayBuffer === 'function' && wasm instanceof SharedArrayBuffer) return new Uint8Array(wasm);
  if (typeof Response === 'function' && wasm instanceof Response) return wasm;
  throw argumentError(
    'load(options): options.wasm must be a URL, a URL string, a Response, bytes (ArrayBuffer or typed array) or a WebAssembly.Module',
  );
}

async function readFileBytes(pathOrUrl) {
  const { readFile } = await import('node:fs/promises');
  return readFile(pathOrUrl);
}

/** A JS-side misuse error, with a `code` like the errors of the module. */
function argumentError(message) {
  const err = new TypeError(message);
  err.code = 'BAD-ARGUMENT';
  return err;
}

/** An error reading a pack's source (a failed Blob read, an HTTP error status). */
function readError(message, cause) {
  const err = new Error(message, cause === undefined ? undefined : { cause });
  err.code = 'PACK-READ';
  return err;
}

/** Bytes as a Uint8Array over the same memory. */
function bytesView(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a byte stream to one Uint8Array, reporting `{phase: 'read', loaded,
 * total}` after each chunk. `total` (when known) sizes the buffer up front.
 */
async function readStream(stream, total, report) {
  const reader = stream.getReader();
  const known = Number.isSafeInteger(total) && total >= 0;
  let buffer = known ? new Uint8Array(total) : null;
  const chunks = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
      if (buffer && loaded + chunk.length <= buffer.length) buffer.set(chunk, loaded);
      else {
        if (buffer) {
          // More than announced: fall back to collecting chunks.
          chunks.push(buffer.subarray(0, loaded));
          buffer = null;
        }
        chunks.push(chunk);
      }
      loaded += chunk.length;
      report({ phase: 'read', loaded, total: known ? total : undefined });
    }
  } catch (err) {
    throw readError(`loadPack: cannot read the pack: ${err?.message ?? err}`, err);
  } finally {
    reader.releaseLock();
  }
  if (buffer) return loaded === buffer.length ? buffer : buffer.subarray(0, loaded);
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function checkOptions(method, options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw argumentError(`${method}: options must be an object`);
  return options;
}

const utf8 = new TextEncoder();

/**
 * Postings a step of `warmUp()`'s preparation reads: 0.1–0.3 ms of wasm in
 * Node (80 steps for the embedded sets, 12–16 ms in all), so a slice ends
 * close to its `sliceMs`.
 */
const PREPARE_STEP_POSTINGS = 20_000;

/** Resolves after other queued tasks (input, rendering) have had their turn. */
function nextTask() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

// Only load() makes MedCode instances.
const token = Symbol('medcode');

/** The embedded code sets: search, look up, describe. */
export class MedCode {
  #engine;
  /** Whether everything `prepare()` builds is built. */
  #prepared = false;

  /** @internal Use `load()`. */
  constructor(engine, key) {
    if (key !== token) throw new TypeError('MedCode: use load() to get an instance');
    this.#engine = engine;
  }

  /**
   * Typeahead search: codes in any form (dotted, dotless, partial) and
   * words in any order, each word a prefix.
   * @param {string} query
   * @param {import('./index.js').SearchOptions} [options]
   * @returns {import('./index.js').SearchResults}
   */
  search(query, options) {
    if (typeof query !== 'string') throw argumentError('search(query): query must be a string');
    return this.#engine.search(query, checkOptions('search', options));
  }

  /**
   * The full record of a code on a date, or `null` when no code set knows it.
   * @param {string} code
   * @param {import('./index.js').GetOptions} [options]
   * @returns {import('./index.js').CodeRecord | null}
   */
  get(code, options) {
    if (typeof code !== 'string') throw argumentError('get(code): code must be a string');
    return this.#engine.get(code, checkOptions('get', options));
  }

  /**
   * The hierarchy of a code: chapter → … → the code, and its children on the date.
   * @param {string} code
   * @param {import('./index.js').GetOptions} [options]
   * @returns {import('./index.js').Tree | null}
   */
  tree(code, options) {
    if (typeof code !== 'string') throw argumentError('tree(code): code must be a string');
    return this.#engine.tree(code, checkOptions('tree', options));
  }

  /**
   * The complete codes a code's allowed 7th characters make, with their
   * meanings (empty when it takes none), or `null` for an unknown code.
   * @param {string} code
   * @param {import('./index.js').GetOptions} [options]
   * @returns {import('./index.js').SeventhCharacter[] | null}
   */
  seventh(code, options) {
    if (typeof code !== 'string') throw argumentError('seventh(code): code must be a string');
    return this.#engine.seventh(code, checkOptions('seventh', options));
  }

  /**
   * Checks a claim (a medcode claim or a FHIR R4 Claim, as an object or JSON
   * text). Problems come back as findings; only input that is not a claim
   * at all throws (code `NOT-A-CLAIM`).
   * @param {object | string} claim
   * @param {import('./index.js').ScrubOptions} [options]
   * @returns {import('./index.js').ScrubResult}
   */
  scrub(claim, options) {
    const opts = checkOptions('scrub', options);
    // Text crosses into wasm as UTF-8 bytes: TextEncoder copies natively,
    // where the glue would copy a string one character at a time.
    let text = claim;
    if (typeof claim !== 'string') {
      try {
        text = JSON.stringify(claim);
      } catch {
        text = undefined; // the engine reports why (NOT-A-CLAIM)
      }
    }
    if (typeof text === 'string') return this.#engine.scrubUtf8(utf8.encode(text), opts);
    return this.#engine.scrub(claim, opts);
  }

  /**
   * A medcode claim as a FHIR R4 `Claim` resource.
   * @param {object | string} claim
   * @returns {object}
   */
  toFhir(claim) {
    return this.#engine.toFhir(claim);
  }

  /**
   * A FHIR R4 `Claim` resource as a medcode claim.
   * @param {object | string} claim
   * @returns {import('./index.js').Claim}
   */
  fromFhir(claim) {
    return this.#engine.fromFhir(claim);
  }

  /**
   * Loads a pack of licensed data built by `medcode pack build` (CPT codes,
   * NCCI PTP edits, MUE values) into this instance; CPT then searches as
   * `system: "cpt"` and the scrubber uses the edits. A bad pack fails with
   * code `PACK-CORRUPT`, `PACK-VERSION` or `PACK-KIND`; a source that cannot
   * be read with `PACK-READ`.
   *
   * Two forms:
   * - `loadPack(bytes, name?)` with bytes (`ArrayBuffer`, typed array,
   *   `DataView`) and a string name or none: loads at once and returns the
   *   pack info (throws on a bad pack). `await` works on it too.
   * - `loadPack(source, { name, onProgress })`, or any `Blob`/`File`,
   *   `Response` (or a promise of one, e.g. `fetch(url)`): returns a Promise
   *   of the pack info. A Blob is read chunk by chunk through `stream()`, a
   *   Response through its body; `onProgress` gets
   *   `{phase: 'read', loaded, total}` per chunk (`total` is `undefined` when
   *   a Response has no Content-Length), then `{phase: 'open', loaded, total}`
   *   and `{phase: 'done', loaded, total, pack}`. `name` defaults to a File's
   *   name or the last segment of a Response's URL.
   *
   * A source of the wrong type throws a `TypeError` (code `BAD-ARGUMENT`) at
   * once, in both forms.
   * @param {ArrayBuffer | ArrayBufferView | Blob | Response | PromiseLike<Response>} source
   * @param {string | import('./index.js').LoadPackOptions} [nameOrOptions]
   * @returns {import('./index.js').PackInfo | Promise<import('./index.js').PackInfo>}
   */
  loadPack(source, nameOrOptions) {
    const isBytes = source instanceof ArrayBuffer || ArrayBuffer.isView(source);
    const isBlob = typeof Blob === 'function' && source instanceof Blob;
    const isResponse = typeof Response === 'function' && source instanceof Response;
    const isThenable = source !== null && typeof source === 'object' && typeof source.then === 'function';
    if (!isBytes && !isBlob && !isResponse && !isThenable) {
      throw argumentError('loadPack(source): source must be an ArrayBuffer, a typed array, a Blob or File, or a Response');
    }
    if (nameOrOptions === undefined || nameOrOptions === null || typeof nameOrOptions === 'string') {
      // The original synchronous form.
      if (isBytes) return this.#engine.loadPack(bytesView(source), nameOrOptions ?? undefined);
      return this.#loadPackAsync(source, { name: nameOrOptions ?? undefined });
    }
    if (typeof nameOrOptions !== 'object') {
      throw argumentError('loadPack(source, name): the second argument must be a string or an options object');
    }
    const { name, onProgress } = nameOrOptions;
    if (name !== undefined && typeof name !== 'string') throw argumentError('loadPack(source, { name }): name must be a string');
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw argumentError('loadPack(source, { onProgress }): onProgress must be a function');
    }
    return this.#loadPackAsync(source, { name, onProgress });
  }

  async #loadPackAsync(source, { name, onProgress }) {
    const report = (event) => {
      if (onProgress) onProgress(event);
    };
    source = await source;
    let bytes;
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      bytes = bytesView(source);
      report({ phase: 'read', loaded: bytes.length, total: bytes.length });
    } else if (typeof Blob === 'function' && source instanceof Blob) {
      if (name === undefined && typeof source.name === 'string' && source.name) name = source.name;
      bytes = await readStream(source.stream(), source.size, report);
    } else if (typeof Response === 'function' && source instanceof Response) {
      if (!source.ok) throw readError(`loadPack: the response is HTTP ${source.status}${source.url ? ` for ${source.url}` : ''}`);
      if (name === undefined && source.url) {
        try {
          name = decodeURIComponent(new URL(source.url).pathname.split('/').pop() || '') || undefined;
        } catch {
          name = undefined;
        }
      }
      const length = Number.parseInt(source.headers.get('content-length') ?? '', 10);
      const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
      if (source.body) bytes = await readStream(source.body, total, report);
      else {
        bytes = new Uint8Array(await source.arrayBuffer());
        report({ phase: 'read', loaded: bytes.length, total: bytes.length });
      }
    } else {
      throw argumentError('loadPack(source): the promise must resolve to a Response, a Blob or bytes');
    }
    const sizes = { loaded: bytes.length, total: bytes.length };
    report({ phase: 'open', ...sizes });
    // Let the page paint the progress before the (synchronous) open.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const pack = this.#engine.loadPack(bytes, name);
    report({ phase: 'done', ...sizes, pack });
    return pack;
  }

  /**
   * The loaded packs, in load order.
   * @returns {import('./index.js').PackInfo[]}
   */
  packs() {
    return this.#engine.packs();
  }

  /**
   * Builds the search structures otherwise made by the first searches that
   * need them, so no keystroke waits for them: one task of tens of
   * milliseconds (`warmUp()` does the same in short slices). Calling it
   * again costs nothing.
   */
  prepare() {
    this.#engine.prepare();
    this.#prepared = true;
  }

  /**
   * Builds what `prepare()` builds, in steps of a bounded size, then types
   * a few dozen queries drawn from the code sets (codes with and without
   * their dot, words in and out of order, abbreviations, a misspelt word),
   * keystroke by keystroke; both in slices of a few milliseconds with other
   * tasks run between them, so no task holds the page for long (`prepare()`
   * is one task of tens of milliseconds). Browsers run new wasm with a
   * baseline compiler and optimize a function only once it has run for a
   * while; this way that happens before a person types (without it, the
   * benchmark's first pass over its keystrokes has a p99 two to three times
   * the second's). Call it when the page is idle after `load()`, with the
   * options the page searches with; the widget does. `rounds: 0` only
   * prepares. Searches made meanwhile work as usual: one that needs what is
   * not built yet finishes building it.
   * @param {import('./index.js').SearchOptions} [options]
   * @param {import('./index.js').WarmUpControl} [control]
   * @returns {Promise<import('./index.js').WarmUpReport>}
   */
  async warmUp(options, control) {
    const opts = checkOptions('warmUp', options);
    const { rounds = 6, sliceMs = 4, signal } = checkOptions('warmUp', control);
    if (!Number.isInteger(rounds) || rounds < 0 || rounds > 100) {
      throw argumentError('warmUp: control.rounds must be a whole number from 0 to 100');
    }
    if (typeof sliceMs !== 'number' || !(sliceMs > 0)) throw argumentError('warmUp: control.sliceMs must be a positive number');
    const started = performance.now();
    const keystrokes = this.#engine
      .warmUpQueries(opts)
      .flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));
    const search = { ...opts, limit: opts.limit ?? 10 };
    this.#engine.search('', search); // a bad option rejects now, whatever the rounds
    const report = { searches: 0, busyMs: 0, prepareSteps: 0, prepareMs: 0, longestSliceMs: 0 };
    const done = (aborted) => ({ ...report, ms: performance.now() - started, aborted });
    /** Runs `step` over and over for one slice, after other tasks; false once aborted. */
    const slice = async (step) => {
      await nextTask();
      if (signal?.aborted) return false;
      const start = performance.now();
      while (step() && performance.now() - start < sliceMs);
      const ms = performance.now() - start;
      report.busyMs += ms;
      report.longestSliceMs = Math.max(report.longestSliceMs, ms);
      return true;
    };
    const prepareStep = () => {
      report.prepareSteps++;
      this.#prepared = this.#engine.prepareStep(PREPARE_STEP_POSTINGS);
      return !this.#prepared;
    };
    while (!this.#prepared) {
      const busy = report.busyMs;
      const going = await slice(prepareStep);
      report.prepareMs += report.busyMs - busy;
      if (!going) return done(true);
    }
    for (let round = 0; round < rounds; round++) {
      let i = 0;
      const typeOne = () => {
        this.#engine.search(keystrokes[i++], search);
        report.searches++;
        return i < keystrokes.length;
      };
      while (i < keystrokes.length) if (!(await slice(typeOne))) return done(true);
    }
    return done(false);
  }

  /**
   * One entry per embedded code set: edition, source, counts on the date.
   * @param {import('./index.js').InfoOptions} [options]
   * @returns {import('./index.js').SetInfo[]}
   */
  info(options) {
    return this.#engine.info(checkOptions('info', options));
  }
}

export default load;
