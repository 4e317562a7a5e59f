import {
  type Address,
  decodeFunctionData,
  formatUnits,
  type Hex,
  parseEther,
  parseUnits,
  toFunctionSelector,
  zeroAddress,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { knownNetworks } from '../../common/chains/known-networks.ts';
import { loadArtifact } from '../../devnet/artifacts.ts';
import { UNISWAP_ARTIFACTS } from '../../devnet/deploy-uniswap-v3.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls, quoteSkill } from '../build.ts';
import { NATIVE_TOKEN, type SkillBuild } from '../sdk/define-skill.ts';
import { parsePermissions } from '../sdk/permissions.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { UNISWAP_V3_CHAINS } from './chains.ts';
import { uniswapV3Swap } from './swap.ts';

const manifest = testDevnet();
const router = manifest.contracts.uniswapV3.swapRouter02;
const weth = manifest.contracts.weth;
const token = (symbol: string) => {
  const found = manifest.tokens.find((t) => t.symbol === symbol);
  if (!found) throw new Error(`no ${symbol} on the devnet`);
  return found.address;
};
// The protocols' own artifacts, not the skill's hand-written ABI, so the tests check one against the other.
const routerAbi = loadArtifact(UNISWAP_ARTIFACTS.swapRouter02).abi;
const quoterAbi = loadArtifact(UNISWAP_ARTIFACTS.quoterV2).abi;
const factoryAbi = loadArtifact(UNISWAP_ARTIFACTS.factory).abi;

/** The inner router calls of a build's one multicall, decoded with SwapRouter02's artifact. */
function routerSteps(build: SkillBuild): {
  deadline: bigint;
  steps: { functionName: string; args: readonly unknown[] }[];
} {
  expect(build.calls).toHaveLength(1);
  const call = build.calls[0] as { to: Address; data: Hex };
  expect(call.to).toBe(router);
  const outer = decodeFunctionData({ abi: routerAbi, data: call.data });
  expect(outer.functionName).toBe('multicall');
  const [deadline, inner] = outer.args as [bigint, Hex[]];
  return {
    deadline,
    steps: inner.map((data) => {
      const decoded = decodeFunctionData({ abi: routerAbi, data });
      return { functionName: decoded.functionName, args: decoded.args ?? [] };
    }),
  };
}

describe('uniswap-v3/swap', () => {
  const env = testEnvironment(manifest);
  const client = env.publicClient;

  /** QuoterV2 directly, one fee tier; undefined where the pair has no pool in that tier. */
  async function directQuote(
    kind: 'exactIn' | 'exactOut',
    tokenIn: Address,
    tokenOut: Address,
    amount: bigint,
    fee: number,
  ) {
    const pool = await client.readContract({
      address: manifest.contracts.uniswapV3.factory,
      abi: factoryAbi,
      functionName: 'getPool',
      args: [tokenIn, tokenOut, fee],
    });
    if (pool === zeroAddress) return undefined;
    const { result } = await client.simulateContract({
      address: manifest.contracts.uniswapV3.quoterV2,
      abi: quoterAbi,
      functionName: kind === 'exactIn' ? 'quoteExactInputSingle' : 'quoteExactOutputSingle',
      args: [
        kind === 'exactIn'
          ? { tokenIn, tokenOut, amountIn: amount, fee, sqrtPriceLimitX96: 0n }
          : { tokenIn, tokenOut, amount, fee, sqrtPriceLimitX96: 0n },
      ],
    });
    return (result as readonly bigint[])[0] as bigint;
  }

  async function directQuotes(kind: 'exactIn' | 'exactOut', tokenIn: Address, tokenOut: Address, amount: bigint) {
    const quotes = new Map<number, bigint>();
    for (const fee of [100, 500, 3000, 10000]) {
      const quoted = await directQuote(kind, tokenIn, tokenOut, amount, fee);
      if (quoted !== undefined) quotes.set(fee, quoted);
    }
    return quotes;
  }

  const routerEth = () => client.getBalance({ address: router });

  it('declares exactly the SwapRouter02 functions it calls, with the router’s real selectors, on every Uniswap chain', () => {
    const [permission] = parsePermissions(uniswapV3Swap.contracts['*'] ?? []);
    expect(permission?.contract).toBe('uniswapV3.swapRouter02');
    expect(permission?.payable).toBe(true);
    const selectors = permission?.functions.map((f) => f.selector);
    expect(selectors).toEqual(['0x5ae401dc', '0x04e45aaf', '0x5023b4df', '0x49404b7c', '0x12210e8a']);
    const routerSelectors = routerAbi
      .filter((item) => item.type === 'function')
      .map((item) => toFunctionSelector(item));
    for (const selector of selectors ?? []) expect(routerSelectors).toContain(selector);
    const withUniswap = knownNetworks.filter((chain) => chain.contracts.uniswapV3).map((chain) => chain.slug);
    expect([...UNISWAP_V3_CHAINS].sort()).toEqual(['devnet', ...withUniswap].sort());
  });

  it('sells an exact amount of one ERC-20 for another (DAI → USDC) after an exact approval', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(uniswapV3Swap, { tokenIn: 'DAI', tokenOut: 'USDC', amountIn: '100' }, user.ctx);
    const amountIn = parseUnits('100', 18);
    expect(build.approvals).toEqual([{ token: token('DAI'), spender: router, amount: amountIn }]);
    expect(build.bounds.gives).toEqual([{ token: token('DAI'), amount: amountIn }]);
    const minimum = build.bounds.receives[0]?.amount as bigint;
    expect(build.summary).toMatch(/^Swap 100 DAI for at least 99\.\d+ USDC on Uniswap V3 \(0\.01% pool\)$/);
    const { steps, deadline } = routerSteps(build);
    expect(steps.map((step) => step.functionName)).toEqual(['exactInputSingle']);
    expect(steps[0]?.args[0]).toMatchObject({ recipient: user.account, fee: 100, amountIn, amountOutMinimum: minimum });
    const { timestamp } = await client.getBlock();
    expect(deadline).toBeGreaterThan(timestamp + 19n * 60n);
    expect(deadline).toBeLessThanOrEqual(timestamp + 20n * 60n);

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(token('DAI'))).toBe(-amountIn);
    expect(deltas.get(token('USDC'))).toBeGreaterThanOrEqual(minimum);
    expectWithinBounds(deltas, build.bounds);
  });

  it('sells an exact amount of ETH for a token, the router wrapping it', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(
      uniswapV3Swap,
      { tokenIn: 'ETH', tokenOut: 'USDT', amountIn: '0.05' },
      user.ctx,
    );
    const amountIn = parseEther('0.05');
    expect(build.approvals).toEqual([]);
    expect(build.calls[0]?.value).toBe(amountIn);
    expect(build.bounds.gives).toEqual([{ token: NATIVE_TOKEN, amount: amountIn }]);
    expect(routerSteps(build).steps.map((step) => step.functionName)).toEqual(['exactInputSingle', 'refundETH']);
    expect(routerSteps(build).steps[0]?.args[0]).toMatchObject({ tokenIn: weth, tokenOut: token('USDT') });

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(NATIVE_TOKEN)).toBe(-amountIn);
    expect(deltas.get(token('USDT'))).toBeGreaterThanOrEqual(build.bounds.receives[0]?.amount as bigint);
    expectWithinBounds(deltas, build.bounds);
    expect(await routerEth()).toBe(0n);
  });

  it('sells an exact amount of a token for ETH, unwrapped to the account', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(uniswapV3Swap, { tokenIn: 'USDT', tokenOut: 'ETH', amountIn: '100' }, user.ctx);
    const minimum = build.bounds.receives[0]?.amount as bigint;
    expect(build.bounds.receives[0]?.token).toBe(NATIVE_TOKEN);
    const { steps } = routerSteps(build);
    expect(steps.map((step) => step.functionName)).toEqual(['exactInputSingle', 'unwrapWETH9']);
    // The pool pays the router (address(2) = ADDRESS_THIS), which unwraps to the account.
    expect(steps[0]?.args[0]).toMatchObject({
      tokenOut: weth,
      recipient: '0x0000000000000000000000000000000000000002',
    });
    expect(steps[1]?.args).toEqual([minimum, user.account]);

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(token('USDT'))).toBe(-parseUnits('100', 6));
    expect(deltas.get(NATIVE_TOKEN)).toBeGreaterThanOrEqual(minimum);
    expectWithinBounds(deltas, build.bounds);
  });

  it('buys an exact amount of one token with another (USDT → WETH), spending at most the maximum', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(
      uniswapV3Swap,
      { tokenIn: 'USDT', tokenOut: 'WETH', amountOut: '0.02' },
      user.ctx,
    );
    const maximum = build.bounds.gives[0]?.amount as bigint;
    expect(build.approvals).toEqual([{ token: token('USDT'), spender: router, amount: maximum }]);
    expect(build.bounds.receives).toEqual([{ token: weth, amount: parseEther('0.02') }]);
    expect(build.summary).toMatch(/^Swap at most [\d.]+ USDT for 0\.02 WETH on Uniswap V3 \(0\.05% pool\)$/);
    expect(routerSteps(build).steps.map((step) => step.functionName)).toEqual(['exactOutputSingle']);

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(weth)).toBe(parseEther('0.02'));
    expect(-(deltas.get(token('USDT')) as bigint)).toBeGreaterThan(0n);
    expect(-(deltas.get(token('USDT')) as bigint)).toBeLessThanOrEqual(maximum);
    expectWithinBounds(deltas, build.bounds);
  });

  it('buys an exact amount of a token with ETH, and the ETH it did not need comes back', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(uniswapV3Swap, { tokenIn: 'ETH', tokenOut: 'USDT', amountOut: '50' }, user.ctx);
    const maximum = build.bounds.gives[0]?.amount as bigint;
    expect(build.calls[0]?.value).toBe(maximum);
    expect(build.approvals).toEqual([]);
    expect(routerSteps(build).steps.map((step) => step.functionName)).toEqual(['exactOutputSingle', 'refundETH']);

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(token('USDT'))).toBe(parseUnits('50', 6));
    const spent = -(deltas.get(NATIVE_TOKEN) as bigint);
    expect(spent).toBeGreaterThan(0n);
    // It sent the maximum (quote + 0.5%) and spent about the quote: the rest was refunded.
    expect(spent).toBeLessThan(maximum);
    expect(spent).toBeGreaterThan((maximum * 9900n) / 10000n);
    expectWithinBounds(deltas, build.bounds);
    expect(await routerEth()).toBe(0n);
  });

  it('buys an exact amount of ETH with a token', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(
      uniswapV3Swap,
      { tokenIn: 'USDT', tokenOut: 'ETH', amountOut: '0.01' },
      user.ctx,
    );
    const { steps } = routerSteps(build);
    expect(steps.map((step) => step.functionName)).toEqual(['exactOutputSingle', 'unwrapWETH9']);
    expect(steps[1]?.args).toEqual([parseEther('0.01'), user.account]);

    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(NATIVE_TOKEN)).toBe(parseEther('0.01'));
    expect(-(deltas.get(token('USDT')) as bigint)).toBeLessThanOrEqual(build.bounds.gives[0]?.amount as bigint);
    expectWithinBounds(deltas, build.bounds);
  });

  it('sets the minimum output from the best tier’s quote and the slippage (0, 50, 300 bps), and the maximum input alike', async () => {
    const user = await fundedTestUser(env, manifest);
    const usdt = token('USDT');
    const amountIn = parseUnits('100', 6);
    const amountOut = parseEther('0.01');
    /**
     * The chain is shared with other test files, so quote directly before and after the skill, and
     * compare only when nothing moved in between (a few tries).
     */
    async function steady<T>(read: () => Promise<Map<number, bigint>>, act: () => Promise<T>) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const before = await read();
        const result = await act();
        const after = await read();
        const same = before.size === after.size && [...before].every(([fee, quoted]) => after.get(fee) === quoted);
        if (same) return { quotes: before, result };
      }
      throw new Error('the pools kept moving');
    }

    for (const bps of [0, 50, 300]) {
      const input = { tokenIn: 'USDT', tokenOut: 'WETH', amountIn: '100', slippageBps: bps };
      const { quotes, result } = await steady(
        () => directQuotes('exactIn', usdt, weth, amountIn),
        async () => ({
          build: await buildSkillCalls(uniswapV3Swap, input, user.ctx),
          quote: await quoteSkill(uniswapV3Swap, input, user.ctx),
        }),
      );
      // WETH/USDT has the 0.05% and 0.3% tiers; the best is the one that pays out most.
      expect([...quotes.keys()].sort()).toEqual([3000, 500]);
      const [bestFee, best] = [...quotes].reduce((a, b) => (b[1] > a[1] ? b : a));
      const expected = (best * BigInt(10_000 - bps)) / 10_000n;
      expect(result.build.bounds.receives).toEqual([{ token: weth, amount: expected }]);
      expect(routerSteps(result.build).steps[0]?.args[0]).toMatchObject({ fee: bestFee, amountOutMinimum: expected });
      expect(result.quote?.values).toMatchObject({
        kind: 'exactIn',
        fee: String(bestFee),
        quotedBaseUnits: best.toString(),
        amountOutMinimumBaseUnits: expected.toString(),
        slippageBps: String(bps),
        priceUnit: 'WETH per USDT',
      });
      expect(Number(result.quote?.values.price)).toBeCloseTo(1 / 3000, 5);
    }

    // Exact output: the least input wins, and the maximum is the quote plus the slippage.
    const input = { tokenIn: 'USDT', tokenOut: 'WETH', amountOut: '0.01', slippageBps: 100 };
    const { quotes, result } = await steady(
      () => directQuotes('exactOut', usdt, weth, amountOut),
      () => buildSkillCalls(uniswapV3Swap, input, user.ctx),
    );
    const [bestFee, best] = [...quotes].reduce((a, b) => (b[1] < a[1] ? b : a));
    const maximum = (best * 10_100n) / 10_000n;
    expect(result.bounds.gives).toEqual([{ token: usdt, amount: maximum }]);
    expect(routerSteps(result).steps[0]?.args[0]).toMatchObject({ fee: bestFee, amountOut, amountInMaximum: maximum });
  });

  it('raises the minimum to a floor the user stated, and refuses a floor the quote cannot meet', async () => {
    const user = await fundedTestUser(env, manifest);
    const quote = await quoteSkill(uniswapV3Swap, { tokenIn: 'DAI', tokenOut: 'USDC', amountIn: '10' }, user.ctx);
    const quoted = BigInt(quote?.values.quotedBaseUnits as string);
    // A floor between the slippage minimum (quote − 0.5%) and the quote becomes the minimum.
    const floor = (quoted * 9_990n) / 10_000n;
    const build = await buildSkillCalls(
      uniswapV3Swap,
      { tokenIn: 'DAI', tokenOut: 'USDC', amountIn: '10', minAmountOut: formatUnits(floor, 6) },
      user.ctx,
    );
    expect(build.bounds.receives[0]?.amount).toBe(floor);
    // A floor below the slippage minimum changes nothing.
    const low = await buildSkillCalls(
      uniswapV3Swap,
      { tokenIn: 'DAI', tokenOut: 'USDC', amountIn: '10', minAmountOut: '1' },
      user.ctx,
    );
    expect(low.bounds.receives[0]?.amount).toBe((quoted * 9_950n) / 10_000n);
    await expect(
      buildSkillCalls(
        uniswapV3Swap,
        { tokenIn: 'DAI', tokenOut: 'USDC', amountIn: '10', minAmountOut: '10.5' },
        user.ctx,
      ),
    ).rejects.toThrow(/below the minimum you asked for \(10\.5 USDC\)/);
  });

  it('refuses what it cannot do safely, saying why', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = (input: Record<string, unknown>) => buildSkillCalls(uniswapV3Swap, input, user.ctx);
    const base = { tokenIn: 'USDT', tokenOut: 'WETH' };

    await expect(build({ ...base, amountIn: '10', slippageBps: 301 })).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/301 bps .* more than this skill allows \(300 bps/),
      hint: expect.stringMatching(/at most 300 bps/),
    });
    await expect(quoteSkill(uniswapV3Swap, { ...base, amountIn: '10', slippageBps: 1000 }, user.ctx)).rejects.toThrow(
      /more than this skill allows/,
    );
    await expect(build({ ...base, amountIn: '10', minAmountOut: '1' })).rejects.toThrow(
      /below the minimum you asked for/,
    );
    await expect(build({ ...base, amountIn: '10', amountOut: '0.001' })).rejects.toThrow(/one amount, not both/);
    await expect(build(base)).rejects.toThrow(/needs an amount/);
    await expect(build({ tokenIn: 'PEPE', tokenOut: 'WETH', amountIn: '1' })).rejects.toThrow(/no token "PEPE"/);
    await expect(build({ tokenIn: 'USDC', tokenOut: 'usdc', amountIn: '1' })).rejects.toThrow(/USDC for itself/);
    await expect(build({ tokenIn: 'ETH', tokenOut: 'WETH', amountIn: '1' })).rejects.toMatchObject({
      hint: expect.stringMatching(/weth\/wrap/),
    });
    await expect(build({ tokenIn: 'WETH', tokenOut: 'ETH', amountOut: '1' })).rejects.toMatchObject({
      hint: expect.stringMatching(/weth\/unwrap/),
    });
    await expect(build({ tokenIn: 'WBTC', tokenOut: 'USDT', amountIn: '0.01' })).rejects.toThrow(/no WBTC\/USDT pool/);
    // More than every USDT pool holds: no tier can quote it.
    await expect(build({ tokenIn: 'WETH', tokenOut: 'USDT', amountOut: '100000000' })).rejects.toThrow(
      /can quote this swap/,
    );
    await expect(build({ ...base, amountIn: '10', slippageBps: 10_001 })).rejects.toThrow(/slippageBps/);
  });
});
