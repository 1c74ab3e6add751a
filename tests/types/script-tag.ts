// The script tag's global, declared by `attune/global`: must compile under `tsc --strict`.
/// <reference types="attune/global" />
import type { AttuneReady, AttuneTag } from 'attune/global';

export function scriptTag(): void {
  const tag: AttuneTag = window.attune;
  attune.init({ collector: { url: '/v1/batch' }, consent: { mode: 'opt-out' } }).then((ready: AttuneReady) => ready.segments());
  attune.track('Newsletter Shown');
  attune.page();
  attune.identify({ plan: 'gold' });
  attune.consent({ analytics: true });
  attune.on('error', (e) => console.warn(e.code));
  attune.debug(true);
  tag.ready((sdk) => {
    const names: string[] = sdk.segments();
    const on: true = sdk.isReady;
    sdk.on('segment:enter', (s) => console.log(s)).on('delivery', (r) => console.log(r.pending));
    const d = sdk.decide('hero');
    const ok: boolean = sdk.evalCondition({ a: 1 }, { a: 1 });
    sdk.debug(false).then((open: boolean) => console.log(open));
    console.log(names, on, d?.reason, ok);
  });
  if (window.attune.segments) void Promise.resolve(window.attune.segments()).then((s) => s.length);
}
