import { randomUUID } from 'node:crypto';
import {
  type Address,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  parseAbi,
  parseEther,
  parseEventLogs,
  parseUnits,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { minedReceipt } from '../common/mined-receipt.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { measuredCallGas } from './call-gas.ts';
import { execute } from './execute.ts';
import { newUser, testEnvironment } from './testing/environment.ts';
import { operationCallGas } from './testing/operation-call-gas.ts';

const manifest = testDevnet();
const usdc = (manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address }).address;
const weth = manifest.contracts.weth;
const { swapRouter02: router, nonfungiblePositionManager: positionManager, quoterV2 } = manifest.contracts.uniswapV3;
const entryPoint = manifest.contracts.entryPointV08;
/** WETH/USDC 0.3% (tick spacing 60): a pool the devnet seeds, that no other test trades in by name. */
const FEE = 3000;

const routerAbi = parseAbi([
  'struct Params { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(Params params) payable returns (uint256)',
]);
const quoterAbi = parseAbi([
  'struct QuoteParams { address tokenIn; address tokenOut; uint256 amountIn; uint24 fee; uint160 sqrtPriceLimitX96; }',
  'function quoteExactInputSingle(QuoteParams params) returns (uint256 amountOut, uint160, uint32 initializedTicksCrossed, uint256)',
]);
const poolAbi = parseAbi([
  'function getPool(address tokenA, address tokenB, uint24 fee) view returns (address)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)',
  'function token0() view returns (address)',
  'function tickSpacing() view returns (int24)',
  'function feeGrowthGlobal0X128() view returns (uint256)',
  'function feeGrowthGlobal1X128() view returns (uint256)',
]);
const managerAbi = parseAbi([
  'struct MintParams { address token0; address token1; uint24 fee; int24 tickLower; int24 tickUpper; uint256 amount0Desired; uint256 amount1Desired; uint256 amount0Min; uint256 amount1Min; address recipient; uint256 deadline; }',
  'function mint(MintParams params) payable returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)',
  'struct DecreaseParams { uint256 tokenId; uint128 liquidity; uint256 amount0Min; uint256 amount1Min; uint256 deadline; }',
  'function decreaseLiquidity(DecreaseParams params) payable returns (uint256, uint256)',
  'event IncreaseLiquidity(uint256 indexed tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)',
]);

/** sqrt(1.0001^tick) in Q64.96, to double precision: close enough for a price limit. */
const sqrtPriceAtTick = (tick: number) => BigInt(Math.round(Math.sqrt(1.0001 ** tick) * 2 ** 96));
/** The headroom execute used before (20% and 10,000), which a tick crossing ran out of. */
const oldHeadroomLimit = (gas: bigint) => gas + gas / 5n + 10_000n;

/**
 * Between the node's measure of a swap and its inclusion, another LP opens a position whose tick lies
 * in the swap's path. On the devnet WETH is token1, so selling WETH raises the price, and a tick
 * ahead of the price is initialised with zero "outside" values: crossing it writes both fee-growth
 * slots from zero (20,000 each, cold) besides the rest, some 66,000 gas for one tick (measured:
 * 135,911 before the mint, 202,075 after). The old headroom (20% and 10,000: a limit of 173,093) ran
 * out of gas at 166,615; a quarter and 20,000 (189,888) ran out at 182,436; with a tick crossing's
 * 70,000 more for a call to the router (smart-accounts/call-gas.ts gasHeadroom) it lands.
 */
