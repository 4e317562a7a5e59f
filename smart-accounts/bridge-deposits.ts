import {
  type Address,
  type Hex,
  isAddressEqual,
  type Log,
  type PublicClient,
  parseAbiItem,
  parseEventLogs,
  toEventSelector,
} from 'viem';
import type { Chain } from '../common/chains/types.ts';
import {
  type AcrossDeposit,
  type DepositStatus,
  depositFromLog,
  depositStatus,
  FUNDS_DEPOSITED,
  fromBytes32,
  type RefundPayment,
  refundPayments,
} from '../common/contracts/across.ts';
import type { Db } from '../common/database.ts';
import { publicClientFor } from '../common/network.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { type ExecutionRecord, listExecutions } from './executions.ts';

/**
 * The Across deposits a user's executions made, and where each stands. A deposit is read from the
 * execution's own transaction (its FundsDeposited, from the chain's SpokePool, by the account) and
 * recorded once, keyed as Across keys it (origin chain, deposit id): reading a receipt again, after a
 * restart or from another process, finds the row already there. Its status is then read from both
 * chains (common/contracts/across.ts `depositStatus`) until it is final: `filled` on the destination,
 * or `refunded` on the origin after it expired. Everything here is derived from chain state, so a
 * crash at any point loses nothing: the next read picks up where the chain is.
 */
export type BridgeDeposit = {
  originChainId: number;
  depositId: bigint;
  executionId: string;
  userId: string;
  destinationChainId: number;
  deposit: AcrossDeposit;
  status: DepositStatus;
  createdAt: string;
  updatedAt: string;
};

/** The statuses after which nothing can change: read no more. */
const FINAL: readonly DepositStatus[] = ['filled', 'refunded'];

type Row = {
  origin_chain_id: number;
  deposit_id: string;
  execution_id: string;
  user_id: string;
  destination_chain_id: number;
  deposit: string;
  status: DepositStatus;
  created_at: string;
  updated_at: string;
};

