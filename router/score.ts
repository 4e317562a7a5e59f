import type { StatsSummary } from './stats.ts';

/**
 * Which provider serves a request. Each candidate gets a score in [0, 1], the weighted sum of five
 * parts, each in [0, 1]:
 *
 * | part       | weight | value                                                                       |
 * |------------|--------|-----------------------------------------------------------------------------|
 * | success    | 0.30   | (successes + 2 × 0.9) / (samples + 2): a failure costs a retry and latency   |
 * | price      | 0.25   | cheapest positive price / price (1 for the cheapest, and for free ones)      |
 * | ttft       | 0.20   | 500 / (500 + mean ms to first token): 1 when instant, ½ at 500 ms            |
 * | throughput | 0.15   | tps / (tps + 30): ½ at 30 tokens/s                                          |
 * | stake      | 0.10   | stake / largest stake among the candidates (0 when nobody stakes)            |
 *
 * Why these, against Lumerin's proxy-router (tps .24, ttft .08, duration .24, success .32, stake
 * .12): the agent's replies are short structured outputs (an intent list), so the wait for the
 * first token weighs more and throughput less, and Lumerin's "duration" is mostly their sum, so it
 * is not counted twice; the person running the router pays, so price has its own weight; and stake
 * is declared in the signed registration but not yet checked on-chain, so it weighs least.
 *
 * A rejected usage receipt is a failure in the success part, and scales the whole score by `trust`,
 * 1 − rejected receipts / samples: a provider whose only recent reply carried a false claim scores 0,
 * so one rejection is enough to put every provider without one ahead of it, however cheap it is (a
 * cheap forger must not keep winning on price while its samples say nothing about its speed). One
 * false rejection among many accepted receipts costs little: 1 in 20 scales by 0.95.
 *
 * No stats is a neutral prior, not a verdict: a provider not yet measured scores ½ on time to first
 * token and throughput (a 500 ms, 30 tokens/s provider) and 0.9 on success. So an unmeasured
 * provider is tried when it is cheaper, or when the measured ones are worse than that typical one;
 * and since samples expire (stats.ts), a provider is measured again after a while.
 *
 * The order: the local Ollama first when it is preferred (the default) and up; then providers whose
 * last probe succeeded, by score; then the rest, by score, as a last resort. Ties go to the
 * cheaper, then to the lower id, so the order is deterministic.
 */

export type ScoreWeights = { success: number; price: number; ttft: number; throughput: number; stake: number };

export const DEFAULT_WEIGHTS: ScoreWeights = { success: 0.3, price: 0.25, ttft: 0.2, throughput: 0.15, stake: 0.1 };

/** The time to first token that scores ½. */
export const TTFT_REFERENCE_MS = 500;
/** The throughput that scores ½. */
export const THROUGHPUT_REFERENCE_TPS = 30;
/** The success rate assumed before any sample, and how many samples it is worth. */
export const PRIOR_SUCCESS = 0.9;
export const PRIOR_WEIGHT = 2;

export type ScoreInput = {
  /** The provider's address, or "local". */
  id: string;
  local: boolean;
  /** Whether its last health probe succeeded (true before the first probe). */
  up: boolean;
  pricePerMTokens: bigint;
  stake: bigint;
  stats: StatsSummary;
};

export type ScoreParts = ScoreWeights;

export type Scored<T extends ScoreInput = ScoreInput> = T & {
  score: number;
  parts: ScoreParts;
  /** 1 − rejected receipts / samples (1 with no samples): what the weighted parts are multiplied by. */
  trust: number;
};

export function scoreCandidates<T extends ScoreInput>(
  candidates: readonly T[],
  weights: ScoreWeights = DEFAULT_WEIGHTS,
): Scored<T>[] {
  let cheapest = 0n;
  let largestStake = 0n;
  for (const { pricePerMTokens: price, stake } of candidates) {
    // Prices and stakes are bigints: Math.min and Math.max do not take them.
    if (price > 0n && (cheapest === 0n || price < cheapest)) cheapest = price;
    if (stake > largestStake) largestStake = stake;
  }
  return candidates.map((candidate) => {
    const { stats } = candidate;
    const parts: ScoreParts = {
      success: (stats.samples - stats.failures + PRIOR_WEIGHT * PRIOR_SUCCESS) / (stats.samples + PRIOR_WEIGHT),
      price: candidate.pricePerMTokens === 0n ? 1 : Number(cheapest) / Number(candidate.pricePerMTokens),
      ttft: stats.ttftMs === undefined ? 0.5 : TTFT_REFERENCE_MS / (TTFT_REFERENCE_MS + stats.ttftMs),
      throughput:
        stats.tokensPerSecond === undefined
          ? 0.5
          : stats.tokensPerSecond / (stats.tokensPerSecond + THROUGHPUT_REFERENCE_TPS),
      stake: largestStake === 0n ? 0 : Number(candidate.stake) / Number(largestStake),
    };
    const trust = stats.samples === 0 ? 1 : 1 - stats.rejectedReceipts / stats.samples;
    const score =
      trust *
      (weights.success * parts.success +
        weights.price * parts.price +
        weights.ttft * parts.ttft +
        weights.throughput * parts.throughput +
        weights.stake * parts.stake);
    return { ...candidate, score, parts, trust };
  });
}

/** The candidates in the order they are tried (see above). */
export function orderCandidates<T extends ScoreInput>(
  candidates: readonly T[],
  options: { weights?: ScoreWeights; preferLocal?: boolean } = {},
): Scored<T>[] {
  const preferLocal = options.preferLocal ?? true;
  const rank = (c: Scored<T>) => (preferLocal && c.local && c.up ? 0 : c.up ? 1 : 2);
  return scoreCandidates(candidates, options.weights).sort(
    (a, b) =>
      rank(a) - rank(b) ||
      b.score - a.score ||
      (a.pricePerMTokens < b.pricePerMTokens ? -1 : a.pricePerMTokens > b.pricePerMTokens ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
