import { createRequire } from 'node:module';
import optimismTokenList from '@eth-optimism/tokenlist';
import { EVERYDAY_WORDS as EVERYDAY } from './common-words.ts';

/**
 * Token symbols beyond our own list, from two maintained token lists shipped as npm packages:
 * `@eth-optimism/tokenlist` (MIT; the Superchain token list: Ethereum mainnet, OP Mainnet, Base and
 * the other OP chains) and `@metamask/contract-metadata` (ISC; the Ethereum mainnet tokens MetaMask
 * shows). They give the listed spelling of symbols written in lower case where a token is bought
 * ("swap 100 usdc for cbbtc" → cbBTC). Many symbols are also everyday words or names ("ONE", "BOB",
 * "HOME"), so only a symbol that cannot be a word (a digit, a dot or capitals inside) is read from the
 * list, and only in a token's place (see tags.ts); written in capitals, any symbol is read as one.
 * (`@uniswap/default-token-list` is GPL-3.0-or-later, so it is not used here.)
 */

type ListedToken = { symbol?: unknown };

const require = createRequire(import.meta.url);
const metamask = require('@metamask/contract-metadata/contract-map.json') as Record<string, ListedToken>;
const optimism = (optimismTokenList as { tokens?: ListedToken[] }).tokens ?? [];

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
