import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  type PrivateKeyAccount,
  parseAbi,
  parseUnits,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { revertChainAfterFile } from '../../devnet/testing/chain-snapshot.ts';
import { devnetClients, devnetTransport } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { type Delegation, redeemCalldata } from '../../smart-accounts/delegations.ts';
import { applyDelegationChange, previewDelegationChange } from '../../smart-accounts/eip7702.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { TEST_PASSPHRASE, testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { migrateAgentCore } from '../migrations.ts';
import { ensureAgentKey, unlockAgentKey } from '../orders/agent-key.ts';
import { dailySwapCall } from '../orders/daily-swap-grant.ts';
import { OrderError } from '../orders/errors.ts';
import { cancelOrder, confirmOrder } from '../orders/lifecycle.ts';
import { migrateOrders } from '../orders/migrations.ts';
import { aaveOraclePrices } from '../orders/oracle-price.ts';
import { type DailySwapRequest, proposeDailySwap } from '../orders/propose-daily-swap.ts';
import { type RunnerEnvironment, runOrders } from '../orders/runner.ts';
import { asSwapOrder, getOrder, type Order, type SwapOrder } from '../orders/store.ts';
import { delegatorUser } from '../orders/testing/delegator-user.ts';
import { buyWethUntilPoolGivesLess } from '../orders/testing/move-pool.ts';
import { allowanceProbe, balanceProbe, movedOutsideIntent, type Probe } from './probes.ts';

/**
 * The hostile suite for standing orders (issue 20): a user whose own address runs the DeleGator
 * grants a daily swap through Sextant's own code (proposeDailySwap, confirmOrder), and then the
 * agent key is taken to be stolen and used by hand, the user's own later moves and a late or second
 * confirmation are tried, and each case asserts on chain state: balances and allowances may move only
 * as the grant allows. The whole file runs in an anvil snapshot reverted at the end, since cases move
 * the chain's clock.
 */
const manifest = testDevnet();
const { chain, publicClient, testClient } = devnetClients(manifest);
// No bundler inside the reverted snapshot (devnet/testing/chain-snapshot.ts says why).
const env = { ...testEnvironment(manifest), bundlerUrl: undefined } as RunnerEnvironment & { dbPath: string };
migrateAgentCore(env.db);
migrateOrders(env.db);
const USDC = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const WETH = manifest.contracts.weth;
const router = manifest.contracts.uniswapV3.swapRouter02;
const delegationManager = manifest.contracts.delegation.delegationManager;
const usdc = (amount: string) => parseUnits(amount, 6);
const DAY = 86_400;

const agentKeys = new Map<string, PrivateKeyAccount>();
env.agentKey = async (userId) => agentKeys.get(userId);

revertChainAfterFile({ testClient, publicClient });

type Granted = Awaited<ReturnType<typeof delegatorUser>> & { agent: PrivateKeyAccount; order: SwapOrder };

/** A DeleGator user with their agent key, and (unless `confirm` is false) a daily swap granted. */
async function grantedUser(request: Partial<DailySwapRequest> = {}, confirm = true): Promise<Granted> {
  const user = await delegatorUser(env, manifest);
  await ensureAgentKey(env.db, user.userId, TEST_PASSPHRASE);
  const agent = await unlockAgentKey(env.db, user.userId, TEST_PASSPHRASE);
  agentKeys.set(user.userId, agent);
  const proposed = await propose(user, request);
  const order = confirm ? asSwapOrder(await confirmOrder(env, user.owner, user.userId, proposed.id)) : proposed;
  if (confirm) expect(order.status).toBe('active');
  return { ...user, agent, order };
}

const propose = (user: { userId: string; account: Address }, request: Partial<DailySwapRequest> = {}) =>
  proposeDailySwap(env, user.userId, user.account, { amount: '50', spend: 'USDC', buy: 'ETH', days: 2, ...request });

/** The stolen agent key sends a redemption by hand; the gas is given, so a refusal is mined and seen. */
async function redeemAs(agent: PrivateKeyAccount, delegation: Delegation, call: { to: Address; data: Hex }) {
  const wallet = createWalletClient({ account: agent, chain, transport: devnetTransport(manifest.rpcUrl) });
  const hash = await wallet.sendTransaction({
    to: delegationManager,
    data: redeemCalldata([delegation], call),
    gas: 1_000_000n,
  });
  return (await minedReceipt(publicClient, hash)).status;
}

/** What a daily swap's user holds that no refused attempt may move. */
const userProbes = (u: Granted, extra: Probe[] = []): Probe[] => [
  balanceProbe(publicClient, "the user's USDC", USDC, u.account),
  balanceProbe(publicClient, "the user's WETH", WETH, u.account),
  allowanceProbe(publicClient, "the user's USDC allowance to the router", USDC, u.account, router),
  balanceProbe(publicClient, "the agent key's USDC", USDC, u.agent.address),
  balanceProbe(publicClient, "the agent key's WETH", WETH, u.agent.address),
  ...extra,
];

