import { type ChainEntry, viemChainEntries } from './chain-names.ts';

/**
 * What the embedded parser knows by name: tokens, protocols, chains and NFT collections. Names are
 * lower-case; a name of several words also matches hyphenated ("rocket-pool") and joined
 * ("rocketpool"). Tokens that are not listed still parse when written like a ticker ("PEPE",
 * "$PEPE", "weETH"): see `tickerLike`.
 */

/** How a token is made from another: WETH wraps ETH, stETH stakes it, sDAI supplies DAI. */
export type Derivation = 'wrap' | 'stake' | 'supply';

export type TokenEntry = {
  symbol: string;
  /** Other lower-case names ("ether", "tether", "wrapped bitcoin"). The symbol is always a name. */
  names?: string[];
  /**
   * The lower-case name is also an everyday word or another entity's name ("link", "op", "uni"):
   * it is read as the token only where a token is expected (after an amount, written in capitals).
   */
  ambiguous?: boolean;
  /** Written one keystroke from this well-known ticker ("ETHH" for ETH): asked about, never assumed. */
  typoOf?: string;
  /** The token this one wraps or stakes, and how. */
  underlying?: string;
  derivation?: Derivation;
};

const t = (symbol: string, names: string[] = [], extra: Omit<TokenEntry, 'symbol' | 'names'> = {}): TokenEntry => ({
  symbol,
  names,
  ...extra,
});
const lst = (symbol: string, names: string[] = []): TokenEntry =>
  t(symbol, names, { underlying: 'ETH', derivation: 'stake' });

