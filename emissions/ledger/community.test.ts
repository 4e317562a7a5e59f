import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { confirmPlan, handleMessage } from '../../agent-core/agent.ts';
import { getPlan } from '../../agent-core/plan/store.ts';
import { fundedAgentUser } from '../../agent-core/testing/agent.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { DEFAULT_SCHEDULE } from '../schedule.ts';
import { testAgentWithRewards } from '../testing/agent.ts';
import { collectCommunityContributions } from './community.ts';
import { recordContributions } from './ledger.ts';
import { migrateEmissions } from './migrations.ts';

const manifest = testDevnet();
const REFERRER = '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90';

describe('the community bucket', () => {
  it('counts each succeeded execution of a referred plan once for its referrer, traceable to the execution', async () => {
    const deps = await testAgentWithRewards(manifest);
    migrateEmissions(deps.db);
    const user = await fundedAgentUser(deps, manifest);
    const run = async (text: string, referrer?: string) => {
      const reply = await handleMessage(deps, {
        userId: user.userId,
        owner: user.ownerAddress,
        account: user.account,
        text,
        ...(referrer ? { referrer } : {}),
      });
      const planId = reply.plan?.id as string;
      const execution = await confirmPlan(deps, { userId: user.userId, planId, owner: user.owner });
      expect(execution.status).toBe('succeeded');
      return { plan: getPlan(deps.db, user.userId, planId), execution };
    };
    const referred = await run('wrap 0.1 ETH', REFERRER);
    const direct = await run('wrap 0.2 ETH');
    // An account naming itself as its referrer earns nothing.
    await run('wrap 0.05 ETH', user.account);
    // Stored checksummed, whatever case it came in.
    expect(referred.plan?.referrer).toBe(getAddress(REFERRER));
    expect(direct.plan?.referrer).toBeNull();

    const epoch = Math.floor((Date.now() / 1000 - DEFAULT_SCHEDULE.start) / DEFAULT_SCHEDULE.interval);
    const rows = collectCommunityContributions(deps.db, DEFAULT_SCHEDULE, epoch);
    expect(rows).toEqual([
      {
        epoch,
        bucket: 'community',
        contributor: getAddress(REFERRER),
        weight: 1_000_000n,
        sourceKind: 'execution',
        sourceId: referred.execution.id,
      },
    ]);
    expect(recordContributions(deps.db, rows)).toBe(1);
    expect(recordContributions(deps.db, rows)).toBe(0);
    // Nothing in another epoch.
    expect(collectCommunityContributions(deps.db, DEFAULT_SCHEDULE, epoch - 1)).toEqual([]);
    expect(collectCommunityContributions(deps.db, DEFAULT_SCHEDULE, epoch + 1)).toEqual([]);
  });
});
