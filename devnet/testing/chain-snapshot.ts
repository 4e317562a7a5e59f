import type { Hex, TestClient } from 'viem';
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
export function revertChainAfterFile(testClient: TestClient): void {
  let snapshot: Hex | undefined;
  beforeAll(async () => {
    snapshot = await testClient.snapshot();
  });
  afterAll(async () => {
    if (snapshot === undefined) return;
    await testClient.revert({ id: snapshot });
    // A block after the revert, so that the next file's first reads see the restored state and clock.
    await testClient.mine({ blocks: 1 });
  });
}
