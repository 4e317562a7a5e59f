import type { Db } from '../common/database.ts';
import { listEpochs, storedBuckets, storedPayouts } from './store.ts';

/**
 * The compute bucket of every settled epoch, oldest first: what the router's `provider earnings`
 * (router/earnings.ts) shows a provider beside its accepted receipts. The composition root hands it
 * to the router, which stands below this module. Undefined when nothing was ever settled in this
 * database (its emissions tables were never made); it only reads.
 */
export function computeSettlements(db: Db) {
  const made = db
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)")
    .get('emission_epochs', 'emission_bucket_settlements') as { n: number };
  if (made.n < 2) return undefined;
  return listEpochs(db).map((epoch) => {
    const bucket = storedBuckets(db, epoch.epoch).find((b) => b.bucket === 'compute');
    const payouts = new Map(
      storedPayouts(db, epoch.epoch, 'compute').map((p) => [p.contributor.toLowerCase(), p.amount] as const),
    );
    return {
      epoch: epoch.epoch,
      from: epoch.from,
      until: epoch.to,
      bucket: bucket && { emitted: bucket.emitted, carriedIn: bucket.carriedIn, paid: bucket.paid },
      payouts,
    };
  });
}
