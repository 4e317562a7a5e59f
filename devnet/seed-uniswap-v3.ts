import { type Address, zeroAddress } from 'viem';
import type { Token } from '../common/chains/types.ts';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import type { UniswapV3Contracts } from './deploy-uniswap-v3.ts';
import { UNISWAP_ARTIFACTS } from './deploy-uniswap-v3.ts';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';
import { approveExact, fundAdmin, rawAmountForUsd } from './funding.ts';
import { PRICES_USD, SEEDED_POOLS } from './market.ts';
import { fullRangeTicks, sqrtPriceX96 } from './pool-math.ts';

/** Observations each seeded pool keeps (one per block with a swap): enough for a TWAP on the devnet. */
const OBSERVATIONS = 32;

export type SeededPool = { token0: Address; token1: Address; symbols: [string, string]; fee: number; address: Address };

/**
 * Opens the devnet's pools at the market's prices and gives each a full-range position. A pool that
 * already has liquidity is left as it is, so re-running leaves prices where trading moved them.
 */
export async function seedUniswapV3Pools(
  deployer: Deployer,
  uniswap: UniswapV3Contracts,
  tokens: readonly Token[],
  weth: Address,
): Promise<SeededPool[]> {
  deployer.progress(`Uniswap V3: ${SEEDED_POOLS.length} pools with full-range liquidity`);
  const factoryAbi = loadArtifact(UNISWAP_ARTIFACTS.factory).abi;
  const poolAbi = loadArtifact(UNISWAP_ARTIFACTS.pool).abi;
  const managerAbi = loadArtifact(UNISWAP_ARTIFACTS.positionManager).abi;
  const bySymbol = new Map(tokens.map((token) => [token.symbol, token]));
  const seeded: SeededPool[] = [];

  for (const spec of SEEDED_POOLS) {
    const a = bySymbol.get(spec.a);
    const b = bySymbol.get(spec.b);
    if (!a || !b) throw new DeploymentError(`The pool ${spec.a}/${spec.b} names a token the devnet lacks.`);
    const [token0, token1] = a.address.toLowerCase() < b.address.toLowerCase() ? [a, b] : [b, a];
    const amount0 = rawAmountForUsd(token0, spec.sideUsd, priceOf(token0));
    const amount1 = rawAmountForUsd(token1, spec.sideUsd, priceOf(token1));
    const label = `${token0.symbol}/${token1.symbol} ${spec.fee / 10_000}%`;

    let pool = (await deployer.publicClient.readContract({
      address: uniswap.factory,
      abi: factoryAbi,
      functionName: 'getPool',
      args: [token0.address, token1.address, spec.fee],
    })) as Address;
    const liquidity =
      pool === zeroAddress
        ? 0n
        : ((await deployer.publicClient.readContract({
            address: pool,
            abi: poolAbi,
            functionName: 'liquidity',
          })) as bigint);

    if (liquidity === 0n) {
      await deployer.write(`open pool ${label}`, {
        address: uniswap.nonfungiblePositionManager,
        abi: managerAbi,
        functionName: 'createAndInitializePoolIfNecessary',
        args: [token0.address, token1.address, spec.fee, sqrtPriceX96(amount0, amount1)],
      });
      for (const [token, amount] of [
        [token0, amount0],
        [token1, amount1],
      ] as const) {
        await fundAdmin(deployer, token, amount, weth);
        await approveExact(deployer, token, uniswap.nonfungiblePositionManager, amount);
      }
      const { tickLower, tickUpper } = fullRangeTicks(spec.fee);
      await deployer.write(`add liquidity to ${label}`, {
        address: uniswap.nonfungiblePositionManager,
        abi: managerAbi,
        functionName: 'mint',
        args: [
          {
            token0: token0.address,
            token1: token1.address,
            fee: spec.fee,
            tickLower,
            tickUpper,
            amount0Desired: amount0,
            amount1Desired: amount1,
            amount0Min: 0n,
            amount1Min: 0n,
            recipient: deployer.admin.address,
            deadline: 2n ** 48n,
          },
        ],
      });
      pool = (await deployer.publicClient.readContract({
        address: uniswap.factory,
        abi: factoryAbi,
        functionName: 'getPool',
        args: [token0.address, token1.address, spec.fee],
      })) as Address;
      // Room for a time-weighted average price (standing orders read one): a new pool keeps only its
      // latest observation. Real networks' busy pools already keep hundreds.
      await deployer.write(`keep ${OBSERVATIONS} price observations in ${label}`, {
        address: pool,
        abi: poolAbi,
        functionName: 'increaseObservationCardinalityNext',
        args: [OBSERVATIONS],
      });
    }
    seeded.push({
      token0: token0.address,
      token1: token1.address,
      symbols: [token0.symbol, token1.symbol],
      fee: spec.fee,
      address: pool,
    });
  }
  return seeded;
}

function priceOf(token: Token): number {
  const price = PRICES_USD[token.symbol];
  if (price === undefined) throw new DeploymentError(`The devnet market has no price for ${token.symbol}.`);
  return price;
}
