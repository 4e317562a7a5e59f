import { type Address, formatUnits, getAddress, isAddressEqual } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import type { Approval, AssetAmount, AssetBounds } from '../../skills/sdk/define-skill.ts';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';

/**
 * What a plan lets leave the user's control, one entry per flow, in step order. The policy reads only
 * this (check-policy.ts), the preview shows it, and confirm checks it again.
 *
 * - `give`: tokens a step hands to a protocol or counterparty (a swap's input, a supply, a repay).
 * - `transfer`: tokens paid to a third party (`bounds.payee`), also when an earlier step produced them.
 * - `allowance`: an allowance left standing (an explicit approve), valued at its full amount.
 * - `debt`: debt taken (a borrow).
 * - `withdrawal`: supplied funds taken out of a position (collateral removed).
 *
 * What counts toward the limits (`countedUsd`): every allowance, debt and withdrawal in full, and a
 * give or transfer for the part the account pays from what it held before the plan. What an earlier
 * step brought in (a swap's output, a borrow, a withdrawal) is already counted where it came from, so
 * "borrow 1,000 USDC and send it to bob" counts $1,000 (the debt), not $0 and not $2,000.
 */
export type ValueFlowKind = 'give' | 'transfer' | 'allowance' | 'debt' | 'withdrawal';

export type ValueFlow = {
  kind: ValueFlowKind;
  /** The step (0-based) that makes it. */
  step: number;
  token: Address;
  /** The token as shown: a listed symbol, or `unlisted token 0x12…ab calling itself "USDC"`. */
  label: string;
  listed: boolean;
  /** Human units, and base units (strings: the ledger travels as JSON). */
  amount: string;
  baseUnits: string;
  /** USD of the whole amount; undefined when the token has no price. */
  usd: number | undefined;
  /** USD this flow adds to the plan's total (0 when an earlier step's receipt pays it). */
  countedUsd: number | undefined;
  /** The payee of a transfer, or the spender of an allowance. */
  to: Address | undefined;
};

export type ValueLedger = {
  flows: ValueFlow[];
  /** Sum of `countedUsd` over the priced flows: what the per-plan and daily limits hold. */
  totalUsd: number;
  /** Listed tokens among the counted flows that have no price: the plan cannot be valued. */
  unpriced: Address[];
  /** Tokens off the token list the plan touches: confirming needs an explicit yes for them. */
  unlistedTokens: { address: Address; symbol: string }[];
  /** Third parties the plan pays or lets spend (payees; spenders that are not a skill's declared contract). */
  recipients: Address[];
  /** The lowest health factor a step moves the Aave position to (18 decimals as a string; null = no debt). */
  healthFactor: { before: string | null; after: string | null } | undefined;
};

/** A step as the ledger needs it: its bounds and the exact approvals the planner inserted for it. */
export type LedgerStep = { bounds: AssetBounds; approvals: readonly Approval[] };

export type LedgerReaders = {
  token(address: Address): Promise<Token>;
  /** USD of an amount in base units; undefined without a price. */
  value(token: Address, amount: bigint): Promise<number | undefined>;
  /** Contracts the audited skills declare on this chain: a spender among them is not a third party. */
  protocolContracts: readonly Address[];
};

/**
 * Per token, what the steps so far give (−, at most) and receive (+, at least), and the lowest the
 * running total has been: the one tally behind the planner's balances, the preview's bounds check,
 * and what execution checks the account holds.
 */
export class BoundsTally {
  private readonly running = new Map<string, bigint>();
  private readonly lowest = new Map<string, bigint>();

  add(bounds: Pick<AssetBounds, 'gives' | 'receives'>): void {
    for (const give of bounds.gives) {
      const key = give.token.toLowerCase();
      const after = (this.running.get(key) ?? 0n) - give.amount;
      this.running.set(key, after);
      if (after < (this.lowest.get(key) ?? 0n)) this.lowest.set(key, after);
    }
    for (const receive of bounds.receives) {
      const key = receive.token.toLowerCase();
      this.running.set(key, (this.running.get(key) ?? 0n) + receive.amount);
    }
  }

  /** The change the steps so far promise for `token`: receives (at least) minus gives (at most). */
  change(token: Address): bigint {
    return this.running.get(token.toLowerCase()) ?? 0n;
  }

  /** The most the steps, in order, ever take of `token` beyond what earlier steps brought in (≥ 0). */
  need(token: Address): bigint {
    return -(this.lowest.get(token.toLowerCase()) ?? 0n);
  }

  tokens(): Address[] {
    return [...new Set([...this.running.keys(), ...this.lowest.keys()])].map((key) => getAddress(key));
  }

  static of(steps: readonly { bounds: Pick<AssetBounds, 'gives' | 'receives'> }[]): BoundsTally {
    const tally = new BoundsTally();
    for (const step of steps) tally.add(step.bounds);
    return tally;
  }
}