export const TOKENS: readonly TokenEntry[] = [
  t('ETH', ['ether', 'ethers', 'eth2', 'native eth', 'ethereum']),
  t('WETH', ['wrapped eth', 'wrapped ether', 'wrapped ethereum'], { underlying: 'ETH', derivation: 'wrap' }),
  t('USDC', ['usd coin']),
  // Bridged USDC is another token than native USDC: reported as written, never merged into it.
  t('USDC.e', ['usdc.e']),
  t('USDbC', ['usdbc']),
  t('USDT', ['tether', 'tether usd', 'usdt0']),
  t('DAI', ['dai stablecoin']),
  t('WBTC', ['wrapped bitcoin', 'wrapped btc']),
  // "BTC" is bitcoin, not wrapped bitcoin: the user did not say wrapped (the resolver says what the chain has).
  t('BTC', ['bitcoin', 'bitcoins']),
  t('cbBTC', ['coinbase btc']),
  t('tBTC'),
  lst('stETH', ['lido staked eth', 'lido staked ether', 'staked eth', 'staked ether']),
  t('wstETH', ['wrapped steth', 'wrapped staked eth', 'wrapped staked ether'], {
    underlying: 'stETH',
    derivation: 'wrap',
  }),
  lst('rETH', ['rocket pool eth', 'rocketpool eth']),
  lst('cbETH', ['coinbase eth', 'coinbase wrapped staked eth']),
  lst('osETH'),
  lst('swETH'),
  lst('frxETH', ['frax ether']),
  t('sfrxETH', ['staked frax ether'], { underlying: 'frxETH', derivation: 'stake' }),
  lst('ETHx'),
  lst('ankrETH'),
  lst('eETH'),
  t('weETH', [], { underlying: 'eETH', derivation: 'wrap' }),
  lst('ezETH'),
  lst('rsETH'),
  lst('mETH'),
  lst('pufETH'),
  lst('lsETH'),
  t('sDAI', ['savings dai'], { underlying: 'DAI', derivation: 'supply' }),
  t('USDS'),
  t('sUSDS', ['savings usds'], { underlying: 'USDS', derivation: 'supply' }),
  t('USDe', ['ethena usd']),
  t('sUSDe', ['staked usde'], { underlying: 'USDe', derivation: 'stake' }),
  t('FRAX'),
  t('LUSD'),
  t('GHO'),
  t('crvUSD'),
  t('PYUSD', ['paypal usd']),
  t('TUSD', ['trueusd']),
  t('FDUSD'),
  t('EURC'),
  t('EURe'),
  t('RAI'),
  t('LINK', ['chainlink'], { ambiguous: true }),
  t('UNI', [], { ambiguous: true }),
  t('AAVE', [], { ambiguous: true }),
  t('COMP', [], { ambiguous: true }),
  t('MKR'),
  t('SKY', [], { ambiguous: true }),
  t('CRV'),
  t('CVX'),
  t('BAL', [], { ambiguous: true }),
  t('LDO'),
  t('RPL'),
  t('EIGEN', [], { ambiguous: true }),
  t('ARB', [], { ambiguous: true }),
  t('OP', [], { ambiguous: true }),
  t('MATIC', ['polygon matic']),
  t('POL', [], { ambiguous: true }),
  t('SOL', ['solana'], { ambiguous: true }),
  t('AVAX'),
  t('BNB'),
  t('FTM', ['fantom']),
  t('GNO'),
  t('xDAI'),
  t('CELO'),
  t('MNT'),
  t('SNX', ['synthetix']),
  t('SUSHI', [], { ambiguous: true }),
  t('YFI'),
  t('1INCH', [], { ambiguous: true }),
  t('ENS', [], { ambiguous: true }),
  t('GRT'),
  t('APE', ['apecoin'], { ambiguous: true }),
  t('SHIB', ['shiba', 'shiba inu']),
  t('PEPE'),
  t('DOGE', ['dogecoin']),
  t('WLD', ['worldcoin']),
  t('PENDLE', [], { ambiguous: true }),
  t('MORPHO', [], { ambiguous: true }),
  t('GMX'),
  t('RNDR'),
  t('RENDER', [], { ambiguous: true }),
  t('IMX'),
  t('LRC'),
  t('BLUR', [], { ambiguous: true }),
  t('ZK', [], { ambiguous: true }),
  t('STRK'),
  t('ONDO'),
  t('ENA', ['ethena'], { ambiguous: true }),
  t('ETHFI'),
  t('SAND', [], { ambiguous: true }),
  t('MANA', [], { ambiguous: true }),
  t('AXS'),
  t('CAKE', [], { ambiguous: true }),
  t('AERO', [], { ambiguous: true }),
  t('VELO', [], { ambiguous: true }),
  t('DYDX'),
  t('FXS'),
  t('SPELL', [], { ambiguous: true }),
  t('BOLD', [], { ambiguous: true }),
  t('TAIKO', [], { ambiguous: true }),
  // The native tokens of the other families' chains (lexicon's CHAINS names those chains).
  t('TON', ['toncoin'], { ambiguous: true }),
  t('TRX', ['tronix']),
  t('NEAR', [], { ambiguous: true }),
  t('APT', [], { ambiguous: true }),
  t('SUI', [], { ambiguous: true }),
  t('HBAR', []),
  t('STX', []),
  t('ATOM', [], { ambiguous: true }),
  t('SEI', [], { ambiguous: true }),
];

export type ProtocolKind = 'lending' | 'staking' | 'dex' | 'vault' | 'bridge';

export type ProtocolEntry = {
  slug: string;
  kind: ProtocolKind;
  names?: string[];
  /** A token of the same name ("aave" is also AAVE): after an amount the word is the token. */
  token?: string;
  /** The slug alone is an everyday word ("across", "hop"): only the longer names match. */
  slugIsWord?: boolean;
  /** What staking or saving here gives back (Lido: stETH), for "stake ETH on Lido and restake it". */
  receipt?: string;
};

const p = (
  slug: string,
  kind: ProtocolKind,
  names: string[] = [],
  token?: string,
  receipt?: string,
): ProtocolEntry => ({
  slug,
  kind,
  names,
  ...(token ? { token } : {}),
  ...(receipt ? { receipt } : {}),
});

