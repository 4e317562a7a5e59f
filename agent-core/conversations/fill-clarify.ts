import { missingField } from '../intents/requirements.ts';
import type { Intent, ParseResult } from '../intents/schema.ts';
import { readAmountAnswer, readEmbedded } from '../parse/embedded/parse.ts';
import type { PendingClarify } from './conversations.ts';

const TOKEN_FIELDS = new Set(['token', 'tokenIn', 'tokenOut']);
const PARTY_FIELDS = new Set(['recipient', 'spender', 'account']);
const AMOUNT_FIELDS = new Set(['amount', 'amountOut', 'minAmountOut']);

/**
 * Continues a clarify: the answer ("ETH", "to 0xabc…", "100") fills the field the question asked
 * for, from the answer's own words. Returns the completed intents, or undefined when the answer does
 * not fill it (then it is taken as a new request if it is one, or the question is asked again).
 *
 * An amount is read exactly or not at all (the embedded parser's reading: "1/2" is 0.5; "-5",
 * "1.5.5" or "5 or 6" fill nothing), and an answer whose words are in doubt fills nothing. An answer that is a request of its own fills the question only
 * when it agrees with the request asked about: "send 5 USDC to bob", answering "How much USDC do
 * you want to send to alice?", is not an amount for alice.
 */
export function fillClarify(pending: PendingClarify, answer: ParseResult, text: string): Intent[] | undefined {
  const asked = pending.intents[pending.intentIndex];
  if (!asked) return undefined;
  // An answer whose own words are in doubt (an amount that does not read, two recipients, text
  // imitating the assistant) answers nothing.
  if (readEmbedded(text).conflict !== undefined) return undefined;
  const first = answer.intents[0];
  const said = first && answer.intents.length === 1 && agrees(first, asked, pending.field) ? first : undefined;
  if (first && !said) return undefined;
  const words = text.trim();
  let value: string | undefined;
  if (TOKEN_FIELDS.has(pending.field)) {
    value = said?.token ?? said?.tokenOut ?? said?.tokenIn;
    if (!value && /^\$?[A-Za-z][A-Za-z0-9.]{0,11}$/.test(words)) value = words.replace(/^\$/, '');
    if (!value && /^0x[0-9a-fA-F]{40}$/.test(words)) value = words;
  } else if (PARTY_FIELDS.has(pending.field)) {
    value = said?.recipient ?? said?.spender ?? said?.account;
    const bare = words.replace(/^(to|for)\s+/i, '');
    if (!value && /^(0x[0-9a-fA-F]{40}|[a-z0-9-]+(\.[a-z0-9-]+)*\.eth|[A-Za-z0-9._-]{1,40})$/.test(bare)) value = bare;
  } else if (AMOUNT_FIELDS.has(pending.field)) {
    value = said?.amount ?? readAmountAnswer(words, asked.token ?? asked.tokenIn);
  }
  if (!value) return undefined;
  const intents = pending.intents.map((intent) => ({ ...intent }));
  const target = intents[pending.intentIndex];
  if (!target) return undefined;
  (target as Record<string, unknown>)[pending.field] = value;
  return intents;
}

/** The answer's intent asks for the same action, and says nothing against the intent asked about. */
function agrees(said: Intent, asked: Intent, field: string): boolean {
  if (said.action !== asked.action) return false;
  for (const [key, value] of Object.entries(said)) {
    if (key === 'action' || key === field || value === undefined) continue;
    const before = (asked as Record<string, unknown>)[key];
    if (before !== undefined && String(before).toLowerCase() !== String(value).toLowerCase()) return false;
  }
  return true;
}

/** Whether a parse is a complete request of its own (the user changed their mind instead of answering). */
export function isCompleteRequest(result: ParseResult): boolean {
  return result.intents.length > 0 && !result.clarify && result.intents.every((intent) => !missingField(intent));
}
