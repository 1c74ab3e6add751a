/** What the SDK's reads return: decisions, traces, consent, delivery counts, the debug snapshot. */

import type { Caps, Condition, Json } from './config.js';

/** The consent state (`consentState()`, what `consent(changes)` returns). */
export interface ConsentState {
  /** Always true: the consent choice itself. */
  necessary: boolean;
  /** Tracking events and delivering them. */
  analytics: boolean;
  /** Keeping the profile in storage and deciding content from it. */
  personalization: boolean;
  /** Exposures and segment changes shared with other channels, traits in outgoing events. */
  marketing: boolean;
  /** Global Privacy Control is set in the browser. */
  gpc: boolean;
  /** Do Not Track is set in the browser. */
  doNotTrack: boolean;
  mode: 'opt-in' | 'opt-out';
}

/** The consent categories a page can grant or revoke. */
export type ConsentChanges = Partial<Record<'analytics' | 'personalization' | 'marketing', boolean>>;

/** What `on('delivery')` listeners receive: counts since the previous report. */
export interface DeliveryReport {
  /** Events acknowledged by a collector. */
  sent: number;
  /** Send attempts that failed (retried later). */
  failed: number;
  /** Events dropped by the outbox's bounds. */
  dropped: number;
  /** Events a collector refused for good (a 4xx). */
  rejected: number;
  /** Events still waiting for a collector. */
  pending: number;
}

/** What `flush()` resolves to; `pending` is 0 once every collector acknowledged everything. */
export interface FlushResult {
  /** Events acknowledged in this flush. */
  sent: number;
  /** Events still waiting. */
  pending: number;
  /** Events whose send failed in this flush. */
  failed: number;
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
  experiment?: {
    key: string;
    outcome: 'assigned' | 'holdout' | 'condition' | 'coverage' | 'no hash value' | 'fewer than 2 variants';
    assignment?: ExperimentResult;
  };
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

/** What `inspect()` returns: the read-only snapshot the debug overlay shows. */
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
