// Main-thread cost per call as a function of calls per task: 3,000 track() calls
// at 1, 10 or 100 calls every 10 ms, CDP `TaskDuration` from the first call until
// 2.5 s after the last (persisting and sending included). Separates the per-task
// cost (timers, cold caches) from the per-event cost. Uses the peer harness copy:
//   bench/browser/setup_peers.sh
//   node bench/browser/per_task.mjs [--dir /tmp/attune-peer-bench] [--sdk attune@nocollector=1] [--per 1,10,100] [--n 3000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1] ?? 'true']);
  return acc;
}, []));
const DIR = path.resolve(args.dir || '/tmp/attune-peer-bench');
const [SDK, QS] = (args.sdk || 'attune').split('@');
const PER = (args.per || '1,10,100').split(',').map(Number);
const N = Number(args.n || 3000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { startServer } = await import(pathToFileURL(path.join(DIR, 'server.mjs')));
const { chromium } = createRequire(path.join(DIR, 'package.json'))('playwright-core');
const srv = await startServer(0);
const ORIGIN = `http://127.0.0.1:${srv.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const per of PER) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async () =>
      ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration') || {}).value || 0;
    await page.goto(`${ORIGIN}/pages/${SDK}.html${QS ? '?' + QS : ''}`);
    await page.waitForFunction(() => window.__B && window.__B.marks.ready, null, { timeout: 30_000 });
    await sleep(1000);
    const t0 = await taskSeconds();
    await page.evaluate(([n, k]) => __B.runTrackPaced(n, k, 10, 60_000), [N, per]);
    await sleep(2500);
    const us = ((await taskSeconds()) - t0) * 1e6 / N;
    console.log(`${args.sdk || SDK}  ${per} per task  main µs/call ${us.toFixed(1)}`);
    await ctx.close();
  }
} finally {
  await browser.close();
  srv.close();
}
