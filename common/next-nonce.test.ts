import type { PublicClient } from 'viem';
import { describe, expect, it } from 'vitest';
import { nextNonce } from './next-nonce.ts';

/** A node that answers the two counts as given, as anvil does for a moment after a self-authorized upgrade. */
const node = (counts: { pending: number; latest: number }) =>
  ({
    getTransactionCount: async ({ blockTag }: { blockTag: 'pending' | 'latest' }) => counts[blockTag],
  }) as unknown as PublicClient;

describe('nextNonce', () => {
  const address = '0x00000000000000000000000000000000000000aa';

  it('takes the mined count when the pool’s answer lags it', async () => {
    expect(await nextNonce(node({ pending: 1, latest: 2 }), address)).toBe(2);
  });

  it('takes the pending count when transactions wait in the pool', async () => {
    expect(await nextNonce(node({ pending: 5, latest: 3 }), address)).toBe(5);
  });
});
