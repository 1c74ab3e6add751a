// Burst benchmark: 10,000 track() calls per SDK in headless Chromium, Attune beside
// the peers, all in one run, on the peer harness's pages and fake collector.
//
//   bench/browser/setup_peers.sh                       # once: harness copy + Attune adapter
//   node bench/browser/track_burst.mjs [--dir /tmp/attune-peer-bench] [--only attune,segment,posthog,amplitude,rudderstack]
//        [--modes paced,tight] [--n 10000] [--runs 1] [--out bench-results/track_burst.json]
//        [--cpuprofile DIR]   also sample the page's main thread (V8 CPU profiler, 200 µs)
//                             from the first call until delivery settled: writes
//                             DIR/{mode}-{sdk}-{run}.cpuprofile and prints the top
//                             functions by self time (µs per call)
//
// With --runs above 1 the SDKs take turns (noop, attune, segment, noop, attune, …),
// so a drift of the machine's speed during the run falls on all of them alike; the
// summary at the end gives each SDK's median and its median minus noop's.
//
// Modes: `paced` = 10 calls every 10 ms (a 10 s burst at 1,000 events/s),
// `tight` = all calls in one synchronous loop, `slow` = the realistic page: 500
// calls (`--slow-n`), one every 20 ms (50 events/s), as the peer harness's `slow`. Per SDK and mode it reports:
//   sync µs/call       time inside track() itself;
//   main µs/call       main-thread task time (CDP TaskDuration) from the first call
//                      until delivery settled, divided by calls — includes the
//                      persistence and sending work that follows the calls;
//   cpu µs/call        the main thread's CPU time (CDP ThreadTime) over the same
//                      span: unlike TaskDuration it does not count time the thread
//                      was runnable but waiting for a core other threads held;
//   longest task (ms)  from PerformanceObserver('longtask'), and the count of tasks > 50 ms;
//   delivered          events the fake collector counted.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1] && !arr[i + 1].startsWith('--') ? arr[i + 1] : 'true']);
  return acc;
}, []));
const DIR = path.resolve(args.dir || '/tmp/attune-peer-bench');
const ONLY = (args.only || 'noop,attune,segment,posthog,amplitude,rudderstack').split(',');
const MODES = (args.modes || 'paced,tight').split(',');
const N = Number(args.n || 10000);
const SLOW_N = Number(args['slow-n'] || 500);
const RUNS = Number(args.runs || 1);
const OUT = path.resolve(args.out || 'bench-results/track_burst.json');
const PROFILE_DIR = args.cpuprofile ? path.resolve(args.cpuprofile) : null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Self time per function (µs per call) of a CDP CPU profile, top `k`, idle left out.
function topSelf(profile, calls, k = 12) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.split('/').pop() : ''}${f.url ? ':' + (f.lineNumber + 1) : ''}`.trim();
    self.set(key, (self.get(key) || 0) + (dt[i + 1] ?? dt[i] ?? 0));
  }
  self.delete('(idle)');
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return { totalUsPerCall: total / calls,
    top: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => [name, us / calls]) };
}

const { startServer } = await import(pathToFileURL(path.join(DIR, 'server.mjs')));
const { SDKS } = await import(pathToFileURL(path.join(DIR, 'sdks.mjs')));
const { chromium } = createRequire(path.join(DIR, 'package.json'))('playwright-core');

const srv = await startServer(0);
const ORIGIN = `http://127.0.0.1:${srv.address().port}`;
const stats = async (reset) => (await fetch(`${ORIGIN}/${reset ? '__reset' : '__stats'}`)).json();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
// CDP metrics in seconds: TaskDuration (wall time of the main thread's tasks,
// which grows when the OS takes the core away mid-task) and ThreadTime (CPU time
// the main thread got, which does not).
const mainSeconds = async (cdp) => {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const of = (name) => (metrics.find((m) => m.name === name) || {}).value || 0;
  return { task: of('TaskDuration'), cpu: of('ThreadTime') };
};

