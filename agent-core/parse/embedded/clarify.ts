import type { Intent } from '../../intents/schema.ts';
import { ACTION_VERB } from './actions.ts';

/** What the clause's reading found besides the intent, which the question may need. */
export type ClauseNotes = {
  /** The token came from the step before ("supply it"): its amount is what that step yields. */
  chained?: boolean;
  /** A 0x string that is not an address (wrong length). */
  badAddress?: string | undefined;
  /** An approval asked to be unlimited. */
  unlimited?: boolean;
  /** "buy ETH": the missing token is the one paid with. */
  buying?: boolean;
};

/** One short question for the first thing the intent needs and lacks; undefined when it lacks nothing. */
export function questionFor(intent: Intent, notes: ClauseNotes = {}): string | undefined {
  const verb = ACTION_VERB[intent.action];
  const token = intent.token;
  const needsAmount = !intent.amount && !notes.chained;
  if (notes.badAddress && !intent.recipient && !intent.spender && !intent.account) {
    const digits = notes.badAddress.length - 2;
    return `${notes.badAddress} is not a full address (it has ${digits} hex digits, an address has 40). Which address do you mean?`;
  }
  switch (intent.action) {
    case 'swap':
      if (!intent.tokenOut) return 'Which token do you want to receive?';
      if (!intent.tokenIn)
        return notes.buying ? 'Which token do you want to pay with?' : 'Which token do you want to swap?';
      if (needsAmount && !intent.amountOut) return `How much ${intent.tokenIn} do you want to swap?`;
      return undefined;
    case 'transfer':
      if (!token) return 'Which token do you want to send?';
      if (needsAmount) return `How much ${token} do you want to send?`;
      if (!intent.recipient) return 'Who do you want to send it to? (an address, an ENS name or a contact)';
      return undefined;
    case 'transfer_nft':
      if (!intent.tokenId) return 'Which token id do you want to send?';
      if (!intent.recipient) return 'Who do you want to send it to? (an address, an ENS name or a contact)';
      return undefined;
    case 'bridge':
      if (!token) return 'Which token do you want to bridge?';
      if (needsAmount) return `How much ${token} do you want to bridge?`;
      if (!intent.toChain) return 'Which chain do you want to bridge to?';
      return undefined;
    case 'approve':
      if (!token) return 'Which token do you want to approve?';
      if (!intent.spender) return `Who should be allowed to spend your ${token}?`;
      if (notes.unlimited) return `Unlimited approvals are not given: how much ${token} may ${intent.spender} spend?`;
      if (needsAmount) return `How much ${token} may ${intent.spender} spend?`;
      return undefined;
    case 'price':
      return token ? undefined : "Which token's price do you want?";
    case 'total_supply':
      return token ? undefined : "Which token's total supply do you want?";
    case 'balance':
    case 'claim_rewards':
      return undefined;
    case 'remove_liquidity':
      return needsAmount ? `How much ${token ? `${token} ` : ''}liquidity do you want to remove?` : undefined;
    default:
      if (!token) return `Which token do you want to ${verb}?`;
      if (needsAmount) return `How much ${token} do you want to ${verb}?`;
      return undefined;
  }
}
