// medcode measured inside the page (driven by bench/chromium.mjs).
//   ?mode=bytes   fetch the .wasm, then time load({ wasm: bytes }) + first answer,
//                 then every keystroke prefix of the queries, then the obvious ones
//   ?mode=stream  time load() from the URL (fetch + instantiateStreaming) + first answer
// The result lands in window.__bench.

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'bytes';
const date = params.get('date') ?? new Date().toISOString().slice(0, 10);

async function run() {
  const Q = await (await fetch('/bench/queries.json')).json();
  const { load } = await import('/www/src/index.js');
  const { default: init } = await import('/www/pkg/medcode.js');
  const opts = { system: 'icd10cm', limit: 10, billableOnly: true, date };
  const first = Q.warmup[0].slice(0, 1);
  let t0;
  let t1;
  let mc;
  if (mode === 'stream') {
    t0 = performance.now();
    mc = await load();
  } else {
    const bytes = await (await fetch('/www/pkg/medcode_bg.wasm')).arrayBuffer();
    // The same steps load({ wasm: bytes }) takes, timed one by one.
    t0 = performance.now();
    const module = await WebAssembly.compile(bytes);
    t1 = performance.now();
    mc = await load({ wasm: module });
  }
  const t2 = performance.now();
  mc.search(first, opts);
  const t3 = performance.now();
  const readyMs = t3 - t0;
  const readyParts = t1 === undefined ? null : { compile: t1 - t0, instantiateOpen: t2 - t1, firstAnswer: t3 - t2 };
  const linearBytes = (await init()).memory.buffer.byteLength;
  if (mode === 'stream') return { mode, readyMs, linearBytes, isolated: self.crossOriginIsolated };

  const prefixes = (list) => list.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));
  const search = (q) => mc.search(q, opts).results.map((r) => r.code);
  const warmUp = await mc.warmUp(opts); // as in bench/measure.mjs
  for (const p of prefixes(Q.warmup)) search(p);
  // Every keystroke prefix, each timed alone (µs).
  const timedPass = () =>
    prefixes(Q.queries).map((p) => {
      const t = performance.now();
      search(p);
      return (performance.now() - t) * 1000;
    });
  const times = timedPass();
  const again = timedPass(); // a second pass over the same keystrokes (see bench/measure.mjs)
  const top10 = {};
  for (const { q } of Q.obvious) top10[q] = search(q);
  return {
    mode,
    readyMs,
    readyParts,
    warmUp,
    linearBytes,
    linearBytesAfter: (await init()).memory.buffer.byteLength,
    jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
    isolated: self.crossOriginIsolated,
    times,
    again,
    top10,
  };
}

run().then(
  (r) => {
    window.__bench = r;
    document.getElementById('status').textContent = 'done';
  },
  (e) => {
    window.__bench = { error: String(e?.stack ?? e) };
    document.getElementById('status').textContent = 'failed';
  },
);
