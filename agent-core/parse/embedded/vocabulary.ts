import { VERBS } from './actions.ts';
import { AMOUNT_UNITS, AMOUNT_WORDS } from './amounts.ts';
import { COMMON_WORDS } from './common-words.ts';
import { ENTITIES, TOKENS } from './lexicon.ts';
import type { Vocabulary } from './normalize.ts';

export { COMMON_WORDS } from './common-words.ts';

/** Politeness and chatter: dropped before anything reads the message. */
export const NOISE_WORDS: readonly string[] = [
  'please',
  'pls',
  'plz',
  'plse',
  'pleas',
  'kindly',
  'thx',
  'thanks',
  'thank',
  'cheers',
  'ty',
  'tysm',
  'asap',
  'yo',
  'fam',
  'hey',
  'hi',
  'hello',
  'bro',
  'bruh',
  'sir',
  'dude',
  'mate',
  'urgent',
  'urgently',
  'immediately',
  'quickly',
  'rn',
  'gm',
  'lol',
  'ser',
  'fren',
  'frens',
  'okay',
  'ok',
  'um',
  'uh',
  'hmm',
  'simply',
];

/**
 * What typos are corrected to: the verbs and names people misspell in requests. Only these, not
 * every known word: "cats" (Cool Cats) or "grand" (a thousand) would swallow real words.
 */
export const TYPO_TARGETS: readonly string[] = `
swap trade exchange convert sell purchase send transfer forward withdraw withdrawal deposit supply
lend borrow repay stake restake unstake wrap unwrap approve revoke bridge claim harvest redeem
liquidity slippage tolerance balance price total circulating collateral rewards allowance
everything maximum minimum percent dollars thousand million
uniswap aave compound lido balancer curve maker makerdao rocketpool rocket eigenlayer sushiswap
pancakeswap morpho yearn convex pendle spark
ethereum mainnet arbitrum optimism polygon avalanche gnosis linea zksync scroll taiko
ether bitcoin tether chainlink wrapped
`
  .split(/\s+/)
  .filter(Boolean);

/**
 * One of viem's single-word chain names and nothing else ("bob", "core", "story"): not a known word,
 * so it can still be a contact's name or an everyday word.
 */
function onlyViemChainName(word: string): boolean {
  const match = ENTITIES.match([word], 0);
  if (match?.length !== 1) return false;
  const { chain, token, protocol, nft } = match.value;
  return chain?.strict === true && !token && !protocol && !nft;
}

/** Builds the vocabulary typo correction works against. */
export function buildVocabulary(): Vocabulary {
  const known = new Set<string>();
  for (const word of [...VERBS.words(), ...ENTITIES.words(), ...AMOUNT_WORDS]) {
    if (/^[a-z]+$/.test(word) && !onlyViemChainName(word)) known.add(word);
  }
  for (const word of ['liquidity', 'collateral', 'rewards', 'slippage', 'allowance', 'approval']) known.add(word);
  const keep = new Set(COMMON_WORDS);
  for (const word of known) keep.delete(word);
  const attachable = new Set<string>(AMOUNT_UNITS);
  for (const token of TOKENS) {
    for (const name of [token.symbol, ...(token.names ?? [])]) {
      if (/^[a-z0-9]+$/i.test(name) && !token.ambiguous) attachable.add(name.toLowerCase());
    }
  }
  return { known, targets: TYPO_TARGETS, keep, noise: new Set(NOISE_WORDS), attachable };
}
