/**
 * The configuration `init(config)` takes. Every key here is in the engine's key
 * table (`src/core/config_keys.rs`), and no other: an unknown key is reported as an
 * {@link AttuneError} with its path and the nearest known key (and fails `init` with
 * `strict: true`). `tests/js/types.test.mjs` keeps these declarations, the table and
 * the README's reference in step.
 */

import type { AttuneEvent } from './sdk.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A GrowthBook-compatible condition (MongoDB-like operators such as `$gte`, `$in`, `$regex`) over dot paths. */
export type Condition = { [path: string]: Json };

/** A duration in hours or days: `"12h"`, `"7d"`. */
export type Duration = `${number}h` | `${number}d`;

/** A collector: where and how batches are sent (see docs/delivery.md). */
export interface CollectorConfig {
  /** Batch endpoint (POST), e.g. `https://collect.example.com/v1/batch`. Required, not empty. */
  url: string;
  /** Name of this collector's acknowledgement marks in the outbox (default: the URL). */
  id?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Segment-style write key, sent as HTTP Basic auth (`key:`); in beacons it goes in the body. */
  writeKey?: string;
  /** `segment` (default): `{"batch":[…],"sentAt":"…"}`; `json`: a bare array of events. */
  format?: 'segment' | 'json';
  /**
   * Builds the request body from the batch's events (replaces `format`): a string, or a
   * value sent as JSON. If it throws, the error is reported and the batch retried later.
   */
  transform?: (events: AttuneEvent[]) => string | Json;
}

/** The main collector (`collector`): also where `forget()` asks for erasure. */
export interface PrimaryCollectorConfig extends CollectorConfig {
  /** Where `forget()` POSTs `{anonymousId, userId, previousIds, timestamp}` (see docs/privacy.md). */
  forgetUrl?: string;
}

/** Outbox bounds, batching and retries; out-of-range numbers are clamped (see docs/delivery.md). */
export interface DeliveryConfig {
  /** Most events kept (default 1000); the oldest are dropped beyond it. */
  maxEvents?: number;
  /** Most bytes the outbox keeps in `localStorage` (default 1,000,000; 10 KB – 4 MB). */
  maxBytes?: number;
  /** Events older than this are dropped unsent, ms (default 7 days). */
  maxAgeMs?: number;
  /** Send as soon as this many events wait for a collector (default `flushAt`, 20). */
  batchSize?: number;
  /** Most events in one request, at least `batchSize` (default 100). */
  maxBatchEvents?: number;
  /** Largest request body in bytes; also sends once this many wait (default 500,000). */
  batchBytes?: number;
  /** Longest wait before an event's batch goes, ms (default `flushInterval`, 2000). */
  flushInterval?: number;
  /** Largest page-exit body, bytes (default 65,536). */
  beaconBytes?: number;
  /** First retry delay, ms; doubles each attempt (default 1000). */
  retryBaseMs?: number;
  /** Longest retry delay without `Retry-After`, ms (default 60,000). */
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured, ms (default 600,000). */
  maxRetryAfterMs?: number;
  /** Send batches from the package's delivery worker, `sender.js` beside the entry (default true). */
  worker?: boolean;
  /** Accepted for old configs, no effect: the one engine always runs on the page. */
  engine?: 'page' | 'worker';
}

/** What a browser privacy signal opts out of. */
export type SignalPolicy = 'marketing' | 'analytics' | 'all' | 'ignore';

/** Consent set-up (see docs/privacy.md). */
export interface ConsentConfig {
  /** `opt-out` (default): everything allowed until revoked; `opt-in`: nothing stored or sent before a grant. */
  mode?: 'opt-in' | 'opt-out';
  /** What Global Privacy Control opts out of (default `marketing`). */
  gpc?: SignalPolicy;
  /** What Do Not Track opts out of (default `ignore`). */
  doNotTrack?: SignalPolicy;
}

/** Data minimisation of everything that leaves the device (the profile keeps the values). */
export interface PrivacyConfig {
  /** Only these property/trait keys leave the device. */
  allow?: string[];
  /** These keys never leave the device. */
  deny?: string[];
  /** Keys exempt from PII masking. */
  allowPii?: string[];
  /** Values that look like e-mail addresses or phone numbers become `[redacted]` (default true). */
  maskPii?: boolean;
  /** Send the SHA-256 hex digest of the user id instead of the id (default false). */
  hashUserId?: boolean;
}

