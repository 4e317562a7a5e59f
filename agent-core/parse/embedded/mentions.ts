import type { Verb } from './actions.ts';
import type { Amount } from './amounts.ts';
import type { ChainEntry, ProtocolEntry, TokenEntry } from './lexicon.ts';
import type { Tag } from './tags.ts';

/**
 * What a clause mentions, read in the light of its verb: which names are tokens, protocols or
 * chains; which amount belongs to which token; whether a token is what is given ("with USDC") or
 * what is wanted ("for ETH").
 */

export type Reading = 'token' | 'protocol' | 'chain' | 'nft';

/** The verbs whose "for"/"to"/"into" introduce a token (swaps), or a chain (transfers). */
export type VerbFamily = 'trade' | 'send' | 'other';

export function familyOf(verb: Verb): VerbFamily {
  if (verb === 'swap' || verb === 'sell' || verb === 'buy' || verb === 'convert' || verb === 'mint') return 'trade';
  if (verb === 'send' || verb === 'move' || verb === 'bridge') return 'send';
  return 'other';
}

export const word = (tag: Tag | undefined): string | undefined =>
  tag?.type === 'word' || tag?.type === 'punct' ? tag.text : undefined;

const CHAIN_PREPOSITIONS = new Set(['on', 'onto', 'from', 'via', 'over', 'across', 'in', 'at']);
/** Where a name that is also an everyday word is a chain: "on Flow", "from Sei", "via Core". */
const STRICT_CHAIN_PREPOSITIONS = new Set(['on', 'onto', 'from', 'via', 'over', 'across']);
const TO_PREPOSITIONS = new Set(['to', 'into', 'onto', '->', 'towards']);
const CHAIN_NOUNS = new Set(['chain', 'network', 'mainnet', 'l2', 'rollup', 'blockchain', 'net']);
const PROTOCOL_PREPOSITIONS = new Set(['on', 'via', 'through', 'into', 'in', 'from', 'at', 'with', 'using', 'to']);

/** The word before position `index`, looking past "the". */
function wordBefore(tags: readonly Tag[], index: number): string | undefined {
  let i = index - 1;
  while (word(tags[i]) === 'the') i--;
  return word(tags[i]);
}

function afterAmount(tags: readonly Tag[], index: number): boolean {
  let i = index - 1;
  while (word(tags[i]) === 'of' || word(tags[i]) === 'my') i--;
  const tag = tags[i];
  return tag?.type === 'amount' || tag?.type === 'badAmount';
}

/** Decides, for each named thing in the clause, what it is here ("OP" the token, "on OP" the chain). */
export function readEntities(tags: readonly Tag[], family: VerbFamily, verb?: Verb): (Reading | undefined)[] {
  return tags.map((tag, index) => {
    if (tag.type !== 'entity') return undefined;
    const { token, protocol, chain, nft } = tag.entity;
    if (nft) return 'nft';
    const before = wordBefore(tags, index);
    const after = word(tags[index + 1]);
    if (chain?.strict && !token && !protocol) {
      const said =
        (before !== undefined && STRICT_CHAIN_PREPOSITIONS.has(before)) ||
        (after !== undefined && CHAIN_NOUNS.has(after)) ||
        (before !== undefined && TO_PREPOSITIONS.has(before) && verb === 'bridge');
      return said ? 'chain' : undefined;
    }
    const amountBefore = afterAmount(tags, index);
    const chainContext =
      (before !== undefined && CHAIN_PREPOSITIONS.has(before)) ||
      (after !== undefined && CHAIN_NOUNS.has(after)) ||
      (before !== undefined && TO_PREPOSITIONS.has(before) && family === 'send');
    const tradeTarget =
      family === 'trade' && before !== undefined && ['for', 'to', 'into', 'my', 'some', '->'].includes(before);
    if (token && chain) {
      if (after !== undefined && CHAIN_NOUNS.has(after)) return 'chain';
      if (amountBefore) return 'token';
      if (before !== undefined && CHAIN_PREPOSITIONS.has(before) && before !== 'in') return 'chain';
      if (before !== undefined && TO_PREPOSITIONS.has(before) && family === 'send' && !tag.capitals) return 'chain';
      if (token.ambiguous && !tag.capitals && !tradeTarget && before !== 'my')
        return chain.ambiguous ? undefined : 'chain';
      return 'token';
    }
    if (token && protocol) {
      // "stake AAVE", "sell AAVE for ETH": right after the verb, the token.
      if (amountBefore || tradeTarget || (tag.capitals && tags[index - 1]?.type === 'verb')) return 'token';
      if (before !== undefined && PROTOCOL_PREPOSITIONS.has(before)) return 'protocol';
      return tag.text === protocol.slug || (protocol.names ?? []).includes(tag.text) ? 'protocol' : 'token';
    }
    if (token) {
      const afterVerb = tags[index - 1]?.type === 'verb';
      if (!token.ambiguous || tag.capitals || amountBefore || tradeTarget || afterVerb || before === 'my')
        return 'token';
      return undefined;
    }
    if (chain) {
      if (!chain.ambiguous || chainContext || (before !== undefined && TO_PREPOSITIONS.has(before))) return 'chain';
      return undefined;
    }
    if (protocol) return 'protocol';
    return undefined;
  });
}

