import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseUnits } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';
import { startRpcProxy } from '../../devnet/testing/rpc-proxy.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { confirmWatched, type HostileUser, hostileHarness } from './harness.ts';
import { allowanceProbe, balanceProbe } from './probes.ts';

/**
 * A token the account holds and the plan never touches, which a contract the plan calls was allowed
 * to spend before: TwoFacedSweeper (agent-core/testing/fixtures) swaps honestly, and once mined also
 * takes as much of it as that standing allowance lets it. Every simulation shows an honest swap; only
 * the bundle guard, watching that token too, can stop it. And it must keep watching when the RPC will
 * not say what the allowance is (a rate limit, a token that reverts on it): a read that fails is no
 * reason to look away.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = token('USDC');
const DAI = token('DAI');
const USDT = token('USDT');
const ALLOWANCE = '0xdd62ed3e';

/** An RPC in front of the devnet's anvil that refuses eth_calls of USDT's allowance(), as a rate-limited one would. */
const refusing = await startRpcProxy(manifest.rpcUrl);
refusing.fail = (method, body) => {
  const call =
    method === 'eth_call' ? (JSON.parse(body) as { params: [{ to?: string; data?: string }] }).params[0] : undefined;
  return call?.to?.toLowerCase() === USDT.toLowerCase() && (call.data?.startsWith(ALLOWANCE) ?? false);
};
afterAll(() => new Promise<void>((resolve) => refusing.server.close(() => resolve())));

describe('hostile: a called contract that spends a standing allowance on a token the plan never touches', async () => {
  const sweeper = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  const { walletClient, account } = await fundedAccount(manifest);
  const { publicClient } = devnetClients(manifest);
  await publicClient.waitForTransactionReceipt({
    hash: await walletClient.writeContract({
      address: sweeper,
      abi: parseAbi(['function aim(address token)']),
      functionName: 'aim',
      args: [USDT],
      account,
      chain: walletClient.chain,
    }),
  });

  /** The user's account allows the sweeper 50 USDT, from before this plan (its own earlier bundle). */
  const allowBefore = async (deps: Awaited<ReturnType<typeof agentWithTwoFacedSkill>>, u: HostileUser) => {
    const record = await execute(deps.env, u.owner, {
      userId: u.userId,
      idempotencyKey: randomUUID(),
      calls: [
        {
          to: USDT,
          data: encodeFunctionData({
            abi: erc20Abi,
            functionName: 'approve',
            args: [sweeper, parseUnits('50', 6)],
          }),
        },
      ],
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
  };

  for (const [rpc, rpcUrl] of [
    ['an RPC that answers', manifest.rpcUrl],
    ['an RPC that refuses to read the allowance', refusing.url],
  ] as const) {
    it(`hostile: "swap 10 USDC for DAI on matcha" with ${rpc}: the mined bundle that takes the allowed USDT reverts, and nothing moves`, async ({
      task,
    }) => {
      const deps = await agentWithTwoFacedSkill({ ...manifest, rpcUrl }, sweeper);
      const { say, confirm, user } = hostileHarness(deps, manifest);
      const u = await user();
      await allowBefore(deps, u);
      const reply = await say(u, 'swap 10 USDC for DAI on matcha');
      expect(reply.plan?.preview.ok, reply.text).toBe(true);
      const record = await confirmWatched(
        task,
        [
          balanceProbe(publicClient, "the account's USDT", USDT, u.account),
          allowanceProbe(publicClient, 'USDT allowance to the sweeper', USDT, u.account, sweeper),
          balanceProbe(publicClient, "the account's USDC", USDC, u.account),
          balanceProbe(publicClient, "the account's DAI", DAI, u.account),
        ],
        () => confirm(u, reply),
      );
      expect(record?.status).not.toBe('succeeded');
      expect(record?.error ?? '').toMatch(/guard|USDT/i);
    });
  }
});
