import { type Address, erc20Abi, formatUnits, type PublicClient } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import { NATIVE_TOKEN } from '../skills/sdk/define-skill.ts';
import { aaveUsd, baseToUsd, readAccountPositions } from './positions.ts';

export type Balance = { symbol: string; address: Address | null; decimals: number; raw: bigint; amount: string };

/** The account's native balance and its balance of every token in the chain's token list. */
export async function accountBalances(client: PublicClient, chain: Chain, account: Address): Promise<Balance[]> {
  const native = await client.getBalance({ address: account });
  const tokens = await Promise.all(
    chain.tokens.map(async (token) => {
      const raw = await client.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
      return {
        symbol: token.symbol,
        address: token.address,
        decimals: token.decimals,
        raw,
        amount: formatUnits(raw, token.decimals),
      };
    }),
  );
  return [
    { symbol: chain.nativeSymbol, address: null, decimals: 18, raw: native, amount: formatUnits(native, 18) },
    ...tokens,
  ];
}

/** What values an amount in USD: the planner's price book (agent-core/plan/prices.ts) fits. */
export type UsdPricer = { value(token: Address, amount: bigint): Promise<number | undefined> };

/** A wallet balance with its USD value (null: no price, so not counted in the total). */
export type BalanceView = {
  symbol: string;
  /** null for the native asset. */
  address: Address | null;
  decimals: number;
  raw: string;
  amount: string;
  usd: number | null;
  /** The chain's emission reward token (not on its token list). */
  reward?: true;
};

/** A position held outside the wallet, in the units of the asset it is worth. */
export type PositionView = {
  protocol: 'aave-v3' | 'sextant' | 'erc-4337';
  /**
   * supplied (Aave), borrowed (Aave debt: owed, subtracted from the total), deposit (the deposit
   * pool), gas-deposit (ETH an EntryPoint holds for the account: what its operations' gas is paid
   * from first; positions.ts GasDeposit).
   */
  kind: 'supplied' | 'borrowed' | 'deposit' | 'gas-deposit';
  /** The asset it is counted in: USDC for aUSDC, WETH for the deposit pool's shares. */
  symbol: string;
  asset: Address;
  /** The token that holds it: the aToken, the variable debt token, the pool's share token, or the EntryPoint. */
  token: Address;
  tokenSymbol: string;
  decimals: number;
  raw: string;
  amount: string;
  /** The deposit pool's shares (amount is what they redeem for). */
  shares?: string;
  /** Its USD value, positive for a debt too (the total subtracts it); null when unpriced. */
  usd: number | null;
  /** Aave's oracle (the health factor's prices), or the price skill the wallet is valued with. */
  priceSource: 'aave-oracle' | 'price-skill';
  /** Aave: whether the supply counts as collateral. */
  collateral?: boolean;
};

export type AaveView = {
  /** null when there is no debt (nothing can be liquidated). */
  healthFactor: number | null;
  collateralUsd: number;
  debtUsd: number;
  /** What the Pool still lets the account borrow, in USD. */
  availableBorrowsUsd: number;
  ltvBps: number;
  liquidationThresholdBps: number;
};

export type AccountSummary = {
  deployed: boolean;
  chain: { slug: string; name: string; chainId: number };
  /** Native ETH, every token of the chain's token list, and the reward token where there is one. */
  balances: BalanceView[];
  positions: PositionView[];
  /** The Aave V3 account (null where the chain has no Aave market). */
  aave: AaveView | null;
  /** total = wallet + positions − debt, counting only what has a price (the rest is in `unpriced`). */
  totals: { walletUsd: number; positionsUsd: number; debtUsd: number; totalUsd: number; unpriced: string[] };
};

