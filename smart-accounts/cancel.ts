import { isAddressEqual, type LocalAccount } from 'viem';
import type { ExecutionEnvironment } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import { execute } from './execute.ts';
import { type ExecutionRecord, executionByKey, getExecution, nothingWasSent, UNFINISHED } from './executions.ts';
import { reconcileExecutions } from './reconcile.ts';
import { accountKindFor, smartAccountAddress } from './smart-account.ts';

/**
 * Cancels an operation that was sent and never landed. A signed UserOperation never expires: the
 * bundler that lost it, or anyone holding it, could still put it on chain while its nonce is unused,
 * so its record stays `submitted` for good, and nothing of the account that runs alone beside it may
 * start (agent-core/plan/runs-alone.ts). An operation of the account that does nothing, with the same nonce, uses
 * that nonce; the stuck one can then never land, and reconciliation settles it as `dropped`.
 *
 * Had it landed meanwhile, the empty one is refused (its nonce is used) and reconciliation records
 * what landed. An operation the bundler still holds is refused by it (the same nonce is taken).
 * Returns both records as they stand after.
 */
export async function cancelOperation(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  userId: string,
  executionId: string,
): Promise<{ cancellation: ExecutionRecord; operation: ExecutionRecord }> {
  const record = getExecution(env.db, userId, executionId);
  if (!UNFINISHED.includes(record.status)) {
    throw new SmartAccountError(`Execution ${executionId} is ${record.status} already; there is nothing to cancel.`);
  }
  const row = env.db.prepare('SELECT user_operation FROM executions WHERE id = ?').get(executionId) as {
    user_operation: string | null;
  };
  if (!row.user_operation || record.chainId !== env.chain.chainId) {
    throw new SmartAccountError(
      `Execution ${executionId} is not a UserOperation signed on this chain, so it cannot be cancelled here.`,
    );
  }
  const current = await smartAccountAddress(env.publicClient, env.chain, owner.address, accountKindFor(env.db, userId));
  if (!isAddressEqual(current, record.account)) {
    throw new SmartAccountError(
      `Execution ${executionId} is of the account ${record.account}, and your account is now ${current}: a cancellation from it would take no nonce of the other.`,
      { hint: 'Switch back (`sextant account upgrade` or `downgrade`) to cancel it.' },
    );
  }
  const nonce = BigInt((JSON.parse(row.user_operation) as { nonce: string }).nonce);
  const cancellation = await execute(env, owner, {
    userId,
    idempotencyKey: cancellationKey(env, userId, executionId),
    // Nothing to do, but viem's batches need a call: one of no value to the owner's own address.
    calls: [{ to: owner.address, value: 0n, data: '0x' }],
    nonce,
  });
  // These two only: another record of the chain may be in the middle of being sent right now.
  await reconcileExecutions(env, { staleAfterMs: 0, waitMs: 0, ids: [executionId, cancellation.id] });
  return {
    cancellation: getExecution(env.db, userId, cancellation.id),
    operation: getExecution(env.db, userId, executionId),
  };
}

/**
 * The cancellation's idempotency key: one per execution, so a second `cancel-operation` returns the
 * first cancellation while it may still land; a new one (…:2, …:3) after one that certainly sent
 * nothing (the bundler was down, or refused it while it still held the stuck operation).
 */
function cancellationKey(env: ExecutionEnvironment, userId: string, executionId: string): string {
  for (let attempt = 1; ; attempt++) {
    const key = attempt === 1 ? `cancel:${executionId}` : `cancel:${executionId}:${attempt}`;
    const earlier = executionByKey(env.db, userId, key);
    if (!earlier || !nothingWasSent(earlier)) return key;
  }
}
