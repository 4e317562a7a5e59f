import { type Address, formatUnits, getAddress, isAddress, isAddressEqual, type PublicClient, parseUnits } from 'viem';
import { normalize } from 'viem/ens';
import type { Chain, Token } from '../../common/chains/types.ts';
import { NATIVE_TOKEN, type SkillContext } from '../../skills/sdk/define-skill.ts';
import { SkillError } from '../../skills/sdk/errors.ts';
import { addressProblem } from '../parse/address-forms.ts';
import { ClarifyError } from './errors.ts';
import type { PriceBook } from './prices.ts';

/** Left in the account when the user asks to use "all" their ETH, so it can still pay for gas. */
export const ETH_GAS_RESERVE = parseUnits('0.01', 18);

/** Symbols people use for a token the chain lists under another symbol. */
const SYMBOL_ALIASES: Record<string, string> = { ETHER: 'ETH' };
/** Bitcoin itself is on no EVM chain: asked whether the wrapped token is meant, never swapped in silently. */
const WRAPPED_INSTEAD: Record<string, string> = { BTC: 'WBTC', XBT: 'WBTC' };

/** A symbol or address from the user's words to a token on this chain (decimals from the chain). */
export async function resolveToken(
  ctx: SkillContext,
  name: string,
  field: string,
  intentIndex: number,
): Promise<Token> {
  try {
    return await ctx.token(name);
  } catch (error) {
    // Two listed tokens claiming one symbol: ask which, by address; never pick one.
    if (error instanceof SkillError && /names \d+ tokens/.test(error.message)) {
      const matches = ctx.chain.tokens.filter((t) => t.symbol.toLowerCase() === name.toLowerCase());
      throw new ClarifyError(
        `"${name}" names ${matches.length} tokens on ${ctx.chain.name}: ${matches.map((t) => t.address).join(', ')}. Which address do you mean?`,
        field,
        intentIndex,
      );
    }
    const alias = SYMBOL_ALIASES[name.toUpperCase()];
    if (alias && ctx.chain.tokens.some((t) => t.symbol === alias)) return ctx.token(alias);
    const wrapped = WRAPPED_INSTEAD[name.toUpperCase()];
    if (wrapped && ctx.chain.tokens.some((t) => t.symbol === wrapped)) {
      throw new ClarifyError(
        `${name} itself is not on ${ctx.chain.name}. Do you mean ${wrapped}, the wrapped token? If so, say ${wrapped}.`,
        field,
        intentIndex,
      );
    }
    const known = ['ETH', ...ctx.chain.tokens.map((t) => t.symbol)].join(', ');
    throw new ClarifyError(
      `I don't know a token "${name}" on ${ctx.chain.name}. Which one did you mean? (${known})`,
      field,
      intentIndex,
    );
  }
}

/**
 * A recipient exactly as the user gave it, to an address: a 0x address as typed, an ENS name through
 * ENS (only on chains that have it), or a label from the user's address book. Never guessed.
 */
export async function resolveRecipient(
  chain: Chain,
  client: PublicClient,
  lookup: (label: string) => Address | undefined,
  recipient: string,
  intentIndex: number,
): Promise<Address> {
  // Another chain family's address, or a mixed-case 0x address whose checksum fails: asked again,
  // whichever parser read it (a typo in a checksummed address must never pay a near-miss).
  const problem = addressProblem(recipient);
  if (problem) throw new ClarifyError(problem, 'recipient', intentIndex);
  if (isAddress(recipient, { strict: false })) return getAddress(recipient);
  if (recipient.startsWith('@')) {
    const contact = lookup(recipient.slice(1)) ?? lookup(recipient);
    if (contact) return contact;
    throw new ClarifyError(
      `${recipient} looks like a social handle (Farcaster, X, Telegram). I can't look handles up: what is the 0x address, ENS name or contact to pay?`,
      'recipient',
      intentIndex,
    );
  }
  if (/\.[a-z]{2,}$/i.test(recipient) && recipient.includes('.')) {
    if (!chain.hasEns) {
      throw new ClarifyError(
        `ENS names do not resolve on ${chain.name}. What is ${recipient}'s 0x address?`,
        'recipient',
        intentIndex,
      );
    }
    const address = await client.getEnsAddress({ name: normalize(recipient) }).catch(() => null);
    if (!address)
      throw new ClarifyError(
        `${recipient} does not resolve to an address. What is the 0x address?`,
        'recipient',
        intentIndex,
      );
    return address;
  }
  const saved = lookup(recipient);
  if (saved) return saved;
  throw new ClarifyError(
    `Who is "${recipient}"? I have no address saved under that name; give me the 0x address.`,
    'recipient',
    intentIndex,
  );
}

/** The account's balance of a token as the plan so far leaves it (live balance plus earlier steps' changes). */
export type BalanceOf = (token: Token) => Promise<bigint>;

/**
 * An amount from the user's words to an exact human amount of `token`: as typed, or "all" and "N%"
 * of the balance the plan so far leaves, or "$N" at the current price. Returns a decimal string in
 * the token's units, exact to its decimals.
 */
export async function resolveAmount(
  amount: string,
  token: Token,
  balanceOf: BalanceOf,
  prices: PriceBook,
  intentIndex: number,
): Promise<string> {
  if (amount === 'all' || amount.endsWith('%')) {
    let balance = await balanceOf(token);
    if (isAddressEqual(token.address, NATIVE_TOKEN))
      balance = balance > ETH_GAS_RESERVE ? balance - ETH_GAS_RESERVE : 0n;
    // The share exactly, as a decimal fraction of 10^20 (100% = 10^20): "0.005%" is 0.005%, not 0.01%.
    const percent = amount === 'all' ? '100' : amount.slice(0, -1);
    if (!/^\d+(\.\d{1,18})?$/.test(percent) || parseUnits(percent, 18) > parseUnits('100', 18)) {
      throw new ClarifyError(
        `"${amount}" is not a share I can use. How much ${token.symbol} do you mean?`,
        'amount',
        intentIndex,
      );
    }
    const value = (balance * parseUnits(percent, 18)) / parseUnits('100', 18);
    if (value === 0n) {
      throw new ClarifyError(
        `You have no ${token.symbol} to use. How much do you want to use instead?`,
        'amount',
        intentIndex,
      );
    }
    return formatUnits(value, token.decimals);
  }
  if (amount.startsWith('$')) {
    const price = await prices.usd(token.address);
    if (price === undefined || price <= 0) {
      throw new ClarifyError(
        `I have no USD price for ${token.symbol}. How much ${token.symbol} do you mean?`,
        'amount',
        intentIndex,
      );
    }
    // USD × 10^decimals / price, in integers, rounded down.
    const usd = parseUnits(amount.slice(1), 18);
    const priceScaled = parseUnits(price.toFixed(18), 18);
    const value = (usd * 10n ** BigInt(token.decimals)) / priceScaled;
    return formatUnits(value, token.decimals);
  }
  return amount;
}
