import { type Address, type Hex, keccak256, parseAbi, toHex } from 'viem';
import { sextantArtifact } from './artifacts.ts';
import { deterministicDeployment } from './deterministic-deployer.ts';

/**
 * Sextant's bundle guard (SextantBundleGuard.sol): a bundle opens with `snapshot` and closes with `check`
 * (reads and bounds packed in words after the selector: see the contract, and bundle-guard-calls.ts),
 * both sent by the smart account, so the batch reverts unless it did what the user confirmed. Written out (not loaded from the artifact) so viem types the calls and errors; a test
 * checks it is the artifact's ABI.
 */
export const BUNDLE_GUARD_ABI = parseAbi([
  // Their inputs are packed words after the selector, not ABI arguments (bundle-guard-calls.ts).
  'function snapshot()',
  'function check()',
  'function forwardReceived(uint256 read, address token, address target, bytes data, uint256 offset, uint256 atMost) returns (uint256 amount)',
  'error BoundBroken(uint256 bound, address target, bytes4 selector, int256 value, int256 min, int256 max)',
  'error ReadFailed(address target, bytes4 selector)',
  'error NotSnapshotted(uint256 read)',
  'error ForwardFailed(uint256 read, bytes reason)',
  'error AlreadySnapshotted()',
  'error Malformed()',
]);

/**
 * Fixed, so the guard has one address on every chain that has the deterministic deployer: the address
 * changes only when the contract's bytecode does.
 */
export const BUNDLE_GUARD_SALT: Hex = keccak256(toHex('sextant.bundle-guard'));

let deployment: { address: Address; data: Hex } | undefined;

/**
 * The guard's CREATE2 deployment through the deterministic deployer: its address, and the data of the
 * transaction to the deployer that puts it there (anyone may send it, on any chain).
 */
export function bundleGuardDeployment(): { address: Address; data: Hex } {
  // No constructor arguments: the init code is the bytecode itself.
  deployment ??= deterministicDeployment(sextantArtifact('SextantBundleGuard').bytecode, BUNDLE_GUARD_SALT);
  return deployment;
}

/** Where the guard is (or would be) on every chain: the devnet deploys it there at start. */
export function bundleGuardAddress(): Address {
  return bundleGuardDeployment().address;
}
