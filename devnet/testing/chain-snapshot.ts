import type { Hex, PublicClient, TestClient } from 'viem';
import { afterAll, beforeAll } from 'vitest';

/**
 * Runs this test file inside an anvil snapshot that is reverted when it ends, so what it changes on
 * the shared devnet (the clock it moves, the pools it trades, the oracle it lowers) does not outlive
 * it for the files its worker runs after it.
 *
 * Nothing inside may go through the bundler: Alto keeps its executors' nonces, and the revert takes
 * the transactions that used them off the chain, so every later operation on that devnet would wait
 * forever. Execute with `bundlerUrl: undefined` (an EIP-7702 address sends its own transactions).
 */
export function revertChainAfterFile({
  testClient,
  publicClient,
}: {
  testClient: TestClient;
  publicClient: PublicClient;
}): void {
  let snapshot: Hex | undefined;
  beforeAll(async () => {
    snapshot = await testClient.snapshot();
  });
  afterAll(async () => {
    if (snapshot === undefined) return;
    await testClient.revert({ id: snapshot });
    // The revert takes the clock back to the snapshot's time too, behind the wall clock by however long
    // the file ran; later files (an emissions epoch that ends in a few seconds) expect the two together.
    // So the next block is stamped now (or just after the latest, if the chain was ahead), and anvil's
    // clock follows the wall clock from there.
    const latestTime = (await publicClient.getBlock({ blockTag: 'latest' })).timestamp;
    const now = BigInt(Math.floor(Date.now() / 1000));
    await testClient.setNextBlockTimestamp({ timestamp: now > latestTime ? now : latestTime + 1n });
    await testClient.mine({ blocks: 1 });
  });
}
