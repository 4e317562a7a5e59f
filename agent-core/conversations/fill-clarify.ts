import type { Intent, ParseResult } from '../intents/schema.ts';
import { missingField } from '../plan/required-fields.ts';
import type { PendingClarify } from './conversations.ts';

const TOKEN_FIELDS = new Set(['token', 'tokenIn', 'tokenOut']);
const PARTY_FIELDS = new Set(['recipient', 'spender', 'account']);

/**
 * Continues a clarify: the answer ("ETH", "to 0xabc…", "100") fills the field the question asked
 * for, from the answer's own words. Returns the completed intents, or undefined when the answer does
 * not fill it (then it is taken as a new request if it is one, or the question is asked again).
 */
export function fillClarify(pending: PendingClarify, answer: ParseResult, text: string): Intent[] | undefined {
  const said = answer.intents[0];
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
  } else if (pending.field === 'amount') {
    value = said?.amount;
    if (!value) value = /(\d+(?:\.\d+)?)/.exec(words.replace(/,/g, ''))?.[1];
  }
  if (!value) return undefined;
  const intents = pending.intents.map((intent) => ({ ...intent }));
  const target = intents[pending.intentIndex];
  if (!target) return undefined;
  (target as Record<string, unknown>)[pending.field] = value;
  return intents;
}

/** Whether a parse is a complete request of its own (the user changed their mind instead of answering). */
export function isCompleteRequest(result: ParseResult): boolean {
  return result.intents.length > 0 && !result.clarify && result.intents.every((intent) => !missingField(intent));
}
