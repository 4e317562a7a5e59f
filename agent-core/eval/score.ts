import type { Intent, ParseResult } from '../intents/schema.ts';
import { chainSlug, protocolSlug } from '../parse/embedded/lexicon.ts';
import type { EvalRecord, ExpectedIntent } from './read-jsonl.ts';

/**
 * Scores parsed intents against expected ones, as shared/design/intent-schema.md defines it: a record
 * is exact when the number of intents matches and, in order, each expected intent's action and every
 * field it lists match. Actions compare through their synonyms ("deposit" is supply), amounts
 * numerically ("1,000" = "1000.0"; "max" = "all"), and tokens, addresses, protocols and chains without
 * regard to case. Fields the record does not list are not scored. Token synonyms are not equal:
 * "ether" is not "ETH".
 */

/** Action names an expected record may use for the canonical ones. */
const ACTION_SYNONYMS: Record<string, string> = {
  deposit: 'supply',
  lend: 'supply',
  supply_collateral: 'supply',
  redeem: 'withdraw',
  send: 'transfer',
  pay: 'transfer',
  transfer_erc20: 'transfer',
  transfer_native: 'transfer',
  transfer_eth: 'transfer',
  send_nft: 'transfer_nft',
  nft_transfer: 'transfer_nft',
  transfer_erc721: 'transfer_nft',
  trade: 'swap',
  exchange: 'swap',
  buy: 'swap',
  sell: 'swap',
  wrap_eth: 'wrap',
  unwrap_weth: 'unwrap',
  restake: 'stake',
  unbond: 'unstake',
  payback: 'repay',
  allow: 'approve',
  approval: 'approve',
  provide_liquidity: 'add_liquidity',
  add_lp: 'add_liquidity',
  withdraw_liquidity: 'remove_liquidity',
  remove_lp: 'remove_liquidity',
  claim: 'claim_rewards',
  harvest: 'claim_rewards',
  get_balance: 'balance',
  balance_of: 'balance',
  get_price: 'price',
  quote: 'price',
  totalsupply: 'total_supply',
  get_total_supply: 'total_supply',
};

export function canonicalAction(name: string): string {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return ACTION_SYNONYMS[key] ?? key;
}

const ALL = new Set(['all', 'max', 'maximum', 'everything', 'entire', 'full', '100%']);