export type Marker = 'in' | 'out' | 'collateral' | 'none';

export type TokenMention = {
  /** The symbol ("USDC") or, for a token given by address, the address as typed. */
  symbol: string;
  entry?: TokenEntry | undefined;
  index: number;
  amount?: Amount | undefined;
  marker: Marker;
  /** The token named in a floor ("at least 4000 USDT"). */
  floor: boolean;
};

export const ATTACH_FILLER = new Set([
  'of',
  'my',
  'the',
  'worth',
  'in',
  'your',
  'our',
  'loan',
  'debt',
  'balance',
  'position',
  'holdings',
  'bag',
  'stack',
  'more',
  'some',
  'units',
  'native',
  'remaining',
  'current',
  'available',
  'supplied',
  'deposited',
  'borrowed',
  'staked',
]);
const MARKER_SKIP = new Set([
  'my',
  'the',
  'some',
  'of',
  'your',
  'our',
  'back',
  'native',
  'more',
  'a',
  'an',
  'any',
  'me',
  'exactly',
  'just',
  'only',
  'worth',
  'that',
  'this',
  'these',
  'those',
  'much',
  'many',
  'all',
  'it',
]);
const OUT_MARKERS = new Set([
  'for',
  'to',
  'into',
  'onto',
  'towards',
  'get',
  'receive',
  'getting',
  'receiving',
  'want',
  'obtain',
  '->',
  '/',
]);
const IN_MARKERS = new Set(['with', 'using', 'from', 'spending', 'selling', 'paying', 'use']);
const COLLATERAL_MARKERS = new Set(['against', 'collateral', 'collateralized', 'backed']);

/**
 * The tokens of the clause, each with its amount and its marker. `asToken(index)` says whether an
 * address at that position is a token (not a recipient or spender).
 */
