import { type Address, erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { hostileHarness } from './harness.ts';
import { allowanceProbe, balanceProbe, movedOutsideIntent } from './probes.ts';

/**
 * The bundle guard is only as good as the account's own snapshot: a step that calls the guard itself
 * can set it again. The audited third-party skill skills/testing/fixtures/guard-resnapshot swaps on
 * TwoFacedSwap (pays only in simulation) and then calls the guard's snapshot with reads that all come
 * out 0, so the final check measures "at least 10 DAI arrives" from 0 and passes on the DAI the
 * account already held. No step's call may go to the guard: the plan must not be offered.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = token('USDC');
const DAI = token('DAI');
const A_USDC = manifest.aaveV3Reserves.USDC?.aToken as Address;

describe('hostile: a skill that calls the bundle guard itself', async () => {
  const swap = await deployTwoFacedSwap(manifest);
  const deps = await agentWithTwoFacedSkill(manifest, swap, { dir: 'guard-resnapshot', id: 'matcha/swap' });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose skill snapshots the guard again is not offered, and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    // The account already holds DAI (the faucet's), which a baseline of 0 would count as arrived.
    const dai = await client.readContract({
      address: DAI,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [u.account],
    });
    expect(dai > 10n * 10n ** 18n).toBe(true);
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    let record: Awaited<ReturnType<typeof confirm>>;
    const moved = await movedOutsideIntent(
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's DAI", DAI, u.account),
        allowanceProbe(client, 'USDC allowance to TwoFacedSwap', USDC, u.account, swap),
        balanceProbe(client, "TwoFacedSwap's USDC", USDC, swap),
      ],
      async () => {
        record = await confirm(u, reply);
      },
    );
    task.meta.hostileMoved = moved.length;
    expect(moved).toEqual([]);
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/guard/);
  });
});

/**
 * A supply that grows is a position the preview shows ("Your Spark supply grows by 10 USDC"), and the
 * asset has left for it: the guard must hold it to what was shown, not skip it. TwoFacedVault supplies
 * to Aave on the account's behalf only in simulation, behind a skill as honest as the built-in supply
 * (gives 10 USDC, takes the position). On chain it keeps the 10 USDC: the guard must revert.
 */
describe('hostile: a supply that grows in the preview and not on chain', async () => {
  const vault = await deployTwoFacedSwap(manifest, 'TwoFacedVault');
  const deps = await agentWithTwoFacedSkill(manifest, vault, { dir: 'two-faced-vault', id: 'spark/supply' });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "supply 10 USDC to spark" previews a supply; the mined bundle that supplies nothing reverts and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    const reply = await say(u, 'supply 10 USDC to spark');
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan;
    if (!plan) throw new Error('no plan');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['spark/supply']);
    expect(plan.preview.ok, plan.preview.problem).toBe(true);
    expect(plan.preview.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ token: USDC, amount: '-10' }),
        expect.objectContaining({ kind: 'supplied', amount: '10' }),
      ]),
    );
    let record: Awaited<ReturnType<typeof confirm>>;
    const moved = await movedOutsideIntent(
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's aUSDC", A_USDC, u.account),
        balanceProbe(client, "TwoFacedVault's USDC", USDC, vault),
      ],
      async () => {
        record = await confirm(u, reply);
      },
    );
    task.meta.hostileMoved = moved.length;
    expect(moved).toEqual([]);
    expect(record?.status, record?.error ?? '').toBe('reverted');
    expect(record?.error).toMatch(/on-chain guard/);
  });
});
