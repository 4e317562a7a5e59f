import { DEVNET_SLUG, isDevnetSlug } from '../../common/chains/devnet-slugs.ts';

/**
 * Whether a skill that lists `chains` serves the chain `slug`. The devnet's chains are one stack from
 * one deployer (the same protocols' code, each chain with addresses of its own, read from its own
 * manifest), so a skill that serves `devnet` serves the devnet's second chain, `devnet-l2`, as well.
 */
export function servesChain(chains: readonly string[], slug: string): boolean {
  return chains.includes(slug) || (isDevnetSlug(slug) && chains.includes(DEVNET_SLUG));
}

/** The keys of a manifest's per-chain declarations that apply on `slug`: '*', its own, and `devnet` on every devnet chain. */
export function declarationKeysFor(slug: string): string[] {
  return ['*', slug, ...(isDevnetSlug(slug) && slug !== DEVNET_SLUG ? [DEVNET_SLUG] : [])];
}
