import type { Address } from 'viem';
import type { Db } from '../common/database.ts';
import type { ReceiptVerdict } from './receipt-check.ts';
import { rejectionStreak } from './receipts.ts';

/**
 * Quarantine: a provider whose last `after` usage receipts in a row were all rejected is not routed
 * to for `forMs`. One rejection demotes a provider (score.ts); a run of them is a pattern, not an
 * unlucky count (an emoji-dense reply the router under-counts), and a provider that keeps forging
 * must stop receiving the user's prompts at all.
 *
 * How it ends: when the period is over the provider is on probation. It is routed to again (ranked
 * by its score, so after every provider without rejections), and its next receipt decides: accepted
 * lifts the quarantine, rejected puts it back at once for another period (the run of rejections is
 * still there). Re-registering changes nothing: the quarantine is kept per address, in the database
 * (`router_quarantines`), so a restarted router keeps it too.
 */

export type QuarantineSettings = {
  /** Rejected receipts in a row that quarantine a provider (default 3). */
  after: number;
  /** How long a quarantine lasts, in ms (default 15 minutes). */
  forMs: number;
};

export const DEFAULT_QUARANTINE: QuarantineSettings = { after: 3, forMs: 15 * 60_000 };

export type QuarantineRecord = {
  provider: Address;
  /** ISO timestamps. */
  since: string;
  until: string;
  /** The rejected receipts in a row that started it. */
  rejections: number;
  /** The last rejected receipt's reason. */
  reason: string;
  /** When an accepted receipt ended it; undefined while it stands (or while on probation). */
  liftedAt: string | undefined;
};

type QuarantineRow = {
  provider: Address;
  since: string;
  until: string;
  rejections: number;
  reason: string;
  lifted_at: string | null;
};

const fromRow = (row: QuarantineRow): QuarantineRecord => ({
  provider: row.provider,
  since: row.since,
  until: row.until,
  rejections: row.rejections,
  reason: row.reason,
  liftedAt: row.lifted_at ?? undefined,
});

/** Every provider's current or last quarantine, as stored. */
export function listQuarantines(db: Db): QuarantineRecord[] {
  return (db.prepare('SELECT * FROM router_quarantines ORDER BY since').all() as QuarantineRow[]).map(fromRow);
}

/** Whether the record keeps its provider from being routed to at `now` (ms). */
export function isQuarantined(record: QuarantineRecord | undefined, now: number): record is QuarantineRecord {
  return record !== undefined && record.liftedAt === undefined && Date.parse(record.until) > now;
}

/** One line for people: why, and until when. */
export function describeQuarantine(record: QuarantineRecord): string {
  return `quarantined until ${record.until}: ${record.rejections} receipts in a row rejected (last: ${record.reason})`;
}

export type QuarantineChange = { kind: 'started' | 'lifted'; record: QuarantineRecord };

/** The router's quarantines: read from the database on start, kept in memory, written through. */
export class Quarantines {
  private readonly records = new Map<string, QuarantineRecord>();

  constructor(
    private readonly db: Db,
    readonly settings: QuarantineSettings,
    private readonly now: () => number = Date.now,
  ) {
    for (const record of listQuarantines(db)) {
      if (record.liftedAt === undefined) this.records.set(record.provider.toLowerCase(), record);
    }
  }

  /** The provider's quarantine while it stands; undefined when it may be routed to (probation included). */
  active(provider: string): QuarantineRecord | undefined {
    const record = this.records.get(provider.toLowerCase());
    return isQuarantined(record, this.now()) ? record : undefined;
  }

  /** Called once a receipt's verdict is recorded (receipts.ts): starts or lifts a quarantine. */
  afterVerdict(provider: Address, verdict: ReceiptVerdict): QuarantineChange | undefined {
    const key = provider.toLowerCase();
    const current = this.records.get(key);
    if (verdict.accepted) {
      if (!current) return undefined;
      const lifted = { ...current, liftedAt: new Date(this.now()).toISOString() };
      // By the stored spelling's lower case: an address may arrive checksummed or not.
      this.db
        .prepare('UPDATE router_quarantines SET lifted_at = ? WHERE lower(provider) = ?')
        .run(lifted.liftedAt, key);
      this.records.delete(key);
      return { kind: 'lifted', record: lifted };
    }
    // A reply that was already in flight when the quarantine started changes nothing.
    if (isQuarantined(current, this.now())) return undefined;
    const streak = rejectionStreak(this.db, provider, this.settings.after);
    if (streak < this.settings.after) return undefined;
    const now = this.now();
    const record: QuarantineRecord = {
      provider,
      since: new Date(now).toISOString(),
      until: new Date(now + this.settings.forMs).toISOString(),
      rejections: streak,
      reason: verdict.reason,
      liftedAt: undefined,
    };
    this.db
      .prepare(
        `INSERT INTO router_quarantines (provider, since, until, rejections, reason, lifted_at) VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT (provider) DO UPDATE SET since = excluded.since, until = excluded.until,
           rejections = excluded.rejections, reason = excluded.reason, lifted_at = NULL`,
      )
      .run(record.provider, record.since, record.until, record.rejections, record.reason);
    this.records.set(key, record);
    return { kind: 'started', record };
  }
}
