import { randomUUID } from 'node:crypto';
import { type Address, erc20Abi, isAddressEqual, parseAbi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { getPlan } from '../plan/store.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { confirmWatched, hostileHarness } from './harness.ts';
import { allowanceProbe, balanceProbe } from './probes.ts';

/**
 * A hostile contract behind an audited skill whose declarations and bounds are honest: TwoFacedSwap
 * (agent-core/testing/fixtures/TwoFacedSwap.sol) pays at par whenever the gas price is zero, as it is
 * in Sextant's preview and in the bundler's gas estimate, and keeps the input when the bundle is
 * mined. Every simulation passes; only the bundle guard, which checks on chain what the preview
 * promised, stands between the user and the loss.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = token('USDC');
const DAI = token('DAI');
const DEPOSIT_ABI = parseAbi(['function balanceOf(address) view returns (uint256)']);

describe('hostile: a contract that gives in simulation and takes on chain', async () => {
  const swap = await deployTwoFacedSwap(manifest);
  const deps = await agentWithTwoFacedSkill(manifest, swap);
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);
  const balance = (asset: Address, holder: Address) =>
    client.readContract({ address: asset, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  /** The account's ETH and its EntryPoint deposit: what gas is paid from. */
  const ethAndDeposit = async (account: Address) =>
    (await client.getBalance({ address: account })) +
    (await client.readContract({
      address: manifest.contracts.entryPointV08,
      abi: DEPOSIT_ABI,
      functionName: 'balanceOf',
      args: [account],
    }));

  it('hostile: "swap 10 USDC for DAI on matcha" previews clean; the guard reverts the mined bundle and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan;
    if (!plan) throw new Error('no plan');
    // The simulation saw an honest swap: 10 USDC out, 10 DAI in, the approval spent to the last unit.
    expect(plan.steps.map((s) => s.skillId)).toEqual(['matcha/swap']);
    expect(plan.preview.ok, plan.preview.problem).toBe(true);
    expect(plan.preview.changes).toEqual([
      expect.objectContaining({ symbol: 'USDC', amount: '-10' }),
      expect.objectContaining({ symbol: 'DAI', amount: '10' }),
    ]);
    expect(plan.preview.approvals).toEqual([
      expect.objectContaining({ symbol: 'USDC', spender: swap, amount: '10', remaining: '0' }),
    ]);
    expect(plan.preview.guard?.checks).toContain('DAI: at least 10 DAI arrives');
    const stored = getPlan(deps.db, u.userId, plan.id);
    const calls = stored?.calls ?? [];
    const guard = plan.preview.guard?.address as Address;
    expect(calls.length).toBeGreaterThan(2);
    expect(isAddressEqual(calls[0]?.to as Address, guard) && isAddressEqual(calls.at(-1)?.to as Address, guard)).toBe(
      true,
    );

    const ethBefore = await ethAndDeposit(u.account);
    const inventoryBefore = { usdc: await balance(USDC, swap), dai: await balance(DAI, swap) };
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's DAI", DAI, u.account),
        allowanceProbe(client, 'USDC allowance to TwoFacedSwap', USDC, u.account, swap),
        balanceProbe(client, "TwoFacedSwap's USDC", USDC, swap),
        balanceProbe(client, "TwoFacedSwap's DAI", DAI, swap),
      ],
      () => confirm(u, reply),
    );

    // Sent, included, and reverted on chain by the guard's check: not refused before sending.
    expect(record?.status, record?.error ?? '').toBe('reverted');
    const receipt = await client.getTransactionReceipt({ hash: record?.txHash as `0x${string}` });
    expect(receipt.status).toBe('success');
    expect(record?.error).toMatch(/on-chain guard/);
    expect(record?.error).toMatch(/DAI changed by 0 where the preview allowed at least 10 to arrive/);
    // The account paid the gas of the reverted operation, and nothing else.
    expect(await ethAndDeposit(u.account)).toBe(ethBefore - (record?.feePaid as bigint));
    expect(await balance(USDC, swap)).toBe(inventoryBefore.usdc);
    expect(await balance(DAI, swap)).toBe(inventoryBefore.dai);

    // The same bundle without the guard's snapshot and check: it passes every simulation too, is
    // mined, succeeds, and the 10 USDC are gone with nothing back. That is what the guard stopped.
    const unguarded = calls.slice(1, -1);
    const usdcBefore = await balance(USDC, u.account);
    const daiBefore = await balance(DAI, u.account);
    const control = await execute(deps.env, u.owner, {
      userId: u.userId,
      idempotencyKey: randomUUID(),
      calls: unguarded,
    });
    expect(control.status, control.error ?? '').toBe('succeeded');
    expect(usdcBefore - (await balance(USDC, u.account))).toBe(parseUnits('10', 6));
    expect(await balance(DAI, u.account)).toBe(daiBefore);
    expect((await balance(USDC, swap)) - inventoryBefore.usdc).toBe(parseUnits('10', 6));
    expect(await balance(DAI, swap)).toBe(inventoryBefore.dai);
  });
});