/** The first-party cookie `attune_aid` that shares the anonymous id across subdomains. */
export interface CookieConfig {
  /** `Domain=`, e.g. `.example.com` (default: host-only). */
  domain?: string;
  /** `SameSite=` (default `Lax`; case ignored). */
  sameSite?: 'Lax' | 'Strict' | 'None' | 'lax' | 'strict' | 'none';
  /** The `Secure` flag (forced with `SameSite=None`; default false). */
  secure?: boolean;
  /** Lifetime in days, > 0 (default 365). */
  days?: number;
}

/** Identity settings. */
export interface IdentityConfig {
  /** `true` (the defaults) or the cookie's attributes; absent or `false`: no cookie. */
  cookie?: boolean | CookieConfig;
}

/** Impression caps: per session, rolling 24 h, rolling 7 days, ever (whole numbers; day and week ≤ 100). */
export interface Caps {
  /** Impressions per session. */
  session?: number;
  /** Impressions in the last 24 hours (≤ 100). */
  day?: number;
  /** Impressions in the last 7 days (≤ 100). */
  week?: number;
  /** Impressions ever. */
  lifetime?: number;
}

/**
 * What a variant shows; kinds combine (`text` and `html` exclude each other). Strings may hold
 * templates over the attribute document: `{{traits.firstName | default: "there"}}` (filters
 * `default`, `upcase`, `downcase`, `capitalize`, `trim`, `truncate: n`); inserted values are escaped.
 */
export interface ContentConfig {
  /** Replaces the slot's children with this text (`textContent`). */
  text?: string;
  /** Replaces the slot's children with this markup, sanitised by an allowlist and built node by node. */
  html?: string;
  /** Attributes set on the slot; URL-valued ones must be http(s), mailto, tel or relative; no `on*`, `style`, `srcdoc`. */
  attributes?: Record<string, string>;
  /** Classes added to / removed from the slot. */
  classes?: { add?: string[]; remove?: string[] };
  /** `true` sets the slot's `hidden` attribute. */
  hide?: boolean;
  /** `true` removes the slot's `hidden` attribute. */
  show?: boolean;
}

/** Retires a variant for good once any named event is in the profile, or once it was clicked. */
export interface StopAfter {
  /** Event names (`Order Completed`, `Offer Dismissed`, …). */
  events?: string[];
  /** Stop once the variant was clicked. */
  clicked?: boolean;
}

/** One variant of a placement: the first eligible one wins. */
export interface VariantConfig {
  /** Variant id (unique in the placement; ids starting with `_` are reserved). */
  id: string;
  /** Eligibility condition over the attribute document; absent = always eligible. */
  when?: Condition;
  /** Impression caps of this variant. */
  caps?: Caps;
  /** When the variant retires for good. */
  stopAfter?: StopAfter;
  /** What the slot shows; `null`/absent keeps the default markup (a control arm). */
  content?: ContentConfig | null;
}

/** An A/B/n test over some variants of a placement, bucketed exactly as GrowthBook does. */
export interface ExperimentConfig {
  /** Experiment key (default: the slot id). */
  key?: string;
  /** Ids of the participating variants (default: all). */
  variants?: string[];
  /** One weight per participating variant, summing to 1 (default equal). */
  weights?: number[];
  /** Share of visitors in the experiment, 0–1 (default 1). */
  coverage?: number;
  /** Hash seed (default: the key). */
  seed?: string;
  /** Path of the hashed attribute in the attribute document (default `anonymousId`). */
  hashAttribute?: string;
  /** GrowthBook hash version (default 2). */
  hashVersion?: 1 | 2;
  /** Share that always sees the default markup, 0 to below 1 (default 0). */
  holdout?: number;
  /** Eligibility for the experiment. */
  when?: Condition;
}

/** A page slot (`data-attune-slot="…"` or a CSS selector) and its variants in priority order. */
export interface PlacementConfig {
  /** Slot id (required, not empty). */
  slot: string;
  /** CSS selector used instead of `[data-attune-slot]`. */
  selector?: string;
  /** Caps over the impressions of all variants of this slot. */
  caps?: Caps;
  /** An A/B/n test over (some of) the variants. */
  experiment?: ExperimentConfig;
  /** Variants in priority order: the first eligible one wins. */
  variants: VariantConfig[];
}

