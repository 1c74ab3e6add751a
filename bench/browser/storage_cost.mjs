// Main-thread cost of one outbox-style write in a task of its own: localStorage
// setItem + removeItem against an IndexedDB read-write transaction doing the same
// (put + delete), 300 tasks 2 ms apart per row, CDP `TaskDuration` net of the same
// loop with no write. Values of 4 KB and 20 KB.
//   node bench/browser/storage_cost.mjs [--dir /tmp/attune-peer-bench] [--tasks 300]
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1] ?? 'true']);
  return acc;
}, []));
const DIR = path.resolve(args.dir || '/tmp/attune-peer-bench');
const TASKS = Number(args.tasks || 300);
const { chromium } = createRequire(path.join(DIR, 'package.json'))('playwright-core');

const srv = http.createServer((_, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>storage</title>'); });
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await (await browser.newContext()).newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () =>
    ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration') || {}).value || 0;
  await page.goto(`http://127.0.0.1:${srv.address().port}/`);
  await page.evaluate(async () => {
    window.db = await new Promise((res, rej) => {
      const q = indexedDB.open('storage-cost', 1);
      q.onupgradeneeded = () => q.result.createObjectStore('s');
      q.onsuccess = () => res(q.result);
      q.onerror = () => rej(q.error);
    });
  });
  const row = async (kind, size) => {
    const t0 = await taskSeconds();
    await page.evaluate(async ([kind, size, n]) => {
      const v = 'x'.repeat(size);
      for (let i = 0; i < n; i++) {
        if (kind === 'localStorage') {
          localStorage.setItem('k' + i, v + i);
          localStorage.removeItem('k' + (i - 1));
        } else if (kind === 'IndexedDB') {
          const tx = db.transaction('s', 'readwrite');
          tx.objectStore('s').put(v + i, 'k' + i);
          tx.objectStore('s').delete('k' + (i - 1));
          await new Promise((r) => { tx.oncomplete = r; tx.onerror = r; });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      localStorage.clear();
    }, [kind, size, TASKS]);
    await new Promise((r) => setTimeout(r, 300));
    return ((await taskSeconds()) - t0) * 1e6 / TASKS;
  };
  for (const size of [4000, 20000]) {
    const base = await row('none', size);
    for (const kind of ['localStorage', 'IndexedDB']) {
      const us = await row(kind, size);
      console.log(`${kind} ${size} B: ${(us - base).toFixed(0)} µs main thread per write (empty task ${base.toFixed(0)} µs)`);
    }
  }
} finally {
  await browser.close();
  srv.close();
}
