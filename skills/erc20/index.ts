export { erc20Approve } from './approve.ts';
export { erc20Balance } from './balance.ts';
export { erc20TotalSupply } from './total-supply.ts';
export { erc20Transfer } from './transfer.ts';
