import { withTag } from './wire/ollama.ts';

/**
 * Rolling statistics per provider and model, from the requests the router itself sent: success
 * rate, time to first token, throughput. In memory: they describe the last half hour at most, and a
 * restarted router measures afresh. A provider's samples expire, so one that was bad once is tried
 * again once its record has aged out.
 */

export type Outcome =
  | {
      ok: true;
      ttftMs: number;
      /** Completion tokens the router counted, and how long generation took after the first token. */
      completionTokens: number;
      generationMs: number;
    }
  /**
   * A failure counts against the provider: an error, a broken time limit, a rejected receipt. A
   * rejected receipt (`receiptRejected`) also scales the provider's whole score down (score.ts): the
   * reply came, but its claim was false.
   */
  | { ok: false; reason: string; receiptRejected?: boolean };

type Sample = {
  at: number;
  ok: boolean;
  ttftMs?: number;
  tokensPerSecond?: number;
  reason?: string;
  receiptRejected?: boolean;
};

export type StatsSummary = {
  samples: number;
  failures: number;
  /** How many of the failures are rejected receipts. */
  rejectedReceipts: number;
  /** Mean over the successful samples; undefined when there are none. */
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
  lastFailure: string | undefined;
};

export type StatsOptions = {
  /** The most samples kept per provider and model (default 50). */
  windowSize?: number;
  /** Samples older than this are forgotten (default 30 minutes). */
  maxAgeMs?: number;
  now?: () => number;
};

/**
 * A rate over a short burst is noise (a backend that writes its whole reply at once looks infinitely
 * fast): throughput is sampled only when generation lasted at least this long and made this many tokens.
 */
export const MIN_GENERATION_MS = 100;
export const MIN_GENERATION_TOKENS = 8;

export class RollingStats {
  private readonly windows = new Map<string, Sample[]>();
  private readonly windowSize: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: StatsOptions = {}) {
    this.windowSize = options.windowSize ?? 50;
    this.maxAgeMs = options.maxAgeMs ?? 30 * 60_000;
    this.now = options.now ?? Date.now;
  }

  record(providerId: string, model: string, outcome: Outcome): void {
    const key = keyOf(providerId, model);
    const window = this.windows.get(key) ?? [];
    const sample: Sample = outcome.ok
      ? { at: this.now(), ok: true, ttftMs: outcome.ttftMs }
      : {
          at: this.now(),
          ok: false,
          reason: outcome.reason,
          ...(outcome.receiptRejected ? { receiptRejected: true } : {}),
        };
    if (outcome.ok && outcome.generationMs >= MIN_GENERATION_MS && outcome.completionTokens >= MIN_GENERATION_TOKENS) {
      sample.tokensPerSecond = outcome.completionTokens / (outcome.generationMs / 1000);
    }
    window.push(sample);
    if (window.length > this.windowSize) window.splice(0, window.length - this.windowSize);
    this.windows.set(key, window);
  }

  summary(providerId: string, model: string): StatsSummary {
    const cutoff = this.now() - this.maxAgeMs;
    const window = (this.windows.get(keyOf(providerId, model)) ?? []).filter((sample) => sample.at >= cutoff);
    const ttfts = window.flatMap((sample) => (sample.ttftMs === undefined ? [] : [sample.ttftMs]));
    const rates = window.flatMap((sample) => (sample.tokensPerSecond === undefined ? [] : [sample.tokensPerSecond]));
    const failures = window.filter((sample) => !sample.ok);
    return {
      samples: window.length,
      failures: failures.length,
      rejectedReceipts: failures.filter((sample) => sample.receiptRejected).length,
      ttftMs: mean(ttfts),
      tokensPerSecond: mean(rates),
      lastFailure: failures.at(-1)?.reason,
    };
  }
}

function keyOf(providerId: string, model: string): string {
  return `${providerId.toLowerCase()} ${withTag(model)}`;
}

function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
