// Every documented call and config key, as a TypeScript consumer writes them: must
// compile under `tsc --strict` (tests/js/types.test.mjs, moduleResolution bundler and node16).
import { ConditionSet, debug, evalCondition, hash, init, load } from 'attune';
import type {
  Attune, AttuneConfig, AttuneError, AttuneEvent, ConsentState, Decision, DeliveryReport, Explanation,
  FlushResult, Inspection, Json,
} from 'attune';

const config: AttuneConfig = {
  collector: {
    url: 'https://collect.example.com/v1/batch', id: 'main', headers: { 'X-Site': 'shop' }, writeKey: 'key',
    format: 'segment', forgetUrl: 'https://collect.example.com/v1/forget',
  },
  collectors: [{
    url: '/v1/other', format: 'json',
    transform: (events: AttuneEvent[]) => ({ events, count: events.length, first: events[0]?.messageId ?? null }),
  }],
  delivery: {
    maxEvents: 1000, maxBytes: 1_000_000, maxAgeMs: 604_800_000, batchSize: 20, maxBatchEvents: 100,
    batchBytes: 500_000, flushInterval: 2000, beaconBytes: 65_536, retryBaseMs: 1000, retryMaxMs: 60_000,
    maxRetryAfterMs: 600_000, worker: true, engine: 'page',
  },
  flushAt: 20,
  flushInterval: 2000,
  segments: {
    returning: { 'events.Page Viewed.count': { $gte: 2 } },
    vip: { when: { 'traits.plan': 'gold' } },
  },
  segmentEvents: true,
  metrics: [{ id: 'orders', event: 'Order Completed', aggregate: 'sum', property: 'total', window: '30d', where: { total: { $gt: 0 } } }],
  affinities: [{ id: 'genre', event: 'Video Played', property: 'genre', halfLife: '7d' }],
  placements: [{
    slot: 'hero',
    selector: '#hero',
    caps: { session: 3, day: 5, week: 10, lifetime: 20 },
    experiment: {
      key: 'hero-test', variants: ['control', 'b'], weights: [0.5, 0.5], coverage: 1, seed: 's',
      hashAttribute: 'anonymousId', hashVersion: 2, holdout: 0.1, when: { 'segments.returning': true },
    },
    variants: [
      {
        id: 'cart', when: { 'segments.returning': true }, caps: { lifetime: 5 },
        stopAfter: { events: ['Order Completed'], clicked: true },
        content: { html: '<strong>{{traits.firstName | default: "Hi"}}</strong>', attributes: { href: '/cart' }, classes: { add: ['promo'], remove: ['plain'] }, show: true },
      },
      { id: 'control', content: null },
      { id: 'b', content: { text: 'New arrivals', hide: false } },
    ],
  }],
  exposure: { threshold: 0.5, minMs: 1000 },
  antiFlicker: { timeout: 300 },
  autocapture: { pageViews: true, clicks: false },
  session: { timeoutMinutes: 30 },
  campaign: { emailParam: 'ecid' },
  profile: { url: '/v1/profile', timeoutMs: 1500 },
  consent: { mode: 'opt-in', gpc: 'marketing', doNotTrack: 'ignore' },
  privacy: { allow: ['sku'], deny: ['password'], allowPii: ['contact'], maskPii: true, hashUserId: false },
  identity: { cookie: { domain: '.example.com', sameSite: 'Lax', secure: true, days: 365 } },
  storagePrefix: 'attune',
  strict: true,
  wasm: '/assets/attune_bg.wasm',
};

export async function everyCall(): Promise<void> {
  await load();
  await load(new URL('https://cdn.example.com/attune_bg.wasm'));
  await init({ ...config, wasm: new Uint8Array(8) });
  const sdk: Attune = await init(config);
  await init({ autocapture: false, identity: { cookie: true } });
  sdk.page();
  sdk.page('Home');
  sdk.page({ path: '/' });
  sdk.page('Home', { section: 'top' });
  sdk.track('Product Viewed', { sku: 'A1', price: 10, tags: ['a', null] });
  sdk.identify('user-1', { plan: 'gold' });
  sdk.identify({ plan: 'gold' });
  sdk.group('acme', { seats: 3 });
  sdk.alias('user-1', 'anon-1');
  sdk.alias('user-2');
  const state: ConsentState = sdk.consent({ analytics: true, marketing: false });
  const mode: 'opt-in' | 'opt-out' = sdk.consentState().mode;
  const segments: string[] = sdk.segments();
  const attributes: Record<string, Json> = sdk.attributes();
  const profile: Record<string, Json> = sdk.profile();
  const decision: Decision | null = sdk.decide('hero');
  const variant: string | null | undefined = decision?.variant;
  const why: Explanation | null = sdk.explain('hero');
  const failing = why?.variants[0]?.when.failing;
  sdk.render();
  const shown: boolean = sdk.viewed('hero');
  const clicked: boolean = sdk.clicked('hero');
  const flushed: FlushResult = await sdk.flush();
  const pending: number = flushed.pending;
  const snapshot: Inspection = sdk.inspect();
  const onError = (e: AttuneError) => console.warn(e.code, e.path, e.message);
  const onDelivery = (r: DeliveryReport) => console.log(r.sent, r.failed, r.dropped, r.rejected, r.pending);
  sdk.on('error', onError).on('delivery', onDelivery)
    .on('segment:enter', (name: string) => console.log(name))
    .on('segment:exit', (name) => console.log(name.length))
    .on('profile', (p) => console.log(p.anonymousId));
  sdk.off('error', onError).off('delivery', onDelivery);
  await sdk.forget();
  sdk.reset();
  const open: boolean = await debug(sdk);
  await debug(sdk, false);
  const adult: boolean = evalCondition({ age: { $gte: 18 } }, { age: 21 });
  evalCondition({ $inGroup: 'g' }, { id: 1 }, { g: [1, 2] });
  const set = new ConditionSet([{ a: 1 }, { b: { $exists: true } }], { g: ['x'] });
  const n: number = set.countMatching({ a: 1 }) + set.length;
  const bits: Uint8Array = set.evaluate({ a: 1 });
  set.free();
  const h: number | null = hash('seed', 'value', 2);
  console.log(state, mode, segments, attributes, profile, variant, failing, shown, clicked, pending, snapshot.slots,
    open, adult, n, bits, h);
}
