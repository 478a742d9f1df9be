// The widget test page: registers the elements (twice, once through a second
// URL of the same script, as a page that includes two copies would) and
// records every widget event on window.__events for the tests.

import { define } from '../../src/widget.js';
import { definePacks } from '../../src/packs-ui.js';
import { load } from '../../src/index.js';

// Records the widget's warmUp() calls (options and report) on window.__warmUps.
window.__warmUps = [];
load().then((mc) => {
  const warmUp = mc.warmUp;
  mc.warmUp = (...args) => {
    const call = { options: JSON.parse(JSON.stringify(args[0] ?? null)), report: null };
    window.__warmUps.push(call);
    return warmUp.apply(mc, args).then((report) => {
      call.report = report;
      return report;
    });
  };
});

window.__events = [];
for (const type of ['medcode-select', 'medcode-change', 'medcode-ready', 'medcode-results', 'medcode-pack-load', 'medcode-pack-error']) {
  document.addEventListener(type, (e) => {
    window.__events.push({ type, target: e.target.id, detail: e.detail ? JSON.parse(JSON.stringify(e.detail)) : null });
  });
}
document.getElementById('claim').addEventListener('submit', (e) => {
  e.preventDefault();
  window.__submitted = [...new FormData(e.target, e.submitter)].map(([k, v]) => [k, String(v)]);
});

define();
// A second copy of the script (another URL, so another module instance)
// registering the same name must not throw.
const copy = await import('../../src/widget.js?copy=2');
copy.define();
definePacks();
document.documentElement.dataset.page = 'ready';