/** "1,000" and "1000.0" → "1000"; "0.50" → "0.5"; "1.5k" → "1500". */
function canonicalDecimal(text: string): string | undefined {
  const match = /^(\d*)(?:\.(\d*))?(k|m|b)?$/.exec(text);
  if (!match || (match[1] === '' && !match[2])) {
    if (/^\d+(?:\.\d+)?e[+-]?\d+$/.test(text))
      return canonicalDecimal(
        Number(text)
          .toFixed(20)
          .replace(/\.?0+$/, ''),
      );
    return undefined;
  }
  let whole = match[1] ?? '';
  let fraction = match[2] ?? '';
  const exponent = { k: 3, m: 6, b: 9 }[match[3] ?? ''] ?? 0;
  if (exponent > 0) {
    const digits = whole + fraction.padEnd(exponent, '0');
    const point = whole.length + exponent;
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * An amount in a form that compares numerically: "all", "pct:50", "usd:100" or the plain decimal;
 * undefined when it is none of these.
 */
export function canonicalAmount(value: unknown): string | undefined {
  if (typeof value === 'number') return canonicalDecimal(String(value));
  if (typeof value !== 'string') return undefined;
  const text = value
    .trim()
    .toLowerCase()
    .replace(/[,_\s]/g, '');
  if (ALL.has(text)) return 'all';
  if (text === 'half') return 'pct:50';
  if (text.endsWith('%')) {
    const percent = canonicalDecimal(text.slice(0, -1));
    return percent === '100' ? 'all' : percent && `pct:${percent}`;
  }
  if (text.startsWith('$')) return `usd:${canonicalDecimal(text.slice(1)) ?? text.slice(1)}`;
  if (text.endsWith('usd')) return `usd:${canonicalDecimal(text.slice(0, -3)) ?? text.slice(0, -3)}`;
  return canonicalDecimal(text) ?? text;
}

const AMOUNT_FIELDS = new Set(['amount', 'amountOut', 'minAmountOut']);

/** Whether the parsed value of `field` matches the expected one. */
export function fieldMatches(field: string, expected: unknown, got: unknown): boolean {
  if (got === undefined || got === null) return false;
  if (field === 'action') return canonicalAction(String(expected)) === canonicalAction(String(got));
  if (AMOUNT_FIELDS.has(field)) {
    const want = canonicalAmount(expected);
    return want !== undefined && want === canonicalAmount(got);
  }
  if (field === 'slippageBps') return Number(expected) === Number(got);
  if (field === 'protocol') return protocolSlug(String(expected)) === protocolSlug(String(got));
  if (field === 'chain' || field === 'toChain') return chainSlug(String(expected)) === chainSlug(String(got));
  if (field === 'tokenId') return String(expected).replace(/^#/, '').trim() === String(got).replace(/^#/, '').trim();
  const plain = (value: unknown) =>
    String(value)
      .trim()
      .replace(/^\$(?=[a-z])/i, '')
      .toLowerCase();
  return plain(expected) === plain(got);
}

export type FieldScore = { field: string; matched: boolean; expected: unknown; got: unknown };

/** The fields whose error moves other money than asked: the action, a token, an amount, a party. */
const MONEY_FIELDS = new Set(['action', 'token', 'tokenIn', 'tokenOut', 'amount', 'amountOut', 'recipient', 'spender']);

/**
 * Silently wrong: intents offered with no question and no refusal that differ from what was asked in
 * their number, action, a token, an amount or a party. The worst outcome, since the user may confirm
 * it; a question, a refusal or an offer of nothing is not silently wrong.
 */
export function silentlyWrong(
  result: ParseResult | undefined,
  score: { exact: boolean; countMatches: boolean; fields: readonly FieldScore[] },
): boolean {
  if (!result || score.exact || result.intents.length === 0) return false;
  if (result.clarify || result.unsupported) return false;
  return !score.countMatches || score.fields.some((field) => !field.matched && MONEY_FIELDS.has(field.field));
}

/** Scores one record's intents: exact, and each listed field (action included). */
export function scoreIntents(
  expected: readonly ExpectedIntent[],
  got: readonly Intent[],
): { exact: boolean; countMatches: boolean; fields: FieldScore[] } {
  const fields: FieldScore[] = [];
  expected.forEach((want, index) => {
    const have = got[index] as Record<string, unknown> | undefined;
    for (const [field, value] of Object.entries(want)) {
      if (value === undefined || value === null) continue;
      const gotValue = have?.[field];
      fields.push({ field, matched: fieldMatches(field, value, gotValue), expected: value, got: gotValue });
    }
  });
  const countMatches = expected.length === got.length;
  return { exact: countMatches && fields.every((score) => score.matched), countMatches, fields };
}

export type Rate = { total: number; matched: number; accuracy: number };
export type Miss = {
  /** The file the record came from, when the eval read more than one. */
  file?: string | undefined;
  line?: number | undefined;
  prompt: string;
  expected: ExpectedIntent[];
  got: Intent[];
  clarify?: string | undefined;
  error?: string | undefined;
  /** The fields that did not match ("action", "amount", "intents" when the count differs). */
  wrong: string[];
  /** Offered without a question, and wrong in what it would move (see `silentlyWrong`). */
  silent: boolean;
};
export type EvalReport = {
  parser: string;
  records: number;
  exact: Rate;
  /** Records whose intent count matched. */
  intentCount: Rate;
  /** Records offered wrong without a question (`matched` counts them; lower is better). */
  silentlyWrong: Rate;
  perAction: Record<string, Rate>;
  perField: Record<string, Rate>;
  misses: Miss[];
  /** Records where the parser threw. */
  errors: number;
  /** Wall time of the parsing, in milliseconds. */
  elapsedMs: number;
};

export type Outcome = { record: EvalRecord; result?: ParseResult | undefined; error?: string | undefined };

function rate(total: number, matched: number): Rate {
  return { total, matched, accuracy: total === 0 ? 0 : matched / total };
}

/** Scores parsed outcomes; a record counts under each action it expects ("(none)" when it expects none). */
export function scoreOutcomes(outcomes: readonly Outcome[], parser: string, elapsedMs = 0): EvalReport {
  let exact = 0;
  let counts = 0;
  let silent = 0;
  let errors = 0;
  const actions = new Map<string, { total: number; matched: number }>();
  const fields = new Map<string, { total: number; matched: number }>();
  const misses: Miss[] = [];
  const bump = (map: Map<string, { total: number; matched: number }>, key: string, matched: boolean) => {
    const entry = map.get(key) ?? { total: 0, matched: 0 };
    entry.total++;
    if (matched) entry.matched++;
    map.set(key, entry);
  };
  for (const { record, result, error } of outcomes) {
    const expected = record.expected.intents;
    const got = result?.intents ?? [];
    const score = scoreIntents(expected, got);
    if (error) errors++;
    if (score.exact && !error) exact++;
    if (score.countMatches) counts++;
    const expectedActions = new Set(expected.map((intent) => canonicalAction(intent.action)));
    if (expectedActions.size === 0) expectedActions.add('(none)');
    for (const action of expectedActions) bump(actions, action, score.exact && !error);
    for (const field of score.fields) bump(fields, field.field, field.matched);
    const offeredWrong = !error && silentlyWrong(result, score);
    if (offeredWrong) silent++;
    if (!score.exact || error) {
      const wrong = [...new Set(score.fields.filter((field) => !field.matched).map((field) => field.field))];
      if (!score.countMatches) wrong.unshift('intents');
      misses.push({
        file: record.file,
        line: record.line,
        prompt: record.prompt,
        expected,
        got,
        clarify: result?.clarify,
        error,
        wrong,
        silent: offeredWrong,
      });
    }
  }
  const toRates = (map: Map<string, { total: number; matched: number }>) =>
    Object.fromEntries(
      [...map.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, { total, matched }]) => [key, rate(total, matched)]),
    );
  return {
    parser,
    records: outcomes.length,
    exact: rate(outcomes.length, exact),
    intentCount: rate(outcomes.length, counts),
    silentlyWrong: rate(outcomes.length, silent),
    perAction: toRates(actions),
    perField: toRates(fields),
    misses,
    errors,
    elapsedMs,
  };
}

/** Parses every record's prompt (one at a time) and scores the results. */
export async function evaluate(
  records: readonly EvalRecord[],
  parse: (prompt: string) => ParseResult | Promise<ParseResult>,
  parser: string,
): Promise<EvalReport> {
  const outcomes: Outcome[] = [];
  const started = performance.now();
  for (const record of records) {
    try {
      outcomes.push({ record, result: await parse(record.prompt) });
    } catch (error) {
      outcomes.push({ record, error: (error as Error).message ?? String(error) });
    }
  }
  return scoreOutcomes(outcomes, parser, performance.now() - started);
}
