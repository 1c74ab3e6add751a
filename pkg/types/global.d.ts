/**
 * The script tag's global, `window.attune`. Pages that load Attune with the snippet
 * get these declarations with `/// <reference types="attune/global" />` (or
 * `"types": ["attune/global"]` in tsconfig.json); `import 'attune'` does not declare it.
 */

import type { AttuneConfig, Condition, Json } from './config.js';
import type { ConsentChanges, ConsentState, Decision, DeliveryReport, Explanation, FlushResult, Inspection } from './results.js';
import type { Attune, AttuneError, Properties } from './sdk.js';

/** The SDK's methods the snippet queues from the start (replayed in order once attune.js has loaded). */
export type QueuedMethod =
  | 'page' | 'track' | 'identify' | 'group' | 'alias' | 'reset' | 'consent' | 'forget' | 'flush'
  | 'on' | 'off' | 'render' | 'viewed' | 'clicked';

/** The SDK's reads: on `window.attune` once attune.js has run. */
export type ReadMethod = 'segments' | 'decide' | 'explain' | 'profile' | 'attributes' | 'consentState' | 'inspect';

/** GrowthBook-compatible condition evaluation, as the package's `evalCondition`. */
export type EvalCondition = (condition: Condition, attributes: Record<string, Json>, savedGroups?: Record<string, Json[]>) => boolean;

/**
 * `window.attune` once `init` has resolved: what `attune.ready(callback)` passes and the script
 * tag's `init` resolves to. Every SDK method is the SDK's own, called directly.
 */
export interface AttuneReady extends Pick<Attune, QueuedMethod | ReadMethod> {
  /** `init` has resolved. */
  readonly isReady: true;
  /** Starts Attune (once: later calls return the first call's promise). */
  init(config: AttuneConfig): Promise<AttuneReady>;
  /** Runs `callback` at once (init has resolved). */
  ready(callback: (attune: AttuneReady) => void): AttuneReady;
  /** The same as `ready`. */
  onReady(callback: (attune: AttuneReady) => void): AttuneReady;
  /** Opens (or with `false` closes) the debug overlay, `debug.js` beside attune.js, loaded now; resolves to whether it is open. */
  debug(on?: boolean): Promise<boolean>;
  /** GrowthBook-compatible condition evaluation (no `init` needed). */
  evalCondition: EvalCondition;
}

/**
 * `window.attune` at any time: first the snippet's queue (every call is recorded and replayed
 * in order once attune.js has loaded), then attune.js's facade, then, once `init` has resolved,
 * {@link AttuneReady}. Calls made before then return nothing useful; read results in `ready`.
 */
export interface AttuneTag {
  /** Whether `init` has resolved (absent while only the snippet has run). */
  readonly isReady?: boolean;
  /** Starts Attune with `config`; resolves once the engine runs. */
  init(config: AttuneConfig): Promise<AttuneReady>;
  /** Runs `callback` with the ready SDK once `init` has resolved (at once if it has). */
  ready(callback: (attune: AttuneReady) => void): AttuneTag;
  /** The same as `ready` (once attune.js has run). */
  onReady?(callback: (attune: AttuneReady) => void): AttuneTag;
  /** Opens (or with `false` closes) the debug overlay once the SDK is ready. */
  debug(on?: boolean): void;
  /** The SDK's calls, queued until it is ready (see {@link Attune} for each); their results are read in `ready`. */
  page(name?: string, properties?: Properties): void;
  page(properties: Properties): void;
  track(event: string, properties?: Properties): void;
  identify(userId?: string, traits?: Properties): void;
  identify(traits: Properties): void;
  group(groupId: string, traits?: Properties): void;
  alias(userId: string, previousId?: string): void;
  reset(): void;
  consent(changes: ConsentChanges): void;
  forget(): void;
  flush(): void;
  render(): void;
  viewed(slot: string): void;
  clicked(slot: string): void;
  on(event: 'error', callback: (error: AttuneError) => void): void;
  on(event: 'segment:enter' | 'segment:exit', callback: (segment: string) => void): void;
  on(event: 'profile', callback: (profile: Properties) => void): void;
  on(event: 'delivery', callback: (report: DeliveryReport) => void): void;
  off(event: 'error', callback: (error: AttuneError) => void): void;
  off(event: 'segment:enter' | 'segment:exit', callback: (segment: string) => void): void;
  off(event: 'profile', callback: (profile: Properties) => void): void;
  off(event: 'delivery', callback: (report: DeliveryReport) => void): void;
  /** Once attune.js has run: a promise of the answer before `init` resolved, the answer after. */
  segments?(): string[] | Promise<string[]>;
  profile?(): Properties | Promise<Properties>;
  attributes?(): Properties | Promise<Properties>;
  decide?(slot: string): Decision | null | Promise<Decision | null>;
  explain?(slot: string): Explanation | null | Promise<Explanation | null>;
  consentState?(): ConsentState | Promise<ConsentState>;
  inspect?(): Inspection | Promise<Inspection>;
  /** Once attune.js has run (it compiles the engine on the first call). */
  evalCondition?: EvalCondition;
}

/** `flush()`'s result, for pages that read it in `ready`. */
export type { FlushResult };

declare global {
  interface Window {
    /** Attune's script-tag API (the snippet defines it before attune.js loads). */
    attune: AttuneTag;
  }
  /** Attune's script-tag API, `window.attune`. */
  var attune: AttuneTag;
}
