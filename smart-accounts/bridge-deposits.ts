import { type Address, isAddressEqual, type PublicClient, parseEventLogs } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import {
  type AcrossDeposit,
  type DepositStatus,
  depositFromLog,
  depositStatus,
  FUNDS_DEPOSITED,
  fromBytes32,
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
  // One bundle may carry other accounts' operations: only this account's deposits, from this SpokePool.
  const deposits = parseEventLogs({ abi: [FUNDS_DEPOSITED], logs: receipt.logs })
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

  // Refunds are paid per depositor and token, possibly several deposits in one payment: what the
  // deposits before this one (in deposit order) took of them is not counted again.
  const counted = new Map<string, bigint>();
  const deposits = listBridgeDeposits(env.db, userId);
  for (const deposit of deposits) {
    const key = `${deposit.originChainId}:${deposit.deposit.depositor}:${deposit.deposit.inputToken}`.toLowerCase();
    const already = counted.get(key) ?? 0n;
    if (!FINAL.includes(deposit.status)) {
      const origin = sides.get(deposit.originChainId);
      const destination = sides.get(deposit.destinationChainId);
      // A chain that does not answer now: the deposit keeps its last status until the next read.
      const status =
        origin && destination
          ? await depositStatus(origin, destination, deposit.deposit, already).catch(() => undefined)
          : undefined;
      if (status) {
        if (status !== deposit.status) {
          deposit.status = status;
          deposit.updatedAt = new Date().toISOString();
          env.db
            .prepare(
              `UPDATE bridge_deposits SET status = ?, updated_at = ? WHERE origin_chain_id = ? AND deposit_id = ?`,
            )
            .run(status, deposit.updatedAt, deposit.originChainId, deposit.depositId.toString());
        }
      }
    }
    if (deposit.status === 'refunded') counted.set(key, already + deposit.deposit.inputAmount);
  }
  return deposits;
}

/** A user's deposits, oldest first (by origin chain and deposit id, the order refunds are counted in). */
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
