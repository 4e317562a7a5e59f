import type { Address } from 'viem';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';

/** The salts the ERC-4337 team used, which give the EntryPoints their canonical addresses. */
const ENTRY_POINT_SALTS = {
  v07: '0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3',
  v08: '0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9',
} as const;
const ZERO_SALT = `0x${'00'.repeat(32)}` as const;

export type Erc4337Contracts = {
  entryPointV06: Address;
  entryPointV07: Address;
  entryPointV08: Address;
  simpleAccountFactoryV07: Address;
  simpleAccountFactoryV08: Address;
  /** eth-infinitism's Simple7702Account (v0.8): the implementation an EOA delegates to with EIP-7702. */
  simple7702Account: Address;
};

/**
 * Where viem's toSimple7702SmartAccount expects Simple7702Account (v0.8) by default: CREATE2 through the
 * deterministic deployer with salt 0 and the npm package's init code gives exactly this address.
 */
export const SIMPLE_7702_ACCOUNT_ADDRESS: Address = '0xe6Cae83BdE06E4c305530e199D7217f42808555B';

/**
 * EntryPoint v0.7 and v0.8 with a SimpleAccountFactory each, from @account-abstraction/contracts
 * (0.7.0 and 0.6.0 installed under the aliases `@account-abstraction/contracts-v07` and `-v06`). The factories use salt 0,
 * which gives the addresses permissionless uses by default. Simple7702Account, for accounts that are
 * their owner's own address (EIP-7702), at its canonical address; it takes no constructor argument
 * (its EntryPoint, the canonical v0.8 one, is fixed in its code).
 */
export async function deployErc4337(deployer: Deployer): Promise<Erc4337Contracts> {
  deployer.progress(
    'ERC-4337: EntryPoint v0.6, v0.7 and v0.8, SimpleAccountFactory for v0.7 and v0.8, Simple7702Account (v0.8)',
  );
  const packages = { v07: '@account-abstraction/contracts-v07', v08: '@account-abstraction/contracts' } as const;
  // v0.6 only because the devnet's mock paymaster funds a paymaster on every EntryPoint version.
  const entryPointV06 = await deployer.deploy(
    'EntryPoint v06',
    loadArtifact('@account-abstraction/contracts-v06/artifacts/EntryPoint.json'),
    { salt: ZERO_SALT },
  );
  const result: Partial<Erc4337Contracts> = { entryPointV06 };
  for (const version of ['v07', 'v08'] as const) {
    const entryPoint = await deployer.deploy(
      `EntryPoint ${version}`,
      loadArtifact(`${packages[version]}/artifacts/EntryPoint.json`),
      { salt: ENTRY_POINT_SALTS[version] },
    );
    const factory = await deployer.deploy(
      `SimpleAccountFactory ${version}`,
      loadArtifact(`${packages[version]}/artifacts/SimpleAccountFactory.json`),
      { salt: ZERO_SALT, args: [entryPoint] },
    );
    if (version === 'v07') {
      result.entryPointV07 = entryPoint;
      result.simpleAccountFactoryV07 = factory;
    } else {
      result.entryPointV08 = entryPoint;
      result.simpleAccountFactoryV08 = factory;
    }
  }
  result.simple7702Account = await deployer.deploy(
    'Simple7702Account',
    loadArtifact('@account-abstraction/contracts/artifacts/Simple7702Account.json'),
    { salt: ZERO_SALT },
  );
  if (result.simple7702Account.toLowerCase() !== SIMPLE_7702_ACCOUNT_ADDRESS.toLowerCase()) {
    throw new DeploymentError(
      `Simple7702Account landed at ${result.simple7702Account}, not at its canonical ${SIMPLE_7702_ACCOUNT_ADDRESS}.`,
      { hint: 'The installed @account-abstraction/contracts is not 0.8.0; run `npm ci`.' },
    );
  }
  return result as Erc4337Contracts;
}
