import { type Address, isAddressEqual, parseAbi, zeroAddress } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import { NATIVE_TOKEN, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';

const POOL_ABI = parseAbi([
  'function getReserveData(address asset) view returns (((uint256 data) configuration, uint128 liquidityIndex, uint128 currentLiquidityRate, uint128 variableBorrowIndex, uint128 currentVariableBorrowRate, uint128 currentStableBorrowRate, uint40 lastUpdateTimestamp, uint16 id, address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress, address interestRateStrategyAddress, uint128 accruedToTreasury, uint128 unbacked, uint128 isolationModeTotalDebt))',
]);

/**
 * The position token a remote supply or withdraw of `token` is held to: the aToken of the chain's
 * Aave V3 market, read from Sextant's own pool address for the chain (never an address the endpoint
 * names). Its balance is what the account owns in the market, so a simulation can show whether a
 * supply reached the account's position, or a withdraw came out of it.
 */
export async function positionTokenFor(ctx: SkillContext, token: Token, skillId: string): Promise<Token> {
  const pool = ctx.chain.contracts.aaveV3?.pool;
  if (!pool) {
    throw new SkillError(`${skillId} cannot be bounded on ${ctx.chain.name}: it has no Aave V3 market.`, {
      hint: 'Remote supplies and withdrawals are held to the Aave V3 position they move; use a local skill here.',
    });
  }
  if (isAddressEqual(token.address, NATIVE_TOKEN)) {
    throw new SkillError(`${skillId} takes ERC-20 tokens only: wrap ETH into WETH first.`);
  }
  let aToken: Address = zeroAddress;
  try {
    const reserve = await ctx.client.readContract({
      address: pool,
      abi: POOL_ABI,
      functionName: 'getReserveData',
      args: [token.address],
    });
    aToken = reserve.aTokenAddress;
  } catch {
    aToken = zeroAddress;
  }
  if (isAddressEqual(aToken, zeroAddress)) {
    throw new SkillError(
      `${token.symbol} has no Aave V3 market on ${ctx.chain.name}, so ${skillId} cannot be bounded.`,
      {
        hint: 'A remote supply or withdraw is held to the Aave V3 position token (aToken) of the token it moves.',
      },
    );
  }
  return ctx.token(aToken);
}
