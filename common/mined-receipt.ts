import { type Hash, type PublicClient, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem';
import { SextantError } from './errors.ts';

/**
 * A transaction's receipt, asked for directly every `pollingIntervalMs` (20 ms unless given) until it
 * comes or `timeoutMs` passes. Not viem's waitForTransactionReceipt: that one asks again only when
 * the block number changes, and drops a new block number that arrives while it is checking; on an
 * automining devnet no later block may come (nothing else is sending), so it sat out its whole
 * timeout (a test, `sextant faucet`, an emissions settle, an order's run) without a reason. On a real
 * network, where blocks keep coming, asking directly costs one request a poll and answers as soon.
 */
export async function minedReceipt(
  publicClient: PublicClient,
  hash: Hash,
  timeoutMs = 30_000,
  pollingIntervalMs = 20,
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    if (Date.now() > deadline) {
      throw new SextantError(`Transaction ${hash} was not mined within ${timeoutMs / 1000} s.`, {
        hint: 'Check that the node is mining (on the devnet: automine, or --block-time); eth_getTransactionByHash shows whether it is pending.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollingIntervalMs));
  }
}
