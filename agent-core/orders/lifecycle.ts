import type { LocalAccount } from 'viem';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import {
  DELEGATION_MANAGER_ABI,
  type Delegation,
  delegationHash,
  delegationTypedData,
} from '../../smart-accounts/delegations.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { type Call, FINAL_EXECUTION_STATUSES, getExecution } from '../../smart-accounts/executions.ts';
import { accountChoiceOf } from '../../smart-accounts/users.ts';
import { OrderError } from './errors.ts';
import { grantOf, periodSecondsOf, revokeCallsOf } from './grant.ts';
import { assertGrantable, assertRevocable, revocationKey } from './grant-checks.ts';
import { getOrder, type Order, recordGrant, setOrderStatus } from './store.ts';

/**
 * Confirms a proposed order: the user's owner key signs each day's delegation, and the user's
 * address sends one transaction that allows the router the total and sends the agent key its gas.
 * The order is active once that lands; the runner takes it from there.
 */
export async function confirmOrder(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  userId: string,
  orderId: string,
): Promise<Order> {
  const order = getOrder(env.db, userId, orderId);
  if (order.status !== 'proposed') return settleGrant(env, order);
  // A claim order signs nothing and allows nothing: it runs for whichever account earns the rewards.
  if (order.kind !== 'claim-rewards') assertDelegatingAddress(env, owner, userId, order);
  // Before anything is signed: a proposal whose first day is over, or a second grant on the token.
  assertGrantable(env.db, order, (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp);
  const signed: Delegation[] = [];
  if (order.delegations.length > 0) {
    const framework = env.chain.contracts.delegationFramework;
    if (!framework || !owner.signTypedData) throw new OrderError(`${env.chain.name} has no delegation framework.`);
    const signTypedData = owner.signTypedData;
    for (const delegation of order.delegations) {
      const signature = await signTypedData(
        delegationTypedData(framework.delegationManager, env.chain.chainId, delegation),
      );
      signed.push({ ...delegation, signature });
    }
  }
  const { approval } = grantOf(order);
  const calls: Call[] = approval ? [approval] : [];
  if (order.agentGas > 0n) calls.push({ to: order.agent, value: order.agentGas, data: '0x' });
  await execute(
    env,
    owner,
    {
      userId,
      idempotencyKey: `order-grant:${order.id}`,
      calls,
      spends: order.agentGas > 0n ? [{ token: NATIVE_TOKEN, amount: order.agentGas }] : [],
    },
    { onRecordCreated: (db, executionId) => recordGrant(db, order.id, signed, executionId) },
  );
  return settleGrant(env, getOrder(env.db, userId, orderId));
}

/** Delegations are signed by the user's own address, which must run the DeleGator to honour them. */
function assertDelegatingAddress(env: ExecutionEnvironment, owner: LocalAccount, userId: string, order: Order): void {
  const choice = accountChoiceOf(env.db, userId);
  if (choice.mode !== 'eip7702' || choice.implementation !== 'delegator') {
    throw new OrderError(
      "Standing orders run from your own address delegated to MetaMask's EIP-7702 DeleGator, which can hold delegations.",
      {
        hint: 'Run `sextant account upgrade --implementation delegator` first (your address stays yours; `downgrade` undoes it).',
      },
    );
  }
  if (owner.address.toLowerCase() !== order.account.toLowerCase()) {
    throw new OrderError(`This order was proposed for ${order.account}, not your address ${owner.address}.`, {
      hint: 'Propose it again.',
    });
  }
}

/** A granting order moves on once its grant's execution is final: active, or stopped with why. */
export function settleGrant(env: Pick<ExecutionEnvironment, 'db'>, order: Order): Order {
  if (order.status !== 'granting' || !order.grantExecutionId) return order;
  const grant = getExecution(env.db, order.userId, order.grantExecutionId);
  if (grant.status === 'succeeded') setOrderStatus(env.db, order.id, 'active', ['granting']);
  else if (FINAL_EXECUTION_STATUSES.has(grant.status)) {
    setOrderStatus(env.db, order.id, 'stopped', ['granting'], {
      reason: `Its grant did not land (${grant.status}${grant.error ? `: ${grant.error}` : ''}), so it never ran.`,
    });
  }
  return getOrder(env.db, order.userId, order.id);
}

/** The runner skips a paused order; the grant stays valid on chain (cancel revokes it). */
export function pauseOrder(env: Pick<ExecutionEnvironment, 'db'>, userId: string, orderId: string): Order {
  const order = getOrder(env.db, userId, orderId);
  if (order.status === 'paused') return order;
  if (!setOrderStatus(env.db, order.id, 'paused', ['active'])) {
    throw new OrderError(`Order ${orderId} is ${order.status}; only an active order can be paused.`);
  }
  return getOrder(env.db, userId, orderId);
}

export function resumeOrder(env: Pick<ExecutionEnvironment, 'db'>, userId: string, orderId: string): Order {
  const order = getOrder(env.db, userId, orderId);
  if (order.status === 'active') return order;
  if (!setOrderStatus(env.db, order.id, 'active', ['paused'])) {
    throw new OrderError(`Order ${orderId} is ${order.status}; only a paused order can be resumed.`);
  }
  return getOrder(env.db, userId, orderId);
}

/**
 * Cancels the order. A proposal is dropped; a grant is revoked on chain first, from the user's
 * address in one transaction: the router's allowance back to 0 (alone, that stops every swap), then
 * every delegation of a day not yet past disabled. Cancelled only once that landed.
 */
export async function cancelOrder(
  env: ExecutionEnvironment,
  /** The owner key, or how to open it: opened only when there is a revocation to send. */
  owner: LocalAccount | (() => Promise<LocalAccount>),
  userId: string,
  orderId: string,
): Promise<Order> {
  const order = getOrder(env.db, userId, orderId);
  if (order.status === 'cancelled') return order;
  if (order.status === 'proposed') {
    setOrderStatus(env.db, order.id, 'cancelled', ['proposed'], { reason: 'Cancelled before it was granted.' });
    return getOrder(env.db, userId, orderId);
  }
  if (order.kind === 'claim-rewards') {
    // Nothing on chain to take back: the runner stops sending claims, and that is all the order did.
    setOrderStatus(env.db, order.id, 'cancelled', ['granting', 'active', 'paused', 'stopped', 'finished'], {
      reason:
        'The runner sends no more claims. The order held no permission over your address, so nothing was revoked on chain.',
    });
    return getOrder(env.db, userId, orderId);
  }
  const framework = env.chain.contracts.delegationFramework;
  if (!framework) throw new OrderError(`${env.chain.name} has no delegation framework.`);
  assertRevocable(env.db, order);
  const now = (await env.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
  const live: Delegation[] = [];
  for (const [day, delegation] of order.delegations.entries()) {
    if (order.terms.start + periodSecondsOf(order) * BigInt(day + 1) <= now) continue;
    const disabled = await env.publicClient.readContract({
      address: framework.delegationManager,
      abi: DELEGATION_MANAGER_ABI,
      functionName: 'disabledDelegations',
      args: [delegationHash(delegation)],
    });
    if (!disabled) live.push(delegation);
  }
  const record = await execute(env, typeof owner === 'function' ? await owner() : owner, {
    userId,
    idempotencyKey: revocationKey(env.db, userId, order.id),
    calls: revokeCallsOf(order, live),
  });
  if (record.status !== 'succeeded') {
    throw new OrderError(`The revocation did not land (${record.status}): ${record.error ?? 'no reason given'}.`, {
      hint: `Try again: \`sextant orders cancel ${order.id}\`. Until it lands, the grant stands.`,
    });
  }
  setOrderStatus(env.db, order.id, 'cancelled', ['granting', 'active', 'paused', 'stopped', 'finished'], {
    reason: 'Revoked on chain: the router may spend nothing more, and no day can be redeemed.',
    revokeExecutionId: record.id,
  });
  return getOrder(env.db, userId, orderId);
}
