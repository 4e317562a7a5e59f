import { createRequire } from 'node:module';
import optimismTokenList from '@eth-optimism/tokenlist';
import { COMMON_WORDS } from './common-words.ts';

/**
 * Token symbols beyond our own list, from two maintained token lists shipped as npm packages:
 * `@eth-optimism/tokenlist` (MIT; the Superchain token list: Ethereum mainnet, OP Mainnet, Base and
 * the other OP chains) and `@metamask/contract-metadata` (ISC; the Ethereum mainnet tokens MetaMask
 * shows). They let "buy some mog", "swap 100 usdc for bonk" read a symbol written in lower case where
 * a token is expected. Many symbols are also everyday words ("ONE", "GET", "BOB", "MAX"), so a listed
 * symbol is a token only in a token's place (see tags.ts), and never an everyday word.
 * (`@uniswap/default-token-list` is GPL-3.0-or-later, so it is not used here.)
 */

type ListedToken = { symbol?: unknown };

const require = createRequire(import.meta.url);
const metamask = require('@metamask/contract-metadata/contract-map.json') as Record<string, ListedToken>;
const optimism = (optimismTokenList as { tokens?: ListedToken[] }).tokens ?? [];

const EVERYDAY = new Set(COMMON_WORDS);

/** Listed symbols by lower-case name, in their listed spelling ("cbbtc" → "cbBTC"). */
export const LISTED_SYMBOLS: ReadonlyMap<string, string> = (() => {
  const symbols = new Map<string, string>();
  for (const token of [...optimism, ...Object.values(metamask)]) {
    const symbol = typeof token.symbol === 'string' ? token.symbol.trim() : '';
    if (!/^[A-Za-z][A-Za-z0-9.]{1,10}$/.test(symbol)) continue;
    const key = symbol.toLowerCase();
    if (EVERYDAY.has(key) || symbols.has(key)) continue;
    symbols.set(key, symbol);
  }
  return symbols;
})();
