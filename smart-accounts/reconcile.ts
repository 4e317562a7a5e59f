import {
  type Address,
  type Hex,
  hexToBigInt,
  keccak256,
  type PublicClient,
  parseAbi,
  parseEventLogs,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerialized,
} from 'viem';
import { formatUserOperation, getUserOperationHash } from 'viem/account-abstraction';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { bundlerClientFor, recordReceipt } from './execute.ts';
import {
  closeInterrupted,
  type ExecutionStatus,
  UNFINISHED,
  type UnfinishedExecution,
  unfinishedExecutions,
  updateExecution,
} from './executions.ts';
import { type OperationOutcome, recordOutcome } from './outcomes.ts';
import { recordTransactionReceipt } from './self-sent.ts';

/** How long to wait before asking the chain a second time whether an operation was superseded. */
const SUPERSEDED_RECHECK_MS = 1_500;

export type ReconcileReport = {
  checked: number;
  settled: { id: string; status: ExecutionStatus }[];
  /** The bundler or the chain did not answer for some record: it is looked at again next time. */
  unreachable: boolean;
};

export type ReconcileOptions = {
  /** How long to wait for operations the bundler still holds to land (0: look again next pass). */
  waitMs?: number;
  /**
   * A record still `pending` without a signed operation after this long was interrupted (a crash):
   * it is closed as failed, nothing sent. Younger ones may be in the middle of their preparation, in
   * this process or another. (Should a slow one get to sign after all, it finds the record closed
   * and does not send.)
   */
  staleAfterMs?: number;
  /** Block ranges per eth_getLogs request (public RPCs cap them). */
  logPageBlocks?: bigint;
  /** Only these records (a cancellation settles its own two); every unfinished one on the chain otherwise. */
  ids?: readonly string[];
};

const ENTRY_POINT = parseAbi([
  'event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)',
  'event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)',
  'function getNonce(address sender, uint192 key) view returns (uint256)',
]);

/**
 * Settles every record left `pending` or `submitted` (by a crash, a lost answer, a bundler that
 * forgot) from what the bundler and the chain say. It never sends anything, and each record is
 * settled once (every settling write is guarded on the record still being unfinished).
 *
 * For a signed operation: the bundler's receipt; failing that, the chain itself. The operation's
 * nonce tells whether anything with it landed: while the account's nonce for the operation's key is
 * unused, the operation has not landed; once it is used, the EntryPoint's `UserOperationEvent`
 * for the operation's hash (read from the block before it was sent) says it landed, with its
 * outcome, or, when there is none, that another operation took the nonce, so this one can never
 * land: `dropped`, certainly. A SimpleAccount's operation never expires, so an operation the bundler
 * no longer has and that has not landed is NOT dropped: whoever holds it could still send it. It
 * stays `submitted`, with that said in its error, until it lands or its nonce is used. A transaction
 * an address in 7702 mode sent itself (no bundler) is settled the same way from the chain alone: its
 * receipt, or its nonce used by another transaction (settleSelfSent).
 */
