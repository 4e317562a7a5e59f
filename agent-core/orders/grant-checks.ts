import { hexToBigInt, isAddressEqual, slice } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Delegation } from '../../smart-accounts/delegations.ts';
import { type ExecutionStatus, FINAL_EXECUTION_STATUSES } from '../../smart-accounts/executions.ts';
import { accountChoiceOf } from '../../smart-accounts/users.ts';
import type { DailySwapGrant } from './daily-swap-grant.ts';
import { OrderError } from './errors.ts';
import { allowanceOf, type GrantAllowance } from './grant.ts';
import { listOrders, type Order } from './store.ts';

/**
 * Checks a grant must pass before the user's address signs and sends it, and the order it would
 * collide with. Two grants on one token and router share one allowance (approve sets it), and every
 * signed delegation stays redeemable by the agent key until its window closes or it is disabled on
 * chain, whatever the order's status says: a stopped order's days come back to life as soon as any
 * later grant allows the router again.
 */

/** Unix seconds when the delegation's TimestampEnforcer window closes (undefined: it has none). */
function windowEnd(terms: Pick<DailySwapGrant, 'enforcers'>, delegation: Delegation): bigint | undefined {
  const caveat = delegation.caveats.find((c) => isAddressEqual(c.enforcer, terms.enforcers.TimestampEnforcer));
  // The terms are (uint128 after, uint128 before), packed.
  return caveat ? hexToBigInt(slice(caveat.terms, 16, 32)) : undefined;
}

/**
 * Whether the order's signed delegations may still be redeemed: it is granted and not revoked
 * (cancelled) or run to its end (finished), and its last window has not closed by `chainTime`. A
 * stopped order counts: the runner stopped, the delegations did not.
 */
export function grantMayBeLive(order: Order, chainTime: bigint): boolean {
  if (['granting', 'active', 'paused'].includes(order.status)) return true;
  if (order.status !== 'stopped' || order.kind === 'claim-rewards') return false;
  const { terms } = order;
  const ends = order.delegations.map((d) => windowEnd(terms, d));
  return ends.some((end) => end === undefined || end > chainTime);
}

/** The user's other order whose grant may still spend `tokenIn` through `router`. */
export function orderOnSameAllowance(
  db: Db,
  userId: string,
  grant: Pick<GrantAllowance, 'token' | 'spender'>,
  chainTime: bigint,
  exceptOrderId?: string,
): Order | undefined {
  return listOrders(db, userId).find((o) => {
    const theirs = allowanceOf(o);
    return (
      theirs !== undefined &&
      o.id !== exceptOrderId &&
      isAddressEqual(theirs.token.address, grant.token.address) &&
      isAddressEqual(theirs.spender, grant.spender) &&
      grantMayBeLive(o, chainTime)
    );
  });
}

/** Refused with what to do when another order's live grant would share this one's allowance. */
export function assertNoSharedAllowance(
  db: Db,
  userId: string,
  grant: GrantAllowance,
  chainTime: bigint,
  exceptOrderId?: string,
): void {
  const other = orderOnSameAllowance(db, userId, grant, chainTime, exceptOrderId);
  if (!other) return;
  throw new OrderError(
    `Order ${other.id} (${other.status}) already lets the ${grant.protocol} ${grant.spenderName} spend your ${grant.token.symbol}, and its grant still stands on chain.`,
    {
      hint: `Cancel it first (\`sextant orders cancel ${other.id}\` revokes it on chain); one order per token and contract, for now: a second approval would reset the first's allowance${other.status === 'stopped' ? ', and bring its remaining days back to life' : ''}.`,
    },
  );
}

/**
 * Before a proposal is granted: its first window must still be open (a proposal confirmed after it
 * would allow the router the whole total, and send gas for every day, for days that can no longer
 * run), and no other grant may share its allowance.
 */
export function assertGrantable(db: Db, order: Order, chainTime: bigint): void {
  if (order.kind === 'claim-rewards') {
    // It signs no delegation and sets no allowance; but two granted claim orders would only race each
    // other for the same claims, each paying gas for the reverts of the other's.
    const other = listOrders(db, order.userId).find(
      (o) =>
        o.id !== order.id &&
        o.kind === 'claim-rewards' &&
        o.chainId === order.chainId &&
        ['granting', 'active', 'paused'].includes(o.status),
    );
    if (other) {
      throw new OrderError(
        `Order ${other.id} (${other.status}) already claims your rewards as each epoch is distributed.`,
        {
          hint: `Cancel one of them (\`sextant orders cancel ${order.id}\` drops this proposal).`,
        },
      );
    }
    return;
  }
  const first = order.delegations[0];
  const firstEnds = first ? windowEnd(order.terms, first) : undefined;
  if (firstEnds !== undefined && firstEnds <= chainTime) {
    throw new OrderError(
      `Order ${order.id} was proposed for a first day that ended at ${new Date(Number(firstEnds) * 1000).toISOString()}; granted now it would allow the router its whole total for days that can no longer run.`,
      { hint: `Cancel it (\`sextant orders cancel ${order.id}\`) and propose it again.` },
    );
  }
  const allowance = allowanceOf(order);
  if (allowance) assertNoSharedAllowance(db, order.userId, allowance, chainTime, order.id);
}

/**
 * Before a revocation is sent: it must come from the order's own address running the DeleGator. In
 * another account mode the calls would leave from another account (the smart account's approve
 * changes nothing of the address's allowance), and on another implementation the calls that disable
 * each day do nothing or revert; either way the order would be called revoked while its grant stands
 * and comes back with the DeleGator. Meanwhile nothing can be redeemed through the address.
 */
export function assertRevocable(db: Db, order: Order): void {
  const choice = accountChoiceOf(db, order.userId);
  if (choice.mode === 'eip7702' && choice.implementation === 'delegator') return;
  throw new OrderError(
    `Your address ${order.account} is not on MetaMask's DeleGator now, so the grant of order ${order.id} cannot be revoked from it (nothing can be redeemed through it until it is back on the DeleGator).`,
    {
      hint: `Run \`sextant account upgrade --implementation delegator\`, then \`sextant orders cancel ${order.id}\` at once: that takes the router's allowance back and disables every day left.`,
    },
  );
}

/**
 * The idempotency key of the order's revocation: the last one's while it may still land (a retry
 * then finds it), a new one once it certainly did not, so that "try again" sends a new revocation
 * instead of finding the failed one forever.
 */
export function revocationKey(db: Db, userId: string, orderId: string): string {
  const base = `order-revoke:${orderId}`;
  const rows = db
    .prepare(
      `SELECT idempotency_key AS key, status FROM executions
       WHERE user_id = ? AND (idempotency_key = ? OR idempotency_key LIKE ?)`,
    )
    .all(userId, base, `${base}:%`) as { key: string; status: ExecutionStatus }[];
  if (rows.length === 0) return base;
  const attempt = (key: string) => (key === base ? 1 : Number(key.slice(base.length + 1)));
  const last = rows.reduce((a, b) => (attempt(b.key) > attempt(a.key) ? b : a));
  if (!FINAL_EXECUTION_STATUSES.has(last.status) || last.status === 'succeeded') return last.key;
  return `${base}:${attempt(last.key) + 1}`;
}
