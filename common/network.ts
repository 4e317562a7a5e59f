import { createPublicClient, http, type PublicClient } from 'viem';
import type { Chain } from './chains/types.ts';
import { toViemChain } from './chains/viem-chain.ts';

/** Where the runtime acts: the chain (from the registry or the devnet's manifest) and its services. */
export type Network = {
  chain: Chain;
  rpcUrl: string;
  bundlerUrl: string | undefined;
  paymasterUrl: string | undefined;
  isDevnet: boolean;
  /** The other networks this runtime can bridge to from here: on the devnet, its other chain while it
   *  runs; none on real networks yet (Sextant does not quote Across there). */
  otherNetworks?: readonly Network[];
};

/**
 * A viem public client for the network's RPC. Contract reads started together (a pair's four pool
 * tiers, each pool's price and depth, a list of balances) go as one eth_call through Multicall3: one
 * round trip instead of one each (over a remote RPC, each costs its latency). Each read still
 * answers or fails on its own. Multicall3 runs "deployless" (its code travels with the call), so no
 * chain needs it deployed, the devnets included. Only reads of the same block go together, and a
 * read with a sender, a value or a state override is sent as it is.
 */
export function publicClientFor(network: Network): PublicClient {
  return createPublicClient({
    chain: toViemChain(network.chain.chainId, network.rpcUrl, network.chain.name),
    transport: http(network.rpcUrl, { retryCount: 1, timeout: 20_000 }),
    pollingInterval: network.isDevnet ? 50 : 2000,
    batch: { multicall: { deployless: true } },
  });
}
