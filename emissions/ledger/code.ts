import type { Address } from 'viem';
import { getPlan } from '../../agent-core/plan/store.ts';
import type { Db } from '../../common/database.ts';
import { getRelease } from '../../skills/registry/releases.ts';
import { succeededExecutionsBetween } from '../../smart-accounts/executions.ts';
import { dayStart, type Schedule } from '../schedule.ts';
import type { Contribution } from './ledger.ts';

/** Per-skill multipliers of a use (as Morpheus weights code contributions); 1 when not listed. */
export type CodeWeights = Readonly<Record<string, number>>;

/** Weight units per use: multipliers may be fractional (1.5), weights are integers. */
const UNITS_PER_USE = 1_000_000n;

/**
 * The code bucket for an epoch: every step of every plan whose execution succeeded in the epoch counts
 * one use of its skill, for the author its registry release names, times the skill's multiplier.
 * Each row points at its execution and step.
 */
export function collectCodeContributions(
  db: Db,
  schedule: Schedule,
  epoch: number,
  multipliers: CodeWeights = {},
): Contribution[] {
  const from = new Date(dayStart(schedule, epoch) * 1000).toISOString();
  const to = new Date(dayStart(schedule, epoch + 1) * 1000).toISOString();
  const rows: Contribution[] = [];
  for (const execution of succeededExecutionsBetween(db, from, to)) {
    if (!execution.planId) continue;
    const plan = getPlan(db, execution.userId, execution.planId);
    if (!plan) continue;
    plan.steps.forEach((step, index) => {
      const author = getRelease(db, step.skillId, step.skillVersion)?.author;
      if (!author) return;
      const multiplier = multipliers[step.skillId] ?? 1;
      rows.push({
        epoch,
        bucket: 'code',
        contributor: author as Address,
        weight: BigInt(Math.round(multiplier * Number(UNITS_PER_USE))),
        sourceKind: 'execution-step',
        sourceId: `${execution.id}:${index}`,
      });
    });
  }
  return rows;
}
