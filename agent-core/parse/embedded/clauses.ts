import type { Tag } from './tags.ts';

/** One request's tags; `repeats` when it reuses the verb of the request before ("… and 50 DAI to Aave"). */
export type Clause = { tags: Tag[]; repeats: boolean };

/**
 * Splits a tagged message into requests: at separators ("and", "then", "after that", ",", ".")
 * where what follows has a verb of its own ("swap ETH to USDC and supply it to Aave"). A stretch
 * without one belongs to the request before it ("Trade 2 WETH for USDT, ensuring at least 4000
 * USDT"; "Redeem 10 WETH and get ETH"), unless it opens with an amount and a token after a request
 * that had an amount: then it repeats that request's verb ("supply 100 USDC and 50 DAI to Aave").
 */
export function splitClauses(tags: readonly Tag[]): Clause[] {
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
      last.tags.push(...segment.slice(2));
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
  if (first?.type !== 'amount' || first.amount.weak || first.amount.kind === 'bps') return false;
  if (second?.type !== 'entity' || !second.entity.token) return false;
  if (ONE_POSITION.has(verb.verb)) return false;
  if (previous.some((tag) => tag.type === 'word' && (tag.text === 'liquidity' || tag.text === 'lp'))) return false;
  return previous.some((tag) => tag.type === 'amount');
}
