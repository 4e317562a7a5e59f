import { getPlan } from '../../agent-core/plan/store.ts';
import type { Db } from '../../common/database.ts';
import { succeededExecutionsBetween } from '../../smart-accounts/executions.ts';
import { dayStart, type Schedule } from '../schedule.ts';
import type { Contribution } from './ledger.ts';

/** Weight units per referred execution, as the code bucket counts a use: room for multipliers later. */
const UNITS_PER_EXECUTION = 1_000_000n;

/**
 * The community bucket for an epoch: it pays the front ends and protocol endpoints that bring users.
 * Every execution that succeeded in the epoch, of a plan that came in carrying a referrer id (the
 * referrer's payout address, agent-core/referrer.ts), counts once for that referrer. Only executions
 * that landed count, not plans offered, so a referrer cannot earn with requests that never run, and an
 * account naming itself is not counted (an owner naming another address it controls still is); each
 * row points at its execution, so recording twice counts once. Rows are sorted by execution id, so the
 * same ledger always settles to the same tree.
 */
export function collectCommunityContributions(db: Db, schedule: Schedule, epoch: number): Contribution[] {
  const from = new Date(dayStart(schedule, epoch) * 1000).toISOString();
  const to = new Date(dayStart(schedule, epoch + 1) * 1000).toISOString();
  const rows: Contribution[] = [];
  for (const execution of succeededExecutionsBetween(db, from, to)) {
    if (!execution.planId) continue;
    const referrer = getPlan(db, execution.userId, execution.planId)?.referrer;
    // Referring yourself earns nothing: the account that executed cannot be its own referrer.
    if (!referrer || referrer.toLowerCase() === execution.account.toLowerCase()) continue;
    rows.push({
      epoch,
      bucket: 'community',
      contributor: referrer,
      weight: UNITS_PER_EXECUTION,
      sourceKind: 'execution',
      sourceId: execution.id,
    });
  }
  return rows.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
}
