/**
 * The canonical intent actions (../shared/design/intent-schema.md). The parser produces them, skills
 * declare which they serve, and the planner matches one to the other; so the list lives here, once.
 */
export const INTENT_ACTIONS = [
  'transfer',
  'transfer_nft',
  'swap',
  'wrap',
  'unwrap',
  'supply',
  'withdraw',
  'borrow',
  'repay',
  'approve',
  'stake',
  'unstake',
  'bridge',
  'add_liquidity',
  'remove_liquidity',
  'claim_rewards',
  'balance',
  'price',
  'total_supply',
] as const;

export type IntentAction = (typeof INTENT_ACTIONS)[number];

/** The actions that only read the chain; they never produce calls. */
export const READ_ONLY_ACTIONS: readonly IntentAction[] = ['balance', 'price', 'total_supply'];

export function isIntentAction(value: string): value is IntentAction {
  return (INTENT_ACTIONS as readonly string[]).includes(value);
}