describe('execute: a swap whose path gains an initialised tick between the estimate and inclusion', () => {
  const env = testEnvironment(manifest);
  const balanceOf = (token: Address, holder: Address) =>
    env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const fund = (address: Address) => fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, address);

  it('lands when another LP opens a position whose tick the swap must now cross', async () => {
    const pool = await env.publicClient.readContract({
      address: manifest.contracts.uniswapV3.factory,
      abi: poolAbi,
      functionName: 'getPool',
      args: [weth, usdc, FEE],
    });
    const read = <F extends 'slot0' | 'token0' | 'tickSpacing' | 'feeGrowthGlobal0X128' | 'feeGrowthGlobal1X128'>(
      functionName: F,
    ) => env.publicClient.readContract({ address: pool, abi: poolAbi, functionName });
    const spacing = await read('tickSpacing');
    // Selling WETH for USDC moves the price (token1 per token0) down when WETH is token0, up when it
    // is token1 (the devnet's order). The tick the swap will cross lies that way.
    const wethIsToken0 = (await read('token0')).toLowerCase() === weth.toLowerCase();
    const [token0, token1] = wethIsToken0 ? [weth, usdc] : [usdc, weth];
    const down = wethIsToken0;

    // Someone unrelated: a trader and liquidity provider with WETH and USDC, approved to the router
    // and the position manager.
    const lp = await fundedAccount(manifest);
    await fund(lp.account.address);
    await fund(lp.account.address);
    const send = async (to: Address, data: Hex) => {
      const receipt = await minedReceipt(
        env.publicClient,
        await lp.walletClient.sendTransaction({ account: lp.account, chain: lp.walletClient.chain, to, data }),
      );
      expect(receipt.status).toBe('success');
      return receipt;
    };
    for (const token of [weth, usdc]) {
      for (const spender of [router, positionManager]) {
        await send(token, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, 2n ** 255n] }));
      }
    }
    const trade = (tokenIn: Address, amountIn: bigint, sqrtPriceLimitX96: bigint) =>
      send(
        router,
        encodeFunctionData({
          abi: routerAbi,
          functionName: 'exactInputSingle',
          args: [
            {
              tokenIn,
              tokenOut: tokenIn === weth ? usdc : weth,
              fee: FEE,
              recipient: lp.account.address,
              amountIn,
              amountOutMinimum: 0n,
              sqrtPriceLimitX96,
            },
          ],
        }),
      );
    // The pool as any pool traded both ways is: fees grown in USDC too.
    await trade(usdc, parseUnits('100', 6), 0n);
    // The tick the swap will cross (a multiple of the spacing), and the price put a few ticks short
    // of it, wherever earlier files left the pool: 1 WETH moves this pool some 20 ticks.
    const [, current] = await read('slot0');
    const short = 5;
    const boundary = Math.round((down ? current - short : current + short) / spacing) * spacing;
    const start = sqrtPriceAtTick(down ? boundary + short : boundary - short);
    const [sqrtNow] = await read('slot0');
    if (start !== sqrtNow) {
      const lower = sqrtNow > start;
      await trade(
        lower === wethIsToken0 ? weth : usdc,
        lower === wethIsToken0 ? parseEther('9') : parseUnits('19000', 6),
        start,
      );
    }
    // USDC's fee growth is above 0 (the swap itself grows WETH's before it reaches the tick).
    expect(await read(token0 === usdc ? 'feeGrowthGlobal0X128' : 'feeGrowthGlobal1X128')).toBeGreaterThan(0n);

    const { userId, owner, account } = await newUser(env);
    await fund(account);
    // The first operation deploys the account: with no code, nothing is measured.
    const deployed = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: weth, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, 0n] }) }],
    });
    expect(deployed.status, deployed.error ?? '').toBe('succeeded');

    const amountIn = parseEther('1');
    const quote = async () =>
      (
        await env.publicClient.simulateContract({
          address: quoterV2,
          abi: quoterAbi,
          functionName: 'quoteExactInputSingle',
          args: [{ tokenIn: weth, tokenOut: usdc, amountIn, fee: FEE, sqrtPriceLimitX96: 0n }],
        })
      ).result;
    const [quoted, , crossedBefore] = await quote();
    expect(crossedBefore).toBe(0);
    const wethBefore = await balanceOf(weth, account);
    const usdcBefore = await balanceOf(usdc, account);
    const idempotencyKey = randomUUID();
    let measuredBefore = 0n;
    let measuredAfter = 0n;
    let tokenId: bigint | undefined;

    const record = await execute(
      env,
      owner,
      {
        userId,
        idempotencyKey,
        calls: [
          { to: weth, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, amountIn] }) },
          {
            to: router,
            data: encodeFunctionData({
              abi: routerAbi,
              functionName: 'exactInputSingle',
              args: [
                {
                  tokenIn: weth,
                  tokenOut: usdc,
                  fee: FEE,
                  recipient: account,
                  amountIn,
                  amountOutMinimum: (quoted * 99n) / 100n,
                  sqrtPriceLimitX96: 0n,
                },
              ],
            }),
          },
        ],
      },
      {
        // Signed, not yet sent: the LP opens a narrow position just past the price, holding USDC
        // only. Its near tick is newly initialised, and in the swap's path.
        beforeSend: async () => {
          const row = env.db
            .prepare('SELECT user_operation FROM executions WHERE user_id = ? AND idempotency_key = ?')
            .get(userId, idempotencyKey) as { user_operation: string };
          const { callData } = JSON.parse(row.user_operation) as { callData: Hex };
          const measure = async () =>
            (await measuredCallGas(env.publicClient, {
              entryPoint,
              account,
              callData,
              balanceOverride: 10n ** 30n,
            })) ?? 0n;
          measuredBefore = await measure();
          const [tickLower, tickUpper] = down ? [boundary - spacing, boundary] : [boundary, boundary + spacing];
          const minted = await send(
            positionManager,
            encodeFunctionData({
              abi: managerAbi,
              functionName: 'mint',
              args: [
                {
                  token0,
                  token1,
                  fee: FEE,
                  tickLower,
                  tickUpper,
                  amount0Desired: token0 === usdc ? parseUnits('100', 6) : 0n,
                  amount1Desired: token1 === usdc ? parseUnits('100', 6) : 0n,
                  amount0Min: 0n,
                  amount1Min: 0n,
                  recipient: lp.account.address,
                  deadline: 2n ** 48n,
                },
              ],
            }),
          );
          tokenId = parseEventLogs({ abi: managerAbi, logs: minted.logs, eventName: 'IncreaseLiquidity' })[0]?.args
            .tokenId;
          measuredAfter = await measure();
          expect((await quote())[2]).toBe(1);
        },
      },
    );

    try {
      // The EntryPoint's call into the account's execute: what the call gas limit is for.
      const { limit, used } = await operationCallGas(manifest.rpcUrl, env.db, record, entryPoint, account);
      const figures = `measured before the mint ${measuredBefore}, after ${measuredAfter}; limit ${limit}; used ${used}`;

      // The crossing the measure did not see is real and dear: the same call needs tens of
      // thousands more after the mint, and more than the old headroom gave it.
      expect(measuredAfter - measuredBefore, figures).toBeGreaterThan(40_000n);
      expect(oldHeadroomLimit(measuredBefore), figures).toBeLessThan(measuredAfter);

      expect(record.status, `${record.error ?? ''} (${figures})`).toBe('succeeded');
      expect(used, figures).toBeGreaterThan(oldHeadroomLimit(measuredBefore));
      expect(used, figures).toBeLessThanOrEqual(limit);
      // It crossed the LP's tick, and the account paid exactly 1 WETH for at least the floor in USDC.
      const [, after] = await read('slot0');
      if (down) expect(after).toBeLessThan(boundary);
      else expect(after).toBeGreaterThanOrEqual(boundary);
      expect(wethBefore - (await balanceOf(weth, account))).toBe(amountIn);
      expect((await balanceOf(usdc, account)) - usdcBefore).toBeGreaterThanOrEqual((quoted * 99n) / 100n);
    } finally {
      // The LP withdraws, which clears the ticks: later files on this devnet meet the pool as before.
      if (tokenId !== undefined) {
        const [, , , , , , , liquidity] = await env.publicClient.readContract({
          address: positionManager,
          abi: parseAbi([
            'function positions(uint256) view returns (uint96, address, address, address, uint24, int24, int24, uint128 liquidity, uint256, uint256, uint128, uint128)',
          ]),
          functionName: 'positions',
          args: [tokenId],
        });
        await send(
          positionManager,
          encodeFunctionData({
            abi: managerAbi,
            functionName: 'decreaseLiquidity',
            args: [{ tokenId, liquidity, amount0Min: 0n, amount1Min: 0n, deadline: 2n ** 48n }],
          }),
        );
      }
    }
  });
});
