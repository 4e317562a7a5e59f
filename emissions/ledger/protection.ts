import type { Address } from 'viem';
import type { Contribution } from './ledger.ts';

/**
 * The protection fund: its whole share of every epoch goes to the configured treasury. One row per
 * epoch (the source is the configuration itself), so settling again never counts it twice.
 */
export function collectProtectionContributions(epoch: number, treasury: Address | undefined): Contribution[] {
  if (!treasury) return [];
  return [
    {
      epoch,
      bucket: 'protection',
      contributor: treasury.toLowerCase() as Address,
      weight: 1n,
      sourceKind: 'treasury',
      sourceId: `epoch:${epoch}`,
    },
  ];
}
