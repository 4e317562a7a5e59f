import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, orderCandidates, type ScoreInput, scoreCandidates } from './score.ts';
import type { StatsSummary } from './stats.ts';

const unmeasured: StatsSummary = {
  samples: 0,
  failures: 0,
  rejectedReceipts: 0,
  ttftMs: undefined,
  tokensPerSecond: undefined,
  lastFailure: undefined,
};

function candidate(id: string, change: Partial<ScoreInput> = {}): ScoreInput {
  return { id, local: false, up: true, pricePerMTokens: 10n, stake: 0n, stats: unmeasured, ...change };
}

const measured = (ttftMs: number, tokensPerSecond: number | undefined, samples = 10, failures = 0): StatsSummary => ({
  samples,
  failures,
  rejectedReceipts: 0,
  ttftMs,
  tokensPerSecond,
  lastFailure: undefined,
});

describe('the score', () => {
  it('weights sum to one', () => {
    expect(Object.values(DEFAULT_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('gives an unmeasured provider the neutral prior: ½ on speed, 0.9 on success', () => {
    const [scored] = scoreCandidates([candidate('a')]);
    expect(scored?.parts).toEqual({ success: 0.9, price: 1, ttft: 0.5, throughput: 0.5, stake: 0 });
  });

  it('scores price against the cheapest positive price, and free as 1', () => {
    const scored = scoreCandidates([
      candidate('free', { pricePerMTokens: 0n }),
      candidate('a', { pricePerMTokens: 10n }),
      candidate('b', { pricePerMTokens: 40n }),
    ]);
    expect(scored.map((c) => c.parts.price)).toEqual([1, 1, 0.25]);
  });

  it('orders by score: cheaper at equal stats, faster at equal price, ties by price then id', () => {
    expect(orderCandidates([candidate('a', { pricePerMTokens: 20n }), candidate('b')]).map((c) => c.id)).toEqual([
      'b',
      'a',
    ]);
    const bySpeed = orderCandidates([
      candidate('slow', { stats: measured(900, 20) }),
      candidate('fast', { stats: measured(80, 60) }),
    ]);
    expect(bySpeed.map((c) => c.id)).toEqual(['fast', 'slow']);
    expect(orderCandidates([candidate('b'), candidate('a')]).map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('lets failures outweigh a lower price', () => {
    const order = orderCandidates([
      candidate('flaky', { pricePerMTokens: 9n, stats: measured(50, 50, 10, 5) }),
      candidate('steady', { pricePerMTokens: 10n, stats: measured(50, 50, 10, 0) }),
    ]);
    expect(order.map((c) => c.id)).toEqual(['steady', 'flaky']);
  });

  it('tries an unmeasured provider before a measured one worse than typical, not before a good one', () => {
    const slow = candidate('slow', { stats: measured(2_000, 5) });
    const good = candidate('good', { stats: measured(100, 80) });
    expect(orderCandidates([slow, candidate('new')]).map((c) => c.id)).toEqual(['new', 'slow']);
    expect(orderCandidates([good, candidate('new')]).map((c) => c.id)).toEqual(['good', 'new']);
  });

  it('puts the local Ollama first when preferred and up, and providers that failed their probe last', () => {
    const local = candidate('local', { local: true, pricePerMTokens: 0n, stats: measured(3_000, 5) });
    const down = candidate('down', { up: false, pricePerMTokens: 1n });
    const remote = candidate('remote', { stats: measured(50, 100) });
    expect(orderCandidates([down, remote, local]).map((c) => c.id)).toEqual(['local', 'remote', 'down']);
    expect(orderCandidates([down, remote, local], { preferLocal: false }).map((c) => c.id)).toEqual([
      'remote',
      'local',
      'down',
    ]);
    expect(orderCandidates([down, remote, { ...local, up: false }]).map((c) => c.id)).toEqual([
      'remote',
      'down',
      'local',
    ]);
  });

  it('counts stake relative to the largest', () => {
    const scored = scoreCandidates([candidate('a', { stake: 100n }), candidate('b', { stake: 25n })]);
    expect(scored.map((c) => c.parts.stake)).toEqual([1, 0.25]);
  });

  it('scales the whole score by the share of samples that are not rejected receipts: one rejection outweighs a fifth of the price', () => {
    const forger = candidate('forger', {
      pricePerMTokens: 1n,
      stats: { ...unmeasured, samples: 1, failures: 1, rejectedReceipts: 1, lastFailure: 'receipt rejected' },
    });
    const honest = candidate('honest', { pricePerMTokens: 5n });
    const order = orderCandidates([forger, honest]);
    expect(order.map((c) => [c.id, c.trust, Number(c.score.toFixed(4))])).toEqual([
      ['honest', 1, 0.495],
      ['forger', 0, 0],
    ]);
    // One rejection among twenty samples costs a twentieth of the score, and counts as a failure.
    const [mostly] = scoreCandidates([
      candidate('mostly', { stats: { ...measured(100, 50, 20, 1), rejectedReceipts: 1 } }),
    ]);
    expect(mostly?.trust).toBe(0.95);
    expect(mostly?.parts.success).toBeCloseTo((19 + 1.8) / 22, 10);
  });
});
