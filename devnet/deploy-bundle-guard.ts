import type { Address } from 'viem';
import { sextantArtifact } from '../common/contracts/artifacts.ts';
import { BUNDLE_GUARD_SALT, bundleGuardAddress } from '../common/contracts/bundle-guard.ts';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';

/**
 * Sextant's bundle guard, at the CREATE2 address it has on every chain (its own salt, not one derived
 * from a devnet label), so bundles built for the devnet name the same guard as on a real network.
 */
export async function deployBundleGuard(deployer: Deployer): Promise<Address> {
  deployer.progress('Bundle guard: the snapshot-and-check contract every bundle opens and closes with');
  const address = await deployer.deploy('SextantBundleGuard', sextantArtifact('SextantBundleGuard'), {
    salt: BUNDLE_GUARD_SALT,
  });
  if (address.toLowerCase() !== bundleGuardAddress().toLowerCase()) {
    throw new DeploymentError(`The bundle guard landed at ${address}, not at ${bundleGuardAddress()}.`, {
      hint: 'The deployer and common/contracts/bundle-guard.ts disagree on its init code; run npm run build:contracts.',
    });
  }
  return address;
}
