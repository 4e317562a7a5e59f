import { ATTACH_FILLER, word } from './mentions.ts';
import type { Tag } from './tags.ts';

/**
 * Who a clause names: a recipient, a spender or the account asked about. Only what the user wrote:
 * a 0x address (exactly as typed), an ENS name, or an address-book label ("send 5 USDC to alice").
 * One candidate or a question: a clause that names more than one party for one transfer or
 * approval ("to alice 0xBAD…", "to alice (alice is 0x…)", "my new address is 0x…", "to alice and
 * bob") has no recipient, and `conflict` lists what it names.
 */

export type Party = { raw: string; index: number };

const TO_WORDS = new Set(['to', '->', 'towards', 'recipient', 'receiver', 'at']);
/** "split between alice and bob", "among": the parties after them are recipients too (candidates only). */
const BETWEEN_WORDS = new Set(['between', 'among', 'amongst']);
/** "send 1 USDC from 0x… to bob": the party after it is whom the funds would come from, never the recipient. */
const FROM_WORDS = new Set(['from']);
/** "(contract 0x…)", "token 0x…", "on 0x…": an address that names a contract, never the recipient. */
const CONTRACT_WORDS = new Set(['contract', 'token', 'on', 'ca']);
const SPENDER_WORDS = new Set(['for', 'to', 'spender', 'by']);
const ACCOUNT_WORDS = new Set(['of', 'for', 'does', 'in', 'at']);
const SKIP_BEFORE_PARTY = new Set([
  'my',
  'the',
  'our',
  'his',
  'her',
  'their',
  'address',
  'wallet',
  'account',
  'ens',
  'name',
]);
/** Words that point back at the user, not at an address-book entry. */
const SELF = new Set(['me', 'myself', 'self', 'wallet', 'account', 'address', 'it', 'them', 'here', 'mine', 'own']);
/** "to my friend bob": the name after the relation; "to my mom": the relation itself. */
const RELATIONS = new Set([
  'friend',
  'brother',
  'sister',
  'mom',
  'mum',
  'dad',
  'wife',
  'husband',
  'son',
  'daughter',
  'buddy',
  'colleague',
  'partner',
  'boss',
  'mother',
  'father',
]);
/** "my cold wallet", "my main account": a label of two words. */
const LABEL_NOUNS = new Set(['wallet', 'account', 'address', 'safe', 'vault']);
/** "the following address: 0x…", "the designated wallet 0x…": words pointing at an address written next. */
const POINTERS = new Set([
  'following',
  'designated',
  'below',
  'above',
  'given',
  'provided',
  'specified',
  'listed',
  'mentioned',
  'same',
  'target',
  'destination',
  'receiving',
  'recipient',
]);
const NAME = /^[A-Za-z][\w.-]{0,40}$/;

function partyWordBefore(tags: readonly Tag[], index: number): { text: string | undefined; tag: Tag | undefined } {
  let i = index - 1;
  while (i >= 0 && SKIP_BEFORE_PARTY.has(word(tags[i]) ?? '')) i--;
  return { text: word(tags[i]), tag: tags[i] };
}

/** The addresses and ENS names of the clause, in order; `valid` is false for a 0x string of the wrong length. */
export function addressesOf(tags: readonly Tag[]): (Party & { ens: boolean; valid: boolean })[] {
  const found: (Party & { ens: boolean; valid: boolean })[] = [];
  tags.forEach((tag, index) => {
    // Another family's address is, like an ENS name, a party written whole and never a token.
    if (tag.type === 'address') found.push({ raw: tag.raw, index, ens: tag.family !== undefined, valid: tag.valid });
    else if (tag.type === 'ens') found.push({ raw: tag.raw, index, ens: true, valid: true });
  });
  return found;
}

