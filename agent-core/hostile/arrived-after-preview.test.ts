import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { confirmPlan } from '../agent.ts';
import { testAgent } from '../testing/agent.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
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
  const sweeper = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  const puller = await deployTwoFacedSwap(manifest, 'LeakyPuller');
  const { walletClient, account } = await fundedAccount(manifest);
  await publicClient.waitForTransactionReceipt({
    hash: await walletClient.writeContract({
      address: sweeper,
      abi: parseAbi(['function aimThrough(address token, address puller)']),
      functionName: 'aimThrough',
      args: [USDT, puller],
      account,
      chain: walletClient.chain,
    }),
  });
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
});