const rows = [];
for (const mode of MODES) {
  for (let run = 0; run < RUNS; run++) {
    for (const spec of ONLY) {
    const [name, qs] = spec.split('@');
    if (!SDKS[name] || !SDKS[name].track) { if (run === 0) console.log(`skip ${name}: no adapter with track`); continue; }
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      try {
        await page.goto(`${ORIGIN}/pages/${name}.html${qs ? '?' + qs : ''}`);
        await page.waitForFunction(() => window.__B && window.__B.marks.ready, null, { timeout: 30_000 });
        await sleep(2000);
        await page.evaluate(() => {
          window.__lt = [];
          new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__lt.push(e.duration)))
            .observe({ type: 'longtask' });
        });
        await stats(true);
        if (PROFILE_DIR) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        const t0 = await mainSeconds(cdp);
        const r = mode === 'tight'
          ? await page.evaluate((n) => __B.runTrack(n, 100, 30000), N)
          : mode === 'slow'
            ? await page.evaluate((n) => __B.runTrackPaced(n, 1, 20, 60000), SLOW_N)
            : await page.evaluate((n) => __B.runTrackPaced(n, 10, 10, 60000), N);
        const start = Date.now();
        let s = await stats(false); let last = Date.now(); let prev = -1;
        while (s.events < r.calls && Date.now() - start < 60_000 && Date.now() - last < 8000) {
          await sleep(250);
          s = await stats(false);
          if (s.events * 1e6 + s.posts !== prev) { prev = s.events * 1e6 + s.posts; last = Date.now(); }
        }
        const t1 = await mainSeconds(cdp);
        if (PROFILE_DIR) {
          const { profile } = await cdp.send('Profiler.stop');
          fs.mkdirSync(PROFILE_DIR, { recursive: true });
          fs.writeFileSync(path.join(PROFILE_DIR, `${mode}-${spec.replace(/[^\w.=-]/g, '_')}-${run}.cpuprofile`), JSON.stringify(profile));
          const t = topSelf(profile, r.calls);
          console.log(`  profile ${spec}: ${t.totalUsPerCall.toFixed(2)} µs/call sampled (not idle)`);
          for (const [name, us] of t.top) console.log(`    ${us.toFixed(3).padStart(8)} µs  ${name}`);
        }
        const lt = await page.evaluate(() => window.__lt);
        const errors = await page.evaluate(() => window.__B.errors.slice(0, 3));
        const row = {
          sdk: spec, mode, run, calls: r.calls,
          syncUsPerCall: (r.total * 1000) / r.calls,
          mainUsPerCall: ((t1.task - t0.task) * 1e6) / r.calls,
          cpuUsPerCall: ((t1.cpu - t0.cpu) * 1e6) / r.calls,
          longestTaskMs: lt.length ? Math.max(...lt) : 0,
          longTasks: lt.length,
          delivered: s.events, posts: s.posts, errors,
        };
        rows.push(row);
        console.log(`${mode.padEnd(6)} ${spec.padEnd(22)} calls=${row.calls} sync=${row.syncUsPerCall.toFixed(2)}µs main=${row.mainUsPerCall.toFixed(2)}µs cpu=${row.cpuUsPerCall.toFixed(2)}µs ` +
          `longest=${row.longestTaskMs.toFixed(0)}ms longTasks=${row.longTasks} delivered=${row.delivered} posts=${row.posts}${errors.length ? ' ERR ' + errors[0] : ''}`);
      } catch (e) {
        rows.push({ sdk: spec, mode, run, error: String(e).slice(0, 300) });
        console.log(`${mode} ${spec}: ${String(e).slice(0, 200)}`);
      }
      await ctx.close();
    }
  }
}
await browser.close();
srv.close();
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
const summary = [];
for (const mode of MODES) {
  const of = (spec) => rows.filter((r) => r.mode === mode && r.sdk === spec && r.mainUsPerCall !== undefined);
  const noop = of('noop').map((r) => r.mainUsPerCall);
  for (const spec of ONLY) {
    const rs = of(spec);
    if (!rs.length) continue;
    const main = median(rs.map((r) => r.mainUsPerCall));
    const cpu = median(rs.map((r) => r.cpuUsPerCall));
    const noopCpu = of('noop').map((r) => r.cpuUsPerCall);
    const item = { mode, sdk: spec, runs: rs.length, mainUsPerCall: main, syncUsPerCall: median(rs.map((r) => r.syncUsPerCall)),
      netUsPerCall: noop.length ? main - median(noop) : null,
      cpuUsPerCall: cpu, netCpuUsPerCall: noopCpu.length ? cpu - median(noopCpu) : null, longTasks: Math.max(...rs.map((r) => r.longTasks)),
      delivered: Math.min(...rs.map((r) => r.delivered)) };
    summary.push(item);
    console.log(`median ${mode.padEnd(6)} ${spec.padEnd(22)} runs=${item.runs} main=${main.toFixed(2)}µs` +
      `${item.netUsPerCall === null ? '' : ` net=${item.netUsPerCall.toFixed(2)}µs`} cpu=${cpu.toFixed(2)}µs` +
      `${item.netCpuUsPerCall === null ? '' : ` netCpu=${item.netCpuUsPerCall.toFixed(2)}µs`} sync=${item.syncUsPerCall.toFixed(2)}µs ` +
      `maxLongTasks=${item.longTasks} minDelivered=${item.delivered}`);
  }
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), n: N, rows, summary }, null, 2));
console.log(`wrote ${OUT}`);
