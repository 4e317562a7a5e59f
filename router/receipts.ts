import type { Address, Hex } from 'viem';
import type { Db } from '../common/database.ts';
import type { MeasuredHop, ReceiptVerdict } from './receipt-check.ts';
import { measuredCompletionTokens } from './tokens.ts';

/**
 * The usage receipts the router recorded, accepted or not. The accepted ones are the compute
 * contributions: `computeContributions` is what the emissions module's compute bucket reads.
 */
export type ReceiptRecord = {
  requestId: Hex;
  provider: Address;
  consumer: Address;
  model: string;
  /** What the provider claimed. */
  promptTokens: number;
  completionTokens: number;
  ttftMs: number;
  durationMs: number;
  /** Empty when the provider sent no readable receipt. */
  signature: Hex | '';
  pricePerMTokens: bigint;
  measured: { completionTokens: number; ttftMs: number; durationMs: number };
  accepted: boolean;
  reason: string | undefined;
  recordedAt: string;
};

/** Claims are uint64; one past what a JS number holds exactly is stored as the largest it does (it is rejected anyway). */
const clamp = (value: bigint | undefined) =>
  value === undefined ? 0 : Number(value > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : value);

/** Records the verdict on one hop's receipt. */
export function recordReceipt(
  db: Db,
  hop: MeasuredHop,
  verdict: ReceiptVerdict,
  pricePerMTokens: bigint,
  now: () => Date = () => new Date(),
): ReceiptRecord {
  const receipt = verdict.receipt;
  const record: ReceiptRecord = {
    requestId: hop.requestId,
    provider: hop.provider,
    consumer: hop.consumer,
    model: hop.model,
    promptTokens: clamp(receipt?.promptTokens),
    completionTokens: clamp(receipt?.completionTokens),
    ttftMs: clamp(receipt?.ttftMs),
    durationMs: clamp(receipt?.durationMs),
    signature: verdict.signature ?? '',
    pricePerMTokens,
    measured: {
      completionTokens: measuredCompletionTokens(hop.count),
      ttftMs: Math.round(hop.ttftMs),
      durationMs: Math.round(hop.durationMs),
    },
    accepted: verdict.accepted,
    reason: verdict.accepted ? undefined : verdict.reason,
    recordedAt: now().toISOString(),
  };
  db.prepare(
    `INSERT INTO router_receipts (request_id, provider, consumer, model, prompt_tokens, completion_tokens, ttft_ms,
       duration_ms, signature, price_per_m_tokens, measured_completion_tokens, measured_ttft_ms, measured_duration_ms,
       accepted, reason, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.requestId,
    record.provider,
    record.consumer,
    record.model,
    record.promptTokens,
    record.completionTokens,
    record.ttftMs,
    record.durationMs,
    record.signature,
    record.pricePerMTokens.toString(),
    record.measured.completionTokens,
    record.measured.ttftMs,
    record.measured.durationMs,
    record.accepted ? 1 : 0,
    record.reason ?? null,
    record.recordedAt,
  );
  return record;
}

type ReceiptRow = {
  request_id: Hex;
  provider: Address;
  consumer: Address;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  ttft_ms: number;
  duration_ms: number;
  signature: Hex | '';
  price_per_m_tokens: string;
  measured_completion_tokens: number;
  measured_ttft_ms: number;
  measured_duration_ms: number;
  accepted: 0 | 1;
  reason: string | null;
  recorded_at: string;
};

function fromRow(row: ReceiptRow): ReceiptRecord {
  return {
    requestId: row.request_id,
    provider: row.provider,
    consumer: row.consumer,
    model: row.model,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    ttftMs: row.ttft_ms,
    durationMs: row.duration_ms,
    signature: row.signature,
    pricePerMTokens: BigInt(row.price_per_m_tokens),
    measured: {
      completionTokens: row.measured_completion_tokens,
      ttftMs: row.measured_ttft_ms,
      durationMs: row.measured_duration_ms,
    },
    accepted: row.accepted === 1,
    reason: row.reason ?? undefined,
    recordedAt: row.recorded_at,
  };
}

export type ReceiptFilter = {
  provider?: Address | undefined;
  accepted?: boolean | undefined;
  /** ISO timestamps: from (inclusive) and until (exclusive). */
  from?: string | undefined;
  until?: string | undefined;
  limit?: number | undefined;
};

/** Receipts, newest first. */
export function listReceipts(db: Db, filter: ReceiptFilter = {}): ReceiptRecord[] {
  const { where, params } = conditions(filter);
  const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
  return (
    db
      .prepare(`SELECT * FROM router_receipts ${where} ORDER BY recorded_at DESC, rowid DESC${limit}`)
      .all(...params) as ReceiptRow[]
  ).map(fromRow);
}

/** One provider's accepted work over a period: the compute bucket's input. */
export type ComputeContribution = {
  provider: Address;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Σ (prompt + completion tokens) × the price per 1M tokens at the time, in the payment token's smallest unit. */
  value: bigint;
};

/**
 * The accepted receipts of a period, summed per provider (largest token total first). Rejected
 * receipts never count.
 */
export function computeContributions(db: Db, period: { from?: string; until?: string } = {}): ComputeContribution[] {
  const { where, params } = conditions({ ...period, accepted: true });
  const rows = db
    .prepare(`SELECT provider, prompt_tokens, completion_tokens, price_per_m_tokens FROM router_receipts ${where}`)
    .all(...params) as Pick<ReceiptRow, 'provider' | 'prompt_tokens' | 'completion_tokens' | 'price_per_m_tokens'>[];
  const byProvider = new Map<Address, ComputeContribution>();
  for (const row of rows) {
    const entry = byProvider.get(row.provider) ?? {
      provider: row.provider,
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      value: 0n,
    };
    entry.requests += 1;
    entry.promptTokens += row.prompt_tokens;
    entry.completionTokens += row.completion_tokens;
    // Summed before dividing by 1M, so small requests do not each round to nothing.
    entry.value += BigInt(row.prompt_tokens + row.completion_tokens) * BigInt(row.price_per_m_tokens);
    byProvider.set(row.provider, entry);
  }
  for (const entry of byProvider.values()) entry.value /= 1_000_000n;
  return [...byProvider.values()].sort(
    (a, b) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens),
  );
}

/**
 * How many of the provider's latest receipts in a row were rejected (looking back at most `limit`):
 * 0 when the latest was accepted.
 */
export function rejectionStreak(db: Db, provider: Address, limit: number): number {
  const rows = db
    .prepare(
      'SELECT accepted FROM router_receipts WHERE provider = ? COLLATE NOCASE ORDER BY recorded_at DESC, rowid DESC LIMIT ?',
    )
    .all(provider, Math.max(1, Math.floor(limit))) as Pick<ReceiptRow, 'accepted'>[];
  const firstAccepted = rows.findIndex((row) => row.accepted === 1);
  return firstAccepted === -1 ? rows.length : firstAccepted;
}

/** Per provider, how many receipts the router accepted and rejected (all time). */
export function receiptCounts(db: Db): Map<string, { accepted: number; rejected: number }> {
  const rows = db
    .prepare('SELECT provider, accepted, COUNT(*) AS n FROM router_receipts GROUP BY provider, accepted')
    .all() as { provider: Address; accepted: 0 | 1; n: number }[];
  const counts = new Map<string, { accepted: number; rejected: number }>();
  for (const row of rows) {
    const key = row.provider.toLowerCase();
    const entry = counts.get(key) ?? { accepted: 0, rejected: 0 };
    if (row.accepted === 1) entry.accepted += row.n;
    else entry.rejected += row.n;
    counts.set(key, entry);
  }
  return counts;
}

function conditions(filter: ReceiptFilter): { where: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (filter.provider) {
    clauses.push('provider = ? COLLATE NOCASE');
    params.push(filter.provider);
  }
  if (filter.accepted !== undefined) {
    clauses.push('accepted = ?');
    params.push(filter.accepted ? 1 : 0);
  }
  if (filter.from) {
    clauses.push('recorded_at >= ?');
    params.push(filter.from);
  }
  if (filter.until) {
    clauses.push('recorded_at < ?');
    params.push(filter.until);
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
