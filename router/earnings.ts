import type { Address } from 'viem';
import type { Db } from '../common/database.ts';
import { computeContributions, receiptCounts } from './receipts.ts';

/**
 * A provider's earnings, from the router's receipts: the tokens of its accepted receipts, per epoch
 * the emissions module has settled, and since the last settled epoch; its share of the compute
 * bucket (its accepted tokens over every provider's in the period, which is how the bucket is split);
 * and, for a settled epoch, what the compute bucket paid it.
 *
 * The settled epochs are read from the emissions module's tables in the same database
 * (`emission_epochs`, `emission_bucket_settlements`), with SQL of this file's own: the router stands
 * below the emissions module and may not import it. Read-only, and only when those tables exist (a
 * router's database where nothing was ever settled has none). The compute bucket is 24% of each
 * epoch's emission (emissions/README.md).
 */

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

type EpochRow = {
  epoch: number;
  period_from: number;
  period_to: number;
  emitted: string | null;
  carried_in: string | null;
  paid: string | null;
  payouts: Buffer | null;
};

export function providerEarnings(db: Db, provider: Address): EarningsReport {
  const epochs = settledEpochs(db);
  const settled = (epochs ?? []).flatMap((row): SettledEpochEarnings[] => {
    const from = new Date(row.period_from * 1000).toISOString();
    const until = new Date(row.period_to * 1000).toISOString();
    const period = periodEarnings(db, provider, { from, until });
    const payout = row.payouts ? payoutOf(row.payouts, provider) : 0n;
    if (period.requests === 0 && payout === 0n) return [];
    return [
      {
        epoch: row.epoch,
        from,
        until,
        ...period,
        bucket:
          row.emitted === null || row.carried_in === null || row.paid === null
            ? undefined
            : { emitted: BigInt(row.emitted), carriedIn: BigInt(row.carried_in), paid: BigInt(row.paid) },
        payout,
      },
    ];
  });
  const last = epochs?.at(-1);
  const unsettledFrom = last ? new Date(last.period_to * 1000).toISOString() : undefined;
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

/** The settled epochs with their compute bucket, oldest first; undefined when the emissions tables are absent. */
function settledEpochs(db: Db): EpochRow[] | undefined {
  const tables = new Set(
    (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('emission_epochs', 'emission_bucket_settlements')",
        )
        .all() as { name: string }[]
    ).map((row) => row.name),
  );
  if (!tables.has('emission_epochs') || !tables.has('emission_bucket_settlements')) return undefined;
  const packed = (db.prepare('PRAGMA table_info(emission_bucket_settlements)').all() as { name: string }[]).some(
    (column) => column.name === 'payouts',
  );
  return db
    .prepare(
      `SELECT e.epoch, e.period_from, e.period_to, b.emitted, b.carried_in, b.paid, ${packed ? 'b.payouts' : 'NULL AS payouts'}
       FROM emission_epochs e LEFT JOIN emission_bucket_settlements b ON b.epoch = e.epoch AND b.bucket = 'compute'
       ORDER BY e.epoch`,
    )
    .all() as EpochRow[];
}

/** A bucket's payouts are stored packed, 52 bytes each: the 20-byte address, then the amount as a 256-bit big-endian integer. */
const PAYOUT_BYTES = 52;

function payoutOf(packed: Buffer, provider: Address): bigint {
  const wanted = provider.slice(2).toLowerCase();
  for (let at = 0; at + PAYOUT_BYTES <= packed.length; at += PAYOUT_BYTES) {
    if (packed.toString('hex', at, at + 20) === wanted) {
      return BigInt(`0x${packed.toString('hex', at + 20, at + PAYOUT_BYTES)}`);
    }
  }
  return 0n;
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
