import { randomUUID } from 'node:crypto';
import { type Address, isAddressEqual, type LocalAccount } from 'viem';
import type { Db } from '../common/database.ts';
import { type BridgeDeposit, followBridgeDeposits } from './bridge-deposits.ts';
import { type ExecutionEnvironment, executionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import { type Call, type ExecutionRecord, getExecution, hasOtherUnfinished, otherUnfinished } from './executions.ts';
import type { Spend } from './shortfall.ts';
import { accountKindFor, smartAccountAddress } from './smart-account.ts';
import { unwatchedHoldings } from './unwatched-holdings.ts';

/**
 * The second leg of a plan that continues on another chain ("bridge 100 USDC to devnet-l2 and supply
 * it to Aave there"): calls to run on the destination once the bridge's deposit is filled there.
 *
 * - Written before the bridge is sent, in the same SQLite transaction that creates the bridge's
 *   execution record (`scheduleContinuation` from execute's `onRecordCreated`): one exists if and only
 *   if the bridge's execution does.
 * - Run once: as an execution of its own on the destination, with the key `continuation:<id>`, so a
 *   crash between sending it and marking it finds the same execution again, never a second. Only an
 *   attempt certainly not sent (`failed` with nothing sent: a bundler that did not answer) is tried
 *   again, under a new key, on a later run, up to three tries.
 * - Waits while the deposit is pending; is abandoned, with the reason, when the bridge's execution did
 *   not succeed or its deposit expired (its input comes back on the origin, the calls never run).
 */
export type BridgeContinuation = {
  id: string;
  userId: string;
  planId: string | null;
  afterExecutionId: string;
  destinationChainId: number;
  /** The account the calls were built and previewed for (null: written before this was kept). */
  account: Address | null;
  calls: Call[];
  spends: Spend[];
  /**
   * When the leg may run unvetted code: every token its guard reads, all the account held there at the
   * preview. It does not run once the account holds another there (unwatched-holdings.ts).
   */
  watchesHoldings: Address[] | null;
  status: 'waiting' | 'executed' | 'abandoned';
  executionId: string | null;
  reason: string | null;
  /** Tries certainly not sent so far (each its own execution). */
  attempts: number;
  /** When it last changed (ISO time). */
  updatedAt: string;
};

type Row = {
  id: string;
  user_id: string;
  plan_id: string | null;
  after_execution_id: string;
  destination_chain_id: number;
  account: Address | null;
  calls: string;
  spends: string;
  watches_holdings: string | null;
  status: BridgeContinuation['status'];
  execution_id: string | null;
  reason: string | null;
  attempts: number;
  updated_at: string;
};

/** Writes a continuation for the bridge whose execution is `afterExecutionId` (inside its transaction). */
export function scheduleContinuation(
  db: Db,
  continuation: Pick<BridgeContinuation, 'userId' | 'afterExecutionId' | 'destinationChainId' | 'calls' | 'spends'> & {
    planId?: string;
    /** The account the calls were built for: the leg runs from it or not at all. */
    account: Address;
    watchesHoldings?: Address[] | undefined;
  },
): string {
  const id = randomUUID();
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO bridge_continuations (id, user_id, plan_id, after_execution_id, destination_chain_id, account, calls,
       spends, watches_holdings, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?)`,
  ).run(
    id,
    continuation.userId,
    continuation.planId ?? null,
    continuation.afterExecutionId,
    continuation.destinationChainId,
    continuation.account,
    json(continuation.calls),
    json(continuation.spends),
    continuation.watchesHoldings ? json(continuation.watchesHoldings) : null,
    now,
    now,
  );
  return id;
}

/**
 * Runs the user's continuations whose deposit has been filled, each once, and abandons those whose
 * bridge failed or expired; returns them all as they now stand. `owner` signs on the destination.
 */
export async function runContinuations(
  env: ExecutionEnvironment,
  userId: string,
  owner: LocalAccount,
  /** The user's deposits as `followBridgeDeposits` just read them, when the caller has: not read again. */
  followed?: readonly BridgeDeposit[],
): Promise<BridgeContinuation[]> {
  const waiting = listContinuations(env.db, userId).filter((c) => c.status === 'waiting');
  if (waiting.length > 0) {
    const deposits = followed ?? (await followBridgeDeposits(env, userId));
    for (const continuation of waiting) {
      let bridge: ExecutionRecord;
      try {
        bridge = getExecution(env.db, userId, continuation.afterExecutionId);
      } catch {
        // Not this user's execution (or none at all): nothing can bring its funds there.
        settle(
          env.db,
          continuation.id,
          'abandoned',
          null,
          `the bridge ${continuation.afterExecutionId} is not an execution of ${userId}`,
        );
        continue;
      }
      if (bridge.status === 'reverted' || bridge.status === 'failed' || bridge.status === 'dropped') {
        settle(env.db, continuation.id, 'abandoned', null, `the bridge did not happen (${bridge.status})`);
        continue;
      }
      // Every deposit the bridge made to this leg's chain must have been filled there (one execution may
      // make several; a leg built for what they all bring must not run on the first fill).
      const made = deposits.filter((d) => d.executionId === bridge.id);
      if (made.length === 0) {
        // Succeeded without a deposit of this account: nothing is coming. Otherwise not settled yet: wait.
        // (Read only from the bridge's own chain: run from another chain, it waits.)
        if (bridge.status === 'succeeded' && bridge.chainId === env.chain.chainId) {
          settle(env.db, continuation.id, 'abandoned', null, 'the bridge made no deposit');
        }
        continue;
      }
      const toHere = made.filter((d) => d.destinationChainId === continuation.destinationChainId);
      if (toHere.length === 0) {
        const elsewhere = [...new Set(made.map((d) => d.destinationChainId))].join(', ');
        settle(
          env.db,
          continuation.id,
          'abandoned',
          null,
          `the bridge's deposit goes to chain ${elsewhere}, not ${continuation.destinationChainId}`,
        );
        continue;
      }
      const deposit = toHere.find((d) => d.status === 'expired' || d.status === 'refunded');
      if (deposit) {
        settle(
          env.db,
          continuation.id,
          'abandoned',
          null,
          `the bridge's deposit ${deposit.status === 'refunded' ? 'expired and was refunded' : 'expired unfilled (its refund comes on the origin)'}`,
        );
        continue;
      }
      if (!toHere.every((d) => d.status === 'filled')) continue;
      const destination = (env.otherNetworks ?? []).find((n) => n.chain.chainId === continuation.destinationChainId);
      if (!destination) continue; // the destination is not reachable from here now: wait
      const there = executionEnvironment(env.db, destination);
      // The calls were built and previewed for one account: from any other (the user changed account
      // mode since, `sextant account upgrade`) they would move that account's funds, never previewed.
      const now = await smartAccountAddress(
        there.publicClient,
        there.chain,
        owner.address,
        accountKindFor(env.db, userId),
      );
      if (continuation.account && !isAddressEqual(now, continuation.account)) {
        settle(
          env.db,
          continuation.id,
          'abandoned',
          null,
          `it was built for the account ${continuation.account}, and your account is now ${now}; what the bridge brought waits at ${continuation.account}`,
        );
        continue;
      }
      // A leg that may run unvetted code has a guard that watches what the account held there at the
      // preview, long before: one that holds another token now would leave it unwatched.
      if (continuation.watchesHoldings) {
        let unwatched: Awaited<ReturnType<typeof unwatchedHoldings>>;
        try {
          unwatched = await unwatchedHoldings(there.publicClient, there.chain, now, continuation.watchesHoldings);
        } catch {
          continue; // not readable now: wait
        }
        if (unwatched.length > 0) {
          settle(
            env.db,
            continuation.id,
            'abandoned',
            null,
            `the account now holds ${unwatched.map((h) => h.symbol).join(', ')} there, which it did not hold when the leg was previewed; the leg runs code Sextant has not vetted, and its on-chain guard watches only what the account held then. What the bridge brought waits in the account`,
          );
          continue;
        }
      }
      // Runs alone (agent-core/plan/runs-alone.ts), checked last, just before its record is written: a leg that may run unvetted code waits while any
      // other operation of the account is on its way there (what lands beside it would not be
      // watched); any leg waits while such an operation is (what it brings in would not be).
      const inTheWay = continuation.watchesHoldings
        ? hasOtherUnfinished(env.db, there.chain.chainId, now, '')
        : otherUnfinished(env.db, there.chain.chainId, now, { runsAlone: true }) !== undefined;
      if (inTheWay) continue;
      const record: ExecutionRecord = await execute(there, owner, {
        userId,
        idempotencyKey:
          continuation.attempts === 0
            ? `continuation:${continuation.id}`
            : `continuation:${continuation.id}:${continuation.attempts}`,
        ...(continuation.planId ? { planId: continuation.planId } : {}),
        calls: continuation.calls,
        spends: continuation.spends,
        runsAlone: continuation.watchesHoldings !== null,
      });
      if (record.status === 'pending') {
        // Another run is sending it right now, or one was interrupted before it was sent: not settled
        // here until its record is (reconciliation fails one interrupted before it was signed).
        continue;
      }
      if (record.status === 'failed' && record.sent === 'no' && continuation.attempts + 1 < MAX_ATTEMPTS) {
        // Certainly not sent (the bundler did not answer, say): tried again, as a new execution, on the
        // next run; the bridged funds wait there meanwhile.
        env.db
          .prepare(
            `UPDATE bridge_continuations SET attempts = attempts + 1, reason = ?, updated_at = ?
             WHERE id = ? AND status = 'waiting' AND attempts = ?`,
          )
          .run(
            `attempt ${continuation.attempts + 1} could not be sent (${record.error}); tried again on the next run`,
            new Date().toISOString(),
            continuation.id,
            continuation.attempts,
          );
        continue;
      }
      if (record.status === 'failed' || record.status === 'dropped') {
        // Refused, or never sent (`failed`), or its nonce taken by another operation (`dropped`): it did
        // not run and never will. The bridged funds wait there, untouched.
        settle(
          env.db,
          continuation.id,
          'abandoned',
          record.id,
          `the leg on the destination ${record.status === 'dropped' ? 'was dropped' : 'could not be sent'}: ${record.error}`,
        );
      } else {
        // Sent: settled by its own record from here on (reconciliation finishes one left `submitted`).
        settle(env.db, continuation.id, 'executed', record.id, null);
      }
    }
  }
  return listContinuations(env.db, userId);
}

