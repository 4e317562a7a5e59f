import { type Address, zeroAddress } from 'viem';
import type { SkillContext } from '../sdk/define-skill.ts';
import { factoryAbi } from './abi.ts';
import { FEE_TIERS, type FeeTier } from './fee-tiers.ts';

export type Pool = { fee: FeeTier; address: Address };

/**
 * The pools a pair has, one per fee tier at most, as the chain's factory knows them (never a list
 * kept elsewhere: a tier without a pool is simply absent here).
 */
export async function existingPools(ctx: SkillContext, tokenA: Address, tokenB: Address): Promise<Pool[]> {
  const factory = ctx.contract('uniswapV3.factory');
  const found = await Promise.all(
    FEE_TIERS.map(async (fee) => ({
      fee,
      address: await ctx.client.readContract({
        address: factory,
        abi: factoryAbi,
        functionName: 'getPool',
        args: [tokenA, tokenB, fee],
      }),
    })),
  );
  return found.filter((pool) => pool.address !== zeroAddress);
}
