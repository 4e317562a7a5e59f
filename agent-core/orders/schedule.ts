import type { LocalAccount } from 'viem';
import type { Db } from '../../common/database.ts';
import type { LegReport } from '../../smart-accounts/bridge-continuations.ts';
import { runWaitingLegs } from '../../smart-accounts/bridge-continuations.ts';
import { WrongPassphraseError } from '../../smart-accounts/errors.ts';
import { unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { type ReconcileReport, reconcileExecutions } from '../../smart-accounts/reconcile.ts';
import { unlockAgentKey } from './agent-key.ts';
import { returnIdleAgentGas } from './return-agent-gas.ts';
import { type RunnerEnvironment, type RunnerReport, runOrders } from './runner.ts';

/**
 * Each user's agent key, opened with `passphrase` (or what it resolves to, asked once, at the first
 * key needed) and kept for the process's life: the runner opens them unattended, pass after pass,
 * and scrypt is slow on purpose. A key this passphrase does not open (a user who chose another one)
 * is undefined, so their orders wait, and is not tried again until `forget`. `ownerKey` opens the
 * users' own keys the same way, for the legs of their plans that wait on a bridge.
 */
export function agentKeysFor(
  db: Db,
  passphrase: string | (() => Promise<string>),
): {
  agentKey: (userId: string) => Promise<LocalAccount | undefined>;
  ownerKey: (userId: string) => Promise<LocalAccount | undefined>;
  forget: () => void;
} {
  let resolved: Promise<string> | undefined;
  const passphraseNow = () => {
    resolved ??= typeof passphrase === 'string' ? Promise.resolve(passphrase) : passphrase();
    return resolved;
  };
  const agent = keptKeys(passphraseNow, (userId, text) => unlockAgentKey(db, userId, text));
  const owner = keptKeys(passphraseNow, (userId, text) => unlockOwnerKey(db, userId, text));
  return {
    agentKey: agent.open,
    ownerKey: owner.open,
    forget: () => {
      agent.forget();
      owner.forget();
    },
  };
}

function keptKeys(
  passphraseNow: () => Promise<string>,
  unlock: (userId: string, passphrase: string) => Promise<LocalAccount>,
) {
  const opened = new Map<string, Promise<LocalAccount | undefined>>();
  return {
    open(userId: string): Promise<LocalAccount | undefined> {
      let key = opened.get(userId);
      if (!key) {
        key = passphraseNow()
          .then((text) => unlock(userId, text))
          .catch((error: unknown) => {
            if (error instanceof WrongPassphraseError) return undefined;
            // Anything else (no key yet, a passphrase that could not be read) is tried again next time.
            opened.delete(userId);
            throw error;
          });
        opened.set(userId, key);
      }
      return key;
    },
    forget: () => opened.clear(),
  };
}

/** Seconds between passes: ORDERS_INTERVAL_SECONDS, else 30 on the devnet and 60 elsewhere (0: off). */
export function ordersIntervalSeconds(configured: number | undefined, network: { isDevnet: boolean }): number {
  return configured ?? (network.isDevnet ? 30 : 60);
}

export type OrderPass = { reconciled?: ReconcileReport; orders: RunnerReport; legs?: LegReport };

/**
 * One pass as `sextant orders run` makes it: with `reconcile`, every execution left in flight (a
 * run, a grant, a plan) is settled from the chain first, without waiting on any; then runOrders;
 * then the unused gas of agent keys no order needs any more goes back to their users.
 */
export async function orderPass(env: RunnerEnvironment, options: { reconcile?: boolean } = {}): Promise<OrderPass> {
  const reconciled = options.reconcile ? await reconcileExecutions(env, { waitMs: 0 }) : undefined;
  const orders = await runOrders(env);
  // The legs of plans that continue on another chain, run there once their bridge is filled.
  const legs = env.ownerKey ? await runWaitingLegs(env, env.ownerKey) : undefined;
  return {
    ...(reconciled ? { reconciled } : {}),
    orders: [...orders, ...(await returnIdleAgentGas(env))],
    ...(legs ? { legs } : {}),
  };
}

/**
 * Runs a pass now and then every `intervalMs` after the last one ended, until `stop`: passes never
 * overlap, a failed pass is handed to `onError` and the schedule goes on. `stop` resolves once a pass
 * under way has finished, so the database can be closed after it. The timer does not keep the
 * process alive (the server does) unless `keepAlive`, for a runner that is all the process does.
 */
export function startOrderRunner(
  env: RunnerEnvironment,
  options: {
    intervalMs: number;
    reconcile?: boolean;
    keepAlive?: boolean;
    onPass?: (pass: OrderPass) => void;
    onError?: (error: unknown) => void;
  },
): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      running = orderPass(env, { reconcile: options.reconcile ?? false })
        .then((pass) => options.onPass?.(pass))
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = undefined;
          if (!stopped) schedule(options.intervalMs);
        });
    }, delayMs);
    if (!options.keepAlive) timer.unref();
  };
  schedule(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * What a pass changed, order by order: the outcomes that differ from the pass before, so a log
 * line is written when something happens, not every pass ("day 3 done" for a day).
 */
export function outcomeChanges(): (report: RunnerReport) => RunnerReport {
  const last = new Map<string, string>();
  return (report) =>
    report.filter(({ orderId, outcome }) => {
      if (last.get(orderId) === outcome) return false;
      last.set(orderId, outcome);
      return true;
    });
}
