import { type Address, isAddressEqual, parseUnits } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import type { IntentAction } from '../../common/intent-actions.ts';
import { NATIVE_TOKEN, type Skill, type SkillContext } from '../../skills/sdk/define-skill.ts';
import { inputFromIntent, type ResolvedIntent, takesAll, unusedIntentFields } from '../../skills/sdk/intent-input.ts';
import {
  AMOUNT_TOKEN,
  hasFields,
  lacking,
  questionFor,
  REQUIRED,
  type RequiredField,
  type WithFields,
} from '../intents/requirements.ts';
import type { Intent } from '../intents/schema.ts';
import { tokenLabel } from '../policy/value-flow.ts';
import { ClarifyError, UnsupportedError } from './errors.ts';
import type { PlannerContext } from './planner-context.ts';
import type { PriceBook } from './prices.ts';
import { protocolContracts } from './protocol-contracts.ts';
import { resolveAmount, resolveRecipient, resolveToken } from './resolve.ts';

/** What resolving an intent's amount needs: the balance it may be a share of, and prices for "$50 of". */
export type AmountSources = { balanceOf: (token: Token) => Promise<bigint>; prices: PriceBook };

/**
 * The chosen skill's input for an intent. The planner resolves what the message named (tokens,
 * people, protocols, "half", "$50 of", "all") the same way for every skill; the skill says how the
 * resolved intent becomes its input (`fromIntent` in defineSkill, or its fields by name). A part of
 * the request the skill would leave unused is refused, never dropped.
 */
export async function skillInput(
  skill: Skill,
  intent: Intent,
  index: number,
  ctx: SkillContext,
  planner: PlannerContext,
  amounts: AmountSources,
): Promise<unknown> {
  const resolved = await resolveIntent(skill, intent, index, ctx, planner, amounts);
  const unused = unusedIntentFields(skill, resolved);
  if (unused.length > 0) {
    throw new UnsupportedError(`${skill.title} cannot take the ${unused.join(' and ')} this request gives it.`);
  }
  return inputFromIntent(skill, resolved);
}

/** The intent with every name resolved against the chain, and its amount a number (or "all" where the skill takes it). */
async function resolveIntent(
  skill: Skill,
  intent: Intent,
  index: number,
  ctx: SkillContext,
  planner: PlannerContext,
  amounts: AmountSources,
): Promise<ResolvedIntent> {
  // Ask for what is missing in the table's order; the amount last, once its token is known.
  given(
    intent,
    (REQUIRED[intent.action] ?? []).filter((field) => field !== 'amount'),
    index,
  );
  if (intent.action === 'swap' && intent.amount !== undefined && intent.amountOut !== undefined) {
    // "swap 100 USDC for 0.05 ETH": selling exactly 100 and buying exactly 0.05 are two different
    // swaps, and buying exactly 0.05 may cost far more than the 100 the user named: never pick one.
    // Refused with both wordings rather than asked, so the user's next message is a request of its own.
    throw new UnsupportedError(
      `Do you want to sell exactly ${intent.amount} ${intent.tokenIn}, or buy exactly ${intent.amountOut} ${intent.tokenOut}? A swap fixes one of them: say "swap ${intent.amount} ${intent.tokenIn} for ${intent.tokenOut}, at least ${intent.amountOut} ${intent.tokenOut}" or "buy ${intent.amountOut} ${intent.tokenOut} with ${intent.tokenIn}".`,
    );
  }
  const resolved: ResolvedIntent = { action: intent.action };
  const tokens: Partial<Record<'token' | 'tokenIn' | 'tokenOut', Token>> = {};
  for (const field of ['token', 'tokenIn', 'tokenOut'] as const) {
    const name = intent[field];
    if (name === undefined) continue;
    tokens[field] = await resolveToken(ctx, name, field, index);
  }
  const amountToken = await amountTokenOf(intent, tokens, ctx);
  if (tokens.token) resolved.token = symbolOrAddress(tokens.token);
  if (tokens.tokenIn) resolved.tokenIn = symbolOrAddress(tokens.tokenIn);
  if (tokens.tokenOut) resolved.tokenOut = symbolOrAddress(tokens.tokenOut);

  if (intent.recipient !== undefined) {
    const recipient = await resolveRecipient(
      planner.chain,
      planner.client,
      planner.lookupAddress,
      intent.recipient,
      index,
    );
    assertPayable(recipient, planner, index);
    resolved.recipient = recipient;
  }
  if (intent.spender !== undefined) resolved.spender = await resolveSpender(intent.spender, index, planner);
  // Where a bridge goes and which NFT moves are the skill's to take, or the request is refused.
  if (intent.toChain !== undefined) resolved.toChain = intent.toChain;
  if (intent.tokenId !== undefined) resolved.tokenId = intent.tokenId;

  if (intent.amountOut !== undefined) resolved.amountOut = intent.amountOut;
  if (intent.amount !== undefined || (REQUIRED[intent.action]?.includes('amount') && intent.amountOut === undefined)) {
    const { amount } = given(intent, ['amount'], index);
    if (!amountToken) throw new UnsupportedError(`An amount does not fit ${skill.title}.`);
    Object.assign(resolved, await resolveAmountFor(skill, intent, amount, amountToken, index, amounts));
  }
  if (intent.minAmountOut !== undefined) resolved.minAmountOut = intent.minAmountOut;
  if (intent.slippageBps !== undefined) resolved.slippageBps = intent.slippageBps;

  if (tokens.token && unusedIntentFields(skill, resolved).includes('token')) {
    // "wrap 1 USDC", "unwrap 1 <lookalike WETH>": a skill that takes no token moves its own; a named
    // token that is not that one is not what would move.
    if (!amountToken || !isAddressEqual(tokens.token.address, amountToken.address)) {
      throw new UnsupportedError(
        `${skill.title} moves only ${amountToken ? tokenLabel(amountToken) : 'its own token'}; ${tokenLabel(tokens.token)} cannot. To trade it, ask for a swap.`,
      );
    }
    delete resolved.token;
  }
  return resolved;
}

