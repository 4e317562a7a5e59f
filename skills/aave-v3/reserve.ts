import { type Address, erc20Abi, zeroAddress } from 'viem';
import { NATIVE_TOKEN, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { dataProviderAbi, oracleAbi } from './abi.ts';
import type { AaveMarket } from './market.ts';

/** A token as the context gives it (the SDK's own type; a skill folder imports nothing else). */
type Token = Awaited<ReturnType<SkillContext['token']>>;

export type AaveAction = 'supply' | 'withdraw' | 'borrow' | 'repay';

/** One Aave V3 reserve as the skills need it: its tokens, its risk settings, its state and its price. */
export type Reserve = {
  /** The underlying asset, with decimals read from the chain. */
  token: Token;
  aToken: Address;
  variableDebtToken: Address;
  ltvBps: bigint;
  liquidationThresholdBps: bigint;
  borrowingEnabled: boolean;
  active: boolean;
  frozen: boolean;
  paused: boolean;
  /** An isolation-mode asset (non-zero debt ceiling): Aave does not make it collateral on its own. */
  isolated: boolean;
  /** The oracle's price of one whole token, in the market's base currency. */
  price: bigint;
  /** One unit of the base currency (1e8: Aave V3 markets count in USD with 8 decimals). */
  baseUnit: bigint;
};

/** What to do instead when someone names ETH, which the Pool does not take (it holds WETH). */
const ETH_HINTS: Record<AaveAction, string> = {
  supply: 'Wrap it first with weth/wrap, then supply WETH.',
  withdraw: 'Withdraw WETH, then unwrap it with weth/unwrap.',
  borrow: 'Borrow WETH, then unwrap it with weth/unwrap.',
  repay: 'Wrap ETH with weth/wrap, then repay WETH.',
};

/**
 * Reads the reserve of `tokenName` and refuses one the action cannot use. The Pool only knows ERC-20
 * tokens: there is no WrappedTokenGateway on the devnet, and going through one would add a contract
 * to trust, so ETH is refused with the weth skill to use first.
 */
export async function readReserve(
  ctx: SkillContext,
  market: AaveMarket,
  tokenName: string,
  action: AaveAction,
): Promise<Reserve> {
  const token = await ctx.token(tokenName);
  if (token.address === NATIVE_TOKEN) {
    throw new SkillError(`Aave V3 does not take native ETH to ${action}; its ETH market is WETH.`, {
      hint: ETH_HINTS[action],
    });
  }
  const asset = token.address;
  const [aToken, , variableDebtToken] = await ctx.client.readContract({
    address: market.dataProvider,
    abi: dataProviderAbi,
    functionName: 'getReserveTokensAddresses',
    args: [asset],
  });
  // Checked first: the oracle reverts for an asset it has no price source for.
  if (aToken === zeroAddress) {
    throw new SkillError(`${token.symbol} is not listed on Aave V3 on ${ctx.chain.name}.`, {
      hint: 'Choose an asset Aave lists on this chain (WETH, USDC, ... as its market shows).',
    });
  }
  const [config, paused, debtCeiling, price, baseUnit] = await Promise.all([
    ctx.client.readContract({
      address: market.dataProvider,
      abi: dataProviderAbi,
      functionName: 'getReserveConfigurationData',
      args: [asset],
    }),
    ctx.client.readContract({
      address: market.dataProvider,
      abi: dataProviderAbi,
      functionName: 'getPaused',
      args: [asset],
    }),
    ctx.client.readContract({
      address: market.dataProvider,
      abi: dataProviderAbi,
      functionName: 'getDebtCeiling',
      args: [asset],
    }),
    ctx.client.readContract({ address: market.oracle, abi: oracleAbi, functionName: 'getAssetPrice', args: [asset] }),
    ctx.client.readContract({ address: market.oracle, abi: oracleAbi, functionName: 'BASE_CURRENCY_UNIT' }),
  ]);
  const [, ltvBps, liquidationThresholdBps, , , , borrowingEnabled, , active, frozen] = config;
  if (price === 0n) {
    throw new SkillError(`Aave's oracle on ${ctx.chain.name} gives no price for ${token.symbol}.`, {
      hint: 'Without a price the position cannot be valued; try again later.',
    });
  }
  const reserve: Reserve = {
    token,
    aToken,
    variableDebtToken,
    ltvBps,
    liquidationThresholdBps,
    borrowingEnabled,
    active,
    frozen,
    paused,
    isolated: debtCeiling !== 0n,
    price,
    baseUnit,
  };
  assertReserveAllows(reserve, action, ctx.chain.name);
  return reserve;
}

/**
 * Refuses what the Pool would revert on, with the reason in words. A frozen reserve still lets
 * people withdraw and repay (that is what freezing is for: winding a market down), so only supply
 * and borrow are refused there.
 */
function assertReserveAllows(reserve: Reserve, action: AaveAction, chainName: string): void {
  const { symbol } = reserve.token;
  if (!reserve.active) {
    throw new SkillError(`The ${symbol} reserve on Aave V3 (${chainName}) is not active.`, {
      hint: 'Nothing can be supplied, withdrawn, borrowed or repaid there; choose another asset.',
    });
  }
  if (reserve.paused) {
    throw new SkillError(`Aave has paused the ${symbol} reserve on ${chainName}.`, {
      hint: 'Nothing can be supplied, withdrawn, borrowed or repaid until it is unpaused; try again later.',
    });
  }
  if (reserve.frozen && (action === 'supply' || action === 'borrow')) {
    throw new SkillError(`Aave has frozen the ${symbol} reserve on ${chainName}: it takes no new ${action}.`, {
      hint: 'A frozen reserve still allows withdraw and repay; choose another asset to supply or borrow.',
    });
  }
  if (action === 'borrow' && !reserve.borrowingEnabled) {
    throw new SkillError(`${symbol} cannot be borrowed on Aave V3 on ${chainName}.`, {
      hint: 'Borrowing is not enabled for this reserve; choose another asset to borrow.',
    });
  }
}

/**
 * What the reserve can pay out now: the underlying its aToken contract holds (the rest is lent out).
 * A borrow or a withdrawal larger than this reverts, so the skills say so first.
 */
export function availableLiquidity(ctx: SkillContext, reserve: Reserve): Promise<bigint> {
  return ctx.client.readContract({
    address: reserve.token.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [reserve.aToken],
  });
}