export async function reconcileExecutions(
  env: ExecutionEnvironment,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const records = unfinishedExecutions(env.db).filter(
    (record) => record.chainId === env.chain.chainId && (!options.ids || options.ids.includes(record.id)),
  );
  const report: ReconcileReport = { checked: records.length, settled: [], unreachable: false };
  const bundler = env.bundlerUrl ? bundlerClientFor(env) : undefined;
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const settled = (id: string, status: ExecutionStatus, done: boolean) => {
    if (done) report.settled.push({ id, status });
  };

  for (const record of records) {
    if (record.signedTransaction) {
      // Sent by the account itself (7702 mode without a bundler): only the chain can say.
      try {
        const result = await settleSelfSent(env, record, options.waitMs ?? 60_000);
        if (result) settled(record.id, result.status, result.done);
      } catch {
        report.unreachable = true;
      }
      continue;
    }
    if (!record.userOpHash) {
      if (record.status === 'pending' && Date.now() - Date.parse(record.updatedAt) >= staleAfterMs) {
        settled(record.id, 'failed', closeInterrupted(env.db, record.id));
      }
      continue;
    }
    const hash = record.userOpHash;

    let bundlerAnswered = bundler !== undefined;
    const receipt = await bundler?.getUserOperationReceipt({ hash }).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'UserOperationReceiptNotFoundError') bundlerAnswered = false;
      return undefined;
    });
    if (receipt) {
      settled(
        record.id,
        receipt.success ? 'succeeded' : 'reverted',
        recordReceipt(env, record.id, receipt, record.calls),
      );
      continue;
    }

    let onChain: OnChain;
    try {
      onChain = await findOnChain(env, record, options.logPageBlocks ?? 5_000n);
      if (onChain.kind === 'superseded') {
        // "Its nonce is used but its event is not in the logs" decides `dropped`, so it must not be
        // a race with the block that used it: a node may answer for the new state a moment before
        // that block's logs can be read (seen once, with the operation landing as we looked). Ask
        // again after a moment; only the same answer twice is certain.
        await new Promise((resolve) => setTimeout(resolve, SUPERSEDED_RECHECK_MS));
        onChain = await findOnChain(env, record, options.logPageBlocks ?? 5_000n);
      }
    } catch {
      report.unreachable = true; // Nothing is decided without the chain's answer.
      continue;
    }
    if (onChain.kind === 'landed') {
      const status = onChain.outcome.success ? 'succeeded' : 'reverted';
      settled(record.id, status, recordOutcome(env, record.id, record.calls, onChain.outcome));
      continue;
    }
    if (onChain.kind === 'superseded') {
      const done = updateExecution(
        env.db,
        record.id,
        {
          status: 'dropped',
          error: `It never landed, and its nonce was used by another operation of ${record.account}, so it never can. Nothing of it moved.`,
        },
        UNFINISHED,
      );
      settled(record.id, 'dropped', done);
      continue;
    }

    // Not landed (yet). A record still pending was interrupted while being sent: it may have been.
    if (record.status === 'pending') updateExecution(env.db, record.id, { status: 'submitted' }, ['pending']);
    if (!bundlerAnswered || !bundler || !env.bundlerUrl) {
      report.unreachable = true;
      continue;
    }
    const status = await bundlerStatus(env.bundlerUrl, hash);
    if (status === 'in-mempool' && (options.waitMs ?? 60_000) > 0) {
      // The bundler still has it: it may land any moment. Wait for it (bounded).
      const landed = await bundler
        .waitForUserOperationReceipt({
          hash,
          pollingInterval: env.pollingIntervalMs,
          timeout: options.waitMs ?? 60_000,
        })
        .catch(() => undefined);
      if (landed)
        settled(
          record.id,
          landed.success ? 'succeeded' : 'reverted',
          recordReceipt(env, record.id, landed, record.calls),
        );
    } else if (status !== 'in-mempool') {
      const note = `The bundler ${status === 'unknown-to-bundler' ? 'no longer has' : 'cannot say whether it has'} this operation, and it has not landed. It never expires, so it could still land while its nonce is unused; Sextant keeps checking the chain.`;
      if (record.error !== note) updateExecution(env.db, record.id, { error: note }, UNFINISHED);
    }
  }
  return report;
}

/**
 * Runs reconcileExecutions every `intervalMs` while the server runs (never two passes at once, and
 * without waiting on operations the bundler holds: the next pass looks again). `stop` ends the
 * schedule and resolves once a pass under way has finished, so the database can be closed after it.
 */
export function startReconciliation(
  env: ExecutionEnvironment,
  options: {
    intervalMs?: number;
    onReport?: (report: ReconcileReport) => void;
    onError?: (error: unknown) => void;
  } = {},
): { stop: () => Promise<void> } {
  const intervalMs = options.intervalMs ?? 30_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      running = reconcileExecutions(env, { waitMs: 0 })
        .then((report) => options.onReport?.(report), options.onError)
        .finally(() => {
          running = undefined;
          if (!stopped) schedule();
        });
    }, intervalMs);
    // The schedule alone never keeps the process alive.
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Settles a transaction the account sent itself: its receipt, when it landed. Otherwise its nonce
 * decides, as for an operation: while the address's nonce has not passed the transaction's, it may
 * still land (it never expires), so it stays `submitted`; once another transaction of the address
 * has used that nonce (seen twice, a moment apart), it can never land: `dropped`.
 */
async function settleSelfSent(
  env: ExecutionEnvironment,
  record: UnfinishedExecution,
  waitMs: number,
): Promise<{ status: ExecutionStatus; done: boolean } | undefined> {
  const client = env.publicClient;
  const signed = record.signedTransaction as Hex;
  const hash = record.txHash ?? keccak256(signed);
  const receiptOf = () => client.getTransactionReceipt({ hash }).catch(notFound);
  let receipt = await receiptOf();
  if (!receipt) {
    const { nonce } = parseTransaction(signed);
    // The sender's nonce: the account's own address, or the agent key that redeems a standing order.
    const sender = await recoverTransactionAddress({ serializedTransaction: signed as TransactionSerialized });
    const used = async () => (await client.getTransactionCount({ address: sender, blockTag: 'latest' })) > (nonce ?? 0);
    if (await used()) {
      await new Promise((resolve) => setTimeout(resolve, SUPERSEDED_RECHECK_MS));
      receipt = await receiptOf();
      if (!receipt && (await used())) {
        const done = updateExecution(
          env.db,
          record.id,
          {
            status: 'dropped',
            error: `It never landed, and its nonce was used by another transaction of ${sender}, so it never can. Nothing of it moved.`,
          },
          UNFINISHED,
        );
        return { status: 'dropped', done };
      }
    }
  }
  if (!receipt && waitMs > 0 && (await client.getTransaction({ hash }).catch(notFound))) {
    // The node still has it: it may be mined any moment.
    receipt = await minedReceipt(client, hash, waitMs, env.pollingIntervalMs).catch(() => undefined);
  }
  if (receipt) {
    const status = receipt.status === 'success' ? 'succeeded' : 'reverted';
    return { status, done: await recordTransactionReceipt(env, record.id, receipt, record.calls) };
  }
  // Not landed. A record still pending was interrupted while being sent: it may have been.
  if (record.status === 'pending') updateExecution(env.db, record.id, { status: 'submitted' }, ['pending']);
  const note =
    'The transaction has not landed. It never expires, so it could still land while its nonce is unused; Sextant keeps checking the chain.';
  if (record.error !== note) updateExecution(env.db, record.id, { error: note }, UNFINISHED);
  return undefined;
}

