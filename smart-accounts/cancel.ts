import type { LocalAccount } from 'viem';
import type { ExecutionEnvironment } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import { execute } from './execute.ts';
import { type ExecutionRecord, getExecution, UNFINISHED } from './executions.ts';
import { reconcileExecutions } from './reconcile.ts';

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
  const nonce = BigInt((JSON.parse(row.user_operation) as { nonce: string }).nonce);
  const cancellation = await execute(env, owner, {
    userId,
    idempotencyKey: `cancel:${executionId}`,
    // Nothing to do, but viem's batches need a call: one of no value to the owner's own address.
    calls: [{ to: owner.address, value: 0n, data: '0x' }],
    nonce,
  });
  await reconcileExecutions(env, { staleAfterMs: 0, waitMs: 0 });
  return {
    cancellation: getExecution(env.db, userId, cancellation.id),
    operation: getExecution(env.db, userId, executionId),
  };
}
