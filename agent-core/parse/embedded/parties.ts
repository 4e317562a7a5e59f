import { word } from './mentions.ts';
import type { Tag } from './tags.ts';

/**
 * Who a clause names: a recipient, a spender or the account asked about. Only what the user wrote:
 * a 0x address (exactly as typed), an ENS name, or an address-book label ("send 5 USDC to alice").
 */

export type Party = { raw: string; index: number };

const TO_WORDS = new Set(['to', '->', 'towards', 'recipient', 'receiver', 'at']);
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
    if (tag.type === 'address') found.push({ raw: tag.raw, index, ens: false, valid: tag.valid });
    else if (tag.type === 'ens') found.push({ raw: tag.raw, index, ens: true, valid: true });
  });
  return found;
}

/** A word that can be an address-book label, starting at `index`; undefined when it is not one. */
function labelAt(tags: readonly Tag[], index: number, isCommonWord: (text: string) => boolean): Party | undefined {
  let i = index;
  while (['my', 'the', 'our'].includes(word(tags[i]) ?? '')) i++;
  const tag = tags[i];
  if (tag?.type !== 'word' || !NAME.test(tag.raw) || SELF.has(tag.text)) return undefined;
  const next = tags[i + 1];
  if (RELATIONS.has(tag.text)) {
    if (next?.type === 'word' && NAME.test(next.raw) && !isCommonWord(next.text))
      return { raw: next.raw, index: i + 1 };
    return { raw: tag.raw, index: i };
  }
  if (isCommonWord(tag.text) && !(next?.type === 'word' && LABEL_NOUNS.has(next.text))) return undefined;
  if (next?.type === 'word' && LABEL_NOUNS.has(next.text)) return { raw: `${tag.raw} ${next.raw}`, index: i };
  return { raw: tag.raw, index: i };
}

export type Recipient = { recipient?: Party | undefined; badAddress?: string | undefined; used: Set<number> };

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
  },
): Recipient {
  const parties = addressesOf(tags).filter((party) => party.ens || !options.addressesAreTokens);
  const used = new Set<number>();
  const afterTo = parties.filter((party) => TO_WORDS.has(partyWordBefore(tags, party.index).text ?? ''));
  let recipient: Party | undefined = afterTo.find((party) => party.valid);
  if (!recipient) {
    recipient =
      parties.find((party) => party.ens) ??
      parties.find((party) => party.valid && party.index === verbIndex + 1) ??
      (options.tokenNamed ? parties.find((party) => party.valid) : undefined);
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
  if (recipient) used.add(recipient.index);
  const bad = parties.find((party) => !party.valid);
  return { recipient, badAddress: recipient ? undefined : bad?.raw, used };
}

/** The spender of an approval: an address or ENS name after the verb, "for", "to" or "spender"; else a label there. */
export function spenderOf(
  tags: readonly Tag[],
  verbIndex: number,
  isCommonWord: (text: string) => boolean,
): { spender?: Party | undefined; used: Set<number> } {
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
  if (spender) used.add(spender.index);
  return { spender, used };
}

/** The account a balance question is about: an address or ENS name, or a label after "of"/"does". */
export function accountOf(
  tags: readonly Tag[],
  isCommonWord: (text: string) => boolean,
): { account?: Party | undefined; used: Set<number> } {
  const used = new Set<number>();
  const party = addressesOf(tags).find(
    (candidate) => candidate.valid && partyWordBefore(tags, candidate.index).text !== 'my',
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