export const PROTOCOLS: readonly ProtocolEntry[] = [
  p('aave', 'lending', ['aave v2', 'aave v3'], 'AAVE'),
  p('compound', 'lending', ['comet', 'compound finance', 'compound v2', 'compound v3']),
  p(
    'maker',
    'lending',
    ['makerdao', 'maker dao', 'dsr', 'dai savings rate', 'sky', 'sky protocol', 'sky money'],
    undefined,
    'sDAI',
  ),
  p('spark', 'lending', ['sparklend', 'spark protocol']),
  p('morpho', 'lending', ['morpho blue'], 'MORPHO'),
  p('euler', 'lending'),
  p('fluid', 'lending', ['instadapp']),
  p('radiant', 'lending'),
  p('venus', 'lending'),
  p('moonwell', 'lending'),
  p('seamless', 'lending'),
  p('silo', 'lending'),
  p('liquity', 'lending'),
  p('lido', 'staking', ['lido finance'], undefined, 'stETH'),
  p('rocketpool', 'staking', ['rocket pool', 'rpl'], 'RPL', 'rETH'),
  p('eigenlayer', 'staking', ['eigen layer', 'eigen'], 'EIGEN'),
  p('etherfi', 'staking', ['ether.fi', 'ether fi'], undefined, 'eETH'),
  p('renzo', 'staking', [], undefined, 'ezETH'),
  p('kelp', 'staking', ['kelp dao', 'kelpdao'], undefined, 'rsETH'),
  p('swell', 'staking', [], undefined, 'swETH'),
  p('stakewise', 'staking', [], undefined, 'osETH'),
  p('stader', 'staking', [], undefined, 'ETHx'),
  p('puffer', 'staking', [], undefined, 'pufETH'),
  p('symbiotic', 'staking'),
  p('karak', 'staking'),
  p('frax', 'staking', ['frax finance'], 'FRAX'),
  p('convex', 'staking', ['convex finance']),
  p('ethena', 'staking', [], 'ENA', 'sUSDe'),
  p('uniswap', 'dex', ['uni v2', 'uni v3', 'uni v4', 'univ3', 'univ2', 'uniswap v2', 'uniswap v3', 'uniswap v4']),
  p('balancer', 'dex', ['balancer v2', 'balancer v3']),
  p('curve', 'dex', ['curve finance', 'curve fi', '3pool', 'tripool', 'tri pool', 'tricrypto']),
  p('sushiswap', 'dex', ['sushi swap'], 'SUSHI'),
  p('pancakeswap', 'dex', ['pancake swap', 'pancake'], 'CAKE'),
  p('velodrome', 'dex', [], 'VELO'),
  p('aerodrome', 'dex', [], 'AERO'),
  p('camelot', 'dex'),
  p('traderjoe', 'dex', ['trader joe']),
  p('maverick', 'dex'),
  p('1inch', 'dex', ['1inch network'], '1INCH'),
  p('cowswap', 'dex', ['cow swap', 'cow protocol']),
  p('paraswap', 'dex', ['velora']),
  p('kyberswap', 'dex', ['kyber']),
  p('matcha', 'dex'),
  p('odos', 'dex'),
  p('yearn', 'vault', ['yearn finance']),
  p('beefy', 'vault'),
  p('pendle', 'vault', [], 'PENDLE'),
  { slug: 'across', kind: 'bridge', names: ['across protocol', 'across bridge'], slugIsWord: true },
  p('stargate', 'bridge'),
  { slug: 'hop', kind: 'bridge', names: ['hop protocol', 'hop bridge'], slugIsWord: true },
  p('synapse', 'bridge'),
  p('wormhole', 'bridge'),
  p('layerzero', 'bridge', ['layer zero']),
];

export type { ChainEntry } from './chain-names.ts';

const c = (slug: string, names: string[] = [], extra: Omit<ChainEntry, 'slug' | 'names'> = {}): ChainEntry => ({
  slug,
  names,
  ...extra,
});

