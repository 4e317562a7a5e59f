import type { Tag } from './tags.ts';

/**
 * One request's tags; `repeats` when it reuses the verb of the request before ("… and 50 DAI to
 * Aave"); `sharedFrom`: where the words shared from the request after it start ("to Aave" above,
 * appended to "supply 100 USDC"), which hold only where the request says nothing of its own.
 */
export type Clause = { tags: Tag[]; repeats: boolean; sharedFrom?: number };

/**
 * Splits a tagged message into requests: at separators ("and", "then", "after that", ",", ".")
 * where what follows has a verb of its own ("swap ETH to USDC and supply it to Aave"). A stretch
 * without one belongs to the request before it ("Trade 2 WETH for USDT, ensuring at least 4000
 * USDT"; "Redeem 10 WETH and get ETH"), unless it opens with an amount and a token after a request
 * that had an amount: then it repeats that request's verb ("supply 100 USDC and 50 DAI to Aave").
 */
export function splitClauses(tags: readonly Tag[], isParty: (tag: Tag | undefined) => boolean = () => false): Clause[] {
  const segments: Tag[][] = [[]];
  for (const tag of tags) {
    if (tag.type === 'separator') {
      if ((segments[segments.length - 1]?.length ?? 0) > 0) segments.push([]);
      continue;
    }
    segments[segments.length - 1]?.push(tag);
  }
  const clauses: Clause[] = [];
  for (const segment of segments) {
    if (segment.length === 0) continue;
    const last = clauses[clauses.length - 1];
    const verb = last ? mainVerb(last.tags) : undefined;
    if (last && verb && !startsRequest(segment) && repeatsRequest(segment, last.tags, verb)) {
      // What follows the amount and token ("to Aave", "into DAI") holds for the request before too.
      last.sharedFrom ??= last.tags.length;
      last.tags.push(...segment.slice(2));
      clauses.push({ tags: [verb, ...segment], repeats: true });
    } else if (last && verb?.verb === 'send' && !startsRequest(segment) && paysAnother(segment, last.tags, isParty)) {
      // "pay alice 5 USDC and bob 3 USDC": the same verb, for another recipient.
      clauses.push({ tags: [verb, ...segment], repeats: true });
    } else if (last && (!startsRequest(segment) || (!verb && !last.tags.some((tag) => tag.type === 'amount')))) {
      // A stretch with no verb of its own joins the request before; a lead-in ("On Base, swap …")
      // joins the request after, unless it states an amount of its own ("I have 5 ETH. Stake 2").
      last.tags.push(...segment);
    } else {
      clauses.push({ tags: [...segment], repeats: false });
    }
  }
  return clauses;
}

/** "… and bob 3 USDC": a party and an amount, after a request with an amount of its own. */
function paysAnother(
  segment: readonly Tag[],
  previous: readonly Tag[],
  isParty: (tag: Tag | undefined) => boolean,
): boolean {
  const [first, second] = segment;
  if (!isParty(first) || (second?.type !== 'amount' && second?.type !== 'badAmount')) return false;
  return previous.some((tag) => tag.type === 'amount' || tag.type === 'badAmount');
}

/** A stretch starts a request of its own when it has a verb, or asks a question without an amount. */
function startsRequest(segment: readonly Tag[]): boolean {
  return segment.some(
    (tag) =>
      tag.type === 'verb' &&
      (tag.strength === 0 || (tag.strength === 1 && !segment.some((other) => other.type === 'amount'))),
  );
}

/** The verb that names a clause's action: the first of the strongest kind. */
export function mainVerb(tags: readonly Tag[]): Extract<Tag, { type: 'verb' }> | undefined {
  let best: Extract<Tag, { type: 'verb' }> | undefined;
  for (const tag of tags) if (tag.type === 'verb' && (!best || tag.strength < best.strength)) best = tag;
  return best;
}

const ONE_POSITION = new Set(['addLiquidity', 'removeLiquidity', 'howMuch', 'balance', 'price', 'totalSupply']);

/** "… and 50 DAI (to Aave)": an amount and a token, after a request with an amount of its own. */
function repeatsRequest(
  segment: readonly Tag[],
  previous: readonly Tag[],
  verb: Extract<Tag, { type: 'verb' }>,
): boolean {
  const [first, second] = segment;
  // "… and -5 DAI to bob": an amount that does not read is still the start of a repeated request.
  if (first?.type !== 'badAmount' && (first?.type !== 'amount' || first.amount.weak || first.amount.kind === 'bps')) {
    return false;
  }
  if (second?.type !== 'entity' || !second.entity.token) return false;
  if (ONE_POSITION.has(verb.verb)) return false;
  if (previous.some((tag) => tag.type === 'word' && (tag.text === 'liquidity' || tag.text === 'lp'))) return false;
  return previous.some((tag) => tag.type === 'amount');
}
