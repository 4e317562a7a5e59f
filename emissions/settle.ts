import type { Db } from '../common/database.ts';
import { EmissionsError } from './config.ts';
import { computeEpochSettlement, settlementDigest } from './epoch.ts';
import { bucketWeights, type Contribution, recordContributions } from './ledger/ledger.ts';
import { BUCKETS, type Bucket, dayStart, type Schedule } from './schedule.ts';
import type { Weight } from './settlement.ts';
import { type EpochRecord, getEpoch, latestEpoch, saveSettlement, storedBuckets } from './store.ts';

export type SettleOptions = {
  schedule: Schedule;
  epoch: number;
  /** Unix seconds now: only an epoch that has ended can be settled. */
  now: number;
  /** Every bucket's contributions for the epoch, from their source records. */
  collect: (epoch: number) => Promise<Contribution[]>;
  /** Settle even though epochs between the last settled one and this one are not: they pay nothing, for good. */
  allowGap?: boolean;
  progress?: (line: string) => void;
};

/**
 * Settles an epoch once: collects its contributions into the ledger, splits each bucket's emission
 * plus what the last settled epoch carried on, and stores the result with every claim's proof. An
 * epoch already settled is returned as stored (settlement is final); epochs settle in order, each
 * carrying its remainder to the next one settled, and skipping one needs `allowGap` (it then pays
 * nothing, for good).
 */
export async function settleEpoch(
  db: Db,
  options: SettleOptions,
): Promise<{ record: EpochRecord; created: boolean; contributionsAdded: number }> {
  const { schedule, epoch } = options;
  const progress = options.progress ?? (() => {});
  if (!Number.isInteger(epoch) || epoch < 0) throw new EmissionsError(`An epoch is a number from 0, not ${epoch}.`);
  const existing = getEpoch(db, epoch);
  if (existing) return { record: existing, created: false, contributionsAdded: 0 };
  const end = dayStart(schedule, epoch + 1);
  if (end > options.now) {
    throw new EmissionsError(
      `Epoch ${epoch} runs until ${new Date(end * 1000).toISOString()}; it can be settled once it is over.`,
      { hint: lastFinishedHint(schedule, options.now) },
    );
  }
  const previous = latestEpoch(db);
  if (previous && previous.epoch > epoch) {
    throw new EmissionsError(
      `Epoch ${previous.epoch} is already settled; epochs settle in order, so epoch ${epoch} no longer can.`,
      { hint: 'An epoch never settled pays nothing: its emission stays unminted.' },
    );
  }
  if (previous && epoch > previous.epoch + 1 && !options.allowGap) {
    const missed =
      epoch === previous.epoch + 2
        ? `Epoch ${previous.epoch + 1} is`
        : `Epochs ${previous.epoch + 1} to ${epoch - 1} are`;
    throw new EmissionsError(
      `${missed} not settled: settling epoch ${epoch} first would leave ${epoch === previous.epoch + 2 ? 'it' : 'them'} unpaid for good (epochs settle in order).`,
      {
        hint: `Settle epoch ${previous.epoch + 1} first (or --epoch next), or pass --allow-gap to leave the gap unpaid.`,
      },
    );
  }

  progress(`epoch ${epoch}: collecting contributions`);
  const added = recordContributions(db, await options.collect(epoch));
  const carriedIn: Partial<Record<Bucket, bigint>> = {};
  if (previous) for (const b of storedBuckets(db, previous.epoch)) carriedIn[b.bucket] = b.carriedOut;
  progress(`epoch ${epoch}: splitting the buckets and building the Merkle tree`);
  const { settlement, tree } = computeFromLedger(db, schedule, epoch, carriedIn);
  try {
    return {
      record: saveSettlement(db, settlement, tree, previous?.epoch ?? null),
      created: true,
      contributionsAdded: added,
    };
  } catch (error) {
    // Another settle of the same epoch stored it first: theirs stands (the same ledger, the same result).
    const stored = getEpoch(db, epoch);
    if (stored && stored.digest === settlementDigest(settlement)) {
      return { record: stored, created: false, contributionsAdded: added };
    }
    throw error;
  }
}

/** The epoch computed from its ledger rows; the weights are dropped on return, before anything is stored. */
function computeFromLedger(
  db: Db,
  schedule: Schedule,
  epoch: number,
  carriedIn: Partial<Record<Bucket, bigint>>,
): ReturnType<typeof computeEpochSettlement> {
  const weights = Object.fromEntries(BUCKETS.map((bucket) => [bucket, bucketWeights(db, epoch, bucket)])) as Record<
    Bucket,
    Weight[]
  >;
  return computeEpochSettlement(schedule, epoch, weights, carriedIn);
}

function lastFinishedHint(schedule: Schedule, now: number): string {
  const last = Math.floor((now - schedule.start) / schedule.interval) - 1;
  return last >= 0
    ? `The last finished epoch is ${last}.`
    : `No epoch of this schedule has ended yet; the first ends at ${new Date(dayStart(schedule, 1) * 1000).toISOString()}.`;
}
