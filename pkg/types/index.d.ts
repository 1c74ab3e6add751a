/**
 * Attune — client-side personalization in Rust compiled to WebAssembly.
 *
 * `init(config)` starts the engine for this visitor and resolves to an {@link Attune}
 * instance. Every error thrown or rejected is an {@link AttuneError}.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A GrowthBook-compatible condition (MongoDB-like operators such as `$gte`, `$in`, `$regex`). */
export type Condition = { [path: string]: Json };

/** Where events are delivered. */
export interface CollectorConfig {
  /** Batch endpoint, e.g. `https://collect.example.com/v1/batch`. */
  url: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Segment-style write key, sent as HTTP Basic auth. */
  writeKey?: string;
  /** `segment` (default): `{"batch":[...],"sentAt":"..."}`; `json`: a bare array. */
  format?: 'segment' | 'json';
  /** Name of this collector's delivery marks in the outbox (default: the URL). */
  id?: string;
  /** Builds the request body from the batch's events (replaces `format`). */
  transform?: (events: Json[]) => string | Json;
  /** Where `forget()` POSTs `{anonymousId, userId, previousIds, timestamp}` (see docs/privacy.md). */
  forgetUrl?: string;
}

/** Outbox bounds, batching and retries (see docs/delivery.md). */
export interface DeliveryConfig {
  /** Most events kept (default 1000); the oldest are dropped beyond it. */
  maxEvents?: number;
  /** Most bytes kept in localStorage (default 1,000,000). */
  maxBytes?: number;
  /** Events older than this are dropped unsent (default 7 days, in ms). */
  maxAgeMs?: number;
  /** Events per request; send as soon as this many wait (default `flushAt`, 20). */
  batchSize?: number;
  /** Largest request body in bytes (default 500,000). */
  batchBytes?: number;
  /** Longest wait before an event is sent, ms (default `flushInterval`, 2000). */
  flushInterval?: number;
  /** Largest page-exit body (default 65,536). */
  beaconBytes?: number;
  /** First retry delay, ms (default 1000). */
  retryBaseMs?: number;
  /** Longest retry delay without Retry-After, ms (default 60,000). */
  retryMaxMs?: number;
  /** Longest Retry-After honoured, ms (default 600,000). */
  maxRetryAfterMs?: number;
  /**
   * Send batches from the package's delivery worker, `sender.js` beside the entry
   * (default true); without it (or where it cannot start) the page sends them.
   */
  worker?: boolean;
  /** Accepted, no effect: the engine always runs on the page (one engine per page). */
  engine?: 'page' | 'worker';
}

/** The consent state (`consentState()`, what `consent(changes)` returns). */
export interface ConsentState {
  necessary: boolean;
  analytics: boolean;
  personalization: boolean;
  marketing: boolean;
  /** Global Privacy Control is set in the browser. */
  gpc: boolean;
  /** Do Not Track is set in the browser. */
  doNotTrack: boolean;
  mode: 'opt-in' | 'opt-out';
}

/** Consent set-up (see docs/privacy.md). */
export interface ConsentConfig {
  /** `opt-out` (default): everything allowed until revoked; `opt-in`: nothing stored or sent before a grant. */
  mode?: 'opt-in' | 'opt-out';
  /** What Global Privacy Control opts out of (default `marketing`). */
  gpc?: 'marketing' | 'analytics' | 'all' | 'ignore';
  /** What Do Not Track opts out of (default `ignore`). */
  doNotTrack?: 'marketing' | 'analytics' | 'all' | 'ignore';
}

/** What `on('delivery')` listeners receive: counts since the previous call. */
export interface DeliveryReport {
  sent: number;
  failed: number;
  dropped: number;
  rejected: number;
  pending: number;
}

/** Impression caps: at most N impressions per session, rolling 24 h, rolling 7 days, or ever (day/week ≤ 100). */
export interface Caps {
  session?: number;
  day?: number;
  week?: number;
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
  /** Replaces the slot's children with this markup, sanitised by an allowlist and built node by node (never `innerHTML`). */
  html?: string;
  /** Attributes set on the slot; URL-valued ones must be http(s), mailto, tel or relative; no `on*`, `style`, `srcdoc`. */
  attributes?: Record<string, string>;
  /** Classes added to / removed from the slot. */
  classes?: { add?: string[]; remove?: string[] };
  /** Sets the slot's `hidden` attribute. */
  hide?: boolean;
  /** Removes the slot's `hidden` attribute. */
  show?: boolean;
}

/** One variant of a placement: the first eligible one wins. */
export interface VariantConfig {
  /** Variant id (unique in the placement; ids starting with `_` are reserved), reported in decisions and exposures. */
  id: string;
  /** Eligibility condition over the attribute document; absent = always eligible. */
  when?: Condition;
  /** Impression caps of this variant. */
  caps?: Caps;
  /** Retire the variant for good once any named event is in the profile, or once it was clicked. */
  stopAfter?: { events?: string[]; clicked?: boolean };
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
  /** GrowthBook hash version, 1 or 2 (default 2). */
  hashVersion?: 1 | 2;
  /** Share that always sees the default markup, 0 to below 1 (default 0). */
  holdout?: number;
  /** Eligibility for the experiment. */
  when?: Condition;
}

