import { type Chain, defineChain } from 'viem';

/** A chain as viem wants it, for clients that talk to it through `rpcUrl`. */
export function toViemChain(chainId: number, rpcUrl: string, name = 'Sextant devnet'): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