/** Our own list: the chains people name most, with the everyday words among their names marked. */
const CURATED_CHAINS: readonly ChainEntry[] = [
  c('ethereum', ['mainnet', 'eth mainnet', 'ethereum mainnet', 'l1', 'ethereum l1']),
  c('ethereum', ['eth'], { ambiguous: true, token: 'ETH' }),
  c('base', ['base mainnet', 'base chain', 'base network'], { ambiguous: true }),
  c('optimism', ['op mainnet', 'optimism mainnet', 'op chain']),
  c('optimism', ['op'], { ambiguous: true, token: 'OP' }),
  c('arbitrum', ['arbitrum one', 'arb one', 'arbitrum mainnet']),
  c('arbitrum', ['arb'], { ambiguous: true, token: 'ARB' }),
  c('arbitrum-nova', ['arbitrum nova']),
  c('gnosis', ['gnosis chain', 'xdai chain']),
  c('gnosis', ['xdai'], { ambiguous: true, token: 'xDAI' }),
  c('polygon', ['polygon pos', 'matic network', 'polygon mainnet']),
  c('polygon', ['matic'], { ambiguous: true, token: 'MATIC' }),
  c('polygon', ['pol'], { ambiguous: true, token: 'POL' }),
  c('polygon-zkevm', ['polygon zkevm', 'zkevm']),
  c('bsc', ['bnb chain', 'bnb smart chain', 'binance smart chain', 'binance chain']),
  c('bsc', ['bnb'], { ambiguous: true, token: 'BNB' }),
  c('avalanche', ['avalanche c-chain', 'avax c-chain', 'c-chain']),
  c('avalanche', ['avax'], { ambiguous: true, token: 'AVAX' }),
  c('zksync', ['zksync era', 'zk sync']),
  c('linea'),
  c('scroll', [], { ambiguous: true }),
  c('taiko'),
  c('blast', [], { ambiguous: true }),
  c('mantle', [], { ambiguous: true }),
  c('mode', [], { ambiguous: true }),
  c('zora', [], { ambiguous: true }),
  c('celo', [], { ambiguous: true, token: 'CELO' }),
  c('fantom', [], { ambiguous: true, token: 'FTM' }),
  c('sonic', [], { ambiguous: true }),
  c('unichain'),
  c('berachain', ['bera']),
  c('ink', [], { ambiguous: true }),
  c('soneium'),
  c('worldchain', ['world chain']),
  // Chains of other families, named so a request to use them is reported (and then refused) as asked.
  c('solana', [], { ambiguous: true, token: 'SOL' }),
  c('bitcoin', [], { ambiguous: true, token: 'BTC' }),
  c('ton', ['the open network'], { ambiguous: true, token: 'TON' }),
  c('tron', [], { ambiguous: true, token: 'TRX' }),
  c('near', ['near protocol'], { ambiguous: true, token: 'NEAR' }),
  c('aptos', [], { ambiguous: true, token: 'APT' }),
  c('sui', [], { ambiguous: true, token: 'SUI' }),
  c('hedera', ['hedera hashgraph'], { ambiguous: true, token: 'HBAR' }),
  c('stacks', [], { ambiguous: true, token: 'STX' }),
  c('cosmos', ['cosmos hub'], { ambiguous: true, token: 'ATOM' }),
  c('sei', ['sei network', 'sei evm'], { ambiguous: true, token: 'SEI' }),
  c('sepolia', ['ethereum sepolia', 'eth sepolia']),
  c('holesky'),
  c('base-sepolia', ['base sepolia']),
  c('arbitrum-sepolia', ['arbitrum sepolia']),
  c('optimism-sepolia', ['optimism sepolia', 'op sepolia']),
  // Sextant's own devnet and its second chain (`sextant chains`), which a bridge on the devnet names.
  c('devnet-l2', ['devnet l2', 'sextant devnet l2']),
  c('devnet', ['sextant devnet']),
];