/** A page slot (`data-attune-slot="…"` or a CSS selector) and its variants in priority order. */
export interface PlacementConfig {
  slot: string;
  selector?: string;
  /** Caps over the impressions of all variants of this slot. */
  caps?: Caps;
  experiment?: ExperimentConfig;
  variants: VariantConfig[];
}

/** The SDK configuration. Unknown keys are ignored. */
export interface AttuneConfig {
  collector?: CollectorConfig;
  /** More collectors; each event is stored once and sent to every one. */
  collectors?: CollectorConfig[];
  /** Outbox bounds, batching and retries. */
  delivery?: DeliveryConfig;
  /** Named segments: `name → condition` (or `name → { when: condition }`). */
  segments?: Record<string, Condition | { when: Condition }>;
  placements?: PlacementConfig[];
  /** Prefix of every storage key Attune writes (default `attune`). */
  storagePrefix?: string;
  /** Send when this many events are queued (default 20). */
  flushAt?: number;
  /** Send queued events at least this often, in ms (default 2000). */
  flushInterval?: number;
  /** When an impression counts: visible share and duration (defaults 0.5 and 1000 ms). */
  exposure?: { threshold?: number; minMs?: number };
  /** Longest time undecided slots stay hidden, ms (default 300; the snippet reads `data-attune-timeout`). */
  antiFlicker?: { timeout?: number };
  /** Automatic page views (default on) and `[data-attune-track]` clicks (default on). */
  autocapture?: boolean | { pageViews?: boolean; clicks?: boolean };
  /** Consent mode and browser signals. */
  consent?: ConsentConfig;
  /** Server-side traits: the collector's profile endpoint, read once at start. */
  profile?: { url?: string; timeoutMs?: number };
  [key: string]: unknown;
}

/** A sanitised markup node: text, or an allowlisted element. */
export type HtmlNode = string | { tag: string; attrs: [string, string][]; children: HtmlNode[] };

/** Content rendered for this visitor: templates filled, markup sanitised, URLs checked. */
export interface RenderedContent {
  text?: string;
  /** The sanitised markup as a string (safe to inspect; Attune itself builds `nodes`). */
  html?: string;
  /** The same markup as a tree, for renderers that build DOM or virtual DOM nodes. */
  nodes?: HtmlNode[];
  attributes?: Record<string, string>;
  classes?: { add: string[]; remove: string[] };
  hide?: true;
  show?: true;
}

/** The experiment's part of a decision. */
export interface ExperimentResult {
  key: string;
  /** The assigned variant, `null` in the holdout or outside coverage. */
  variant: string | null;
  inExperiment: boolean;
  holdout: boolean;
  hashAttribute: string;
  hashValue: string;
  /** The hash in [0, 1) the bucket was chosen with; `null` when a stored (sticky) assignment was reused. */
  bucket: number | null;
  /** Whether a stored assignment was reused. */
  sticky: boolean;
}

/** The decision for one slot. */
export interface Decision {
  slot: string;
  selector?: string;
  /** The chosen variant id, or `null` when the slot keeps its default markup. */
  variant: string | null;
  content: RenderedContent | null;
  experiment?: ExperimentResult;
  reason: 'matched' | 'experiment' | 'holdout' | 'capped' | 'default';
}

/** Impression counts against limits: `counts` is [session, day, week, lifetime]. */
export interface CapState {
  limits: Caps;
  counts: [number, number, number, number];
  /** The first limit reached, if any. */
  capped: 'session' | 'day' | 'week' | 'lifetime' | null;
}

/** The trace behind a decision (`explain(slot)`). */
export interface Explanation {
  slot: string;
  chosen: string | null;
  reason: Decision['reason'];
  /** The placement's caps over all its variants. */
  caps: CapState;
  experiment?: { key: string; outcome: 'assigned' | 'holdout' | 'condition' | 'coverage' | 'no hash value' | 'fewer than 2 variants'; assignment?: ExperimentResult };
  variants: {
    id: string;
    /** Condition holds, under caps, not suppressed. */
    eligible: boolean;
    /** `failing` is the path of the first failing sub-condition, e.g. `$and[1].traits.plan`. */
    when: { matched: boolean; failing: string | null };
    caps: CapState;
    suppressed: { by: string | null };
    participating: boolean;
  }[];
}

/** Every error Attune throws or rejects with. */
export interface AttuneError extends Error {
  name: 'AttuneError';
  /** Stable machine-readable code, e.g. `invalid_config`, `invalid_input`, `event_too_large`. */
  code: string;
  /** JSON path of the offending value, e.g. `segments.vip.when.$and[1].visits.$gt`. */
  path: string;
}

