/** The slug of the embedded devnet; its contracts come from the devnet's manifest, not from this file. */
export const DEVNET_SLUG = 'devnet';
/** The devnet's second, L2-like chain (DEVNET_L2_*), from its own manifest likewise. */
export const DEVNET_L2_SLUG = 'devnet-l2';

/** Whether `CHAIN=slug` selects one of the devnet's chains (each read from its manifest). */
export function isDevnetSlug(slug: string): slug is typeof DEVNET_SLUG | typeof DEVNET_L2_SLUG {
  return slug === DEVNET_SLUG || slug === DEVNET_L2_SLUG;
}
