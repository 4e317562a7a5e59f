import type { IntentAction } from '../../common/intent-actions.ts';
import type { Intent } from '../intents/schema.ts';

/** The question to ask for each field an action needs, when the user left it out. */
const QUESTIONS: Record<string, (intent: Intent) => string> = {
  tokenIn: () => 'Which token do you want to sell?',
  tokenOut: () => 'Which token do you want to receive?',
  token: (intent) => `Which token do you want to ${intent.action.replace('_', ' ')}?`,
  recipient: () => 'Who should receive it? Give a 0x address, an ENS name or a saved label.',
  spender: () => 'Who should be allowed to spend it? Give a 0x address.',
  amount: (intent) =>
    `How much${intent.token ? ` ${intent.token}` : intent.tokenIn ? ` ${intent.tokenIn}` : ''} do you want to ${intent.action.replace('_', ' ')}?`,
};

const REQUIRED: Partial<Record<IntentAction, (keyof Intent)[]>> = {
  transfer: ['token', 'amount', 'recipient'],
  swap: ['tokenIn', 'tokenOut', 'amount'],
  wrap: ['amount'],
  unwrap: ['amount'],
  supply: ['token', 'amount'],
  withdraw: ['token', 'amount'],
  borrow: ['token', 'amount'],
  repay: ['token', 'amount'],
  approve: ['token', 'spender', 'amount'],
  // A balance without a token is the whole account (wallet, positions, total): nothing to ask.
  price: ['token'],
  total_supply: ['token'],
};

/**
 * The first field an intent still needs, with its question; undefined when it is complete. A swap's
 * amount may be given as what to buy (amountOut) instead. `canChain` says the amount may come from
 * the step before (the swap's output feeding a supply).
 */
export function missingField(intent: Intent, canChain = false): { field: string; question: string } | undefined {
  for (const field of REQUIRED[intent.action] ?? []) {
    if (intent[field] !== undefined) continue;
    if (field === 'amount' && (intent.amountOut !== undefined || canChain)) continue;
    if (field === 'token' && canChain) continue;
    const question = QUESTIONS[field];
    return { field, question: question ? question(intent) : `What is the ${field}?` };
  }
  return undefined;
}