/** A leg in one line, as the runner's pass prints it and the server logs it. */
export function legLine(userId: string, leg: BridgeContinuation): string {
  return `Leg after a bridge ${leg.id} of ${userId}: ${leg.status}${leg.reason ? ` (${leg.reason})` : ''}${leg.executionId ? `, execution ${leg.executionId}` : ''}`;
}

/** Per user with legs waiting on a bridge: how those legs stand after a pass, or why they were not run. */
export type LegReport = { userId: string; legs: BridgeContinuation[] | undefined; problem: string | undefined }[];

/**
 * Every user's legs waiting on a bridge, each user's run as `runContinuations` runs them (the
 * server's periodic pass). A user whose key cannot be opened now keeps their legs waiting; a user's
 * failure is reported and does not stop the others'.
 */
export async function runWaitingLegs(
  env: ExecutionEnvironment,
  ownerKey: (userId: string) => Promise<LocalAccount | undefined>,
): Promise<LegReport> {
  const users = env.db
    .prepare(`SELECT DISTINCT user_id FROM bridge_continuations WHERE status = 'waiting' ORDER BY user_id`)
    .all() as { user_id: string }[];
  const report: LegReport = [];
  for (const { user_id: userId } of users) {
    try {
      const owner = await ownerKey(userId);
      if (!owner) {
        report.push({ userId, legs: undefined, problem: 'the key could not be opened with this passphrase' });
        continue;
      }
      report.push({ userId, legs: await runContinuations(env, userId, owner), problem: undefined });
    } catch (error) {
      report.push({ userId, legs: undefined, problem: (error as Error).message });
    }
  }
  return report;
}