/** A word that can be an address-book label, starting at `index`; undefined when it is not one. */
function labelAt(tags: readonly Tag[], index: number, isCommonWord: (text: string) => boolean): Party | undefined {
  let i = index;
  while (['my', 'the', 'our'].includes(word(tags[i]) ?? '')) i++;
  const tag = tags[i];
  if (tag?.type !== 'word' || !NAME.test(tag.raw) || SELF.has(tag.text) || CORRECTIONS.has(tag.text)) return undefined;
  if (POINTERS.has(tag.text)) return undefined;
  const next = tags[i + 1];
  if (RELATIONS.has(tag.text)) {
    // "my friend at 0x…", "my brother, bob.eth": the relation names the address written with it.
    const then = word(next) === 'at' || word(next) === ',' ? tags[i + 2] : undefined;
    if (then?.type === 'address' || then?.type === 'ens') return undefined;
    if (next?.type === 'word' && NAME.test(next.raw) && !isCommonWord(next.text))
      return { raw: next.raw, index: i + 1 };
    return { raw: tag.raw, index: i };
  }
  if (isCommonWord(tag.text) && !(next?.type === 'word' && LABEL_NOUNS.has(next.text))) return undefined;
  // "Bob's address": Bob ("'s" is taken off as the words are read); "treasury wallet": the label.
  if (next?.type === 'word' && next.text === 'address') return { raw: tag.raw, index: i };
  if (next?.type === 'word' && LABEL_NOUNS.has(next.text)) return { raw: `${tag.raw} ${next.raw}`, index: i };
  return { raw: tag.raw, index: i };
}

export type Recipient = {
  recipient?: Party | undefined;
  badAddress?: string | undefined;
  used: Set<number>;
  /** More than one candidate recipient, as written: then `recipient` is undefined. */
  conflict?: string[] | undefined;
  /**
   * With a conflict: the parties when they are exactly one list after "to", "between" or "among"
   * ("to alice and bob"), in order, which "each" or "split" may turn into one transfer per party.
   */
  list?: string[] | undefined;
  /** The parties after "from" ("send 1 USDC from 0x… to bob"): never the recipient, and asked about. */
  senders?: string[] | undefined;
  /** The parties that are never the recipient: the senders, and addresses after "contract", "token", "on". */
  notPayees?: string[] | undefined;
};

/**
 * The tags whose parties count: all of them, unless the party found is in the request's own words
 * and words shared from the next request follow ("send 1 ETH to alice.eth and 2 ETH to bob.eth").
 */
function ownTags(tags: readonly Tag[], found: Party | undefined, sharedFrom: number | undefined): readonly Tag[] {
  return found && sharedFrom !== undefined && found.index < sharedFrom ? tags.slice(0, sharedFrom) : tags;
}

/** What joins two parties: "alice and bob", "alice, bob", "alice & bob", "alice or bob". */
const JOIN_WORDS = new Set(['and', ',', '&', '+', 'or', 'plus', 'and also', 'as well as', 'then', 'and then']);

/** A party written at `index`: a full address, an ENS name, a label, or (after a join) "me". */
function partyAt(
  tags: readonly Tag[],
  index: number,
  isCommonWord: (text: string) => boolean,
  self = false,
): Party | undefined {
  const tag = tags[index];
  if (tag?.type === 'address' && tag.valid) return { raw: tag.raw, index };
  if (tag?.type === 'ens') return { raw: tag.raw, index };
  if (self && tag?.type === 'word' && JOINED_SELF.has(tag.text)) return { raw: tag.raw, index };
  return labelAt(tags, index, isCommonWord);
}

/** "to alice and me": the user, as a second party. */
const JOINED_SELF = new Set(['me', 'myself']);

/** Where a party's words end: "cold wallet" takes two. */
const partyEnd = (party: Party): number => party.index + party.raw.split(' ').length;

/** An address right after an amount is the token given ("send 100 0x6B17… to bob"). */
function afterAmount(tags: readonly Tag[], index: number): boolean {
  for (let i = index - 1, seen = 0; i >= 0 && seen < 4; i--, seen++) {
    const tag = tags[i];
    if (tag?.type === 'amount' || tag?.type === 'badAmount') return true;
    const text = word(tag);
    if (text === undefined || !ATTACH_FILLER.has(text)) return false;
  }
  return false;
}

/** Adds the parties joined to each one already found: "to alice and bob", "to 0xA, 0xB". */
function addJoined(found: Party[], tags: readonly Tag[], isCommonWord: (text: string) => boolean): void {
  for (let k = 0; k < found.length; k++) {
    const party = found[k];
    if (!party) continue;
    let at = partyEnd(party);
    while (JOIN_WORDS.has(word(tags[at]) ?? '')) {
      const next = partyAt(tags, at + 1, isCommonWord, true);
      if (!next) break;
      if (!found.some((other) => other.index === next.index)) found.push(next);
      at = partyEnd(next);
    }
  }
}

