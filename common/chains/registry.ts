import { SextantError } from '../errors.ts';
import { DEVNET_L2_SLUG, DEVNET_SLUG, isDevnetSlug } from './devnet-slugs.ts';
import { knownNetworks } from './known-networks.ts';
import type { Chain } from './types.ts';

export { DEVNET_L2_SLUG, DEVNET_SLUG, isDevnetSlug };

/** Other names people use for the same networks. */
const ALIASES: Readonly<Record<string, string>> = {
  mainnet: 'ethereum',
  eth: 'ethereum',
  op: 'optimism',
  'op-mainnet': 'optimism',
  arb: 'arbitrum',
  'arbitrum-one': 'arbitrum',
  basesepolia: 'base-sepolia',
  base_sepolia: 'base-sepolia',
};

/** Every slug `CHAIN=` accepts, the devnet first. */
export function chainSlugs(): string[] {
  return [DEVNET_SLUG, DEVNET_L2_SLUG, ...knownNetworks.map((chain) => chain.slug)];
}

/** A real network by slug, alias or chain id; undefined when unknown (and for the devnet). */
export function findKnownNetwork(nameOrId: string | number): Chain | undefined {
  if (typeof nameOrId === 'number') return knownNetworks.find((chain) => chain.chainId === nameOrId);
  const key = nameOrId.trim().toLowerCase();
  const slug = ALIASES[key] ?? key;
  return knownNetworks.find((chain) => chain.slug === slug);
}

/** Like findKnownNetwork, but an unknown name is an error that lists the names there are. */
export function requireKnownNetwork(name: string): Chain {
  const chain = findKnownNetwork(name);
  if (!chain) {
    throw new UnknownChainError(`Unknown chain "${name}".`, {
      hint: `Set CHAIN to one of: ${chainSlugs().join(', ')}.`,
    });
  }
  return chain;
}

export class UnknownChainError extends SextantError {
  override name = 'UnknownChainError';
}
