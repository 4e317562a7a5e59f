import type { Db } from '../../common/database.ts';
import { orderRunsUsdSince } from '../orders/store.ts';
import { spentInLastDay } from '../plan/store.ts';

/**
 * USD the user's account moved, or may have moved, in the 24 hours before `now`: their confirmed plans
 * (all but `exceptPlanId`, the one being judged) and their standing orders' runs. The policy's daily
 * limit holds both, whichever of them comes second.
 */
export function spentToday(db: Db, userId: string, now = Date.now(), exceptPlanId?: string): number {
  return spentInLastDay(db, userId, now, exceptPlanId) + orderRunsUsdSince(db, userId, now);
}
