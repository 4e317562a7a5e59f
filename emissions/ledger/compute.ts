import type { Db } from '../../common/database.ts';
import { listReceipts } from '../../router/receipts.ts';
import { dayStart, type Schedule } from '../schedule.ts';
import type { Contribution } from './ledger.ts';

/**
 * The compute bucket for an epoch: every usage receipt the router accepted in the epoch, weighted by
 * the tokens it served (prompt + completion), for the provider that signed it. Rejected receipts never
 * count. Each row points at its receipt's request id.
 */
export function collectComputeContributions(db: Db, schedule: Schedule, epoch: number): Contribution[] {
  const from = new Date(dayStart(schedule, epoch) * 1000).toISOString();
  const until = new Date(dayStart(schedule, epoch + 1) * 1000).toISOString();
  return listReceipts(db, { accepted: true, from, until })
    .map((receipt) => ({
      epoch,
      bucket: 'compute' as const,
      contributor: receipt.provider,
      weight: BigInt(receipt.promptTokens + receipt.completionTokens),
      sourceKind: 'usage-receipt',
      sourceId: receipt.requestId,
    }))
    .filter((row) => row.weight > 0n)
    .sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
}