/**
 * The ledger of a plan's steps, valued with `readers`. `broughtIn`: what is already paid for before
 * the first step (what a bridge in the same plan brings to the chain of a destination leg; its
 * deposit is counted on the origin), which the steps may spend without counting it again.
 */
export async function buildValueLedger(
  steps: readonly LedgerStep[],
  readers: LedgerReaders,
  broughtIn: readonly AssetAmount[] = [],
): Promise<ValueLedger> {
  const flows: ValueFlow[] = [];
  /** What earlier steps brought in and later steps have not used yet, per token. */
  const available = new Map<string, bigint>();
  for (const asset of broughtIn) {
    const key = asset.token.toLowerCase();
    available.set(key, (available.get(key) ?? 0n) + asset.amount);
  }
  const recipients: Address[] = [];
  const addRecipient = (address: Address) => {
    if (!recipients.some((known) => isAddressEqual(known, address))) recipients.push(getAddress(address));
  };
  const isProtocol = (address: Address) => readers.protocolContracts.some((c) => isAddressEqual(c, address));
  /** The health factor before the first step that moves it, and the lowest any step leaves (undefined: no debt). */
  let health: { before: bigint | undefined; after: bigint | undefined } | undefined;

  const flow = async (
    kind: ValueFlowKind,
    step: number,
    asset: AssetAmount,
    counted: bigint,
    to: Address | undefined,
  ) => {
    const token = await readers.token(asset.token);
    const usd = await readers.value(asset.token, asset.amount);
    const countedUsd = counted === 0n ? 0 : counted === asset.amount ? usd : await readers.value(asset.token, counted);
    flows.push({
      kind,
      step,
      token: asset.token,
      label: tokenLabel(token),
      listed: token.listed !== false,
      amount: formatUnits(asset.amount, token.decimals),
      baseUnits: asset.amount.toString(),
      usd,
      countedUsd,
      to,
    });
  };

  for (const [index, step] of steps.entries()) {
    const { bounds } = step;
    for (const give of bounds.gives) {
      const key = give.token.toLowerCase();
      const funded = min(available.get(key) ?? 0n, give.amount);
      available.set(key, (available.get(key) ?? 0n) - funded);
      await flow(bounds.payee ? 'transfer' : 'give', index, give, give.amount - funded, bounds.payee);
    }
    if (bounds.payee) addRecipient(bounds.payee);
    for (const allowance of bounds.allowances ?? []) {
      await flow('allowance', index, allowance, allowance.amount, allowance.spender);
      if (!isProtocol(allowance.spender)) addRecipient(allowance.spender);
    }
    for (const debt of bounds.debt ?? []) await flow('debt', index, debt, debt.amount, undefined);
    for (const withdrawal of bounds.withdrawals ?? []) {
      await flow('withdrawal', index, withdrawal, withdrawal.amount, undefined);
    }
    // What a step brings in pays later steps only when it came from something counted here (a give,
    // a debt, a withdrawal): rewards a step claims for nothing are the user's own value, and sending
    // them on counts like any other payment from the wallet.
    const paidFor = bounds.gives.length > 0 || (bounds.debt ?? []).length > 0 || (bounds.withdrawals ?? []).length > 0;
    for (const receive of paidFor ? bounds.receives : []) {
      const key = receive.token.toLowerCase();
      available.set(key, (available.get(key) ?? 0n) + receive.amount);
    }
    if (bounds.healthFactor) {
      const { before, after } = bounds.healthFactor;
      health = health ? { before: health.before, after: lower(health.after, after) } : { before, after };
    }
  }

  const unlisted = new Map<string, { address: Address; symbol: string }>();
  for (const step of steps) {
    for (const asset of [...step.bounds.gives, ...step.bounds.receives, ...(step.bounds.allowances ?? [])]) {
      if (isAddressEqual(asset.token, NATIVE_TOKEN)) continue;
      const token = await readers.token(asset.token);
      if (token.listed === false)
        unlisted.set(token.address.toLowerCase(), { address: token.address, symbol: token.symbol });
    }
  }
  const counted = flows.filter((f) => f.countedUsd !== 0);
  return {
    flows,
    totalUsd: counted.reduce((sum, f) => sum + (f.countedUsd ?? 0), 0),
    unpriced: [...new Set(counted.filter((f) => f.countedUsd === undefined && f.listed).map((f) => f.token))],
    unlistedTokens: [...unlisted.values()],
    recipients,
    healthFactor: health && { before: toText(health.before), after: toText(health.after) },
  };
}

/** How a token is named to a person: its listed symbol, or its address and what it calls itself. */
export function tokenLabel(token: Pick<Token, 'symbol' | 'address' | 'listed'>): string {
  if (token.listed !== false) return token.symbol;
  const short = `${token.address.slice(0, 6)}…${token.address.slice(-4)}`;
  return `unlisted token ${short} calling itself ${JSON.stringify(token.symbol)}`;
}

function toText(value: bigint | undefined): string | null {
  return value === undefined ? null : value.toString();
}

/** The lower of two health factors, where undefined (no debt) is infinite. */
function lower(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
