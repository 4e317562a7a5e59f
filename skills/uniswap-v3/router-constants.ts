import type { Address } from 'viem';

/**
 * SwapRouter02 reads the recipient address(2) as "the router itself" (Constants.ADDRESS_THIS in
 * @uniswap/swap-router-contracts; address(1) is MSG_SENDER). A swap that pays out ETH sends its WETH
 * there first, and `unwrapWETH9` then pays the account in ETH, in the same multicall.
 */
export const ROUTER_ADDRESS_THIS: Address = '0x0000000000000000000000000000000000000002';

/**
 * How long a built swap stays valid after the latest block: long enough to review and confirm, short
 * enough that a swap held back (by a bundler, say) cannot land at a much later market.
 */
export const DEADLINE_SECONDS = 20n * 60n;
