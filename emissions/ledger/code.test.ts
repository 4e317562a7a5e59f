import { describe, expect, it } from 'vitest';
import { confirmPlan, handleMessage } from '../../agent-core/agent.ts';
import { fundedAgentUser } from '../../agent-core/testing/agent.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { SEXTANT_AUTHOR } from '../../skills/project-keys.ts';
import { DEFAULT_SCHEDULE, dayStart, emittedBetween } from '../schedule.ts';
import { splitBucket } from '../settlement.ts';
import { testAgentWithRewards } from '../testing/agent.ts';
import { collectCodeContributions } from './code.ts';
import { bucketWeights, recordContributions } from './ledger.ts';
import { migrateEmissions } from './migrations.ts';

const manifest = testDevnet();

describe('the code bucket', () => {
  it('counts each step of a succeeded plan for its skill author, once, traceable to the execution', async () => {
    const deps = await testAgentWithRewards(manifest);
    migrateEmissions(deps.db);
    const user = await fundedAgentUser(deps, manifest);
    const reply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text: 'wrap 0.1 ETH',
    });
    const execution = await confirmPlan(deps, {
      userId: user.userId,
      planId: reply.plan?.id as string,
      owner: user.owner,
    });
    expect(execution.status).toBe('succeeded');

    const epoch = Math.floor((Date.now() / 1000 - DEFAULT_SCHEDULE.start) / DEFAULT_SCHEDULE.interval);
    const rows = collectCodeContributions(deps.db, DEFAULT_SCHEDULE, epoch, { 'weth/wrap': 1.5 });
    expect(rows).toEqual([
      {
        epoch,
        bucket: 'code',
        contributor: SEXTANT_AUTHOR,
        weight: 1_500_000n,
        sourceKind: 'execution-step',
        sourceId: `${execution.id}:0`,
      },
    ]);
    expect(recordContributions(deps.db, rows)).toBe(1);
    expect(recordContributions(deps.db, rows)).toBe(0);
    // Nothing in another epoch.
    expect(collectCodeContributions(deps.db, DEFAULT_SCHEDULE, epoch - 1)).toEqual([]);

    const emission = DEFAULT_SCHEDULE.buckets.find((b) => b.bucket === 'code');
    const amount = emittedBetween(
      DEFAULT_SCHEDULE,
      emission as never,
      dayStart(DEFAULT_SCHEDULE, epoch),
      dayStart(DEFAULT_SCHEDULE, epoch + 1),
    );
    const split = splitBucket(amount, bucketWeights(deps.db, epoch, 'code'));
    expect(split.payouts).toEqual([{ contributor: SEXTANT_AUTHOR.toLowerCase(), amount }]);
  });
});
