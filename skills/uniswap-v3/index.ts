export { uniswapV3Price } from './price.ts';
export { uniswapV3Swap } from './swap.ts';
