import { type Chain, defineChain } from 'viem';

/** The devnet as a viem chain, for clients that talk to it. */
export function devnetViemChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: 'Sextant devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