/** The distinct parties, as written (an address in any case is one party). */
function distinct(parties: readonly Party[]): string[] {
  if (parties.length === 0) return [];
  if (parties.length === 1) return [(parties[0] as Party).raw];
  const seen = new Map<string, string>();
  for (const party of parties) if (!seen.has(party.raw.toLowerCase())) seen.set(party.raw.toLowerCase(), party.raw);
  return [...seen.values()];
}

/**
 * Every recipient the clause could mean: its full addresses and ENS names (not a token's address
 * after an amount), the label after its "to" (and after a later "to" that follows a token or an
 * amount: "send 1 USDC to alice send 1 USDC to bob"), and every party joined to one of them.
 */
function recipientCandidates(
  tags: readonly Tag[],
  chosen: Party | undefined,
  options: { labels: boolean; isCommonWord: (text: string) => boolean; addressesAreTokens?: boolean | undefined },
  senders: ReadonlySet<number>,
): Party[] {
  const found: Party[] = chosen ? [chosen] : [];
  if (!mayNameAnother(tags)) return found;
  for (const party of addressesOf(tags)) {
    if (!party.valid || senders.has(party.index)) continue;
    if (!party.ens && (options.addressesAreTokens || afterAmount(tags, party.index))) continue;
    found.push(party);
    // "to 0xBAD… bob": a label right after an address is another candidate.
    const next = options.labels ? labelAt(tags, party.index + 1, options.isCommonWord) : undefined;
    if (next && next.index === party.index + 1 && !senders.has(next.index)) found.push(next);
  }
  for (let i = 0; i < tags.length; i++) {
    const text = word(tags[i]);
    if (text === undefined) continue;
    if (options.labels && ((TO_WORDS.has(text) && text !== 'at') || BETWEEN_WORDS.has(text))) {
      // A "to" after a recipient already named after a "to" ("to alice to cover rent") names a
      // purpose, not a second recipient, unless it follows a token or an amount.
      const before = tags[i - 1];
      const leads = before?.type === 'entity' || before?.type === 'amount' || before?.type === 'verb';
      const afterTo = found.some((party) => TO_WORDS.has(partyWordBefore(tags, party.index).text ?? ''));
      if (!leads && afterTo && !BETWEEN_WORDS.has(text)) continue;
      const label = labelAt(tags, i + 1, options.isCommonWord);
      if (label && !senders.has(label.index)) found.push(label);
    } else if (CORRECTIONS.has(text)) {
      // "to bob, I mean alice", "to bob, actually to alice": a correction names another candidate.
      const at = TO_WORDS.has(word(tags[i + 1]) ?? '') ? i + 2 : i + 1;
      const party = partyAt(tags, at, options.isCommonWord, true);
      if (party) found.push(party);
    }
  }
  addJoined(found, tags, options.isCommonWord);
  return found;
}

/**
 * Whether a clause can name a second party at all: an address or ENS name, a second "to", a
 * correction or a join. Most name one, and need no closer look.
 */
function mayNameAnother(tags: readonly Tag[]): boolean {
  let toWords = 0;
  for (const tag of tags) {
    if (tag.type === 'address' || tag.type === 'ens') return true;
    const text = word(tag);
    if (text === undefined) continue;
    if (TO_WORDS.has(text) && ++toWords > 1) return true;
    if (BETWEEN_WORDS.has(text) || FROM_WORDS.has(text)) return true;
    if (CORRECTIONS.has(text) || JOIN_WORDS.has(text)) return true;
  }
  return false;
}

/** Words that correct what was just said: the party after them is another candidate. */
const CORRECTIONS = new Set(['mean', 'meant', 'actually', 'instead', 'rather', 'correction', 'sorry', 'oops', 'wait']);

/**
 * The recipient of a transfer: an address or ENS name after "to" (or right after the verb: "pay
 * alice.eth 10 DAI"), else, when `labels` allows, a label after "to" or right after the verb.
 */
