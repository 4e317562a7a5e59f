export { nativeTransfer } from './transfer.ts';
