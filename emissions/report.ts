import { formatUnits } from 'viem';
import type { z } from 'zod';
import type { Db } from '../common/database.ts';
import { getEpoch, storedBuckets, topPayouts } from './store.ts';
import { amountTable } from './table.ts';
import type { EpochReportSchema } from './views.ts';

const tokens = (wei: bigint) => formatUnits(wei, 18);

/** A settled epoch for people and for the chart (its schema: EpochReportSchema, views.ts). */
export type EpochReport = z.output<typeof EpochReportSchema>;

export function epochReport(db: Db, epoch: number, options: { top?: number } = {}): EpochReport | undefined {
  const record = getEpoch(db, epoch);
  if (!record) return undefined;
  return {
    epoch,
    from: new Date(record.from * 1000).toISOString(),
    to: new Date(record.to * 1000).toISOString(),
    status: record.status,
    total: tokens(record.total),
    claims: record.claimCount,
    root: record.root,
    digest: record.digest,
    chainId: record.chainId,
    rewardToken: record.rewardToken,
    distributor: record.distributor,
    buckets: storedBuckets(db, epoch).map((b) => ({
      bucket: b.bucket,
      emitted: tokens(b.emitted),
      carriedIn: tokens(b.carriedIn),
      paid: tokens(b.paid),
      carriedOut: tokens(b.carriedOut),
      contributors: b.contributors,
      payouts: topPayouts(db, epoch, b.bucket, options.top).map((p) => ({
        contributor: p.contributor,
        amount: tokens(p.amount),
      })),
    })),
  };
}

/** The report as a terminal table: the buckets, then each bucket's contributors. */
export function renderReport(report: EpochReport): string {
  const lines = [
    `Epoch ${report.epoch}  ${report.from} → ${report.to}  (${report.status})`,
    `  paid ${report.total} in ${report.claims} claim(s)${report.distributor ? ` from ${report.distributor}` : ''}`,
    `  root ${report.root ?? '(none: nobody to pay)'}`,
    `  digest ${report.digest}`,
    '',
  ];
  const header = ['bucket', 'emitted', 'carried in', 'paid', 'carried out', 'contributors'];
  const rows = report.buckets.map((b) => [
    b.bucket,
    b.emitted,
    b.carriedIn,
    b.paid,
    b.carriedOut,
    String(b.contributors),
  ]);
  lines.push(...amountTable(header, rows, '  '));
  for (const b of report.buckets) {
    if (b.payouts.length === 0) continue;
    const shown = b.payouts.length < b.contributors ? ` (top ${b.payouts.length} of ${b.contributors})` : '';
    lines.push('', `  ${b.bucket}${shown}:`);
    for (const p of b.payouts) lines.push(`    ${p.contributor}  ${p.amount}`);
  }
  return `${lines.join('\n')}\n`;
}
