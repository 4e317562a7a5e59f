import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { insertOrGetExecution, updateExecution } from '../../smart-accounts/executions.ts';
import { confirmPlan } from '../agent.ts';
import { getPlan, setPlanExecution, transitionPlan } from '../plan/store.ts';
import { testAgent } from '../testing/agent.ts';
import { agentWithTwoFacedSkill, sweeperThroughPuller } from '../testing/two-faced.ts';
import { confirmWatched, hostileHarness } from './harness.ts';
import { balanceProbe } from './probes.ts';
import { upgradedAddressUser } from './upgraded-address.ts';

/**
 * The guard of a bundle that runs unvetted code watches every token the account holds, as it held
 * them at the preview (exposed-holdings.ts). A token that arrives between the preview and the
 * confirmation (a payment, another plan's swap) would not be watched: here the address allowed a
 * router with the arbitrary-`from` flaw (LeakyPuller) its USDT as a plain wallet and holds none at the
 * preview; USDT then arrives, and the mined swap on matcha (TwoFacedSweeper) takes it through the
 * router. The confirmation must see that the account holds what the plan's guard does not watch.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = token('USDC');
const DAI = token('DAI');
const USDT = token('USDT');

describe('hostile: a token that arrives after the preview, taken by unvetted code through an old allowance', async () => {
  const { publicClient } = devnetClients(manifest);
  const { sweeper, puller } = await sweeperThroughPuller(manifest, USDT);
  // The victim, as a plain wallet: allowed the leaky router 50 USDT, then sent all its USDT away.
  const base = await testAgent(manifest);
  const elsewhere = privateKeyToAccount(generatePrivateKey()).address;
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: async (send, address) => {
      await send(
        USDT,
        encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, parseUnits('50', 6)] }),
      );
      const held = await publicClient.readContract({
        address: USDT,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [address],
      });
      await send(USDT, encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [elsewhere, held] }));
    },
  });
  const deps = await agentWithTwoFacedSkill(manifest, sweeper, undefined, { base });
  const { say, confirm } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha", previewed holding no USDT; USDT arrives before the confirmation: it is not taken', async ({
    task,
  }) => {
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    expect(reply.plan?.preview.guard?.checks.some((check) => check.startsWith('USDT'))).toBe(false);
    // USDT arrives (the faucet stands in for a payment or another plan's swap).
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, u.address);
    await confirmWatched(
      task,
      [
        balanceProbe(publicClient, "the address's USDT", USDT, u.address),
        balanceProbe(publicClient, "the address's USDC", USDC, u.address),
        balanceProbe(publicClient, "the address's DAI", DAI, u.address),
      ],
      async () => {
        await expect(
          confirmPlan(deps, { userId: u.userId, planId: reply.plan?.id as string, owner: u.owner }),
        ).rejects.toThrow(/the account now holds USDT, which it did not hold when this plan was previewed/);
        // Asked again: the new preview's guard watches the USDT, and the mined bundle that takes it reverts.
        const again = await say(u, 'swap 10 USDC for DAI on matcha');
        expect(again.plan?.preview.guard?.checks).toContain('USDT: nothing leaves');
        const record = await confirm(u, again);
        expect(record?.status).toBe('reverted');
        expect(record?.error ?? '').toMatch(/guard.*USDT/i);
      },
    );
  });

  it('hostile: an unvetted plan does not start beside another operation of the account, and nothing starts beside it', async ({
    task,
  }) => {
    const { user } = hostileHarness(deps, manifest);
    const v = await user();
    const unvetted = await say(v, 'swap 10 USDC for DAI on matcha');
    const watches = (reply: typeof unvetted) =>
      getPlan(deps.db, v.userId, reply.plan?.id as string)?.preview.guard?.watchesHoldings;
    expect(watches(unvetted), unvetted.text).toBeDefined();
    const vetted = await say(v, 'send 1 USDC to bob');
    expect(watches(vetted), vetted.text).toBeUndefined();
    const confirmOf = (planId: string) =>
      confirmPlan(deps, { userId: v.userId, planId, owner: v.owner, allowNewRecipients: true });
    await confirmWatched(
      task,
      [
        balanceProbe(publicClient, "the account's USDC", USDC, v.account),
        balanceProbe(publicClient, "the account's DAI", DAI, v.account),
      ],
      async () => {
        // Another operation of the account on its way (a record not settled yet): the unvetted plan waits.
        const { record: flying } = insertOrGetExecution(deps.db, {
          userId: v.userId,
          idempotencyKey: randomUUID(),
          chainId: manifest.chainId,
          account: v.account,
          calls: [],
        });
        await expect(confirmOf(unvetted.plan?.id as string)).rejects.toThrow(
          /another operation of this account is still on its way \(execution [0-9a-f-]+ \(pending since [^)]+\)\), and this plan runs code Sextant has not vetted/,
        );
        updateExecution(deps.db, flying.id, { status: 'failed', sent: 'no', error: 'test record' });
        // The unvetted plan on its way (reserved, its operation not landed yet): nothing starts beside it.
        expect(transitionPlan(deps.db, unvetted.plan?.id as string, 'proposed', 'confirmed')).toBe(true);
        const { record: its } = insertOrGetExecution(deps.db, {
          userId: v.userId,
          planId: unvetted.plan?.id as string,
          idempotencyKey: randomUUID(),
          chainId: manifest.chainId,
          account: v.account,
          calls: [],
        });
        setPlanExecution(deps.db, unvetted.plan?.id as string, its.id);
        await expect(confirmOf(vetted.plan?.id as string)).rejects.toThrow(
          /plan plan_[0-9a-f-]+ of this account, which runs code Sextant has not vetted, is still on its way/,
        );
        updateExecution(deps.db, its.id, { status: 'failed', sent: 'no', error: 'test record' });
      },
    );
    // Once it has settled, the other plan runs.
    const sent = await confirmOf(vetted.plan?.id as string);
    expect(sent.status, sent.error ?? '').toBe('succeeded');
  });
});