/** Records the Across deposits of one settled execution, once each; returns that execution's deposits. */
export async function recordBridgeDeposits(
  env: ExecutionEnvironment,
  record: ExecutionRecord,
): Promise<BridgeDeposit[]> {
  const spokePool = env.chain.contracts.acrossSpokePool;
  if (
    record.status !== 'succeeded' ||
    !record.txHash ||
    record.chainId !== env.chain.chainId ||
    !spokePool ||
    !record.calls.some((call) => isAddressEqual(call.to, spokePool))
  ) {
    return depositsOfExecution(env.db, record.id);
  }
  const receipt = await env.publicClient.getTransactionReceipt({ hash: record.txHash });
  // One bundle may carry other operations, of other accounts or of this one (another execution): only
  // the logs of this execution's own operation, then only this account's deposits, from this SpokePool.
  // (Without an operation hash the account sent the transaction itself: all of it is this execution.)
  const logs = record.userOpHash ? logsOfOperation(receipt.logs, record.userOpHash) : receipt.logs;
  const deposits = parseEventLogs({ abi: [FUNDS_DEPOSITED], logs })
    .filter((log) => isAddressEqual(log.address, spokePool))
    .map((log) => depositFromLog(env.chain.chainId, log.args))
    .filter((deposit) => isAddressEqual(fromBytes32(deposit.depositor), record.account));
  const now = new Date().toISOString();
  const insert = env.db.prepare(
    `INSERT OR IGNORE INTO bridge_deposits (origin_chain_id, deposit_id, execution_id, user_id, destination_chain_id,
       deposit, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  for (const deposit of deposits) {
    insert.run(
      deposit.originChainId,
      deposit.depositId.toString(),
      record.id,
      record.userId,
      deposit.destinationChainId,
      serialize(deposit),
      now,
      now,
    );
  }
  return depositsOfExecution(env.db, record.id);
}

const USER_OPERATION_EVENT = toEventSelector(
  parseAbiItem(
    'event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)',
  ),
);
const BEFORE_EXECUTION = toEventSelector(parseAbiItem('event BeforeExecution()'));

/**
 * The logs one UserOperation's execution emitted in its bundle transaction, as bundlers give them in
 * its receipt: after the EntryPoint's BeforeExecution or the previous operation's UserOperationEvent,
 * up to its own UserOperationEvent. None when its event is not in the transaction.
 */
function logsOfOperation<T extends Log>(logs: readonly T[], userOpHash: Hex): T[] {
  const end = logs.findIndex(
    (log) => log.topics[0] === USER_OPERATION_EVENT && log.topics[1]?.toLowerCase() === userOpHash.toLowerCase(),
  );
  if (end < 0) return [];
  const entryPoint = logs[end]?.address as Address;
  let start = end;
  while (start > 0) {
    const log = logs[start - 1] as T;
    if (
      isAddressEqual(log.address, entryPoint) &&
      (log.topics[0] === USER_OPERATION_EVENT || log.topics[0] === BEFORE_EXECUTION)
    ) {
      break;
    }
    start -= 1;
  }
  return logs.slice(start, end);
}

/**
 * Brings a user's deposits up to date: records those of executions not read yet, then reads each one
 * not final from both chains. The chains it can read are the environment's and its other networks; a
 * deposit to or from a chain it cannot reach keeps its last status.
 */
export async function followBridgeDeposits(env: ExecutionEnvironment, userId: string): Promise<BridgeDeposit[]> {
  const spokePool = env.chain.contracts.acrossSpokePool;
  if (spokePool) {
    const recorded = new Set(listBridgeDeposits(env.db, userId).map((d) => d.executionId));
    for (const record of listExecutions(env.db, userId)) {
      if (!recorded.has(record.id)) await recordBridgeDeposits(env, record);
    }
  }
  const sides = new Map<number, { client: PublicClient; spokePool: Address }>();
  const addSide = (chain: Chain, client: () => PublicClient) => {
    if (chain.contracts.acrossSpokePool) {
      sides.set(chain.chainId, { client: client(), spokePool: chain.contracts.acrossSpokePool });
    }
  };
  addSide(env.chain, () => env.publicClient);
  for (const network of env.otherNetworks ?? []) addSide(network.chain, () => publicClientFor(network));

  // Refunds are paid per depositor and token, possibly several deposits in one payment, and name no
  // deposit: what deposits already seen refunded took of them is not counted again, whatever order
  // they were recognised in (read again from the database before each deposit and checked again when
  // writing, as another process may follow the same deposits), and the open ones are read in the order
  // they expire (fill deadline, then deposit id), the order their refunds are paid in: a deposit whose
  // deadline is still ahead cannot have been refunded yet, so it does not take an earlier one's refund.
  const deposits = listBridgeDeposits(env.db, userId);
  const open = deposits
    .filter((deposit) => !FINAL.includes(deposit.status))
    .sort(
      (a, b) =>
        a.deposit.fillDeadline - b.deposit.fillDeadline ||
        a.originChainId - b.originChainId ||
        (a.depositId < b.depositId ? -1 : a.depositId > b.depositId ? 1 : 0),
    );
  // The refund logs are read once per origin, depositor and token in a pass (from block 0: one read).
  const paymentsOf = new Map<string, Promise<RefundPayment[] | undefined>>();
  for (const deposit of open) {
    const origin = sides.get(deposit.originChainId);
    const destination = sides.get(deposit.destinationChainId);
    if (!origin || !destination) continue;
    const key = keyOf(deposit);
    if (!paymentsOf.has(key))
      paymentsOf.set(
        key,
        refundPayments(origin, deposit.deposit).catch(() => undefined),
      );
    // A chain that does not answer now: the deposit keeps its last status until the next read.
    const payments = await paymentsOf.get(key);
    if (!payments) continue;
    const already = takenFromWindow(env.db, userId, deposit, payments);
    const status = await depositStatus(origin, destination, deposit.deposit, already, payments).catch(() => undefined);
    if (!status || status === deposit.status) continue;
    const updatedAt = new Date().toISOString();
    env.db.transaction(() => {
      // Not when another process gave those refunds to another deposit meanwhile (read again next time),
      // and never over a final status another process wrote meanwhile.
      if (status === 'refunded' && takenFromWindow(env.db, userId, deposit, payments) !== already) return;
      env.db
        .prepare(
          `UPDATE bridge_deposits SET status = ?, updated_at = ?
           WHERE origin_chain_id = ? AND deposit_id = ? AND status NOT IN ('filled', 'refunded')`,
        )
        .run(status, updatedAt, deposit.originChainId, deposit.depositId.toString());
    })();
    const row = env.db
      .prepare(`SELECT status, updated_at FROM bridge_deposits WHERE origin_chain_id = ? AND deposit_id = ?`)
      .get(deposit.originChainId, deposit.depositId.toString()) as Pick<Row, 'status' | 'updated_at'>;
    deposit.status = row.status;
    deposit.updatedAt = row.updated_at;
  }
  return deposits;
}

/**
 * What the user's deposits already refunded (same origin, depositor and input token) must have taken
 * of the refunds paid after `deposit`'s deadline, the only ones that can be its own: all of its input
 * for one whose deadline is not earlier (its refund came after its deadline, so after this one's too);
 * for one with an earlier deadline, what the refunds paid between the two deadlines could not cover.
 * It errs on the side of taking more, so a deposit is never read refunded on another's refund.
 */
function takenFromWindow(db: Db, userId: string, deposit: BridgeDeposit, payments: readonly RefundPayment[]): bigint {
  const key = keyOf(deposit);
  const deadline = BigInt(deposit.deposit.fillDeadline);
  return listBridgeDeposits(db, userId)
    .filter((other) => other.status === 'refunded' && keyOf(other) === key && other.depositId !== deposit.depositId)
    .reduce((sum, other) => {
      const otherDeadline = BigInt(other.deposit.fillDeadline);
      if (otherDeadline >= deadline) return sum + other.deposit.inputAmount;
      const between = payments
        .filter((payment) => payment.time > otherDeadline && payment.time <= deadline)
        .reduce((total, payment) => total + payment.amount, 0n);
      const rest = other.deposit.inputAmount - between;
      return sum + (rest > 0n ? rest : 0n);
    }, 0n);
}

const keyOf = (deposit: BridgeDeposit) =>
  `${deposit.originChainId}:${deposit.deposit.depositor}:${deposit.deposit.inputToken}`.toLowerCase();

/** A user's deposits, oldest first (by origin chain and deposit id). */
export function listBridgeDeposits(db: Db, userId: string): BridgeDeposit[] {
  const rows = db
    .prepare(`SELECT * FROM bridge_deposits WHERE user_id = ? ORDER BY origin_chain_id, CAST(deposit_id AS INTEGER)`)
    .all(userId) as Row[];
  return rows.map(fromRow);
}

function depositsOfExecution(db: Db, executionId: string): BridgeDeposit[] {
  const rows = db
    .prepare(`SELECT * FROM bridge_deposits WHERE execution_id = ? ORDER BY CAST(deposit_id AS INTEGER)`)
    .all(executionId) as Row[];
  return rows.map(fromRow);
}

function serialize(deposit: AcrossDeposit): string {
  return JSON.stringify(deposit, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}

function fromRow(row: Row): BridgeDeposit {
  const raw = JSON.parse(row.deposit) as Record<string, unknown>;
  const deposit: AcrossDeposit = {
    ...(raw as AcrossDeposit),
    depositId: BigInt(raw.depositId as string),
    inputAmount: BigInt(raw.inputAmount as string),
    outputAmount: BigInt(raw.outputAmount as string),
  };
  return {
    originChainId: row.origin_chain_id,
    depositId: BigInt(row.deposit_id),
    executionId: row.execution_id,
    userId: row.user_id,
    destinationChainId: row.destination_chain_id,
    deposit,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
