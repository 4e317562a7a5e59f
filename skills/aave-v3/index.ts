export { aaveBorrow } from './borrow.ts';
export { aaveRepay } from './repay.ts';
export { aaveSupply } from './supply.ts';
export { aaveWithdraw } from './withdraw.ts';