/** How many times a leg certainly not sent is tried before it is dropped. */
const MAX_ATTEMPTS = 3;

/**
 * The leg of a plan's execution: the continuation written with the execution `afterExecutionId` (a
 * plan confirmed again after nothing was sent has one per attempt; the plan's current execution's is
 * the one that counts).
 */
export function continuationAfter(db: Db, userId: string, afterExecutionId: string): BridgeContinuation | undefined {
  return listContinuations(db, userId).find((c) => c.afterExecutionId === afterExecutionId);
}

export function listContinuations(db: Db, userId: string): BridgeContinuation[] {
  const rows = db
    .prepare(`SELECT * FROM bridge_continuations WHERE user_id = ? ORDER BY created_at, id`)
    .all(userId) as Row[];
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    planId: row.plan_id,
    afterExecutionId: row.after_execution_id,
    destinationChainId: row.destination_chain_id,
    account: row.account,
    calls: parseCalls(row.calls),
    spends: (JSON.parse(row.spends) as { token: `0x${string}`; amount: string }[]).map((s) => ({
      token: s.token,
      amount: BigInt(s.amount),
    })),
    watchesHoldings: row.watches_holdings ? (JSON.parse(row.watches_holdings) as Address[]) : null,
    status: row.status,
    executionId: row.execution_id,
    reason: row.reason,
    attempts: row.attempts,
    updatedAt: row.updated_at,
  }));
}

function settle(
  db: Db,
  id: string,
  status: 'executed' | 'abandoned',
  executionId: string | null,
  reason: string | null,
): void {
  db.prepare(
    `UPDATE bridge_continuations SET status = ?, execution_id = ?, reason = ?, updated_at = ? WHERE id = ? AND status = 'waiting'`,
  ).run(status, executionId, reason, new Date().toISOString(), id);
}

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function parseCalls(text: string): Call[] {
  return (JSON.parse(text) as { to: `0x${string}`; value?: string; data?: `0x${string}` }[]).map((call) => ({
    to: call.to,
    ...(call.value !== undefined ? { value: BigInt(call.value) } : {}),
    ...(call.data !== undefined ? { data: call.data } : {}),
  }));
}