/** A running SDK instance: what `init(config)` resolves to (a type only; the package exports no such value). */
export interface Attune {
  /** Records a page view. */
  page(name?: string | Record<string, Json>, properties?: Record<string, Json>): void;
  /** Records a named action. */
  track(event: string, properties?: Record<string, Json>): void;
  /** Identifies the visitor and merges traits (later wins, `null` deletes). */
  identify(userId?: string | Record<string, Json>, traits?: Record<string, Json>): void;
  /** Associates the visitor with a group. */
  group(groupId: string, traits?: Record<string, Json>): void;
  /** Links the visitor's ids: `userId` and the previous one (default: the current id). */
  alias(userId: string, previousId?: string): void;
  /** Starts a new anonymous identity with an empty profile. */
  reset(): void;
  /** Updates consent (`{ analytics: true, marketing: false }`) and returns the new state. */
  consent(changes: Partial<Record<'analytics' | 'personalization' | 'marketing', boolean>>): ConsentState;
  /** The consent state now. */
  consentState(): ConsentState;
  /**
   * Erases everything Attune keeps on this device and starts a fresh identity; with
   * `collector.forgetUrl` asks the collector to delete the old ids. Resolves once that
   * request was answered (or at once).
   */
  forget(): Promise<void>;
  /** Names of the segments the visitor is in now. */
  segments(): string[];
  /** The decision for one slot, without touching the DOM; `null` if no placement names it. */
  decide(slot: string): Decision | null;
  /** A plain JSON snapshot of the visitor profile. */
  profile(): Record<string, Json>;
  /** The attribute document the rules read. */
  attributes(): Record<string, Json>;
  /** Sends everything queued now; `pending` is 0 once every collector acknowledged everything. */
  flush(): Promise<{ sent: number; pending: number; failed: number }>;
  /** The trace of the decision for one slot; `null` if no placement names it. */
  explain(slot: string): Explanation | null;
  /**
   * Records an impression of what the slot shows now (`Experience Viewed`, exposure ledger).
   * Attune does this itself for slots it paints; call it when you render yourself. `false` for default
   * markup, except in an experiment's holdout (tracked with `variant: null, holdout: true`).
   */
  viewed(slot: string): boolean;
  /** Records a click on what the slot shows now (`Experience Clicked`). */
  clicked(slot: string): boolean;
  /** Re-applies every slot's decision to the page. */
  render(): void;
  /**
   * Adds a listener for `error` (the first one also gets the errors reported before it),
   * `segment:enter`, `segment:exit`, `profile` or `delivery`.
   */
  on(event: 'error', callback: (error: AttuneError) => void): this;
  on(event: 'segment:enter' | 'segment:exit', callback: (segment: string) => void): this;
  on(event: 'profile', callback: (profile: Record<string, Json>) => void): this;
  on(event: 'delivery', callback: (report: DeliveryReport) => void): this;
  /** Removes a listener. */
  off(event: string, callback: (...args: any[]) => void): this;
  /** A read-only snapshot for debugging (what the debug overlay shows); `null` while busy. */
  inspect(): Inspection | null;
}

/** What {@link Attune.inspect} returns. */
export interface Inspection {
  /** Identity, channel and touches, session, traits, events, metrics, affinities, exposures, experiments. */
  profile: Record<string, Json>;
  /** Every configured segment: membership and the attribute values its condition read. */
  segments: { name: string; member: boolean; when: Condition; values: Record<string, Json> }[];
  /** Events kept for a collector, in flight, held for consent, and this page's delivery totals. */
  outbox: { queued: number; inFlight: number; held: number; sent: number; failed: number; dropped: number; rejected: number };
  /** The consent state. */
  consent: Record<string, Json>;
  /** Slot ids of every placement. */
  slots: string[];
}

/** Opens (or with `on === false` closes) the debug overlay; its code is loaded only on the first call. Browser only. */
export declare function debug(sdk: Attune, on?: boolean): Promise<boolean>;

/** Starts Attune for this visitor. Rejects with an {@link AttuneError} on an invalid config. */
export declare function init(config: AttuneConfig): Promise<Attune>;

/**
 * Evaluates a GrowthBook-compatible condition against attributes (no `init` needed).
 * Conditions compiled by earlier calls are kept (up to 1,024 and 1 MiB of JSON text, found
 * by their JSON text; all are dropped when full), and so are the last attributes, so
 * repeated calls neither recompile nor reparse; an object changed between calls is read
 * anew. To test many conditions against the same attributes, {@link ConditionSet} is faster.
 */
export declare function evalCondition(condition: Condition, attributes: Record<string, Json>, savedGroups?: Record<string, Json[]>): boolean;

/** Many conditions compiled once and evaluated together (what segments do internally). */
export declare class ConditionSet {
  constructor(conditions: Condition[], savedGroups?: Record<string, Json[]>);
  /** Number of conditions. */
  readonly length: number;
  /** How many conditions hold for `attributes`. */
  countMatching(attributes: Record<string, Json>): number;
  /** One 0/1 per condition, in order. */
  evaluate(attributes: Record<string, Json>): Uint8Array;
  free(): void;
}

/** GrowthBook's deterministic hash (FNV-1a 32-bit over UTF-16): a number in `[0, 1)` for versions 1 and 2, else `null`. */
export declare function hash(seed: string, value: string, version: number): number | null;