/** Every chain the parser knows by name: our list, then viem's chains it does not name (./chain-names.ts). */
export const CHAINS: readonly ChainEntry[] = [
  ...CURATED_CHAINS,
  ...viemChainEntries(
    CURATED_CHAINS,
    new Set(
      [
        ...TOKENS.flatMap((token) => [token.symbol, ...(token.names ?? [])]),
        ...PROTOCOLS.flatMap((p) => [p.slug, ...(p.names ?? [])]),
      ].map((name) => name.toLowerCase()),
    ),
  ),
];

/** Well-known NFT collections, for "send my azuki 5678 to bob" (no "#", no "nft"). */
export const NFT_COLLECTIONS: readonly string[] = [
  'bayc',
  'bored ape',
  'bored apes',
  'bored ape yacht club',
  'mayc',
  'mutant ape',
  'mutant apes',
  'mutant ape yacht club',
  'cryptopunk',
  'cryptopunks',
  'crypto punk',
  'crypto punks',
  'punk',
  'azuki',
  'azukis',
  'doodle',
  'doodles',
  'pudgy penguin',
  'pudgy penguins',
  'lil pudgy',
  'lil pudgys',
  'milady',
  'miladys',
  'moonbird',
  'moonbirds',
  'clonex',
  'clone x',
  'meebit',
  'meebits',
  'cool cat',
  'cool cats',
  'world of women',
  'otherdeed',
  'art blocks',
  'chromie squiggle',
  'squiggle',
  'degods',
  'y00ts',
  'sappy seal',
  'sappy seals',
  'opepen',
  'mfer',
  'mfers',
  'goblintown',
  'cryptokitty',
  'cryptokitties',
  'nouns',
  'noun',
  'beanz',
  'captainz',
];

/** One match of a lexicon name in the words of a message. */
export type Entity = {
  token?: TokenEntry;
  protocol?: ProtocolEntry;
  chain?: ChainEntry;
  nft?: true;
};

const TOKEN_BY_SYMBOL = new Map<string, TokenEntry>(TOKENS.map((entry) => [entry.symbol.toLowerCase(), entry]));

export function tokenBySymbol(symbol: string): TokenEntry | undefined {
  return TOKEN_BY_SYMBOL.get(symbol.toLowerCase());
}

/**
 * A table of names of one or more words, matched longest first at a position in a list of words.
 * Each name of several words also goes in joined and hyphenated.
 */
export class PhraseTable<T> {
  private readonly byFirst = new Map<string, { words: string[]; value: T }[]>();

  add(name: string, value: T, merge?: (existing: T, added: T) => T): void {
    const words = name.toLowerCase().split(/\s+/).filter(Boolean);
    const variants = words.length > 1 ? [words, [words.join('')], [words.join('-')]] : [words];
    for (const variant of variants) {
      const first = variant[0];
      if (first === undefined) continue;
      const list = this.byFirst.get(first) ?? [];
      const existing = list.find((entry) => entry.words.join(' ') === variant.join(' '));
      if (existing) existing.value = merge ? merge(existing.value, value) : existing.value;
      else list.push({ words: variant, value });
      list.sort((a, b) => b.words.length - a.words.length);
      this.byFirst.set(first, list);
    }
  }

  /** The longest name starting at `words[start]`, and how many words it spans. */
  match(words: readonly (string | undefined)[], start: number): { value: T; length: number } | undefined {
    const first = words[start];
    if (first === undefined) return undefined;
    for (const entry of this.byFirst.get(first) ?? []) {
      if (entry.words.every((word, offset) => words[start + offset] === word)) {
        return { value: entry.value, length: entry.words.length };
      }
    }
    return undefined;
  }

  /** Every single word that appears in a name (for typo correction). */
  words(): string[] {
    const all = new Set<string>();
    for (const list of this.byFirst.values()) for (const entry of list) for (const word of entry.words) all.add(word);
    return [...all];
  }
}

function mergeEntities(a: Entity, b: Entity): Entity {
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([key]) => !(key in a))),
  };
}

