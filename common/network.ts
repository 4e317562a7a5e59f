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

/** A viem public client for the network's RPC. */
export function publicClientFor(network: Network): PublicClient {
  return createPublicClient({
    chain: toViemChain(network.chain.chainId, network.rpcUrl, network.chain.name),
    transport: http(network.rpcUrl, { retryCount: 1, timeout: 20_000 }),
    pollingInterval: network.isDevnet ? 50 : 2000,
  });
}
