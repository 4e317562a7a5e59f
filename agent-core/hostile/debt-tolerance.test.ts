import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { confirmWatched, hostileHarness } from './harness.ts';
import { balanceProbe, debtProbe } from './probes.ts';

/**
 * The guard's debt bound allows a day of interest on the debt already owed (owed / 10,000): for a
 * repay, that slack is room for a repay that does not happen. TwoFacedRepayer (behind an honest
 * spark/repay skill) repays only in simulation; on chain it keeps the USDC. With 5,000 USDC owed the
 * slack is 0.5 USDC, so "repay 0.4 USDC on spark" keeps 0.4 USDC and the debt does not fall.
 */
const manifest = testDevnet();
const USDC = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const DEBT_USDC = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;

describe('hostile: a repay that happens only in simulation, within the debt bound’s slack', async () => {
  const repayer = await deployTwoFacedSwap(manifest, 'TwoFacedRepayer');
  const deps = await agentWithTwoFacedSkill(manifest, repayer, { dir: 'two-faced-repay', id: 'spark/repay' });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "repay 0.4 USDC on spark" with 5,000 USDC owed either repays or reverts', async ({ task }) => {
    const u = await user({ maxPlanUsd: 1_000_000, maxDailyUsd: 1_000_000 }, '20');
    for (const text of ['supply 5 WETH to Aave', 'borrow 5000 USDC from Aave']) {
      const done = await confirm(u, await say(u, text));
      expect(done?.status, `${text}: ${done?.error ?? ''}`).toBe('succeeded');
    }
    const reply = await say(u, 'repay 0.4 USDC on spark');
    expect(reply.plan?.preview.ok, reply.plan?.preview.problem ?? reply.text).toBe(true);
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        debtProbe(client, "the account's USDC debt", DEBT_USDC, u.account, [0n], 10n),
        balanceProbe(client, "TwoFacedRepayer's USDC", USDC, repayer),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).toBe('reverted');
  });
});