export function tokenMentions(
  tags: readonly Tag[],
  readings: readonly (Reading | undefined)[],
  verb: Verb,
  asToken: (index: number) => boolean,
): { mentions: TokenMention[]; attached: Set<number> } {
  const attached = new Set<number>();
  const mentionAt = new Map<number, number>();
  tags.forEach((tag, index) => {
    if (tag.type !== 'amount') return;
    for (let j = index + 1, seen = 0; j < tags.length && seen < 4; j++, seen++) {
      const next = tags[j];
      if (readings[j] === 'token' || (next?.type === 'address' && next.valid && !next.family && asToken(j))) {
        if (!mentionAt.has(j)) {
          mentionAt.set(j, index);
          attached.add(index);
        }
        return;
      }
      const text = word(next);
      if (text === undefined || !ATTACH_FILLER.has(text)) return;
    }
  });
  const buying = verb === 'buy' || verb === 'mint';
  const mentions: TokenMention[] = [];
  tags.forEach((tag, index) => {
    let symbol: string | undefined;
    let entry: TokenEntry | undefined;
    if (readings[index] === 'token' && tag.type === 'entity') {
      entry = tag.entity.token;
      symbol = entry?.symbol;
    } else if (tag.type === 'address' && tag.valid && !tag.family && asToken(index)) {
      symbol = tag.raw;
    }
    if (symbol === undefined) return;
    const amountIndex = mentionAt.get(index);
    const amountTag = amountIndex === undefined ? undefined : tags[amountIndex];
    const from = amountIndex ?? index;
    let marker: Marker = 'none';
    // "$100 worth of ETH": what is bought.
    const worth = tags[from - 2];
    if (
      buying &&
      word(tags[from - 1]) === 'of' &&
      (worth?.type === 'verb' || worth?.type === 'word') &&
      worth.text === 'worth'
    ) {
      marker = 'out';
    }
    for (let j = from - 1; j >= 0 && marker === 'none'; j--) {
      const before = tags[j];
      if (before?.type === 'verb' && /^pay(?:ing)? (?:with|using|in)$/.test(before.text)) marker = 'in';
      const text = word(before);
      if (text !== undefined && MARKER_SKIP.has(text)) continue;
      if (text !== undefined && OUT_MARKERS.has(text)) marker = buying && text === 'for' ? 'in' : 'out';
      else if (text !== undefined && IN_MARKERS.has(text)) marker = 'in';
      else if (text !== undefined && COLLATERAL_MARKERS.has(text)) marker = 'collateral';
      break;
    }
    mentions.push({
      symbol,
      entry,
      index,
      amount: amountTag?.type === 'amount' ? amountTag.amount : undefined,
      marker,
      floor: tags[index - 1]?.type === 'minimum',
    });
  });
  return { mentions, attached };
}

/** The token given and the token wanted, as far as the clause says. */
export function sourceAndTarget(
  mentions: readonly TokenMention[],
  verb: Verb,
): { source?: TokenMention | undefined; target?: TokenMention | undefined } {
  const usable = mentions.filter((mention) => !mention.floor);
  if (verb === 'buy' || verb === 'mint') {
    const target = usable.find((m) => m.marker === 'out') ?? usable.find((m) => m.marker === 'none');
    const source =
      usable.find((m) => m.marker === 'in' && m.symbol !== target?.symbol) ??
      (target?.marker === 'out' ? usable.find((m) => m.marker === 'none' && m.symbol !== target.symbol) : undefined);
    return { source, target };
  }
  const source =
    usable.find((m) => m.amount && m.marker !== 'out' && m.marker !== 'collateral') ??
    usable.find((m) => m.marker === 'none' || m.marker === 'in');
  const target =
    usable.find((m) => m.marker === 'out' && m.symbol !== source?.symbol) ??
    (familyOf(verb) === 'trade' || verb === 'redeem' || verb === 'withdraw'
      ? usable.find(
          (m) =>
            m !== source && m.symbol !== source?.symbol && m.marker !== 'collateral' && m.index > (source?.index ?? -1),
        )
      : undefined);
  return { source, target };
}

export type ChainMention = { slug: string; index: number; role: 'from' | 'to' | 'on' };

export function chainMentions(tags: readonly Tag[], readings: readonly (Reading | undefined)[]): ChainMention[] {
  const chains: ChainMention[] = [];
  tags.forEach((tag, index) => {
    if (readings[index] !== 'chain' || tag.type !== 'entity' || !tag.entity.chain) return;
    const before = wordBefore(tags, index);
    const role = before === 'from' ? 'from' : before !== undefined && TO_PREPOSITIONS.has(before) ? 'to' : 'on';
    chains.push({ slug: (tag.entity.chain as ChainEntry).slug, index, role });
  });
  return chains;
}

export function protocolMention(
  tags: readonly Tag[],
  readings: readonly (Reading | undefined)[],
): { entry: ProtocolEntry; index: number } | undefined {
  for (let index = 0; index < tags.length; index++) {
    const tag = tags[index];
    if (readings[index] === 'protocol' && tag?.type === 'entity' && tag.entity.protocol) {
      return { entry: tag.entity.protocol, index };
    }
  }
  return undefined;
}
