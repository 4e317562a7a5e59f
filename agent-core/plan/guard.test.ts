import { randomUUID } from 'node:crypto';
import {
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  isAddressEqual,
  parseAbi,
  parseUnits,
  toFunctionSelector,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { BUNDLE_GUARD_ABI } from '../../common/contracts/bundle-guard.ts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { fundedAccount } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { simulateAccountCalls } from '../../smart-accounts/simulate.ts';
import { confirmPlan, handleMessage } from '../agent.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { buildPlan } from './build-plan.ts';
import { guardBundle } from './guard.ts';
import { previewPlan } from './preview.ts';
import { protocolContracts } from './protocol-contracts.ts';
import { getPlan } from './store.ts';
import type { PlanStep } from './types.ts';

const manifest = testDevnet();
const token = (symbol: string) =>
  manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; decimals: number; symbol: string };
const guard = manifest.contracts.bundleGuard;

const ROUTER_ABI = parseAbi([
  'struct Params { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(Params params) payable returns (uint256)',
]);
const MINT_ABI = parseAbi(['function mint(address account, uint256 value) returns (bool)']);

describe('the on-chain guard around every bundle', async () => {
  const deps = await testAgent(manifest);
  const client = deps.env.publicClient;
  const balanceOf = (tokenAddress: Address, holder: Address) =>
    client.readContract({ address: tokenAddress, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  type User = Awaited<ReturnType<typeof fundedAgentUser>>;
  const say = (user: User, text: string) =>
    handleMessage(deps, { userId: user.userId, owner: user.ownerAddress, account: user.account, text });

  it('wraps a swap in the guard, shows its bounds, and the guarded bundle lands', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const usdc = token('USDC');
    const reply = await say(user, 'swap 100 USDC for ETH');
    expect(reply.kind, reply.text).toBe('plan');
    const view = reply.plan;
    if (!view) throw new Error('no plan');
    expect(view.preview.guard?.address).toBe(guard);
    expect(view.preview.guard?.checks).toContain('USDC: at most 100 USDC leaves');
    expect(view.preview.guard?.checks.some((c) => /^ETH: at least [\d.]+ ETH arrives$/.test(c))).toBe(true);
    expect(view.preview.guard?.checks).toContainEqual(
      expect.stringMatching(/^USDC allowance of 0x[0-9a-fA-F]{40}: none left$/),
    );
    // The bundle that runs opens with the snapshot and closes with the check, both to the guard.
    const stored = getPlan(deps.db, user.userId, view.id);
    const calls = stored?.calls ?? [];
    expect(calls.length).toBe(4);
    expect(isAddressEqual(calls[0]?.to as Address, guard)).toBe(true);
    expect(isAddressEqual(calls.at(-1)?.to as Address, guard)).toBe(true);

    const usdcBefore = await balanceOf(usdc.address, user.account);
    const record = await confirmPlan(deps, { userId: user.userId, planId: view.id, owner: user.owner });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await balanceOf(usdc.address, user.account)).toBe(usdcBefore - parseUnits('100', 6));
  });

  it('holds a borrow to the health factor the preview showed', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const supplied = await say(user, 'supply 500 DAI to Aave');
    if (!supplied.plan) throw new Error(supplied.text);
    expect((await confirmPlan(deps, { userId: user.userId, planId: supplied.plan.id, owner: user.owner })).status).toBe(
      'succeeded',
    );
    const borrow = await say(user, 'borrow 100 USDC from aave');
    if (!borrow.plan) throw new Error(borrow.text);
    const checks = borrow.plan.preview.guard?.checks ?? [];
    expect(checks).toContainEqual(expect.stringMatching(/^Aave health factor: at least \d+(\.\d{1,2})?$/));
    expect(checks).toContainEqual('USDC debt on Aave V3: grows by at most 100 USDC');
    const record = await confirmPlan(deps, { userId: user.userId, planId: borrow.plan.id, owner: user.owner });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await balanceOf(token('USDC').address, user.account)).toBeGreaterThanOrEqual(parseUnits('100', 6));
  });

  it('lets an honest ETH transfer from an account with Aave collateral and debt land, its position watched', async () => {
    // ETH to an address is unvetted code (the recipient could have code by then): the guard reads every
    // holding, the aToken and the account's total debt, and none of it may trip an honest transfer.
    const user = await fundedAgentUser(deps, manifest);
    for (const text of ['supply 500 DAI to Aave', 'borrow 100 USDC from aave']) {
      const reply = await say(user, text);
      if (!reply.plan) throw new Error(reply.text);
      const done = await confirmPlan(deps, { userId: user.userId, planId: reply.plan.id, owner: user.owner });
      expect(done.status, done.error ?? '').toBe('succeeded');
    }
    const recipient = (await fundedAccount(manifest, '0')).account.address;
    const reply = await say(user, `send 0.01 ETH to ${recipient}`);
    if (!reply.plan) throw new Error(reply.text);
    const checks = reply.plan.preview.guard?.checks ?? [];
    expect(checks).toContain('Aave debt: none taken on');
    expect(checks).toContainEqual(expect.stringMatching(/^a\w*DAI: nothing leaves$/));
    expect(checks).toContain('USDC: nothing leaves');
    const record = await confirmPlan(deps, {
      userId: user.userId,
      planId: reply.plan.id,
      owner: user.owner,
      allowNewRecipients: true,
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await client.getBalance({ address: recipient })).toBe(parseUnits('0.01', 18));
  });

  it('runs a step that takes "it" with what arrived, unless its contract would pay the guard instead of the account', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const ctx = createSkillContext({ chain: deps.env.chain, client, account: user.account });
    const protocols = [...protocolContracts(deps.catalog, deps.env.chain).values()].flat();
    const plan = async () => {
      const draft = await buildPlan(parseEmbedded('swap 100 DAI for WBTC').intents, {
        chain: deps.env.chain,
        client,
        account: user.account,
        catalog: deps.catalog,
        lookupAddress: () => undefined,
      });
      if (draft.kind !== 'plan') throw new Error(`expected a plan, got ${draft.kind}`);
      return draft;
    };
    const weth = token('WETH').address;
    const wbtc = token('WBTC').address;
    const isForward = (data: string) =>
      data.startsWith(toFunctionSelector('forwardReceived(uint256,address,address,bytes,uint256,uint256)'));
    const draft = await plan();
    expect(draft.steps[1]?.forward).toMatchObject({ token: weth });
    const forwarded = await previewPlan(deps.env, user.ownerAddress, draft.steps, ctx, draft.prices, protocols);
    expect(forwarded.calls.some((call) => isForward(call.data))).toBe(true);
    // What it may pass on is the minimum the ledger and policy counted, plus 2% at most.
    const forwardCall = forwarded.calls.find((call) => isForward(call.data));
    const minimum = draft.steps[1]?.forward?.minimum ?? 0n;
    const { args } = decodeFunctionData({ abi: BUNDLE_GUARD_ABI, data: forwardCall?.data ?? '0x' });
    expect(args?.[5]).toBe(minimum + minimum / 50n);
    expect(forwarded.preview.changes.find((c) => isAddressEqual(c.token, weth))).toBeUndefined();

    // The second swap made out to "the caller" (SwapRouter02's MSG_SENDER, address 1), as a careless
    // skill might build it: from the account it pays the account, from the guard it would pay the
    // guard. The guarded simulation shows the WBTC missing, so the step runs from the account with
    // its minimum, and the WBTC arrives.
    const careless = await plan();
    const second = careless.steps[1];
    const call = second?.forward && second.calls[second.forward.call];
    if (!second || !call) throw new Error('no forwarded call');
    const recipient = user.account.slice(2).toLowerCase().padStart(64, '0');
    expect(call.data.split(recipient).length - 1).toBe(1);
    second.calls[second.forward?.call ?? 0] = {
      ...call,
      data: call.data.replace(recipient, '1'.padStart(64, '0')) as Hex,
    };
    const fallback = await previewPlan(deps.env, user.ownerAddress, careless.steps, ctx, careless.prices, protocols);
    expect(fallback.preview.ok, fallback.preview.problem).toBe(true);
    expect(fallback.calls.some((c) => isForward(c.data))).toBe(false);
    expect(
      BigInt(fallback.preview.changes.find((c) => isAddressEqual(c.token, wbtc))?.baseUnits ?? '0'),
    ).toBeGreaterThan(0n);
  });

  it('reverts on chain, naming the token, when the market moves past the preview and the swap itself would not stop it', async () => {
    // A swap with no minimum of its own (as a careless or hostile skill might build it): only the
    // guard holds it to what the preview promised.
    const user = await fundedAgentUser(deps, manifest);
    const dai = token('DAI');
    const weth = token('WETH');
    const router = manifest.contracts.uniswapV3.swapRouter02;
    const amountIn = parseUnits('1000', 18);
    const swap = (recipient: Address, amount: bigint, minimum: bigint, reverse = false) =>
      encodeFunctionData({
        abi: ROUTER_ABI,
        functionName: 'exactInputSingle',
        args: [
          {
            tokenIn: reverse ? weth.address : dai.address,
            tokenOut: reverse ? dai.address : weth.address,
            fee: 3000,
            recipient,
            amountIn: amount,
            amountOutMinimum: minimum,
            sqrtPriceLimitX96: 0n,
          },
        ],
      });
    const calls = [
      {
        to: dai.address,
        value: 0n,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, amountIn] }),
      },
      { to: router, value: 0n, data: swap(user.account, amountIn, 0n) },
    ];
    const simulation = await simulateAccountCalls(deps.env, user.ownerAddress, calls);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    const simulatedOut = simulation.assetChanges.find((c) => isAddressEqual(c.token, weth.address))?.diff ?? 0n;
    expect(simulatedOut).toBeGreaterThan(0n);
    const step = {
      calls,
      bounds: {
        gives: [{ token: dai.address, amount: amountIn }],
        receives: [{ token: weth.address, amount: (simulatedOut * 995n) / 1000n }],
      },
    } as unknown as PlanStep;
    const guarded = guardBundle({
      guard,
      steps: [step],
      simulation,
      exposed: [],
      changes: simulation.assetChanges.map((c) => ({ token: c.token, kind: 'wallet', baseUnits: c.diff.toString() })),
      healthFactor: undefined,
      describe: {
        symbol: (address) => manifest.tokens.find((t) => isAddressEqual(t.address, address))?.symbol ?? 'ETH',
        decimals: (address) => manifest.tokens.find((t) => isAddressEqual(t.address, address))?.decimals ?? 18,
      },
    });
    const daiBefore = await balanceOf(dai.address, user.account);
    const wethBefore = await balanceOf(weth.address, user.account);
    const trader = await fundedAccount(manifest);
    const record = await execute(
      deps.env,
      user.owner,
      { userId: user.userId, idempotencyKey: randomUUID(), calls: guarded.calls },
      {
        // Between the last simulation and inclusion, someone sells 100,000 DAI into the same pool.
        beforeSend: async () => {
          const big = parseUnits('100000', 18);
          const send = async (to: Address, data: `0x${string}`) =>
            minedReceipt(
              client,
              await trader.walletClient.sendTransaction({
                account: trader.account,
                chain: trader.walletClient.chain,
                to,
                data,
              }),
            );
          await send(
            dai.address,
            encodeFunctionData({ abi: MINT_ABI, functionName: 'mint', args: [trader.account.address, big] }),
          );
          await send(dai.address, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, big] }));
          await send(router, swap(trader.account.address, big, 0n));
        },
      },
    );
    expect(record.status).toBe('reverted');
    expect(record.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(record.error).toMatch(
      /the on-chain guard reverted the bundle, so nothing moved: WETH changed by [\d.]+ where the preview allowed at least [\d.]+ to arrive/,
    );
    // Atomic: the approval and the swap were undone with the check.
    expect(await balanceOf(dai.address, user.account)).toBe(daiBefore);
    expect(await balanceOf(weth.address, user.account)).toBe(wethBefore);
    const allowance = await client.readContract({
      address: dai.address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [user.account, router],
    });
    expect(allowance).toBe(0n);

    // Put the pool back for the files this devnet runs next: sell the WETH the trade bought.
    const bought = await balanceOf(weth.address, trader.account.address);
    for (const [to, data] of [
      [weth.address, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, bought] })],
      [router, swap(trader.account.address, bought, 0n, true)],
    ] as const) {
      await minedReceipt(
        client,
        await trader.walletClient.sendTransaction({
          account: trader.account,
          chain: trader.walletClient.chain,
          to,
          data,
        }),
      );
    }
  });
});
