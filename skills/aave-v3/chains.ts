/**
 * Where the Aave V3 skills run: the devnet (which deploys its own market) and the registry's networks
 * whose entry has `aaveV3` (Base Sepolia has none). A skill folder may not import the registry, so the
 * list is written out here; a test keeps it equal to the registry.
 */
export const AAVE_V3_CHAINS = ['devnet', 'ethereum', 'base', 'optimism', 'arbitrum'];