/** A metric folded from events into the profile, read as `metrics.<id>` (see docs/profile.md). */
export interface MetricConfig {
  /** Name in the attribute document; no `.`; unique. */
  id: string;
  /** Event name (`Page Viewed` for page views). */
  event: string;
  /** Condition over the event's properties. */
  where?: Condition;
  /** How matching events are folded (default `count`). */
  aggregate?: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'first' | 'last' | 'distinct';
  /** Top-level property aggregated (required for all but `count`). */
  property?: string;
  /** Events counted: `all` (default), `session`, or the last `<N>h` / `<N>d` (at most 30 days). */
  window?: 'all' | 'session' | Duration;
}

/** Decaying scores per property value, read as `affinities.<id>` (see docs/profile.md). */
export interface AffinityConfig {
  /** Name in the attribute document; no `.`; unique. */
  id: string;
  /** Event name. */
  event: string;
  /** Top-level property whose (scalar) values are scored. */
  property: string;
  /** Half-life of a score. */
  halfLife: Duration;
  /** Condition over the event's properties. */
  where?: Condition;
}

/** The SDK configuration: every key is optional. */
export interface AttuneConfig {
  /** Where events are delivered; absent keeps them on the device. */
  collector?: PrimaryCollectorConfig;
  /** More collectors; each event is stored once and sent to every one. */
  collectors?: CollectorConfig[];
  /** Outbox bounds, batching and retries. */
  delivery?: DeliveryConfig;
  /** Send when this many events are queued (default 20; `delivery.batchSize` overrides). */
  flushAt?: number;
  /** Send queued events at least this often, ms (default 2000; `delivery.flushInterval` overrides). */
  flushInterval?: number;
  /** Named segments: `name → condition` (or `name → { when: condition }`). */
  segments?: Record<string, Condition | { when: Condition }>;
  /** Track `Segment Entered` / `Segment Exited` events when membership changes (default false). */
  segmentEvents?: boolean;
  /** Metrics over events (`metrics.<id>` in the attribute document). */
  metrics?: MetricConfig[];
  /** Affinities over event properties (`affinities.<id>`). */
  affinities?: AffinityConfig[];
  /** Slots and what they may show. */
  placements?: PlacementConfig[];
  /** When an impression counts: visible share and duration (defaults 0.5 and 1000 ms). */
  exposure?: { threshold?: number; minMs?: number };
  /** Longest time undecided slots stay hidden, ms (default 300; 0–10,000). */
  antiFlicker?: { timeout?: number };
  /** Automatic page views and `[data-attune-track]` clicks (both on by default). */
  autocapture?: boolean | { pageViews?: boolean; clicks?: boolean };
  /** Inactivity after which a session ends, in minutes (default 30). */
  session?: { timeoutMinutes?: number };
  /** The query parameter carrying an e-mail campaign id (default `ecid`). */
  campaign?: { emailParam?: string };
  /** Server-side traits: the collector's profile endpoint, read once at start (default timeout 1500 ms). */
  profile?: { url?: string; timeoutMs?: number };
  /** Consent mode and browser signals. */
  consent?: ConsentConfig;
  /** Data minimisation of outgoing events. */
  privacy?: PrivacyConfig;
  /** The identity cookie. */
  identity?: IdentityConfig;
  /** Prefix of every storage key Attune writes (default `attune`). */
  storagePrefix?: string;
  /** Any config problem (an unknown key, a disabled segment or placement, …) rejects `init` instead of being reported. */
  strict?: boolean;
  /**
   * Browser entries only: where the engine's wasm comes from — a URL, a `Response` (or a
   * promise of one), its bytes or a compiled `WebAssembly.Module` (default: `attune_bg.wasm`
   * next to the entry). Read by the call that starts the load; never reaches the engine, and
   * the Node entry ignores it.
   */
  wasm?: WasmSource;
}

/**
 * What `init({ wasm })` and `load(wasm)` accept. (TypeScript's `WebAssembly.Module` is an empty
 * interface, so the compiler accepts any object here; anything else is rejected at run time with
 * an `invalid_config` error at `wasm`.)
 */
export type WasmSource = string | URL | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
