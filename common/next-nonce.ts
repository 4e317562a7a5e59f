import type { Address, PublicClient } from 'viem';

/**
 * The nonce an address's next transaction takes: the pending count, but never below the mined one.
 *
 * A node may answer the pending count from its pool alone (the last pooled transaction's nonce + 1)
 * for a moment after that transaction is mined. For a type-4 transaction that carries the sender's
 * own authorization, the mined nonce is one higher than that (the authorization used one too), so
 * the next transaction signed with the pool's answer is refused as "nonce too low". Anvil does this
 * about once in a couple of hundred upgrades (measured); a test's approval right after its upgrade
 * failed CI that way.
 */
export async function nextNonce(client: PublicClient, address: Address): Promise<number> {
  const [pending, latest] = await Promise.all([
    client.getTransactionCount({ address, blockTag: 'pending' }),
    client.getTransactionCount({ address, blockTag: 'latest' }),
  ]);
  return Math.max(pending, latest);
}