/**
 * Actions whose amount counts in a position that moves every second (all of a supply, all of a
 * debt), not in the wallet: only the skill can resolve their "all", and a share of the wallet is not
 * a share of the position.
 */
const POSITION_AMOUNTS: ReadonlySet<IntentAction> = new Set(['withdraw', 'repay']);

/**
 * The amount in human units and in base units, exact to the token's decimals (never rounded: an
 * approval in base units must be what the user typed). "all" and "N%" are of the wallet's balance for
 * the actions whose amount the table says counts there (AMOUNT_TOKEN); of a position, or for an
 * action the planner does not know, "all" goes to a skill whose `amount` takes it, and anything
 * else is asked: the wallet's balance is not what "unstake all" or "withdraw half" count in.
 */
async function resolveAmountFor(
  skill: Skill,
  intent: Intent,
  amount: string,
  token: Token,
  index: number,
  { balanceOf, prices }: AmountSources,
): Promise<Pick<ResolvedIntent, 'amount' | 'amountInBaseUnits'>> {
  const ofWallet = AMOUNT_TOKEN[intent.action] !== undefined && !POSITION_AMOUNTS.has(intent.action);
  if (!ofWallet && (amount === 'all' || amount.endsWith('%'))) {
    if (amount === 'all' && takesAll(skill)) return { amount: 'all' };
    const all = takesAll(skill) ? ' (an amount, or "all")' : '';
    throw new ClarifyError(
      `I can't tell what "${amount}" counts in for ${skill.title}: not your wallet's ${token.symbol}. ${questionFor(intent, 'amount')}${all}`,
      'amount',
      index,
    );
  }
  const human = await resolveAmount(amount, token, balanceOf, prices, index);
  const [, fraction = ''] = human.split('.');
  if (fraction.length > token.decimals) {
    throw new ClarifyError(
      `${human} ${token.symbol} has more decimals than ${token.symbol} has (${token.decimals}). ${questionFor(intent, 'amount')}`,
      'amount',
      index,
    );
  }
  return { amount: human, amountInBaseUnits: parseUnits(human, token.decimals).toString() };
}

/** The token the intent's amount counts in (intents/requirements.ts: AMOUNT_TOKEN). */
async function amountTokenOf(
  intent: Intent,
  tokens: Partial<Record<'token' | 'tokenIn' | 'tokenOut', Token>>,
  ctx: SkillContext,
): Promise<Token | undefined> {
  const source = AMOUNT_TOKEN[intent.action];
  if (source === undefined) return tokens.token;
  if (source === 'token' || source === 'tokenIn') return tokens[source];
  return 'native' in source ? ctx.token('ETH') : ctx.token(ctx.contract(source.contract));
}

/**
 * The intent, known to have `fields` (what REQUIRED asked of its action before planning); a field
 * still missing (one the step before was to bring) is asked for, in the table's words.
 */
export function given<F extends RequiredField>(intent: Intent, fields: readonly F[], index: number): WithFields<F> {
  if (hasFields(intent, fields)) return intent;
  const field: RequiredField = lacking(intent, fields) ?? 'amount';
  throw new ClarifyError(questionFor(intent, field), field, index);
}

/** What a skill is given for a token: "ETH" for native ETH only (by its address, never by a symbol a
 *  contract calls itself), any other token by its address. */
export function symbolOrAddress(token: Token): string {
  return isAddressEqual(token.address, NATIVE_TOKEN) ? 'ETH' : token.address;
}

/** Protocol names as people write them, to the skills' protocol slugs. */
const PROTOCOL_ALIASES: Record<string, string> = {
  'uniswap v3': 'uniswap',
  'uniswap-v3': 'uniswap',
  uniswapv3: 'uniswap',
  'aave v3': 'aave',
  'aave-v3': 'aave',
  aavev3: 'aave',
};

/**
 * Who an approval lets spend: a protocol by name ("approve uniswap to …") is the one contract its
 * audited skills declare on this chain; anything else is a recipient as the user gave it (an
 * address, or an address-book label), which the policy treats as a new third party to confirm.
 */
async function resolveSpender(name: string, index: number, planner: PlannerContext): Promise<Address> {
  const protocol = PROTOCOL_ALIASES[name.toLowerCase()] ?? name.toLowerCase();
  const declared = protocolContracts(planner.catalog, planner.chain).get(protocol);
  if (declared) {
    if (declared.length === 1 && declared[0]) return declared[0];
    throw new ClarifyError(
      `${name} has ${declared.length} contracts here (${declared.join(', ')}). Which one should be allowed to spend?`,
      'spender',
      index,
    );
  }
  return resolveRecipient(planner.chain, planner.client, planner.lookupAddress, name, index);
}

/**
 * A payee must be someone: never a token contract, a protocol contract an audited skill declares, or
 * the account itself (funds sent there are lost, or the message named a contract, not a person).
 */
function assertPayable(recipient: Address, planner: PlannerContext, index: number): void {
  const contracts = [
    ...planner.chain.tokens.map((t) => t.address),
    ...[...protocolContracts(planner.catalog, planner.chain).values()].flat(),
  ];
  if (contracts.some((c) => isAddressEqual(c, recipient)) || isAddressEqual(recipient, planner.account)) {
    throw new ClarifyError(
      `${recipient} is ${isAddressEqual(recipient, planner.account) ? 'this account itself' : 'a token or protocol contract'}, not someone to pay. Who should receive it?`,
      'recipient',
      index,
    );
  }
}
