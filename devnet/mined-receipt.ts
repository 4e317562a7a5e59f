import { type Hash, type PublicClient, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem';
import { DevnetError } from './errors.ts';

/**
 * A transaction's receipt on the devnet, asked for directly every 20 ms until it comes or `timeoutMs`
 * passes. Not viem's waitForTransactionReceipt: that one asks again only when the block number
 * changes, and drops a new block number that arrives while it is checking; on the automining devnet
 * no later block may come (nothing else is sending), so it sat out its 180 s default and the caller
 * (a test, `sextant faucet`) hung without a reason.
 */
export async function minedReceipt(
  publicClient: PublicClient,
  hash: Hash,
  timeoutMs = 30_000,
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    if (Date.now() > deadline) {
      throw new DevnetError(`Transaction ${hash} was not mined within ${timeoutMs / 1000} s.`, {
        hint: 'Check that anvil is mining (automine, or --block-time); eth_getTransactionByHash shows whether it is pending.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
