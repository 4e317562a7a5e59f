import { type Address, isAddressEqual } from 'viem';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../devnet/artifacts.ts';
import { UNISWAP_ARTIFACTS } from '../../devnet/deploy-uniswap-v3.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { readSkill } from '../build.ts';
import { fundedTestUser } from '../testing/devnet.ts';
import { uniswapV3Price } from './price.ts';

const manifest = testDevnet();
const poolAbi = loadArtifact(UNISWAP_ARTIFACTS.pool).abi;

describe('uniswap-v3/price', () => {
  const env = testEnvironment(manifest);

  /** The seeded pool of a pair with the most in-range liquidity, read directly. */
  async function deepestPool(a: string, b: string): Promise<{ address: Address; fee: number }> {
    const pools = manifest.uniswapV3Pools.filter((pool) => pool.symbols.includes(a) && pool.symbols.includes(b));
    let deepest: { address: Address; fee: number; liquidity: bigint } | undefined;
    for (const pool of pools) {
      const liquidity = (await env.publicClient.readContract({
        address: pool.address,
        abi: poolAbi,
        functionName: 'liquidity',
      })) as bigint;
      if (!deepest || liquidity > deepest.liquidity) deepest = { ...pool, liquidity };
    }
    if (!deepest) throw new Error(`no ${a}/${b} pool on the devnet`);
    return deepest;
  }

  /** The seeded price, give or take what other test files' swaps on the shared pools have moved it
   *  (several ETH sold for USDC over a whole run moves the deepest pool by about 1%). */
  const DRIFT = 0.03;
  const near = (value: string | undefined, expected: number, tolerance: number) =>
    expect(Math.abs(Number(value) - expected) / expected, `${value} vs ${expected}`).toBeLessThan(tolerance);

  it('prices WETH at about 3,000 USDC from the deepest WETH/USDC pool, and USDC in WETH the other way', async () => {
    const user = await fundedTestUser(env, manifest);
    const reading = await readSkill(uniswapV3Price, { token: 'WETH', quote: 'USDC' }, user.ctx);
    near(reading.values.price, 3000, DRIFT);
    const deepest = await deepestPool('WETH', 'USDC');
    expect(isAddressEqual(reading.values.pool as Address, deepest.address)).toBe(true);
    expect(reading.values.fee).toBe(String(deepest.fee));
    expect(reading.summary).toMatch(/^1 WETH = [\d.]+ USDC on Uniswap V3 \(0\.05% pool\)$/);

    const reverse = await readSkill(uniswapV3Price, { token: 'USDC', quote: 'WETH' }, user.ctx);
    near(reverse.values.price, 1 / 3000, DRIFT);
    near(reverse.values.price, 1 / Number(reading.values.price), 1e-6);
    expect(reverse.values.pool).toBe(reading.values.pool);
  });

  it('prices ETH as WETH, in USDC when no quote token is named', async () => {
    const user = await fundedTestUser(env, manifest);
    const reading = await readSkill(uniswapV3Price, { token: 'ETH' }, user.ctx);
    expect(reading.values).toMatchObject({ token: 'ETH', quote: 'USDC' });
    near(reading.values.price, 3000, DRIFT);
    const inEth = await readSkill(uniswapV3Price, { token: 'WBTC', quote: 'eth' }, user.ctx);
    near(inEth.values.price, 20, DRIFT);
  });

  it('prices WBTC at about 20 WETH and WETH at about 0.05 WBTC (8 and 18 decimals, read from the chain)', async () => {
    const user = await fundedTestUser(env, manifest);
    const wbtc = await readSkill(uniswapV3Price, { token: 'WBTC', quote: 'WETH' }, user.ctx);
    near(wbtc.values.price, 20, DRIFT);
    expect(wbtc.values.fee).toBe(String((await deepestPool('WBTC', 'WETH')).fee));
    const weth = await readSkill(uniswapV3Price, { token: 'WETH', quote: 'WBTC' }, user.ctx);
    near(weth.values.price, 0.05, DRIFT);
    // 18 against 6 decimals in a 0.01% pool: a stable at par.
    const dai = await readSkill(uniswapV3Price, { token: 'DAI', quote: 'USDC' }, user.ctx);
    near(dai.values.price, 1, DRIFT);
    expect(dai.values.feeTier).toBe('0.01%');
  });

  it('refuses a pair without a pool, and a token priced in itself', async () => {
    const user = await fundedTestUser(env, manifest);
    await expect(readSkill(uniswapV3Price, { token: 'WBTC', quote: 'USDT' }, user.ctx)).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/no WBTC\/USDT pool/),
    });
    await expect(readSkill(uniswapV3Price, { token: 'ETH', quote: 'WETH' }, user.ctx)).rejects.toThrow(
      /is 1 by definition/,
    );
    await expect(readSkill(uniswapV3Price, { token: 'PEPE' }, user.ctx)).rejects.toThrow(/no token "PEPE"/);
  });
});
