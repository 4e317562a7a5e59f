import { SextantError } from '../common/errors.ts';

export class SmartAccountError extends SextantError {
  override name = 'SmartAccountError';
}

/** The keystore could not be opened: no passphrase, a wrong one, or a damaged record. */
export class KeystoreError extends SmartAccountError {
  override name = 'KeystoreError';
}

/** The passphrase does not open the owner key (GCM's check failed: a wrong passphrase, or an altered record). */
export class WrongPassphraseError extends KeystoreError {
  override name = 'WrongPassphraseError';
  override readonly code = 'wrong-passphrase';
  override readonly status = 403;
}

/**
 * Signing needs the owner key, and nothing in memory can open it: no SEXTANT_PASSPHRASE, and the user
 * has not unlocked it (or it was locked again after the idle time). The server answers 423 and the
 * page asks for the passphrase; nothing waits on a terminal.
 */
export class PassphraseRequiredError extends KeystoreError {
  override name = 'PassphraseRequiredError';
  override readonly code = 'passphrase-required';
  /** Locked: the page asks for the passphrase, unlocks, and confirms again. */
  override readonly status = 423;
}

export class UnknownUserError extends SmartAccountError {
  override name = 'UnknownUserError';
  override readonly code = 'unknown-user';
}

/** The account lacks what the calls or the gas need; `missing` says what, in human units. */
export class ShortfallError extends SmartAccountError {
  override name = 'ShortfallError';
  override readonly code = 'shortfall';
  readonly missing: { symbol: string; needed: string; available: string; short: string }[];
  constructor(missing: ShortfallError['missing'], hint: string) {
    super(
      `Not enough funds: ${missing.map((m) => `${m.symbol} needs ${m.needed}, has ${m.available} (short ${m.short})`).join('; ')}.`,
      { hint },
    );
    this.missing = missing;
  }
}