/** undefined for "no such transaction (yet)"; anything else (the node did not answer) is thrown on. */
function notFound(error: unknown): undefined {
  const name = (error as { name?: string }).name;
  if (name === 'TransactionReceiptNotFoundError' || name === 'TransactionNotFoundError') return undefined;
  throw error;
}

type OnChain = { kind: 'landed'; outcome: OperationOutcome } | { kind: 'superseded' } | { kind: 'open' };

/** Whether the record's operation landed, can no longer land, or may still land (see reconcileExecutions). */
async function findOnChain(
  env: ExecutionEnvironment,
  record: UnfinishedExecution,
  pageBlocks: bigint,
): Promise<OnChain> {
  const client = env.publicClient;
  const entryPoint = entryPointOf(env, record);
  const hash = record.userOpHash as Hex;
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const operation = record.userOperation ? (JSON.parse(record.userOperation) as { sender: Address; nonce: Hex }) : null;
  if (operation) {
    const nonce = hexToBigInt(operation.nonce);
    const next = await client.readContract({
      address: entryPoint,
      abi: ENTRY_POINT,
      functionName: 'getNonce',
      args: [operation.sender, nonce >> 64n],
      blockNumber: latest,
    });
    // Landing uses the nonce: an unused one means it has not landed, no logs needed.
    if (next <= nonce) return { kind: 'open' };
  }
  const fromBlock = record.fromBlock ?? (await blockAtOrBefore(client, Date.parse(record.createdAt), latest));
  for (let start = fromBlock; start <= latest; start += pageBlocks) {
    const end = start + pageBlocks - 1n < latest ? start + pageBlocks - 1n : latest;
    const [event] = await client.getLogs({
      address: entryPoint,
      event: ENTRY_POINT[0],
      args: { userOpHash: hash },
      fromBlock: start,
      toBlock: end,
    });
    if (event) {
      const outcome: OperationOutcome = {
        success: event.args.success as boolean,
        txHash: event.transactionHash,
        gasUsed: event.args.actualGasUsed as bigint,
        feePaid: event.args.actualGasCost as bigint,
      };
      if (!outcome.success) {
        const receipt = await client.getTransactionReceipt({ hash: event.transactionHash });
        const reason = parseEventLogs({
          abi: ENTRY_POINT,
          eventName: 'UserOperationRevertReason',
          logs: receipt.logs,
        }).find((log) => log.args.userOpHash === hash);
        outcome.revertReason = reason?.args.revertReason;
      }
      return { kind: 'landed', outcome };
    }
  }
  // Without the signed operation its nonce is unknown, so "not in the logs" proves nothing.
  return operation ? { kind: 'superseded' } : { kind: 'open' };
}

/**
 * The EntryPoint the record's operation was sent to: v0.8 (SimpleAccount, Simple7702Account) unless
 * the signed operation's hash is its v0.7 hash (MetaMask's DeleGator). Read from the record itself,
 * not from the user's account now, which an upgrade may have changed since.
 */
function entryPointOf(env: ExecutionEnvironment, record: UnfinishedExecution): Address {
  const { entryPointV07, entryPointV08 } = env.chain.contracts;
  if (entryPointV07 && record.userOperation && record.userOpHash) {
    try {
      const userOperation = formatUserOperation(JSON.parse(record.userOperation));
      const v07 = getUserOperationHash({
        chainId: env.chain.chainId,
        entryPointAddress: entryPointV07,
        entryPointVersion: '0.7',
        userOperation,
      });
      if (v07.toLowerCase() === record.userOpHash.toLowerCase()) return entryPointV07;
    } catch {
      // Not a v0.7 operation Sextant signed: v0.8, as every record before the DeleGator.
    }
  }
  return entryPointV08 as Address;
}

/** The last block at or before `time` (ms), by bisection: where a record from before `from_block` starts. */
async function blockAtOrBefore(client: PublicClient, time: number, latest: bigint): Promise<bigint> {
  const seconds = BigInt(Math.floor(time / 1000));
  let low = 0n;
  let high = latest;
  while (low < high) {
    const middle = (low + high + 1n) / 2n;
    const block = await client.getBlock({ blockNumber: middle });
    if (block.timestamp <= seconds) low = middle;
    else high = middle - 1n;
  }
  return low;
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
    return 'undecided'; // A bundler without the method: it cannot say.
  }
}
