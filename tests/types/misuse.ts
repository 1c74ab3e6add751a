// Misuses the declarations must reject: each line below `// @ts-expect-error` has to be a
// type error, or tsc fails this file with "Unused '@ts-expect-error' directive".
/// <reference types="attune/global" />
import { ConditionSet, evalCondition, hash, init, load } from 'attune';
import type { Attune, AttuneConfig } from 'attune';

export async function misuses(sdk: Attune): Promise<void> {
  // (`wasm: 42` is not rejected here: lib.dom's `WebAssembly.Module` is an empty interface,
  // which any value but null and undefined satisfies; init rejects it at run time.)
  // @ts-expect-error load takes one wasm source
  await load('/a.wasm', '/b.wasm');
  // @ts-expect-error a misspelled top-level key
  await init({ colector: { url: '/v1/batch' } });
  // @ts-expect-error an unknown collector key
  await init({ collector: { url: '/v1/batch', bogus: 1 } });
  // @ts-expect-error the consent mode is 'opt-in' or 'opt-out'
  await init({ consent: { mode: 'optin' } });
  // @ts-expect-error timeoutMinutes is a number
  await init({ session: { timeoutMinutes: '30' } });
  // @ts-expect-error the collector needs a url
  await init({ collector: { format: 'json' } });
  // @ts-expect-error forgetUrl belongs to the main collector only
  await init({ collectors: [{ url: '/b', forgetUrl: '/f' }] });
  // @ts-expect-error a transform is a function of the events
  await init({ collectors: [{ url: '/b', transform: 'json' }] });
  // @ts-expect-error no such delivery key
  await init({ delivery: { maxBatchEvent: 5 } });
  // @ts-expect-error the engine runs on the page or in a worker
  await init({ delivery: { engine: 'both' } });
  // @ts-expect-error a collector format
  await init({ collector: { url: '/a', format: 'xml' } });
  // @ts-expect-error a placement needs variants
  await init({ placements: [{ slot: 'hero' }] });
  // @ts-expect-error an unknown content kind
  await init({ placements: [{ slot: 'hero', variants: [{ id: 'a', content: { color: 'red' } }] }] });
  // @ts-expect-error caps are numbers per session, day, week, lifetime
  await init({ placements: [{ slot: 'hero', caps: { sesion: 1 }, variants: [] }] });
  // @ts-expect-error GPC policy
  await init({ consent: { gpc: 'none' } });
  // @ts-expect-error the identity cookie is true or its attributes
  await init({ identity: { cookie: 'yes' } });
  // @ts-expect-error a metric window is all, session or <N>h / <N>d
  await init({ metrics: [{ id: 'm', event: 'e', window: 'week' }] });
  // @ts-expect-error strict is a boolean
  await init({ strict: 1 });
  // @ts-expect-error init needs a config
  await init();
  const config: AttuneConfig = {};
  // @ts-expect-error the config type has no index signature
  config.anything = 1;
  // @ts-expect-error an event name is a string
  sdk.track(42);
  // @ts-expect-error properties are JSON
  sdk.track('x', { when: new Date() });
  // @ts-expect-error no such event
  sdk.on('ready', () => {});
  // @ts-expect-error a segment listener receives the segment's name
  sdk.on('segment:enter', (n: number) => n);
  // @ts-expect-error an error listener receives an AttuneError
  sdk.on('error', (e: string) => e);
  // @ts-expect-error off takes the listener's own type, not any
  sdk.off('delivery', (r: string) => r);
  // @ts-expect-error consent categories
  sdk.consent({ ads: true });
  // @ts-expect-error decide returns a nullable decision
  const variant: string = sdk.decide('hero').variant;
  // @ts-expect-error forget resolves to nothing
  const gone: boolean = await sdk.forget();
  // @ts-expect-error there is no such method
  sdk.debug(true);
  // @ts-expect-error hash takes strings
  hash(1, 'a', 2);
  // @ts-expect-error evalCondition needs attributes
  evalCondition({ a: 1 });
  // @ts-expect-error ConditionSet takes an array
  new ConditionSet({ a: 1 });
  // @ts-expect-error reads are not on window.attune before attune.js ran: check first
  window.attune.segments();
  // @ts-expect-error the script tag's track takes an event name
  attune.track();
  console.log(variant, gone);
}
