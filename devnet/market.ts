/**
 * The devnet's market: which test tokens exist, at what USD price. The Uniswap pools and the Aave
 * oracle both derive from these numbers, so a swap quote and an Aave valuation agree.
 */
export type TestToken = { symbol: string; name: string; decimals: number; priceUsd: number };

export const WETH_PRICE_USD = 3_000;

export const TEST_TOKENS: readonly TestToken[] = [
  { symbol: 'USDC', name: 'USD Coin', decimals: 6, priceUsd: 1 },
  { symbol: 'USDT', name: 'Tether USD', decimals: 6, priceUsd: 1 },
  { symbol: 'DAI', name: 'Dai Stablecoin', decimals: 18, priceUsd: 1 },
  // 1 WBTC = 20 WETH.
  { symbol: 'WBTC', name: 'Wrapped BTC', decimals: 8, priceUsd: 60_000 },
];

/** Every priced asset, WETH included, by symbol. */
export const PRICES_USD: Readonly<Record<string, number>> = Object.fromEntries([
  ['WETH', WETH_PRICE_USD],
  ...TEST_TOKENS.map((token) => [token.symbol, token.priceUsd]),
]);

/** The pools seeded on the devnet, with the USD value of each side (deep enough for realistic swaps). */
export const SEEDED_POOLS: readonly { a: string; b: string; fee: 100 | 500 | 3000 | 10000; sideUsd: number }[] = [
  { a: 'WETH', b: 'USDC', fee: 500, sideUsd: 6_000_000 },
  { a: 'WETH', b: 'USDC', fee: 3000, sideUsd: 3_000_000 },
  { a: 'WETH', b: 'USDC', fee: 10000, sideUsd: 300_000 },
  { a: 'WETH', b: 'USDT', fee: 500, sideUsd: 3_000_000 },
  { a: 'WETH', b: 'USDT', fee: 3000, sideUsd: 3_000_000 },
  { a: 'WETH', b: 'DAI', fee: 500, sideUsd: 3_000_000 },
  { a: 'WETH', b: 'DAI', fee: 3000, sideUsd: 3_000_000 },
  { a: 'WBTC', b: 'WETH', fee: 500, sideUsd: 15_000_000 },
  { a: 'WBTC', b: 'WETH', fee: 3000, sideUsd: 3_000_000 },
  { a: 'USDC', b: 'USDT', fee: 100, sideUsd: 5_000_000 },
  { a: 'DAI', b: 'USDC', fee: 100, sideUsd: 5_000_000 },
];

/** What the admin supplies to Aave so that ordinary accounts can borrow (USD value per asset). */
export const AAVE_SEED_USD = 3_000_000;
