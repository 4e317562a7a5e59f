import { randomUUID } from 'node:crypto';
import { type Abi, type Address, createWalletClient, encodeFunctionData, erc20Abi, parseAbi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../common/contracts/artifacts.ts';
import { UNISWAP_ARTIFACTS } from '../../devnet/deploy-uniswap-v3.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { fullRangeTicks, sqrtPriceX96 } from '../../devnet/pool-math.ts';
import { devnetClients, devnetTransport, fundedAccount } from '../../devnet/testing/clients.ts';
import { startRpcProxy } from '../../devnet/testing/rpc-proxy.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { poolAbi } from '../../skills/aave-v3/abi.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { confirmPlan } from '../agent.ts';
import { getPlan } from '../plan/store.ts';
import { testAgent } from '../testing/agent.ts';
import {
  agentWithTwoFacedSkill,
  compileTwoFacedSwap,
  deployTwoFacedSwap,
  sweeperThroughPuller,
} from '../testing/two-faced.ts';
import { confirmWatched, type HostileUser, hostileHarness } from './harness.ts';
import { allowanceProbe, balanceProbe, debtProbe } from './probes.ts';
import { upgradedAddressUser } from './upgraded-address.ts';

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
/** The data of an approveDelegation of 100 DAI of credit to `delegatee` (sent to DAI's variable debt token). */
const delegateDaiCredit = (delegatee: Address) =>
  encodeFunctionData({
    abi: parseAbi(['function approveDelegation(address delegatee, uint256 amount)']),
    functionName: 'approveDelegation',
    args: [delegatee, parseUnits('100', 18)],
  });

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

/**
 * The same sweep, through a third contract, against the user's own address (EIP-7702): years before
 * Sextant, the address allowed a router with the arbitrary-`from` flaw (LeakyPuller,
 * agent-core/testing/fixtures) to spend its USDT, as plain wallets do. Once mined, the sweeper has that
 * router move the USDT to it. No call of the bundle names the router, so reading allowances to the
 * bundle's own targets finds nothing; the guard must watch every holding when the bundle calls a
 * contract the chain's config does not list.
 */
describe('hostile: a called contract that spends, through another contract, an EIP-7702 address’s old allowance', async () => {
  const { sweeper, puller } = await sweeperThroughPuller(manifest, USDT);
  const { publicClient } = devnetClients(manifest);
  // The victim: a funded address that allowed the leaky router 50 USDT as a plain wallet, then was
  // imported into Sextant and upgraded to Simple7702Account.
  const base = await testAgent(manifest);
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: (send) =>
      send(USDT, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, parseUnits('50', 6)] })),
  });
  const { address } = u;
  const deps = await agentWithTwoFacedSkill(manifest, sweeper, undefined, { base });
  const { say, confirm } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" from an address that once allowed a leaky router 50 USDT: the mined bundle that takes the USDT through it reverts, and nothing moves', async ({
    task,
  }) => {
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    const record = await confirmWatched(
      task,
      [
        balanceProbe(publicClient, "the address's USDT", USDT, address),
        allowanceProbe(publicClient, 'USDT allowance to the leaky router', USDT, address, puller),
        balanceProbe(publicClient, "the address's USDC", USDC, address),
        balanceProbe(publicClient, "the address's DAI", DAI, address),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(record?.error ?? '').toMatch(/guard.*USDT/i);
    expect(reply.plan?.preview.guard?.checks).toContain('USDT: nothing leaves');
  });
});

/**
 * The same sweeps, at the address's Aave position rather than its wallet: as a plain wallet, before
 * Sextant, the address supplied USDT to Aave, allowed the leaky router 50 of its aUSDT (an aToken is
 * an ERC-20), and delegated 100 DAI of credit to a contract (approveDelegation). A swap on matcha runs
 * unvetted code, which once mined takes the aUSDT through the router, or borrows the DAI on the
 * address's behalf. Neither token is in the wallet's holdings, and the swap touches no Aave position,
 * so the guard must read the address's aTokens and its total debt.
 */
