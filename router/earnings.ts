import type { Address } from 'viem';
import type { Db } from '../common/database.ts';
import { computeContributions, receiptCounts } from './receipts.ts';

/**
 * A provider's earnings, from the router's receipts: the tokens of its accepted receipts, per epoch
 * the emissions module has settled, and since the last settled epoch; its share of the compute
 * bucket (its accepted tokens over every provider's in the period, which is how the bucket is split);
 * and, for a settled epoch, what the compute bucket paid it.
 *
 * The settled epochs come from the emissions module (emissions/compute-settlements.ts), given by
 * the composition root (app/cli.ts): the router stands below the emissions module and may not import
 * it, nor read its tables behind its back. Without it, every receipt counts as not yet settled. The
 * compute bucket is 24% of each epoch's emission (emissions/README.md).
 */

/** One settled epoch's compute bucket, as the emissions module keeps it. */
export type ComputeEpoch = {
  epoch: number;
  /** Unix seconds: the epoch's period [from, until). */
  from: number;
  until: number;
  /** The bucket's split (emitted + carried in = paid + carried on), in wei; undefined when it has none. */
  bucket: { emitted: bigint; carriedIn: bigint; paid: bigint } | undefined;
  /** What the bucket paid each provider, in wei, by lower-case address. */
  payouts: ReadonlyMap<string, bigint>;
};

/** The settled epochs' compute buckets, oldest first; undefined when nothing was ever settled in this database. */
export type ComputeSettlements = (db: Db) => ComputeEpoch[] | undefined;

export type PeriodEarnings = {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** prompt + completion tokens of the provider's accepted receipts. */
  tokens: number;
  /** Every provider's accepted tokens in the period. */
  allTokens: number;
  /** tokens / allTokens (0 when nobody served): the provider's share of the compute bucket. */
  share: number;
};

export type SettledEpochEarnings = PeriodEarnings & {
  epoch: number;
  /** ISO timestamps: the epoch's period [from, until). */
  from: string;
  until: string;
  /** The compute bucket's split in the epoch (emitted + carried in = paid + carried on), in wei. */
  bucket: { emitted: bigint; carriedIn: bigint; paid: bigint } | undefined;
  /** What the compute bucket paid this provider, in wei of the reward token. */
  payout: bigint;
};

export type EarningsReport = {
  provider: Address;
  /** Settled epochs in which the provider served or was paid, oldest first. */
  settled: SettledEpochEarnings[];
  /** Accepted receipts after the last settled epoch (all of them when none is settled). */
  unsettled: PeriodEarnings & { from: string | undefined };
  /** Receipts of the provider the router rejected (they earn nothing). */
  rejectedReceipts: number;
  /** Whether the database holds the emissions module's settlements at all. */
  emissionsSettled: boolean;
};

export function providerEarnings(db: Db, provider: Address, settlements?: ComputeSettlements): EarningsReport {
  const epochs = settlements?.(db);
  const settled = (epochs ?? []).flatMap((row): SettledEpochEarnings[] => {
    const from = new Date(row.from * 1000).toISOString();
    const until = new Date(row.until * 1000).toISOString();
    const period = periodEarnings(db, provider, { from, until });
    const payout = row.payouts.get(provider.toLowerCase()) ?? 0n;
    if (period.requests === 0 && payout === 0n) return [];
    return [{ epoch: row.epoch, from, until, ...period, bucket: row.bucket, payout }];
  });
  const last = epochs?.at(-1);
  const unsettledFrom = last ? new Date(last.until * 1000).toISOString() : undefined;
  const rejectedReceipts = receiptCounts(db).get(provider.toLowerCase())?.rejected ?? 0;
  return {
    provider,
    settled,
    unsettled: { from: unsettledFrom, ...periodEarnings(db, provider, unsettledFrom ? { from: unsettledFrom } : {}) },
    rejectedReceipts,
    emissionsSettled: epochs !== undefined,
  };
}

function periodEarnings(db: Db, provider: Address, period: { from?: string; until?: string }): PeriodEarnings {
  const contributions = computeContributions(db, period);
  const own = contributions.find((c) => c.provider.toLowerCase() === provider.toLowerCase());
  const allTokens = contributions.reduce((sum, c) => sum + c.promptTokens + c.completionTokens, 0);
  const tokens = own ? own.promptTokens + own.completionTokens : 0;
  return {
    requests: own?.requests ?? 0,
    promptTokens: own?.promptTokens ?? 0,
    completionTokens: own?.completionTokens ?? 0,
    tokens,
    allTokens,
    share: allTokens === 0 ? 0 : tokens / allTokens,
  };
}

/** The report as JSON (wei as decimal strings): what GET /router/earnings answers and `--json` prints. */
export function earningsJson(report: EarningsReport) {
  return {
    ...report,
    settled: report.settled.map((epoch) => ({
      ...epoch,
      bucket: epoch.bucket
        ? {
            emitted: epoch.bucket.emitted.toString(),
            carriedIn: epoch.bucket.carriedIn.toString(),
            paid: epoch.bucket.paid.toString(),
          }
        : null,
      payout: epoch.payout.toString(),
    })),
    unsettled: { ...report.unsettled, from: report.unsettled.from ?? null },
  };
}

export type EarningsJson = ReturnType<typeof earningsJson>;
