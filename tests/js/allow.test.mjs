// The early paint's allowlists (pkg/src/allow.js) against the Rust
// sanitiser's (src/core/html/sanitize.rs, url.rs, src/core/content.rs): the
// JS tables are read from the Rust sources, so a tag or attribute added on
// one side only fails here; and the issue-24 payloads are refused by the JS
// checks the way the Rust tests refuse them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BY_TAG, GLOBAL, SCHEMES, TAGS, URL_ATTRS, nodeAttr, safeUrl, slotAttr } from '../../pkg/src/allow.js';

const ROOT = new URL('../../', import.meta.url);
const rust = (p) => readFileSync(new URL(p, ROOT), 'utf8');
const sanitize = rust('src/core/html/sanitize.rs');
const url = rust('src/core/html/url.rs');

// The string literals of `const NAME: ... = &[ ... ];` in `src`.
function table(src, name) {
  const start = src.indexOf(`const ${name}:`);
  assert.ok(start >= 0, `${name} found in the Rust source`);
  const body = src.slice(src.indexOf('= &[', start), src.indexOf('];', start));
  return body;
}
const strings = (s) => [...s.matchAll(/"([^"]*)"/g)].map((m) => m[1]);

test('the JS tables are the Rust sanitiser\'s', () => {
  assert.deepEqual([...TAGS].sort(), strings(table(sanitize, 'ALLOWED')).sort());
  assert.deepEqual([...GLOBAL].sort(), strings(table(sanitize, 'GLOBAL_ATTRS')).sort());
  assert.deepEqual([...URL_ATTRS].sort(), strings(table(url, 'URL_ATTRIBUTES')).sort());
  assert.deepEqual([...SCHEMES].sort(), strings(table(url, 'ALLOWED_SCHEMES')).sort());
  const pairs = {};
  for (const m of table(sanitize, 'ELEMENT_ATTRS').matchAll(/\(\s*"([^"]+)",\s*&\[([^\]]*)\]/g)) {
    pairs[m[1]] = strings(m[2]).sort();
  }
  const js = Object.fromEntries(Object.entries(BY_TAG).map(([t, a]) => [t, a.split(' ').sort()]));
  assert.ok(Object.keys(pairs).length > 5, 'ELEMENT_ATTRS parsed');
  assert.deepEqual(js, pairs);
  for (const t of strings(table(sanitize, 'DROPPED'))) assert.ok(!TAGS.includes(t), `${t} is not allowed`);
});

test('URLs are read as a browser reads them: tabs, newlines and controls do not hide a scheme', () => {
  for (const bad of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'java\nscript:alert(1)',
    'java\rscript:x', '\u0001javascript:x', 'jav\u0000ascript:x', 'data:text/html,<script>', 'vbscript:x',
    'blob:https://x/y', 'ja\u0085vascript:x', 'x:y', 42, null]) {
    assert.equal(safeUrl(bad), false, JSON.stringify(bad));
  }
  for (const ok of ['https://example.com/a?b=c#d', 'http://x', '/path', 'path/x:y', '?q=1', '#top',
    '//cdn.example.com/a.png', 'mailto:a@b.c', 'TEL:+1', ' /x ', 'https://x/\ty']) {
    assert.equal(safeUrl(ok), true, JSON.stringify(ok));
  }
});

test('node and slot attributes pass only the sanitiser\'s allowlists', () => {
  assert.equal(nodeAttr('a', 'href', '/ok'), true);
  assert.equal(nodeAttr('a', 'href', 'java\tscript:alert(1)'), false);
  assert.equal(nodeAttr('a', 'target', '_blank'), true);
  assert.equal(nodeAttr('a', 'target', 'x'), false);
  assert.equal(nodeAttr('img', 'src', 'https://x/a.png'), true);
  assert.equal(nodeAttr('img', 'onerror', 'x'), false);
  assert.equal(nodeAttr('div', 'style', 'x'), false);
  assert.equal(nodeAttr('div', 'id', 'x'), false);
  assert.equal(nodeAttr('div', 'href', '/x'), false, 'href only on a');
  assert.equal(nodeAttr('div', 'data-x', '1'), true);
  assert.equal(nodeAttr('div', 'data-X', '1'), false);
  assert.equal(nodeAttr('div', 'aria-label', 'x'), true);
  assert.equal(nodeAttr('td', 'colspan', '2'), true);
  assert.equal(nodeAttr('form', 'action', '/x'), false);
  assert.equal(slotAttr('href', '/cart'), true);
  assert.equal(slotAttr('href', 'java\nscript:x'), false);
  assert.equal(slotAttr('action', 'javascript:x'), false);
  assert.equal(slotAttr('onclick', 'x'), false);
  assert.equal(slotAttr('style', 'x'), false);
  assert.equal(slotAttr('srcdoc', '<script>'), false);
  assert.equal(slotAttr('class', 'x'), false);
  assert.equal(slotAttr('data-attune-done', ''), false);
  assert.equal(slotAttr('Href', '/x'), false);
  assert.equal(slotAttr('alt', 'x'), true);
  assert.equal(slotAttr('alt', 7), false);
});
