import {
  type Address,
  BaseError,
  ContractFunctionZeroDataError,
  erc20Abi,
  formatUnits,
  maxUint256,
  type PublicClient,
  parseAbi,
} from 'viem';
import type { Chain, Token } from '../common/chains/types.ts';
import { dataProviderAbi, oracleAbi, poolAbi } from '../skills/aave-v3/abi.ts';
import { aaveMarket } from '../skills/aave-v3/market.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import type { SkillContext } from '../skills/sdk/define-skill.ts';

/**
 * What an account holds outside its wallet, read from the chain: its Aave V3 supply and debt per
 * reserve (priced by Aave's own oracle, the one its health factor uses), its shares of the emissions
 * deposit pool (ERC-4626, counted as the WETH they redeem for), and its reward-token balance. Every
 * contract comes from the chain's registry (`aaveV3`, `emissions`); a chain without one has none of
 * those positions.
 */

/** The Pool's list of reserves: not among the skills' ABIs, which act on one named reserve. */
const reservesListAbi = parseAbi(['function getReservesList() view returns (address[])']);

const erc4626Abi = parseAbi([
  'function asset() view returns (address)',
  'function convertToAssets(uint256 shares) view returns (uint256)',
]);

/** One Aave V3 reserve the account has supplied to or borrowed from. */
export type AaveReservePosition = {
  /** The underlying asset, as the skills' context reads it (decimals from the chain). */
  asset: Token;
  aToken: { address: Address; symbol: string };
  variableDebtToken: { address: Address; symbol: string };
  /** aToken balance: what it supplied, with interest, in the asset's units. */
  supplied: bigint;
  /** Variable plus (legacy) stable debt, with interest to the latest block. */
  borrowed: bigint;
  usedAsCollateral: boolean;
  /** The Aave oracle's price of one whole token, in `baseUnit`s of the market's base currency (USD). */
  price: bigint;
};

export type AavePositions = {
  reserves: AaveReservePosition[];
  /** One unit of the base currency (1e8: Aave V3 counts in USD with 8 decimals). */
  baseUnit: bigint;
  totalCollateralBase: bigint;
  totalDebtBase: bigint;
  availableBorrowsBase: bigint;
  liquidationThresholdBps: bigint;
  ltvBps: bigint;
  /** Wad; undefined when there is no debt (the Pool reports the largest uint256 then). */
  healthFactor: bigint | undefined;
};

export type DepositPoolPosition = {
  pool: Token;
  /** The pool's underlying (WETH on the devnet). */
  asset: Token;
  shares: bigint;
  /** What the shares redeem for now (convertToAssets). */
  assets: bigint;
};

export type RewardTokenBalance = { token: Token; balance: bigint };

/**
 * ETH an EntryPoint holds for the account. Every operation the account pays for itself prefunds its
 * whole gas limit, and the EntryPoint keeps what the operation did not use as the account's deposit;
 * the account's next operations through that EntryPoint (not sponsored by a paymaster) take their gas
 * from it first. It is the account's own money; only the account can withdraw it.
 */
export type GasDeposit = { entryPoint: Address; version: 'v0.7' | 'v0.8'; amount: bigint };

export type AccountPositions = {
  /** undefined where the chain has no Aave V3 market. */
  aave: AavePositions | undefined;
  /** undefined where the chain has no deposit pool, or the account has no shares. */
  depositPool: DepositPoolPosition | undefined;
  /** undefined where the chain has no reward token. */
  rewardToken: RewardTokenBalance | undefined;
  /** The non-zero deposits at the chain's EntryPoints. */
  gasDeposits: GasDeposit[];
};

/** Every position of `account` on `chain` that Sextant knows how to read. */
export async function readAccountPositions(
  client: PublicClient,
  chain: Chain,
  account: Address,
): Promise<AccountPositions> {
  const ctx = createSkillContext({ chain, client, account });
  const [aave, depositPool, rewardToken, gasDeposits] = await Promise.all([
    chain.contracts.aaveV3 ? readAavePositions(ctx) : undefined,
    chain.contracts.emissions ? readDepositPool(ctx, chain.contracts.emissions.depositPool) : undefined,
    chain.contracts.emissions ? readRewardToken(ctx, chain.contracts.emissions.rewardToken) : undefined,
    readGasDeposits(client, chain, account),
  ]);
  return { aave, depositPool, rewardToken, gasDeposits };
}

const depositAbi = parseAbi(['function balanceOf(address account) view returns (uint256)']);

/** The account's deposit at each EntryPoint the chain lists (v0.7 and v0.8), where it is not zero. */
export async function readGasDeposits(client: PublicClient, chain: Chain, account: Address): Promise<GasDeposit[]> {
  const entryPoints = [
    { entryPoint: chain.contracts.entryPointV07, version: 'v0.7' as const },
    { entryPoint: chain.contracts.entryPointV08, version: 'v0.8' as const },
  ];
  const deposits = await Promise.all(
    entryPoints.map(async ({ entryPoint, version }) => {
      if (!entryPoint) return undefined;
      const amount = await client
        .readContract({ address: entryPoint, abi: depositAbi, functionName: 'balanceOf', args: [account] })
        .catch((error: unknown) => {
          // A chain's config may name an EntryPoint not deployed there (a fork, a custom chain): its
          // call returns no data, and it holds no deposit. Any other failure is not an answer.
          if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionZeroDataError)) return 0n;
          throw error;
        });
      return amount > 0n ? { entryPoint, version, amount } : undefined;
    }),
  );
  return deposits.filter((deposit) => deposit !== undefined);
}

