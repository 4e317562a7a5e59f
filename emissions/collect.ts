import type { PublicClient } from 'viem';
import { migrateAgentCore } from '../agent-core/migrations.ts';
import type { Db } from '../common/database.ts';
import { migrateRouter } from '../router/migrations.ts';
import { migrateSkillRegistry } from '../skills/registry/migrations.ts';
import { migrateSmartAccounts } from '../smart-accounts/migrations.ts';
import type { EmissionsConfig } from './config.ts';
import { collectCapitalContributions } from './ledger/capital.ts';
import { collectCodeContributions } from './ledger/code.ts';
import { collectCommunityContributions } from './ledger/community.ts';
import { collectComputeContributions } from './ledger/compute.ts';
import type { Contribution } from './ledger/ledger.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { collectProtectionContributions } from './ledger/protection.ts';

/** Brings up every table the collectors read (a fresh data directory has none of them yet). */
export function migrateEmissionSources(db: Db): void {
  migrateSmartAccounts(db);
  migrateSkillRegistry(db);
  migrateAgentCore(db);
  migrateRouter(db);
  migrateEmissions(db);
}

/**
 * Every bucket's contributions for an epoch, each from its own records: code from succeeded
 * executions, compute from the router's accepted receipts, community from referred executions,
 * capital from the deposit pool's events on chain (when there is one), protection to the treasury.
 */
export async function collectEpoch(
  db: Db,
  config: Pick<EmissionsConfig, 'schedule' | 'codeWeights' | 'depositPool' | 'depositPoolFromBlock' | 'treasury'>,
  epoch: number,
  publicClient: PublicClient | undefined,
): Promise<Contribution[]> {
  const { schedule } = config;
  const capital =
    config.depositPool && publicClient
      ? await collectCapitalContributions(publicClient, {
          pool: config.depositPool,
          schedule,
          epoch,
          fromBlock: config.depositPoolFromBlock,
        })
      : [];
  return [
    ...capital,
    ...collectCodeContributions(db, schedule, epoch, config.codeWeights),
    ...collectComputeContributions(db, schedule, epoch),
    ...collectCommunityContributions(db, schedule, epoch),
    ...collectProtectionContributions(epoch, config.treasury),
  ];
}