export function recipientOf(
  tags: readonly Tag[],
  verbIndex: number,
  options: {
    labels: boolean;
    isCommonWord: (text: string) => boolean;
    tokenNamed: boolean;
    addressesAreTokens?: boolean;
    /** Where words shared from the next request start: they count only when the request names no one. */
    sharedFrom?: number | undefined;
  },
): Recipient {
  const found = addressesOf(tags).filter((party) => party.ens || !options.addressesAreTokens);
  const senderParties = sendersOf(tags, found, options);
  const senders = new Set(senderParties.map((party) => party.index));
  const contracts = found.filter((party) => CONTRACT_WORDS.has(partyWordBefore(tags, party.index).text ?? ''));
  const notPayees = [...senderParties, ...contracts];
  const parties = found.filter((party) => !senders.has(party.index));
  const payable = parties.filter((party) => !contracts.includes(party));
  const used = new Set<number>(senders);
  const afterTo = payable.filter((party) => TO_WORDS.has(partyWordBefore(tags, party.index).text ?? ''));
  let recipient: Party | undefined = afterTo.find((party) => party.valid);
  if (!recipient) {
    recipient =
      payable.find((party) => party.ens) ??
      payable.find((party) => party.valid && party.index === verbIndex + 1) ??
      (options.tokenNamed ? payable.find((party) => party.valid) : undefined);
  }
  if (!recipient && options.labels) {
    for (let i = 0; i < tags.length && !recipient; i++) {
      if (TO_WORDS.has(word(tags[i]) ?? '') && word(tags[i]) !== 'at')
        recipient = labelAt(tags, i + 1, options.isCommonWord);
    }
    // "pay bob 5 USDC", "send alice 10 DAI".
    if (!recipient && tags[verbIndex + 1]?.type === 'word') {
      const label = labelAt(tags, verbIndex + 1, options.isCommonWord);
      const after = label ? tags[label.index + 1] : undefined;
      if (label && (after?.type === 'amount' || after?.type === 'entity')) recipient = label;
    }
  }
  const own = ownTags(tags, recipient, options.sharedFrom);
  const candidates = recipientCandidates(own, recipient, options, senders);
  const names = distinct(candidates);
  const named = {
    ...(senderParties.length > 0 ? { senders: distinct(senderParties) } : {}),
    ...(notPayees.length > 0 ? { notPayees: distinct(notPayees) } : {}),
  };
  if (names.length > 1) {
    for (const party of candidates) used.add(party.index);
    const list = listOf(own, candidates, options.isCommonWord);
    return { recipient: undefined, used, conflict: names, ...named, ...(list ? { list } : {}) };
  }
  if (recipient) used.add(recipient.index);
  const bad = parties.find((party) => !party.valid);
  return { recipient, badAddress: recipient ? undefined : bad?.raw, used, ...named };
}

/** The parties after "from": its addresses and ENS names, and, when labels count, a label. */
function sendersOf(
  tags: readonly Tag[],
  parties: readonly Party[],
  options: { labels: boolean; isCommonWord: (text: string) => boolean },
): Party[] {
  const senders = parties.filter((party) => FROM_WORDS.has(partyWordBefore(tags, party.index).text ?? ''));
  if (!options.labels) return senders;
  tags.forEach((tag, i) => {
    if (!FROM_WORDS.has(word(tag) ?? '')) return;
    const label = labelAt(tags, i + 1, options.isCommonWord);
    if (label && !senders.some((party) => party.index === label.index)) senders.push(label);
  });
  return senders;
}

/**
 * The candidates as one list right after "to", "between" or "among" ("to alice and bob", "between
 * 0xA, 0xB and carol"), in order; undefined when any candidate stands elsewhere.
 */
function listOf(
  tags: readonly Tag[],
  candidates: readonly Party[],
  isCommonWord: (text: string) => boolean,
): string[] | undefined {
  const first = [...candidates].sort((a, b) => a.index - b.index)[0];
  if (!first) return undefined;
  const lead = word(tags[first.index - 1]);
  if (lead === undefined || !((TO_WORDS.has(lead) && lead !== 'at') || BETWEEN_WORDS.has(lead))) return undefined;
  const list: Party[] = [first];
  let at = partyEnd(first);
  while (JOIN_WORDS.has(word(tags[at]) ?? '') && word(tags[at]) !== 'or') {
    // "alice, bob and carol": a comma, then perhaps "and".
    if (word(tags[at]) === ',' && word(tags[at + 1]) === 'and') at++;
    const next = partyAt(tags, at + 1, isCommonWord);
    if (!next) return undefined;
    list.push(next);
    at = partyEnd(next);
  }
  const listed = new Set(list.map((party) => party.index));
  if (list.length < 2 || candidates.some((party) => !listed.has(party.index))) return undefined;
  return distinct(list).length === list.length ? list.map((party) => party.raw) : undefined;
}