describe('hostile: a called contract that takes an EIP-7702 address’s Aave supply or credit through old rights', async () => {
  const { publicClient } = devnetClients(manifest);
  const { walletClient, account } = await fundedAccount(manifest);
  const pool = manifest.contracts.aaveV3.pool;
  const aUsdt = manifest.aaveV3Reserves.USDT?.aToken as Address;
  const daiDebt = manifest.aaveV3Reserves.DAI?.variableDebtToken as Address;
  const puller = await deployTwoFacedSwap(manifest, 'LeakyPuller');
  const aim = async (sweeper: Address, call: { functionName: string; args: readonly unknown[] }) =>
    publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address: sweeper,
        abi: parseAbi([
          'function aimThrough(address token, address puller)',
          'function aimBorrow(address pool, address asset, uint256 amount)',
          'function aimGift(address pool, address asset)',
        ]),
        functionName: call.functionName as 'aimThrough',
        args: call.args as never,
        account,
        chain: walletClient.chain,
      }),
    });
  const takesSupply = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  await aim(takesSupply, { functionName: 'aimThrough', args: [aUsdt, puller] });
  const borrows = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  await aim(borrows, { functionName: 'aimBorrow', args: [pool, DAI, parseUnits('100', 18)] });
  // The same two, each also supplying 1 unit of USDC on the address's behalf in simulation only.
  const giftsThenTakesSupply = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  await aim(giftsThenTakesSupply, { functionName: 'aimThrough', args: [aUsdt, puller] });
  await aim(giftsThenTakesSupply, { functionName: 'aimGift', args: [pool, USDC] });
  const giftsThenBorrows = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
  await aim(giftsThenBorrows, { functionName: 'aimBorrow', args: [pool, DAI, parseUnits('100', 18)] });
  await aim(giftsThenBorrows, { functionName: 'aimGift', args: [pool, USDC] });

  // The victim, as a plain wallet: 1,000 USDT supplied, 50 aUSDT allowed to the router, 100 DAI of
  // credit delegated to each borrowing desk; then imported into Sextant and upgraded to Simple7702Account.
  const base = await testAgent(manifest);
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: async (send, address) => {
      await send(
        USDT,
        encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, parseUnits('1000', 6)] }),
      );
      await send(
        pool,
        encodeFunctionData({ abi: poolAbi, functionName: 'supply', args: [USDT, parseUnits('1000', 6), address, 0] }),
      );
      await send(
        aUsdt,
        encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, parseUnits('50', 6)] }),
      );
      for (const delegatee of [borrows, giftsThenBorrows]) await send(daiDebt, delegateDaiCredit(delegatee));
    },
  });
  const { address } = u;
  const probes = () => [
    // The supply earns interest between the two readings: a few units of it are no change.
    debtProbe(publicClient, "the address's aUSDT", aUsdt, address, [0n], 1_000n),
    debtProbe(publicClient, "the address's DAI debt", daiDebt, address, [0n], 10n ** 15n),
    balanceProbe(publicClient, "the address's USDC", USDC, address),
    balanceProbe(publicClient, "the address's DAI", DAI, address),
  ];

  for (const [what, sweeper, check, reason] of [
    [
      'takes 50 aUSDT through the leaky router',
      takesSupply,
      /a\w*USDT: nothing leaves/,
      /on-chain guard reverted the bundle, so nothing moved: 0x\w+ changed by -50000000 base units where the preview allowed none to leave/,
    ],
    [
      'borrows 100 DAI on the address’s behalf',
      borrows,
      /Aave debt: none taken on/,
      /on-chain guard reverted the bundle, so nothing moved: the account's Aave debt would grow by 100(\.\d+)? USD/,
    ],
    [
      'supplies 1 unit of USDC for the address in simulation only, then takes 50 aUSDT',
      giftsThenTakesSupply,
      /a\w*USDT: nothing leaves/,
      /on-chain guard reverted the bundle, so nothing moved/,
    ],
    [
      'supplies 1 unit of USDC for the address in simulation only, then borrows 100 DAI',
      giftsThenBorrows,
      /Aave debt: none taken on/,
      /on-chain guard reverted the bundle, so nothing moved/,
    ],
  ] as const) {
    it(`hostile: "swap 10 USDC for DAI on matcha" whose desk, once mined, ${what}: the bundle reverts, and nothing moves`, async ({
      task,
    }) => {
      const deps = await agentWithTwoFacedSkill(manifest, sweeper, undefined, { base });
      const { say, confirm } = hostileHarness(deps, manifest);
      const reply = await say(u, 'swap 10 USDC for DAI on matcha');
      expect(reply.plan?.preview.ok, reply.text).toBe(true);
      const record = await confirmWatched(task, probes(), () => confirm(u, reply));
      expect(record?.status).not.toBe('succeeded');
      expect(record?.error ?? '').toMatch(reason);
      expect(reply.plan?.preview.guard?.checks.join('\n')).toMatch(check);
    });
  }
});