/** Every name of every token, protocol, chain and collection. */
export const ENTITIES = new PhraseTable<Entity>();
for (const token of TOKENS) {
  for (const name of [token.symbol, ...(token.names ?? [])]) ENTITIES.add(name, { token }, mergeEntities);
}
for (const protocol of PROTOCOLS) {
  const names = protocol.slugIsWord ? (protocol.names ?? []) : [protocol.slug, ...(protocol.names ?? [])];
  for (const name of names) ENTITIES.add(name, { protocol }, mergeEntities);
}
for (const chain of CHAINS) {
  for (const name of chain.fromViem ? (chain.names ?? []) : [chain.slug, ...(chain.names ?? [])]) {
    if (chain.slug.includes('-') && name === chain.slug) continue;
    ENTITIES.add(name, { chain }, mergeEntities);
  }
}
for (const name of NFT_COLLECTIONS) ENTITIES.add(name, { nft: true }, mergeEntities);

const PROTOCOL_BY_NAME = new Map<string, string>();
for (const protocol of PROTOCOLS) {
  for (const name of [protocol.slug, ...(protocol.names ?? [])]) {
    PROTOCOL_BY_NAME.set(name.replace(/[\s_-]+/g, ''), protocol.slug);
  }
}
const CHAIN_BY_NAME = new Map<string, string>();
for (const chain of CHAINS) {
  for (const name of [chain.slug, ...(chain.names ?? [])]) CHAIN_BY_NAME.set(name.replace(/[\s_-]+/g, ''), chain.slug);
}

export function protocolBySlug(slug: string): ProtocolEntry | undefined {
  return PROTOCOLS.find((protocol) => protocol.slug === slug);
}

/** The slug of a protocol name ("Rocket Pool" → "rocketpool"); an unknown name lower-cased. */
export function protocolSlug(name: string): string {
  const key = name.toLowerCase().replace(/[\s_-]+/g, '');
  return PROTOCOL_BY_NAME.get(key) ?? PROTOCOL_BY_NAME.get(key.replace(/v\d$/, '')) ?? name.toLowerCase().trim();
}

/** The slug of a chain name ("mainnet" → "ethereum", "BNB Chain" → "bsc"); an unknown name lower-cased. */
export function chainSlug(name: string): string {
  return CHAIN_BY_NAME.get(name.toLowerCase().replace(/[\s_-]+/g, '')) ?? name.toLowerCase().trim();
}

/**
 * Capitalised words that are not tickers even though they look like one ("URGENT", "NFT", "APY").
 * Lower-case; checked after the lexicon, so real tokens never land here.
 */
const NOT_TICKERS = new Set(
  'a an i me my to the and or for of in on at by it is be do id ok no yes hi hey yo gm gn pls plz asap fyi tx txn nft nfts erc eip ens dao dex cex apy apr tvl lp amm usd eur gbp cli api url eoa kyc aml ceo dm pm am utc est pst eta fomo hodl defi ape gas fee fees max min all now urgent please help thanks thx ty wtf lol omg imo btw tba tbd v1 v2 v3 v4 l1 l2 l3 ui ux vip otc ath atl pnl roi sl tp usa uk eu'.split(
    ' ',
  ),
);

/**
 * A word written as a ticker: all capitals or capitals after a short lower-case prefix ("PEPE",
 * "weETH", "sfrxETH"), 2 to 10 characters. Returns the symbol as written, or undefined.
 */
export function tickerLike(raw: string): string | undefined {
  if (raw.length < 2 || raw.length > 16) return undefined;
  // "wstETH_YT", "PT_sUSDe": a ticker joined by underscores is one ticker.
  if (!/^(?:[A-Z][A-Z0-9]+|[a-z]{1,5}[A-Z][A-Z0-9]+[a-z]?)(?:_[A-Za-z0-9]+)*$/.test(raw)) return undefined;
  if (/^[A-Z]?\d+$/.test(raw) || /^V\d+$/.test(raw)) return undefined;
  if (NOT_TICKERS.has(raw.toLowerCase())) return undefined;
  return raw;
}