/** The spender of an approval: an address or ENS name after the verb, "for", "to" or "spender"; else a label there. */
export function spenderOf(
  tags: readonly Tag[],
  verbIndex: number,
  isCommonWord: (text: string) => boolean,
  sharedFrom?: number,
): { spender?: Party | undefined; used: Set<number>; conflict?: string[] } {
  const parties = addressesOf(tags).filter((party) => party.valid);
  const used = new Set<number>();
  const qualified = parties.find((party) => {
    const before = partyWordBefore(tags, party.index);
    return before.tag?.type === 'verb' || SPENDER_WORDS.has(before.text ?? '');
  });
  let spender: Party | undefined = qualified ?? parties.find((party) => party.ens);
  if (!spender && parties.length === 1) {
    // One address and a token named by symbol: the address is whom the allowance is for.
    const symbolNamed = tags.some((tag) => tag.type === 'entity' && tag.entity.token);
    if (symbolNamed) spender = parties[0];
  }
  if (!spender) {
    // "approve bob to spend 100 USDC"
    const label = labelAt(tags, verbIndex + 1, isCommonWord);
    if (label && word(tags[label.index + 1]) === 'to') spender = label;
    for (let i = 0; i < tags.length && !spender; i++) {
      const text = word(tags[i]);
      if (text === 'for' || text === 'spender') {
        const candidate = labelAt(tags, i + 1, isCommonWord);
        if (candidate && !['spend', 'use', 'spending'].includes(word(tags[candidate.index]) ?? '')) spender = candidate;
      }
    }
  }
  // Every spender the clause could mean: its addresses (not a token's after an amount), ENS names,
  // the label found, and what is joined to them.
  const own = ownTags(tags, spender, sharedFrom);
  const candidates: Party[] = spender ? [spender] : [];
  for (const party of parties) {
    if (party.index < own.length && (party.ens || !afterAmount(tags, party.index))) candidates.push(party);
  }
  addJoined(candidates, own, isCommonWord);
  const names = distinct(candidates);
  if (names.length > 1) {
    for (const party of candidates) used.add(party.index);
    return { spender: undefined, used, conflict: names };
  }
  if (spender) used.add(spender.index);
  return { spender, used };
}

/** The account a balance question is about: an address or ENS name, or a label after "of"/"does". */
export function accountOf(
  tags: readonly Tag[],
  isCommonWord: (text: string) => boolean,
): { account?: Party | undefined; used: Set<number> } {
  const used = new Set<number>();
  // "my balance of token 0x…": an address after "token" or "contract" is the token asked about.
  const party = addressesOf(tags).find(
    (candidate) =>
      candidate.valid && !['my', 'token', 'contract'].includes(partyWordBefore(tags, candidate.index).text ?? ''),
  );
  let account: Party | undefined = party;
  for (let i = 0; i < tags.length && !account; i++) {
    if (ACCOUNT_WORDS.has(word(tags[i]) ?? '') && word(tags[i + 1]) !== 'my') {
      const label = labelAt(tags, i + 1, isCommonWord);
      if (label && label.index === i + 1) account = label;
    }
  }
  if (account) used.add(account.index);
  return { account, used };
}

/** Whether a tag can be (the end of) a party: a full address, an ENS name, a label-like word, or "me". */
export function isPartyWord(tag: Tag | undefined, isCommonWord: (text: string) => boolean, self = false): boolean {
  if (tag?.type === 'address') return tag.valid;
  if (tag?.type === 'ens') return true;
  if (tag?.type !== 'word' || !NAME.test(tag.raw) || CORRECTIONS.has(tag.text)) return false;
  if (SELF.has(tag.text)) return self && JOINED_SELF.has(tag.text);
  return !isCommonWord(tag.text) || LABEL_NOUNS.has(tag.text);
}
