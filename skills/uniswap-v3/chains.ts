/**
 * Where Uniswap V3 (factory, SwapRouter02, QuoterV2) is deployed: the devnet and every registry network
 * whose entry names `uniswapV3` contracts. Written out rather than imported, because a skill package may
 * import only the SDK; a test keeps this list equal to the registry's.
 */
export const UNISWAP_V3_CHAINS = ['devnet', 'ethereum', 'base', 'base-sepolia', 'optimism', 'arbitrum'];
