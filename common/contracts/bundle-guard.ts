import { type Address, type Hex, keccak256, parseAbi, toHex } from 'viem';
import { sextantArtifact } from './artifacts.ts';
import { deterministicDeployment } from './deterministic-deployer.ts';

/**
 * Sextant's bundle guard (SextantBundleGuard.sol): a bundle opens with `snapshot(reads)` and closes with
 * `check(reads, bounds)`, both sent by the smart account, so the batch reverts unless it did what the
 * user confirmed. Written out (not loaded from the artifact) so viem types the calls and errors; a test
 * checks it is the artifact's ABI.
 */
export const BUNDLE_GUARD_ABI = parseAbi([
  'struct Read { address target; bytes4 selector; address arg; uint256 word; }',
  'struct Bound { uint256 read; bool relative; int256 min; int256 max; }',
  'function snapshot(Read[] reads)',
  'function check(Read[] reads, Bound[] bounds)',
  'function forwardReceived(uint256 read, address token, address target, bytes data, uint256 offset, uint256 atMost) returns (uint256 amount)',
  'error BoundBroken(uint256 bound, int256 value, int256 min, int256 max)',
  'error ReadFailed(uint256 read)',
  'error NotSnapshotted(uint256 read)',
  'error ForwardFailed(uint256 read, bytes reason)',
  'error AlreadySnapshotted()',
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
