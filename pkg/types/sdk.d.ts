/** The SDK instance `init(config)` resolves to, its events and its errors. */

import type { Json } from './config.js';
import type {
  ConsentChanges, ConsentState, Decision, DeliveryReport, Explanation, FlushResult, Inspection,
} from './results.js';

/** Every error Attune throws or rejects with, or reports through `on('error')`. */
export interface AttuneError extends Error {
  name: 'AttuneError';
  /**
   * Stable machine-readable code: `invalid_config`, `invalid_input`, `event_too_large`,
   * `storage_unavailable`, `storage_corrupt`, `collector_rejected`, `remote_failed`, `wasm_unavailable`
   * (the wasm could not be fetched or compiled: the message names the URL and the likely cause),
   * `not_loaded` (a pure function called before `init` or `load`), `script_unavailable` (the
   * script tag's `attune.js` failed to load).
   */
  code: string;
  /** JSON path of the offending value (e.g. `segments.vip.when.$and[1].visits.$gt`, `colector`), storage key or URL. */
  path: string;
}

/** Properties or traits: a JSON object. */
export type Properties = Record<string, Json>;

/** A Segment-spec event as delivered (what a collector's `transform` receives). */
export interface AttuneEvent {
  type: 'track' | 'page' | 'identify' | 'group' | 'alias';
  messageId: string;
  anonymousId: string;
  /** ISO 8601 time of the call. */
  timestamp: string;
  [field: string]: Json;
}

/** Each event `on` takes and what its listeners receive. */
export interface AttuneEvents {
  /** Errors reported after `init` (the first listener also gets those reported before it). */
  error: AttuneError;
  /** A segment the visitor entered. */
  'segment:enter': string;
  /** A segment the visitor left. */
  'segment:exit': string;
  /** The profile after it changed. */
  profile: Properties;
  /** Delivery counts since the previous report. */
  delivery: DeliveryReport;
}

/** An event name `on`/`off` take. */
export type AttuneEventName = keyof AttuneEvents;

/** A running SDK instance: what `init(config)` resolves to (a type only; the package exports no such value). */
export interface Attune {
  /** Records a page view: `page()`, `page(name)`, `page(properties)` or `page(name, properties)`. */
  page(name?: string, properties?: Properties): void;
  page(properties: Properties): void;
  /** Records a named action (`event` not empty). */
  track(event: string, properties?: Properties): void;
  /** Identifies the visitor and merges traits (later wins, `null` deletes): `identify(userId, traits?)` or `identify(traits)`. */
  identify(userId?: string, traits?: Properties): void;
  identify(traits: Properties): void;
  /** Associates the visitor with a group. */
  group(groupId: string, traits?: Properties): void;
  /** Links the visitor's ids: `userId` and the previous one (default: the current id). */
  alias(userId: string, previousId?: string): void;
  /** Starts a new anonymous identity with an empty profile. */
  reset(): void;
  /** Updates consent (`{ analytics: true, marketing: false }`) and returns the new state. */
  consent(changes: ConsentChanges): ConsentState;
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
  /** A plain JSON snapshot of the visitor profile. */
  profile(): Properties;
  /** The attribute document the rules read. */
  attributes(): Properties;
  /** The decision for one slot, without touching the DOM; `null` if no placement names it. */
  decide(slot: string): Decision | null;
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
  /** Re-applies every slot's decision to the page (after it added slots). */
  render(): void;
  /** Sends everything queued now. */
  flush(): Promise<FlushResult>;
  /** A read-only snapshot for debugging (what the debug overlay shows). */
  inspect(): Inspection;
  /** Adds a listener for errors; the first one also gets the errors reported before it (init's config warnings among them). */
  on(event: 'error', callback: (error: AttuneError) => void): this;
  /** Adds a listener for segment changes. */
  on(event: 'segment:enter' | 'segment:exit', callback: (segment: string) => void): this;
  /** Adds a listener for profile changes. */
  on(event: 'profile', callback: (profile: Properties) => void): this;
  /** Adds a listener for delivery counts. */
  on(event: 'delivery', callback: (report: DeliveryReport) => void): this;
  /** Removes an error listener added with `on`. */
  off(event: 'error', callback: (error: AttuneError) => void): this;
  /** Removes a segment listener added with `on`. */
  off(event: 'segment:enter' | 'segment:exit', callback: (segment: string) => void): this;
  /** Removes a profile listener added with `on`. */
  off(event: 'profile', callback: (profile: Properties) => void): this;
  /** Removes a delivery listener added with `on`. */
  off(event: 'delivery', callback: (report: DeliveryReport) => void): this;
}

/** The names of the SDK's methods. */
export type AttuneMethod = keyof Attune;
