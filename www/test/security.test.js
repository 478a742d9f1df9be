// The widget and the demo never turn data into markup or code: no innerHTML
// and friends, no eval or Function constructor, no inline event handlers or
// style attributes a strict CSP would block. (The browser tests show the
// effect: a pack whose descriptions hold markup renders it as text, and the
// pages run under `default-src 'self'`.)

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const www = new URL('../', import.meta.url);
const files = [
  ...readdirSync(www).filter((f) => /\.(js|html)$/.test(f)),
  ...readdirSync(new URL('src/', www)).filter((f) => /\.(js|html)$/.test(f)).map((f) => `src/${f}`),
];

const FORBIDDEN = [
  [/\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML\s*\(|document\.write\s*\(/, 'markup from strings'],
  [/(^|[^.\w])eval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['"`]|setInterval\s*\(\s*['"`]/, 'code from strings'],
  [/\son[a-z]+\s*=\s*["']/i, 'an inline event handler'],
  [/<script(?![^>]*\bsrc=)[^>]*>\s*\S/i, 'an inline script'],
  [/\sstyle\s*=\s*["']|<style[\s>]/i, 'an inline style'],
  [/\.style\.[a-z]+\s*=|setAttribute\(\s*['"]style['"]/i, 'a style set from script'],
];

test('shipped JS and HTML build no markup or code from strings', () => {
  assert.ok(files.includes('src/widget.js') && files.includes('claim.js'), files.join(', '));
  const problems = [];
  for (const file of files) {
    const lines = readFileSync(new URL(file, www), 'utf8').split('\n');
    lines.forEach((line, i) => {
      // Comments may name what is forbidden.
      const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/<!--.*?-->/g, '');
      for (const [pattern, what] of FORBIDDEN) {
        if (pattern.test(code)) problems.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(problems, []);
});
