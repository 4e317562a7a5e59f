import type { IntentAction } from '../../common/intent-actions.ts';
import type { Intent } from './schema.ts';

/**
 * What each action requires, and the one question for each field a message left out: the parser's
 * questions (parse/embedded/clarify.ts), the grounding guard's (parse/grounding.ts) and the planner's
 * (plan/build-plan.ts) all read them here, so a missing field is asked for in the same words
 * whichever of them notices.
 */

/** How a question names each action ("How much USDC do you want to supply?"). */
export const ACTION_VERB: Record<IntentAction, string> = {
  transfer: 'send',
  transfer_nft: 'send',
  swap: 'swap',
  wrap: 'wrap',
  unwrap: 'unwrap',
  supply: 'supply',
  withdraw: 'withdraw',
  borrow: 'borrow',
  repay: 'repay',
  approve: 'approve',
  stake: 'stake',
  unstake: 'unstake',
  bridge: 'bridge',
  add_liquidity: 'add as liquidity',
  remove_liquidity: 'remove',
  claim_rewards: 'claim',
  balance: 'check',
  price: 'price',
  total_supply: 'look up',
};

/** The fields an action may require; each is a string on the intent once given. */
export type RequiredField = 'token' | 'tokenIn' | 'tokenOut' | 'amount' | 'recipient' | 'spender';

/**
 * What the planner needs of each action before it picks a skill, in the order it asks. An action
 * absent here needs nothing of the message (a balance without a token is the whole account: wallet,
 * positions, total) or is refused later for want of a skill.
 */
export const REQUIRED: Partial<Record<IntentAction, readonly RequiredField[]>> = {
  transfer: ['token', 'amount', 'recipient'],
  swap: ['tokenIn', 'tokenOut', 'amount'],
  wrap: ['amount'],
  unwrap: ['amount'],
  supply: ['token', 'amount'],
  withdraw: ['token', 'amount'],
  borrow: ['token', 'amount'],
  repay: ['token', 'amount'],
  approve: ['token', 'spender', 'amount'],
  price: ['token'],
  total_supply: ['token'],
};

/** The one question for a field the intent lacks. */
export function questionFor(intent: Intent, field: string): string {
  const verb = ACTION_VERB[intent.action];
  const token = intent.token ?? intent.tokenIn;
  switch (field) {
    case 'token':
      if (intent.action === 'price') return "Which token's price do you want?";
      if (intent.action === 'total_supply') return "Which token's total supply do you want?";
      return `Which token do you want to ${verb}?`;
    case 'tokenIn':
      return intent.action === 'swap' ? 'Which token do you want to sell?' : `Which token do you want to ${verb}?`;
    case 'tokenOut':
      return 'Which token do you want to receive?';
    case 'amount':
      if (intent.action === 'remove_liquidity') {
        return `How much ${intent.token ? `${intent.token} ` : ''}liquidity do you want to remove?`;
      }
      if (intent.action === 'approve' && intent.spender) {
        return `How much${token ? ` ${token}` : ''} may ${intent.spender} spend?`;
      }
      return `How much${token ? ` ${token}` : ''} do you want to ${verb}?`;
    case 'amountOut':
      return `How much${intent.tokenOut ? ` ${intent.tokenOut}` : ''} do you want to receive?`;
    case 'recipient':
      return 'Which address should receive it? (a 0x address, an ENS name or a contact)';
    case 'spender':
      return `Who should be allowed to spend your ${token ?? 'tokens'}? (a 0x address, an ENS name or a contact)`;
    case 'account':
      return 'Which address do you mean? (a 0x address, an ENS name or a contact)';
    case 'tokenId':
      return `Which token id do you want to ${verb}?`;
    case 'toChain':
      return 'Which chain do you want to bridge to?';
    case 'chain':
      return 'Which chain do you mean?';
    case 'protocol':
      return 'Which protocol do you want to use?';
    case 'minAmountOut':
      return 'What is the least you want to receive?';
    case 'slippageBps':
      return 'What slippage do you accept?';
    default:
      return `What is the ${field}?`;
  }
}

/**
 * The first field an intent still needs, with its question; undefined when it is complete. A swap's
 * amount may be given as what to buy (amountOut) instead. `canChain` says the amount may come from
 * the step before (the swap's output feeding a supply).
 */
export function missingField(intent: Intent, canChain = false): { field: RequiredField; question: string } | undefined {
  for (const field of REQUIRED[intent.action] ?? []) {
    if (intent[field] !== undefined) continue;
    if (field === 'amount' && (intent.amountOut !== undefined || canChain)) continue;
    if (field === 'token' && canChain) continue;
    return { field, question: questionFor(intent, field) };
  }
  return undefined;
}

/** An intent whose named fields are given. */
export type WithFields<F extends RequiredField> = Intent & { [K in F]: string };

/** The first of `fields` the intent lacks, or undefined when it has them all (then it is WithFields<F>). */
export function lacking<F extends RequiredField>(intent: Intent, fields: readonly F[]): F | undefined {
  return fields.find((field) => intent[field] === undefined);
}

/** Whether the intent has every one of `fields`. */
export function hasFields<F extends RequiredField>(intent: Intent, fields: readonly F[]): intent is WithFields<F> {
  return lacking(intent, fields) === undefined;
}

/**
 * Which token an action's amount counts in: the token it names (`token`), what a swap sells
 * (`tokenIn`), or, for wrap and unwrap, the one token they take whatever the message named (native
 * ETH; the chain's WETH contract).
 */
export const AMOUNT_TOKEN: Partial<
  Record<IntentAction, 'token' | 'tokenIn' | { native: true } | { contract: 'weth' }>
> = {
  transfer: 'token',
  swap: 'tokenIn',
  wrap: { native: true },
  unwrap: { contract: 'weth' },
  supply: 'token',
  withdraw: 'token',
  borrow: 'token',
  repay: 'token',
  approve: 'token',
};