const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * The account as its owner sees it: wallet balances with USD, Aave supply and debt per reserve
 * (valued with Aave's oracle), health factor and what can still be borrowed, the deposit pool's shares
 * (valued as the WETH they redeem for), the reward token, and the total: wallet + positions − debt.
 * The one answer behind `GET /v1/account`, MCP `get_balances`, `sextant account`, the page's side panel
 * and "what's my balance?" in chat.
 */
export async function accountSummary(input: {
  client: PublicClient;
  chain: Chain;
  account: Address;
  prices: UsdPricer;
}): Promise<AccountSummary> {
  const { client, chain, account, prices } = input;
  const [wallet, positions, code] = await Promise.all([
    accountBalances(client, chain, account),
    readAccountPositions(client, chain, account),
    client.getCode({ address: account }),
  ]);
  const usdOf = async (token: Address, raw: bigint) => (raw === 0n ? 0 : ((await prices.value(token, raw)) ?? null));

  const balances: BalanceView[] = await Promise.all(
    wallet.map(async (balance) => ({
      symbol: balance.symbol,
      address: balance.address,
      decimals: balance.decimals,
      raw: balance.raw.toString(),
      amount: balance.amount,
      usd: (await prices.value(balance.address ?? NATIVE_TOKEN, balance.raw)) ?? null,
    })),
  );
  const reward = positions.rewardToken;
  if (reward) {
    balances.push({
      symbol: reward.token.symbol,
      address: reward.token.address,
      decimals: reward.token.decimals,
      raw: reward.balance.toString(),
      amount: formatUnits(reward.balance, reward.token.decimals),
      usd: await usdOf(reward.token.address, reward.balance),
      reward: true,
    });
  }

  const rows: PositionView[] = [];
  const aave = positions.aave;
  for (const reserve of aave?.reserves ?? []) {
    const base = {
      protocol: 'aave-v3' as const,
      symbol: reserve.asset.symbol,
      asset: reserve.asset.address,
      decimals: reserve.asset.decimals,
      priceSource: 'aave-oracle' as const,
    };
    const baseUnit = aave?.baseUnit ?? 1n;
    if (reserve.supplied > 0n) {
      rows.push({
        ...base,
        kind: 'supplied',
        token: reserve.aToken.address,
        tokenSymbol: reserve.aToken.symbol,
        raw: reserve.supplied.toString(),
        amount: formatUnits(reserve.supplied, reserve.asset.decimals),
        usd: aaveUsd(reserve.supplied, reserve, baseUnit),
        collateral: reserve.usedAsCollateral,
      });
    }
    if (reserve.borrowed > 0n) {
      rows.push({
        ...base,
        kind: 'borrowed',
        token: reserve.variableDebtToken.address,
        tokenSymbol: reserve.variableDebtToken.symbol,
        raw: reserve.borrowed.toString(),
        amount: formatUnits(reserve.borrowed, reserve.asset.decimals),
        usd: aaveUsd(reserve.borrowed, reserve, baseUnit),
      });
    }
  }
  const pool = positions.depositPool;
  if (pool) {
    rows.push({
      protocol: 'sextant',
      kind: 'deposit',
      symbol: pool.asset.symbol,
      asset: pool.asset.address,
      token: pool.pool.address,
      tokenSymbol: pool.pool.symbol,
      decimals: pool.asset.decimals,
      raw: pool.assets.toString(),
      amount: formatUnits(pool.assets, pool.asset.decimals),
      shares: formatUnits(pool.shares, pool.pool.decimals),
      usd: await usdOf(pool.asset.address, pool.assets),
      priceSource: 'price-skill',
    });
  }

  for (const deposit of positions.gasDeposits) {
    rows.push({
      protocol: 'erc-4337',
      kind: 'gas-deposit',
      symbol: chain.nativeSymbol,
      asset: NATIVE_TOKEN,
      token: deposit.entryPoint,
      tokenSymbol: `EntryPoint ${deposit.version}`,
      decimals: 18,
      raw: deposit.amount.toString(),
      amount: formatUnits(deposit.amount, 18),
      usd: await usdOf(NATIVE_TOKEN, deposit.amount),
      priceSource: 'price-skill',
    });
  }

  const sum = (values: (number | null)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
  const walletUsd = sum(balances.map((b) => b.usd));
  const positionsUsd = sum(rows.filter((p) => p.kind !== 'borrowed').map((p) => p.usd));
  const debtUsd = sum(rows.filter((p) => p.kind === 'borrowed').map((p) => p.usd));
  const unpriced = [
    ...balances.filter((b) => b.usd === null && b.raw !== '0').map((b) => b.symbol),
    ...rows.filter((p) => p.usd === null).map((p) => p.tokenSymbol),
  ];
  return {
    deployed: (code ?? '0x') !== '0x',
    chain: { slug: chain.slug, name: chain.name, chainId: chain.chainId },
    balances,
    positions: rows,
    aave: aave
      ? {
          healthFactor:
            aave.healthFactor === undefined ? null : Math.floor(Number(formatUnits(aave.healthFactor, 18)) * 1e4) / 1e4,
          collateralUsd: cents(baseToUsd(aave.totalCollateralBase, aave.baseUnit)),
          debtUsd: cents(baseToUsd(aave.totalDebtBase, aave.baseUnit)),
          availableBorrowsUsd: cents(baseToUsd(aave.availableBorrowsBase, aave.baseUnit)),
          ltvBps: Number(aave.ltvBps),
          liquidationThresholdBps: Number(aave.liquidationThresholdBps),
        }
      : null,
    totals: {
      walletUsd: cents(walletUsd),
      positionsUsd: cents(positionsUsd),
      debtUsd: cents(debtUsd),
      totalUsd: cents(walletUsd + positionsUsd - debtUsd),
      unpriced,
    },
  };
}

/** Dollars for people: "$1,234.50", "−$500.00" for a debt, "—" without a price. */
export function formatUsdText(value: number | null, negative = false): string {
  if (value === null || !Number.isFinite(value)) return '\u2014';
  const text = `$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return (negative ? value > 0 : value < 0) ? `\u2212${text}` : text;
}

/** A decimal amount for people: at most 6 significant decimals ("14925.103912" → "14,925.103912", "0.000001234567" → "0.00000123457"). */
export function formatAmountText(amount: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) return amount;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const lead = whole === '0' ? fraction.search(/[1-9]/) : 0;
  const keep = whole === '0' ? (lead === -1 ? 0 : lead + 6) : 6;
  let digits = BigInt(whole + fraction.slice(0, keep).padEnd(keep, '0'));
  if ((fraction.charCodeAt(keep) || 48) >= 53) digits += 1n;
  const text = digits.toString().padStart(keep + 1, '0');
  const w = text.slice(0, text.length - keep);
  const f = text.slice(text.length - keep).replace(/0+$/, '');
  return `${sign}${w.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f ? `.${f}` : ''}`;
}

const POSITION_LABELS: Record<PositionView['kind'], string> = {
  supplied: 'Aave V3 supplied',
  borrowed: 'Aave V3 borrowed',
  deposit: 'Deposit pool',
  'gas-deposit': 'Gas deposit',
};

/**
 * The summary as a table (Markdown, aligned for a terminal): every non-zero wallet balance, every
 * position, the total, and the Aave health factor. `sextant account` prints it; chat answers with it.
 */
export function accountSummaryTable(summary: AccountSummary): string {
  const rows: [string, string, string][] = [];
  for (const balance of summary.balances) {
    if (balance.raw === '0') continue;
    rows.push([
      balance.reward ? `${balance.symbol} (reward token)` : balance.symbol,
      formatAmountText(balance.amount),
      formatUsdText(balance.usd),
    ]);
  }
  for (const position of summary.positions) {
    const what =
      position.kind === 'deposit'
        ? `${POSITION_LABELS.deposit} ${position.symbol} (${formatAmountText(position.shares ?? '0')} ${position.tokenSymbol})`
        : position.kind === 'gas-deposit'
          ? `${POSITION_LABELS['gas-deposit']} ${position.symbol} (${position.tokenSymbol})`
          : `${POSITION_LABELS[position.kind]} ${position.symbol}`;
    rows.push([what, formatAmountText(position.amount), formatUsdText(position.usd, position.kind === 'borrowed')]);
  }
  if (rows.length === 0) rows.push(['(nothing yet)', '0', formatUsdText(0)]);
  const { totals } = summary;
  rows.push(['Total', '', formatUsdText(totals.totalUsd)]);
  const header: [string, string, string] = ['Asset', 'Amount', 'USD'];
  const widths = [0, 1, 2].map((i) => Math.max(...[header, ...rows].map((row) => row[i as 0 | 1 | 2].length)));
  const line = (row: [string, string, string]) =>
    `| ${row[0].padEnd(widths[0] ?? 0)} | ${row[1].padStart(widths[1] ?? 0)} | ${row[2].padStart(widths[2] ?? 0)} |`;
  const rule = `| ${'-'.repeat(widths[0] ?? 3)} | ${'-'.repeat((widths[1] ?? 4) - 1)}: | ${'-'.repeat((widths[2] ?? 4) - 1)}: |`;
  const lines = [line(header), rule, ...rows.map(line)];
  const notes = [
    `Total value ${formatUsdText(totals.totalUsd)} = wallet ${formatUsdText(totals.walletUsd)} + positions ${formatUsdText(totals.positionsUsd)} \u2212 debt ${formatUsdText(totals.debtUsd)}.`,
  ];
  const aave = summary.aave;
  if (aave && (aave.collateralUsd > 0 || aave.debtUsd > 0)) {
    notes.push(
      `Aave V3: health factor ${aave.healthFactor === null ? '\u221e (no debt)' : aave.healthFactor.toFixed(2)}, can borrow ${formatUsdText(aave.availableBorrowsUsd)} more.`,
    );
  }
  if (totals.unpriced.length > 0) notes.push(`No price for ${totals.unpriced.join(', ')}: not counted in the total.`);
  return `${lines.join('\n')}\n${notes.join('\n')}`;
}