/**
 * Old credit delegations again, against an address with no Aave position yet: (1) the plan itself
 * supplies collateral, and the desk, once mined, borrows on it; (2) the desk borrows in every
 * simulation too, so the preview would show the debt as one more line: no step declares it, so the
 * plan is not offered.
 */
describe('hostile: old credit delegations against an EIP-7702 address whose collateral arrives in the bundle', async () => {
  const { publicClient } = devnetClients(manifest);
  const { walletClient, account } = await fundedAccount(manifest);
  const pool = manifest.contracts.aaveV3.pool;
  const daiDebt = manifest.aaveV3Reserves.DAI?.variableDebtToken as Address;
  const aimAbi = parseAbi([
    'function aimBorrow(address pool, address asset, uint256 amount)',
    'function aimBorrowAlways(address pool, address asset, uint256 amount)',
  ]);
  const sweeper = async (functionName: 'aimBorrow' | 'aimBorrowAlways') => {
    const address = await deployTwoFacedSwap(manifest, 'TwoFacedSweeper');
    await publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address,
        abi: aimAbi,
        functionName,
        args: [pool, DAI, parseUnits('100', 18)],
        account,
        chain: walletClient.chain,
      }),
    });
    return address;
  };
  const borrowsOnceMined = await sweeper('aimBorrow');
  const borrowsAlways = await sweeper('aimBorrowAlways');

  const base = await testAgent(manifest);
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: async (send) => {
      for (const delegatee of [borrowsOnceMined, borrowsAlways]) await send(daiDebt, delegateDaiCredit(delegatee));
    },
  });
  const { address } = u;
  const probes = () => [
    debtProbe(publicClient, "the address's DAI debt", daiDebt, address, [0n], 10n ** 15n),
    balanceProbe(publicClient, "the address's USDC", USDC, address),
    balanceProbe(publicClient, "the address's USDT", USDT, address),
  ];

  it('hostile: "supply 500 USDT to aave, then swap 10 USDC for DAI on matcha" whose desk, once mined, borrows 100 DAI on the new collateral: the bundle reverts, and nothing moves', async ({
    task,
  }) => {
    const deps = await agentWithTwoFacedSkill(manifest, borrowsOnceMined, undefined, { base });
    const { say, confirm } = hostileHarness(deps, manifest);
    const reply = await say(u, 'supply 500 USDT to aave, then swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    const record = await confirmWatched(task, probes(), () => confirm(u, reply));
    expect(record?.status).not.toBe('succeeded');
    expect(record?.error ?? '').toMatch(/the account's Aave debt would grow by 100(\.\d+)? USD/);
    expect(reply.plan?.preview.guard?.checks).toContain('Aave debt: none taken on');
  });

  it('hostile: "swap 10 USDC for DAI on matcha" previewed before another plan supplies collateral, whose desk then borrows 100 DAI on it: the bundle reverts, and nothing moves', async ({
    task,
  }) => {
    const deps = await agentWithTwoFacedSkill(manifest, borrowsOnceMined, undefined, { base });
    const { say } = hostileHarness(deps, manifest);
    // Previewed with no collateral and nothing supplied by this plan.
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    // Another plan supplies collateral before this one is confirmed.
    const plain = hostileHarness(base, manifest);
    const supplied = await plain.confirm(u, await plain.say(u, 'supply 500 USDT to aave'));
    expect(supplied?.status, supplied?.error ?? '').toBe('succeeded');
    const record = await confirmWatched(
      task,
      [
        debtProbe(publicClient, "the address's DAI debt", daiDebt, address, [0n], 10n ** 15n),
        balanceProbe(publicClient, "the address's USDC", USDC, address),
      ],
      async () => {
        // The confirmation sees the aUSDT the preview did not (agent.ts assertHoldingsWatched)…
        await expect(
          confirmPlan(deps, { userId: u.userId, planId: reply.plan?.id as string, owner: u.owner }),
        ).rejects.toThrow(/the account now holds aDevUSDT/);
        // …and had the collateral come in the seconds after it, the bundle's debt freeze stops the borrow.
        const plan = getPlan(deps.db, u.userId, reply.plan?.id as string);
        return execute(deps.env, u.owner, {
          userId: u.userId,
          idempotencyKey: randomUUID(),
          calls: plan?.calls ?? [],
        });
      },
    );
    expect(record.status).not.toBe('succeeded');
    expect(record.error ?? '').toMatch(/the account's Aave debt would grow by 100(\.\d+)? USD/);
    expect(reply.plan?.preview.guard?.checks).toContain('Aave debt: none taken on');
  });

  it('hostile: "swap 10 USDC for DAI on matcha" whose desk borrows 100 DAI on the address’s behalf in the simulation too is not offered, and nothing moves', async ({
    task,
  }) => {
    // Collateral first, so there is credit to take.
    const plain = hostileHarness(base, manifest);
    const supplied = await plain.confirm(u, await plain.say(u, 'supply 500 USDT to aave'));
    expect(supplied?.status, supplied?.error ?? '').toBe('succeeded');
    const deps = await agentWithTwoFacedSkill(manifest, borrowsAlways, undefined, { base });
    const { say: sayTo, confirm: confirmTo } = hostileHarness(deps, manifest);
    const reply = await sayTo(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(task, probes(), () => confirmTo(u, reply));
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(
      /DAI debt growing by 100 on Aave V3, more than any step declares/,
    );
  });
});

/**
 * The same take, by a third-party skill that calls only a contract the chain lists: Uniswap's own
 * router, through a route whose intermediate hop is a hostile token (skills/testing/fixtures/hop-route,
 * HopToken). Every call of the bundle goes to a listed contract and the plan's tokens are listed, so a
 * guard that trusted listed targets would read only allowances to the router; the hop's transfer,
 * once mined, has the leaky router take the address's old USDT allowance. A third-party skill's step
 * counts as unvetted code.
 */
describe('hostile: a third-party skill that routes a swap on Uniswap’s own router through a hostile token', async () => {
  const { publicClient } = devnetClients(manifest);
  const hop = await deployTwoFacedSwap(manifest, 'HopToken');
  const puller = await deployTwoFacedSwap(manifest, 'LeakyPuller');
  const manager = manifest.contracts.uniswapV3.nonfungiblePositionManager;
  const managerAbi = loadArtifact(UNISWAP_ARTIFACTS.positionManager).abi;
  const hopAbi = parseAbi([
    'function mint(address to, uint256 amount)',
    'function aim(address victim, address puller, address loot)',
  ]);

  // Two pools, USDC/HOP and HOP/DAI at 0.3%, each with 5,000 of either side over the full range.
  const { walletClient: provider, account: providerAccount } = await fundedAccount(manifest);
  await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, providerAccount.address);
  const write = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) => {
    const hash = await provider.writeContract({
      address,
      abi,
      functionName,
      args,
      account: providerAccount,
      chain: provider.chain,
    } as never);
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
  };
  await write(hop, hopAbi, 'mint', [providerAccount.address, parseUnits('10000', 18)]);
  for (const [other, decimals] of [
    [USDC, 6],
    [DAI, 18],
  ] as const) {
    const [token0, token1] = other.toLowerCase() < hop.toLowerCase() ? [other, hop] : [hop, other];
    const amount = (token: Address) => parseUnits('5000', token === hop ? 18 : decimals);
    for (const token of [token0, token1]) await write(token, erc20Abi, 'approve', [manager, amount(token)]);
    await write(manager, managerAbi, 'createAndInitializePoolIfNecessary', [
      token0,
      token1,
      3000,
      sqrtPriceX96(amount(token0), amount(token1)),
    ]);
    const { tickLower, tickUpper } = fullRangeTicks(3000);
    await write(manager, managerAbi, 'mint', [
      {
        token0,
        token1,
        fee: 3000,
        tickLower,
        tickUpper,
        amount0Desired: amount(token0),
        amount1Desired: amount(token1),
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: providerAccount.address,
        deadline: 2n ** 48n,
      },
    ]);
  }

  // The victim allowed the leaky router 50 USDT as a plain wallet, then was upgraded to Simple7702Account.
  const base = await testAgent(manifest);
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: (send) =>
      send(USDT, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, parseUnits('50', 6)] })),
  });
  const { address } = u;
  await write(hop, hopAbi, 'aim', [address, puller, USDT]);
  const deps = await agentWithTwoFacedSkill(manifest, hop, { dir: 'hop-route', id: 'matcha/swap' }, { base });
  const { say, confirm } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" routed through HOP on Uniswap’s router: the mined bundle that takes the USDT reverts, and nothing moves', async ({
    task,
  }) => {
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    const record = await confirmWatched(
      task,
      [
        balanceProbe(publicClient, "the address's USDT", USDT, address),
        balanceProbe(publicClient, "the address's USDC", USDC, address),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(record?.error ?? '').toMatch(/on-chain guard reverted the bundle, so nothing moved: USDT changed by -50/);
    expect(reply.plan?.preview.guard?.checks).toContain('USDT: nothing leaves');
  });
});

