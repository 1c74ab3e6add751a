// Probe for the worker-engine plan (docs/delivery.md, "Toward ≤ 5 µs per call"):
// what does the page's main thread pay to hand raw track() calls to a worker, one
// postMessage per task, and is work done in a worker counted in CDP TaskDuration?
//
//   bench/browser/setup_peers.sh            # once (harness copy with server + playwright-core)
//   node bench/browser/worker_probe.mjs [--dir /tmp/attune-peer-bench]
//
// Each mode makes 10,000 calls, 10 per task (a timer every 1 ms), and prints sync µs
// per call (inside the call) and main µs per call (TaskDuration over the run):
//   none        the calls do nothing (the harness's own cost);
//   burnworker  plain posting, the worker spins 5 ms per message (is that counted?);
//   clone       calls pushed as [name, props, time], the array posted (structured clone);
//   json        each call JSON.stringify'd, the strings joined and posted;
//   reply       as clone, the worker answers each message with a small snapshot.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const argv = process.argv.slice(2);
const dirAt = argv.indexOf('--dir');
const DIR = path.resolve(dirAt >= 0 && argv[dirAt + 1] ? argv[dirAt + 1] : '/tmp/attune-peer-bench');
const { startServer } = await import(pathToFileURL(path.join(DIR, 'server.mjs')));
const { chromium } = createRequire(path.join(DIR, 'package.json'))('playwright-core');
const srv = await startServer(0);
const origin = `http://127.0.0.1:${srv.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${origin}/pages/noop.html`);
  const taskSeconds = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  for (const mode of ['none', 'burnworker', 'clone', 'json', 'reply', 'none', 'clone', 'json', 'reply']) {
    const t0 = await taskSeconds();
    const r = await page.evaluate(async (mode) => {
      if (!window.probeWorker) {
        const src = `onmessage = (e) => {
          const d = e.data;
          if (d && d.burn) { const t = performance.now(); while (performance.now() - t < d.burn); }
          if (d && d.reply) postMessage({ segments: { a: true, b: false }, decisions: { hero: 'x' }, n: d.calls.length });
        };`;
        window.probeWorker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        window.probeWorker.onmessage = () => {};
      }
      const w = window.probeWorker;
      let queue = null;
      const post = () => {
        const calls = queue;
        queue = null;
        if (mode === 'json') w.postMessage('[' + calls.join(',') + ']');
        else w.postMessage({ calls, burn: mode === 'burnworker' ? 5 : 0, reply: mode === 'reply' });
      };
      const track = (name, props) => {
        if (mode === 'none') return;
        if (queue === null) { queue = []; queueMicrotask(post); }
        queue.push(mode === 'json' ? JSON.stringify([name, props, Date.now()]) : [name, props, Date.now()]);
      };
      let sync = 0;
      for (let i = 0; i < 1000; i++) {
        const a = performance.now();
        for (let j = 0; j < 10; j++) track('Product Viewed', { sku: 'A1', price: 10 });
        sync += performance.now() - a;
        await new Promise((res) => setTimeout(res, 1));
      }
      await new Promise((res) => setTimeout(res, 300));
      return sync * 1000 / 10000;
    }, mode);
    const t1 = await taskSeconds();
    console.log(`${mode.padEnd(11)} sync ${r.toFixed(2)} µs/call  main ${((t1 - t0) * 1e6 / 10000).toFixed(2)} µs/call`);
  }
} finally {
  await browser.close();
  srv.close();
}
