import type { LocalAccount } from 'viem';
import type { Db } from '../common/database.ts';
import { PassphraseRequiredError } from './errors.ts';
import { unlockOwnerKey } from './keystore.ts';

/**
 * The owner keys a long-running server may sign with, in memory only. With SEXTANT_PASSPHRASE the
 * server opens a user's key itself when a plan is confirmed and keeps it while it runs, as before.
 * Without it, nothing ever waits on a terminal: signing throws PassphraseRequiredError (the API
 * answers 423), the user sends the passphrase over their signed-in session (`unlock`), and the key
 * stays open until it has gone unused for the idle time, then is dropped and asked for again.
 */
export type UnlockedKeys = {
  /** The user's key to sign with; PassphraseRequiredError when no passphrase is at hand. Counts as a use. */
  forSigning(userId: string): Promise<LocalAccount>;
  /** Opens the user's key with `passphrase` (WrongPassphraseError if it does not open) and keeps it for the idle time. */
  unlock(userId: string, passphrase: string): Promise<LocalAccount>;
  /** Drops the user's key from memory now. */
  lock(userId: string): void;
  /** Whether the user's key is open in memory. */
  isUnlocked(userId: string): boolean;
  /** Whether SEXTANT_PASSPHRASE (or the configured passphrase) opens keys without asking. */
  readonly hasPassphrase: boolean;
  /** How long an unlocked key may go unused before it is dropped, in milliseconds. */
  readonly idleMs: number;
  /** Drops every key and its timer (the server is stopping). */
  close(): void;
};

export const DEFAULT_UNLOCK_IDLE_MINUTES = 15;

export function unlockedKeys(db: Db, options: { passphrase?: string | undefined; idleMs?: number } = {}): UnlockedKeys {
  const idleMs = options.idleMs ?? DEFAULT_UNLOCK_IDLE_MINUTES * 60_000;
  const passphrase = options.passphrase || undefined;
  const open = new Map<string, { account: LocalAccount; timer: NodeJS.Timeout | undefined }>();

  /** Keeps the key, restarting its idle clock; a key opened by the configured passphrase never idles out. */
  const keep = (userId: string, account: LocalAccount, idles: boolean) => {
    const previous = open.get(userId);
    if (previous?.timer) clearTimeout(previous.timer);
    // unref: an idle timer must not keep a stopping process alive.
    const timer = idles ? setTimeout(() => open.delete(userId), idleMs).unref() : undefined;
    open.set(userId, { account, timer });
    return account;
  };

  return {
    hasPassphrase: passphrase !== undefined,
    idleMs,
    async forSigning(userId) {
      const known = open.get(userId);
      if (known) return keep(userId, known.account, known.timer !== undefined);
      if (passphrase) return keep(userId, await unlockOwnerKey(db, userId, passphrase), false);
      throw new PassphraseRequiredError(`The passphrase is needed to sign for user "${userId}".`, {
        hint: `Unlock the owner key with POST /v1/session/unlock {"passphrase": "…"} (the page asks for it), or start the server with SEXTANT_PASSPHRASE set. It stays unlocked for ${formatMinutes(idleMs)} without use.`,
      });
    },
    async unlock(userId, typed) {
      return keep(userId, await unlockOwnerKey(db, userId, typed), true);
    },
    lock(userId) {
      const known = open.get(userId);
      if (known?.timer) clearTimeout(known.timer);
      open.delete(userId);
    },
    isUnlocked: (userId) => open.has(userId),
    close() {
      for (const { timer } of open.values()) if (timer) clearTimeout(timer);
      open.clear();
    },
  };
}

/** "15 minutes", "1 minute", "30 seconds": the idle time as people say it. */
export function formatMinutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  const minutes = Math.round((ms / 60_000) * 10) / 10;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
