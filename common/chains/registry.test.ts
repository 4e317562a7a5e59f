import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { knownNetworks } from './known-networks.ts';
import { chainSlugs, findKnownNetwork, requireKnownNetwork, UnknownChainError } from './registry.ts';

describe('the chain registry', () => {
  it('knows the devnet and the real networks the runtime supports', () => {
    expect(chainSlugs()).toEqual(['devnet', 'devnet-l2', 'ethereum', 'base', 'base-sepolia', 'optimism', 'arbitrum']);
    expect(findKnownNetwork('ethereum')?.chainId).toBe(1);
    expect(findKnownNetwork('Base')?.chainId).toBe(8453);
    expect(findKnownNetwork(84532)?.slug).toBe('base-sepolia');
    expect(findKnownNetwork('mainnet')?.slug).toBe('ethereum');
    expect(findKnownNetwork('arb')?.slug).toBe('arbitrum');
    expect(findKnownNetwork('devnet')).toBeUndefined();
  });

  it('refuses an unknown chain with the list of known ones', () => {
    expect(() => requireKnownNetwork('solana')).toThrow(UnknownChainError);
    try {
      requireKnownNetwork('solana');
    } catch (error) {
      expect((error as UnknownChainError).hint).toContain('ethereum, base, base-sepolia');
    }
  });

  it('holds only checksummed addresses, and every token once per chain', () => {
    for (const chain of knownNetworks) {
      const addresses = [...addressesIn(chain.contracts), ...chain.tokens.map((token) => token.address)];
      for (const address of addresses) expect(getAddress(address), `${chain.slug} ${address}`).toBe(address);
      const symbols = chain.tokens.map((token) => token.symbol);
      expect(new Set(symbols).size).toBe(symbols.length);
      expect(chain.tokens.find((token) => token.symbol === 'WETH')?.address).toBe(chain.contracts.weth);
      expect(chain.contracts.entryPointV07).toBe('0x0000000071727De22E5E9d8BAf0edAc6f37da032');
    }
  });
});

/** Every address in a contracts entry, however deeply grouped. */
function addressesIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return value && typeof value === 'object' ? Object.values(value).flatMap(addressesIn) : [];
}