/**
 * An ETH payee whose address has no code at the preview and takes some on before the payment lands
 * (an EIP-7702 authorization of its own): paid, its new code has the leaky router take the payer's
 * old USDT allowance. Being paid does not entitle it to that; any ETH recipient counts as unvetted
 * code, code or not at the preview.
 */
describe('hostile: an ETH payee that takes on code between the preview and the payment', async () => {
  const { publicClient, chain } = devnetClients(manifest);
  const puller = await deployTwoFacedSwap(manifest, 'LeakyPuller');
  const { abi, bytecode } = compileTwoFacedSwap('PullOnReceive');
  const { walletClient, account } = await fundedAccount(manifest);
  const robber = (
    await publicClient.waitForTransactionReceipt({
      hash: await walletClient.deployContract({
        abi,
        bytecode,
        args: [puller, USDT],
        account,
        chain: walletClient.chain,
      }),
    })
  ).contractAddress as Address;
  const payee = privateKeyToAccount(generatePrivateKey());
  const payeeWallet = createWalletClient({ account: payee, chain, transport: devnetTransport(manifest.rpcUrl) });
  await fundFromFaucet(publicClient, manifest.rpcUrl, [], payee.address);
  const base = await testAgent(manifest);
  const u = await upgradedAddressUser(base, manifest, {
    asWallet: (send) =>
      send(USDT, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, parseUnits('50', 6)] })),
  });
  const { say, confirm } = hostileHarness(base, manifest);

  it(`hostile: "send 0.01 ETH to" a payee that delegates its address to a puller after the preview: the mined bundle reverts, and nothing moves`, async ({
    task,
  }) => {
    expect(await publicClient.getCode({ address: payee.address })).toBeUndefined();
    const reply = await say(u, `send 0.01 ETH to ${payee.address}`);
    expect(reply.plan?.preview.ok, reply.text).toBe(true);
    // After the preview, before the confirmation: the payee's address takes on the puller's code.
    const authorization = await payeeWallet.signAuthorization({ contractAddress: robber, executor: 'self' });
    const upgraded = await publicClient.waitForTransactionReceipt({
      hash: await payeeWallet.sendTransaction({ authorizationList: [authorization], to: payee.address, data: '0x' }),
    });
    expect(upgraded.status).toBe('success');
    const record = await confirmWatched(
      task,
      [
        balanceProbe(publicClient, "the address's USDT", USDT, u.address),
        balanceProbe(publicClient, "the payee's USDT", USDT, payee.address),
      ],
      () => confirm(u, reply, { newRecipients: true }),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(record?.error ?? '').toMatch(/on-chain guard reverted the bundle, so nothing moved: USDT changed by -50/);
    expect(reply.plan?.preview.guard?.checks).toContain('USDT: nothing leaves');
  });
});
