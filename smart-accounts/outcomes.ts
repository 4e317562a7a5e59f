import type { Hex } from 'viem';
import { networkReason } from '../common/json-rpc.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { type Call, UNFINISHED, updateExecution } from './executions.ts';
import { describeRevert } from './revert-reason.ts';

/** How an operation ended on chain, from a bundler's receipt or the EntryPoint's UserOperationEvent. */
export type OperationOutcome = {
  success: boolean;
  txHash: Hex;
  gasUsed: bigint;
  feePaid: bigint;
  /** The UserOperationRevertReason's bytes, when the EntryPoint emitted one. */
  revertReason?: Hex | undefined;
  reason?: string | undefined;
};

/** Settles the record from an outcome on chain, once: false when it was already settled. */
export function recordOutcome(
  env: ExecutionEnvironment,
  id: string,
  calls: readonly Call[],
  outcome: OperationOutcome,
): boolean {
  const common = { sent: 'yes' as const, txHash: outcome.txHash, gasUsed: outcome.gasUsed, feePaid: outcome.feePaid };
  if (outcome.success) {
    return updateExecution(env.db, id, { status: 'succeeded', ...common, error: null }, UNFINISHED);
  }
  const reason = outcome.revertReason
    ? describeRevert(outcome.revertReason, calls, env.chain.tokens, env.chain.contracts.bundleGuard)
    : (outcome.reason ?? 'reverted without a reason');
  return updateExecution(env.db, id, { status: 'reverted', ...common, error: reason }, UNFINISHED);
}

/**
 * What a failed eth_sendUserOperation (or eth_sendRawTransaction) means, and why, in words.
 * `refused`: the bundler (or node) answered with a JSON-RPC error (HTTP 200, an error object), a
 * definite "no" — but for an internal error (-32603), after which it may still have stored it. `not-sent`: the connection could not be made
 * (refused, no such host), so not a byte of the request left. Anything else (a reset or closed
 * socket, an HTTP error status such as a proxy's 502, a timeout, a body that does not parse) is
 * `unknown`: the request may have reached the bundler and the operation may land.
 */
export function classifySendFailure(error: unknown): { kind: 'refused' | 'not-sent' | 'unknown'; reason: string } {
  for (
    let current = error as
      | { name?: string; code?: unknown; status?: number; details?: string; message?: string; cause?: unknown }
      | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.name === 'RpcRequestError') {
      const refused = typeof current.code === 'number' && current.code !== INTERNAL_ERROR;
      return { kind: refused ? 'refused' : 'unknown', reason: current.details ?? String(current.message) };
    }
    if (current.name === 'TimeoutError') return { kind: 'unknown', reason: 'no answer in time' };
    if (current.name === 'HttpRequestError' && current.status !== undefined) {
      return { kind: 'unknown', reason: `HTTP ${current.status}` };
    }
    if (current.name === 'SyntaxError') return { kind: 'unknown', reason: 'a reply that is not JSON' };
    if (typeof current.code === 'string') {
      const kind = NOT_CONNECTED.has(current.code) ? 'not-sent' : 'unknown';
      return { kind, reason: networkReason({ cause: current }) };
    }
  }
  return { kind: 'unknown', reason: (error as { shortMessage?: string }).shortMessage ?? String(error) };
}

const INTERNAL_ERROR = -32603;
/** Socket errors raised before a connection exists: nothing of the request was written. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
