import type { Hex } from 'viem';
import { jsonRpc } from '../common/json-rpc.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { bundlerClientFor, recordReceipt } from './execute.ts';
import { type ExecutionStatus, unfinishedExecutions, updateExecution } from './executions.ts';

export type ReconcileReport = {
  checked: number;
  settled: { id: string; status: ExecutionStatus }[];
  unreachable: boolean;
};

/**
 * Settles every record a stopped or crashed process left `pending` or `submitted`, from what the
 * bundler and the chain say; an operation the bundler still holds is waited for (up to `waitMs`). It never sends anything: a signed operation that did not reach the
 * bundler is marked failed ("nothing was sent"), never sent late.
 */
export async function reconcileExecutions(
  env: ExecutionEnvironment,
  options: { /** How long to wait for operations the bundler still holds to land. */ waitMs?: number } = {},
): Promise<ReconcileReport> {
  const records = unfinishedExecutions(env.db).filter((record) => record.chainId === env.chain.chainId);
  const report: ReconcileReport = { checked: records.length, settled: [], unreachable: false };
  const bundler = bundlerClientFor(env);
  const settle = (id: string, status: ExecutionStatus, error?: string) => {
    updateExecution(env.db, id, error === undefined ? { status } : { status, error });
    report.settled.push({ id, status });
  };

  for (const record of records) {
    if (!record.userOpHash) {
      settle(record.id, 'failed', 'Interrupted before the operation was signed; nothing was sent.');
      continue;
    }
    try {
      const receipt = await bundler.getUserOperationReceipt({ hash: record.userOpHash }).catch((error: unknown) => {
        if ((error as { name?: string }).name === 'UserOperationReceiptNotFoundError') return undefined;
        throw error;
      });
      if (receipt) {
        recordReceipt(env, record.id, receipt, record.calls);
        report.settled.push({ id: record.id, status: receipt.success ? 'succeeded' : 'reverted' });
        continue;
      }
      const status = await bundlerStatus(env.bundlerUrl, record.userOpHash);
      if (status === 'in-mempool') {
        // The bundler still has it: it was sent, and may land any moment. Wait for it (bounded).
        const landed = await bundler
          .waitForUserOperationReceipt({
            hash: record.userOpHash,
            pollingInterval: env.pollingIntervalMs,
            timeout: options.waitMs ?? 60_000,
          })
          .catch(() => undefined);
        if (landed) {
          recordReceipt(env, record.id, landed, record.calls);
          report.settled.push({ id: record.id, status: landed.success ? 'succeeded' : 'reverted' });
        } else if (record.status === 'pending') {
          settle(record.id, 'submitted');
        }
      } else if (status === 'unknown-to-bundler') {
        if (record.status === 'pending') {
          settle(record.id, 'failed', 'Interrupted before the operation reached the bundler; nothing was sent.');
        } else {
          settle(record.id, 'dropped', 'The bundler no longer has the operation and it did not land. Nothing moved.');
        }
      }
    } catch {
      report.unreachable = true; // Try again on the next start; nothing is decided without an answer.
    }
  }
  return report;
}

/** Where the bundler has an operation, through Alto's (Pimlico's) status method. */
async function bundlerStatus(
  bundlerUrl: string,
  hash: Hex,
): Promise<'in-mempool' | 'unknown-to-bundler' | 'undecided'> {
  try {
    const { status } = await jsonRpc<{ status: string }>(bundlerUrl, 'pimlico_getUserOperationStatus', [hash]);
    if (status === 'not_found' || status === 'rejected' || status === 'failed') return 'unknown-to-bundler';
    return 'in-mempool';
  } catch {
    return 'undecided'; // A bundler without the method: leave the record for a later look.
  }
}