const nextDays = async (days: number) => {
  await testClient.increaseTime({ seconds: DAY * days });
  await testClient.mine({ blocks: 1 });
};

/**
 * A hostile case: nothing of `probes` may move outside intent while `act` runs. The probes are read
 * again even when `act`'s own checks fail, so what moved on chain is the first thing a failure says.
 */
const hostile = (name: string, run: () => Promise<{ probes: Probe[]; act: () => Promise<void> }>) =>
  it(name, async ({ task }) => {
    const { probes, act } = await run();
    let failure: unknown;
    const moved = await movedOutsideIntent(probes, () =>
      act().catch((error: unknown) => {
        failure = error;
      }),
    );
    task.meta.hostileMoved = moved.length;
    expect(moved).toEqual([]);
    if (failure) throw failure;
  });

const today = (order: Order) => order.delegations[0] as Delegation;

describe('hostile: a stolen agent key, a late or second grant, and a moved pool cannot move more than the standing order allows', () => {
  hostile('orders 1. the agent key calls an undeclared contract through a day’s delegation: refused', async () => {
    const u = await grantedUser();
    return {
      probes: userProbes(u, [
        allowanceProbe(publicClient, "the user's USDC allowance to the agent key", USDC, u.account, u.agent.address),
      ]),
      act: async () => {
        const transfer = encodeFunctionData({
          abi: erc20Abi,
          functionName: 'transfer',
          args: [u.agent.address, usdc('50')],
        });
        const approve = encodeFunctionData({
          abi: erc20Abi,
          functionName: 'approve',
          args: [u.agent.address, usdc('1000')],
        });
        expect(await redeemAs(u.agent, today(u.order), { to: USDC, data: transfer })).toBe('reverted');
        expect(await redeemAs(u.agent, today(u.order), { to: USDC, data: approve })).toBe('reverted');
        // The router's own bytes sent to another contract (a lookalike "router").
        expect(await redeemAs(u.agent, today(u.order), { to: WETH, data: dailySwapCall(u.order.terms, 0n).data })).toBe(
          'reverted',
        );
      },
    };
  });

  hostile(
    'orders 2. the agent key calls an undeclared router method (multicall, exactOutputSingle): refused',
    async () => {
      const u = await grantedUser();
      const abi = parseAbi([
        'function multicall(uint256 deadline, bytes[] data) payable returns (bytes[] results)',
        'function exactOutputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountOut, uint256 amountInMaximum, uint160 sqrtPriceLimitX96) params) payable returns (uint256 amountIn)',
      ]);
      const terms = u.order.terms;
      // The pinned swap, but paid to the agent key, wrapped where the pinned bytes are not checked.
      const toAgent = dailySwapCall({ ...terms, user: u.agent.address }, 0n).data;
      const multicall = encodeFunctionData({ abi, functionName: 'multicall', args: [2n ** 64n, [toAgent]] });
      const exactOutput = encodeFunctionData({
        abi,
        functionName: 'exactOutputSingle',
        args: [
          {
            tokenIn: terms.tokenIn.address,
            tokenOut: terms.tokenOut.address,
            fee: terms.fee,
            recipient: terms.user,
            amountOut: terms.amountIn,
            amountInMaximum: usdc('10000'),
            sqrtPriceLimitX96: 0n,
          },
        ],
      });
      return {
        probes: userProbes(u),
        act: async () => {
          expect(await redeemAs(u.agent, today(u.order), { to: router, data: multicall })).toBe('reverted');
          expect(await redeemAs(u.agent, today(u.order), { to: router, data: exactOutput })).toBe('reverted');
          expect(await redeemAs(u.agent, today(u.order), { to: router, data: toAgent })).toBe('reverted');
        },
      };
    },
  );

  hostile('orders 3. more than the day’s amount, or a second swap the same day: refused', async () => {
    const u = await grantedUser();
    expect((await runOrders(env)).find((r) => r.orderId === u.order.id)?.outcome).toBe('day 1 succeeded');
    const terms = u.order.terms;
    return {
      probes: userProbes(u),
      act: async () => {
        const twice = dailySwapCall({ ...terms, amountIn: terms.amountIn * 2n }, 0n);
        expect(await redeemAs(u.agent, today(u.order), twice)).toBe('reverted');
        // The day's one call is used: the pinned swap again is refused, and so is tomorrow's today.
        expect(await redeemAs(u.agent, today(u.order), dailySwapCall(terms, 0n))).toBe('reverted');
        expect(await redeemAs(u.agent, u.order.delegations[1] as Delegation, dailySwapCall(terms, 0n))).toBe(
          'reverted',
        );
        // And the runner makes no second run today.
        expect((await runOrders(env)).find((r) => r.orderId === u.order.id)?.outcome).toMatch(/^day 1 done/);
      },
    };
  });

  hostile('orders 4. a day’s delegation after its window, and every day after the last: refused', async () => {
    const u = await grantedUser();
    const terms = u.order.terms;
    return {
      probes: userProbes(u),
      act: async () => {
        await nextDays(1);
        // Day 1 was missed: its delegation cannot be used on day 2.
        expect(await redeemAs(u.agent, today(u.order), dailySwapCall(terms, 0n))).toBe('reverted');
        await nextDays(1);
        // Past the last day: none of them.
        for (const delegation of u.order.delegations) {
          expect(await redeemAs(u.agent, delegation, dailySwapCall(terms, 0n))).toBe('reverted');
        }
        expect((await runOrders(env)).find((r) => r.orderId === u.order.id)?.outcome).toBe('finished');
      },
    };
  });

  hostile('orders 5. after cancel (revoked on chain): every day refused, the allowance 0', async () => {
    const u = await grantedUser({ days: 3 });
    return {
      probes: userProbes(u).map((p) =>
        p.label.includes('allowance to the router') ? { ...p, allowed: [-usdc('150')] } : p,
      ),
      act: async () => {
        expect((await cancelOrder(env, u.owner, u.userId, u.order.id)).status).toBe('cancelled');
        for (const delegation of u.order.delegations) {
          expect(await redeemAs(u.agent, delegation, dailySwapCall(u.order.terms, 0n))).toBe('reverted');
        }
        expect(await runOrders(env)).toEqual([]);
      },
    };
  });

  hostile(
    'orders 6. a pool that gives less than the grant’s floor: the agent key’s swap is refused, the runner sends none',
    async () => {
      // A maximum price at the oracle's: the pool's fee alone puts each swap under the floor, as a pool
      // moved against the user would.
      const prices = await aaveOraclePrices(publicClient, env.chain);
      const [usdIn, usdOut] = await Promise.all([
        prices.usd({ address: USDC, decimals: 6 }),
        prices.usd({ address: WETH, decimals: 18 }),
      ]);
      const u = await grantedUser({ maxPrice: String((usdOut as number) / (usdIn as number)) });
      // The case's premise, whatever earlier files on this devnet did to the pool (a trade selling WETH
      // there leaves it paying more than the oracle's price): the pool gives less than the floor.
      const { terms } = u.order;
      await buyWethUntilPoolGivesLess(
        manifest,
        { tokenIn: terms.tokenIn.address, tokenOut: terms.tokenOut.address, amountIn: terms.amountIn, fee: terms.fee },
        terms.minAmountOut,
      );
      return {
        probes: userProbes(u),
        act: async () => {
          expect(await redeemAs(u.agent, today(u.order), dailySwapCall(u.order.terms, 0n))).toBe('reverted');
          expect((await runOrders(env)).find((r) => r.orderId === u.order.id)?.outcome).toMatch(
            /^day 1 not run: The day's swap would revert/,
          );
        },
      };
    },
  );

  hostile(
    'orders 7. a proposal confirmed after its first day passed grants nothing (no allowance, no gas)',
    async () => {
      const u = await grantedUser({}, false);
      await nextDays(3);
      return {
        probes: userProbes(u, [balanceProbe(publicClient, "the agent key's ETH", 'ETH', u.agent.address)]),
        act: async () => {
          await expect(confirmOrder(env, u.owner, u.userId, u.order.id)).rejects.toThrow(OrderError);
          expect(getOrder(env.db, u.userId, u.order.id).status).toBe('proposed');
        },
      };
    },
  );

  hostile(
    'orders 8. a second order on the same token is refused at confirmation: the first’s allowance stands',
    async () => {
      const u = await grantedUser({}, false);
      // Both proposed first (a proposal next to a proposal is allowed), then both confirmed.
      const second = await propose(u, { amount: '20', days: 3 });
      expect((await confirmOrder(env, u.owner, u.userId, u.order.id)).status).toBe('active');
      return {
        probes: userProbes(u, [balanceProbe(publicClient, "the agent key's ETH", 'ETH', u.agent.address)]),
        act: async () => {
          await expect(confirmOrder(env, u.owner, u.userId, second.id)).rejects.toThrow(/spend your USDC/);
          // A third proposal is refused up front, though the newest order on the token is a proposal.
          await expect(propose(u, { amount: '10' })).rejects.toThrow(/spend your USDC/);
          expect(getOrder(env.db, u.userId, second.id).status).toBe('proposed');
        },
      };
    },
  );

  hostile(
    'orders 9. a stopped order’s days still live on chain block a new grant on the token: no double spend a day',
    async () => {
      const u = await grantedUser();
      // The user takes the router's allowance back by hand: the runner stops the order, but its day
      // delegations are still valid on chain; any later allowance to the router would revive them.
      await execute(env, u.owner, {
        userId: u.userId,
        idempotencyKey: `hostile-orders-9:${u.order.id}`,
        calls: [
          {
            to: USDC,
            value: 0n,
            data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, 0n] }),
          },
        ],
      });
      expect((await runOrders(env)).find((r) => r.orderId === u.order.id)?.outcome).toMatch(/^stopped: /);
      expect(getOrder(env.db, u.userId, u.order.id).statusReason).toContain(`sextant orders cancel ${u.order.id}`);
      return {
        probes: userProbes(u),
        act: async () => {
          const second = await propose(u, { amount: '60', days: 2 })
            .then((next) => confirmOrder(env, u.owner, u.userId, next.id))
            .catch((error: unknown) => error);
          // The stolen agent key redeems the stopped order's day: it must find nothing to spend.
          const redeemed = await redeemAs(u.agent, today(u.order), dailySwapCall(u.order.terms, 0n));
          expect(second).toBeInstanceOf(OrderError);
          expect(redeemed).toBe('reverted');
        },
      };
    },
  );

  hostile('orders 10. an order proposed for another user’s address cannot be granted by either user', async () => {
    const victim = await grantedUser({}, false);
    const attacker = await grantedUser({}, false);
    const forged = await propose(
      { userId: attacker.userId, account: victim.account },
      { spend: 'WETH', buy: 'USDC', amount: '0.01' },
    );
    return {
      probes: userProbes(victim),
      act: async () => {
        await expect(confirmOrder(env, attacker.owner, attacker.userId, forged.id)).rejects.toThrow(OrderError);
        await expect(confirmOrder(env, victim.owner, victim.userId, forged.id)).rejects.toThrow(/No order/);
      },
    };
  });

  hostile(
    'orders 11. a maximum price far above the oracle’s, or one that leaves no floor, is refused as a proposal',
    async () => {
      const u = await grantedUser({}, false);
      return {
        probes: userProbes(u),
        act: async () => {
          for (const maxPrice of ['1e30', '1000000', '0', 'NaN', '-1', 'Infinity']) {
            await expect(propose(u, { maxPrice }), maxPrice).rejects.toThrow(OrderError);
          }
        },
      };
    },
  );

  hostile(
    'orders 12. cancelled while the address is off the DeleGator: its days are not left to revive when it is back',
    async () => {
      const u = await grantedUser({ days: 3 });
      const move = async (action: 'upgrade' | 'downgrade') =>
        applyDelegationChange(
          env,
          u.owner,
          await previewDelegationChange(env, u.userId, u.account, action, { implementation: 'delegator' }),
        );
      await move('downgrade');
      return {
        probes: userProbes(u).filter((p) => !p.label.includes('allowance')),
        act: async () => {
          // Off the DeleGator, the calls that disable each day reach a plain address and do nothing.
          const offDeleGator = await cancelOrder(env, u.owner, u.userId, u.order.id).catch((error: unknown) => error);
          await move('upgrade');
          if (offDeleGator instanceof OrderError) await cancelOrder(env, u.owner, u.userId, u.order.id);
          expect(getOrder(env.db, u.userId, u.order.id).status).toBe('cancelled');
          // A new order on the token allows the router again; the cancelled order's day must stay dead.
          const next = await propose(u, { amount: '60', days: 2 });
          expect((await confirmOrder(env, u.owner, u.userId, next.id)).status).toBe('active');
          const redeemed = await redeemAs(u.agent, today(u.order), dailySwapCall(u.order.terms, 0n));
          expect(offDeleGator).toBeInstanceOf(OrderError);
          expect(redeemed).toBe('reverted');
        },
      };
    },
  );

  hostile('orders 13. a revocation that failed can be tried again: the grant does not stand for good', async () => {
    const u = await grantedUser({ days: 3 });
    const eth = await publicClient.getBalance({ address: u.account });
    return {
      probes: userProbes(u).map((p) =>
        p.label.includes('allowance to the router') ? { ...p, allowed: [-usdc('150')] } : p,
      ),
      act: async () => {
        // The address cannot pay the revocation's gas: it fails with nothing sent, and says to try again.
        await testClient.setBalance({ address: u.account, value: 0n });
        const first = await cancelOrder(env, u.owner, u.userId, u.order.id).catch((error: unknown) => error);
        await testClient.setBalance({ address: u.account, value: eth });
        const again = await cancelOrder(env, u.owner, u.userId, u.order.id).catch((error: unknown) => error);
        const redeemed = await redeemAs(u.agent, today(u.order), dailySwapCall(u.order.terms, 0n));
        expect(first).toBeInstanceOf(OrderError);
        expect((again as Order).status).toBe('cancelled');
        expect(redeemed).toBe('reverted');
      },
    };
  });
});