/**
 * The account's Aave V3 position: the Pool's account data, and each reserve it supplied to or
 * borrowed from. The market (oracle, data provider) is asked of the PoolAddressesProvider, as the
 * aave-v3 skills do (skills/aave-v3/market.ts).
 */
export async function readAavePositions(ctx: SkillContext): Promise<AavePositions> {
  const market = await aaveMarket(ctx);
  const { client, account } = ctx;
  const [accountData, assets, baseUnit] = await Promise.all([
    client.readContract({ address: market.pool, abi: poolAbi, functionName: 'getUserAccountData', args: [account] }),
    client.readContract({ address: market.pool, abi: reservesListAbi, functionName: 'getReservesList' }),
    client.readContract({ address: market.oracle, abi: oracleAbi, functionName: 'BASE_CURRENCY_UNIT' }),
  ]);
  const [totalCollateralBase, totalDebtBase, availableBorrowsBase, liquidationThresholdBps, ltvBps, healthFactor] =
    accountData;
  const held = await Promise.all(
    assets.map(async (asset) => {
      const [supplied, stableDebt, variableDebt, , , , , , usedAsCollateral] = await client.readContract({
        address: market.dataProvider,
        abi: dataProviderAbi,
        functionName: 'getUserReserveData',
        args: [asset, account],
      });
      return { asset, supplied, borrowed: stableDebt + variableDebt, usedAsCollateral };
    }),
  );
  const reserves = await Promise.all(
    held
      .filter((reserve) => reserve.supplied > 0n || reserve.borrowed > 0n)
      .map(async (reserve): Promise<AaveReservePosition> => {
        const [token, [aToken, , variableDebtToken], price] = await Promise.all([
          ctx.token(reserve.asset),
          client.readContract({
            address: market.dataProvider,
            abi: dataProviderAbi,
            functionName: 'getReserveTokensAddresses',
            args: [reserve.asset],
          }),
          client.readContract({
            address: market.oracle,
            abi: oracleAbi,
            functionName: 'getAssetPrice',
            args: [reserve.asset],
          }),
        ]);
        const [aSymbol, debtSymbol] = await Promise.all([
          symbolOf(client, aToken),
          symbolOf(client, variableDebtToken),
        ]);
        return {
          asset: token,
          aToken: { address: aToken, symbol: aSymbol ?? `a${token.symbol}` },
          variableDebtToken: { address: variableDebtToken, symbol: debtSymbol ?? `variableDebt${token.symbol}` },
          supplied: reserve.supplied,
          borrowed: reserve.borrowed,
          usedAsCollateral: reserve.usedAsCollateral,
          price,
        };
      }),
  );
  return {
    reserves,
    baseUnit,
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    liquidationThresholdBps,
    ltvBps,
    healthFactor: totalDebtBase === 0n || healthFactor === maxUint256 ? undefined : healthFactor,
  };
}

async function readDepositPool(ctx: SkillContext, address: Address): Promise<DepositPoolPosition | undefined> {
  const shares = await ctx.client.readContract({
    address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [ctx.account],
  });
  if (shares === 0n) return undefined;
  const [pool, assetAddress, assets] = await Promise.all([
    ctx.token(address),
    ctx.client.readContract({ address, abi: erc4626Abi, functionName: 'asset' }),
    ctx.client.readContract({ address, abi: erc4626Abi, functionName: 'convertToAssets', args: [shares] }),
  ]);
  return { pool, asset: await ctx.token(assetAddress), shares, assets };
}

async function readRewardToken(ctx: SkillContext, address: Address): Promise<RewardTokenBalance> {
  const [token, balance] = await Promise.all([
    ctx.token(address),
    ctx.client.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [ctx.account] }),
  ]);
  return { token, balance };
}

async function symbolOf(client: PublicClient, address: Address): Promise<string | undefined> {
  try {
    return await client.readContract({ address, abi: erc20Abi, functionName: 'symbol' });
  } catch {
    return undefined;
  }
}

/** An amount in the Aave market's base currency (USD, `baseUnit` per dollar) as a number of dollars. */
export function baseToUsd(amount: bigint, baseUnit: bigint): number {
  return Number(amount) / Number(baseUnit);
}

/** The oracle's USD value of `amount` of a reserve's asset (in its smallest unit). */
export function aaveUsd(amount: bigint, reserve: AaveReservePosition, baseUnit: bigint): number {
  return Number(formatUnits(amount * reserve.price, reserve.asset.decimals)) / Number(baseUnit);
}
