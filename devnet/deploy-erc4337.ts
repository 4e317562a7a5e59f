import type { Address } from 'viem';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import type { Deployer } from './deployer.ts';

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
};

/**
 * EntryPoint v0.7 and v0.8 with a SimpleAccountFactory each, from @account-abstraction/contracts
 * (0.7.0 and 0.6.0 installed under the aliases `@account-abstraction/contracts-v07` and `-v06`). The factories use salt 0,
 * which gives the addresses permissionless uses by default.
 */
export async function deployErc4337(deployer: Deployer): Promise<Erc4337Contracts> {
  deployer.progress('ERC-4337: EntryPoint v0.6, v0.7 and v0.8, SimpleAccountFactory for v0.7 and v0.8');
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
  return result as Erc4337Contracts;
}
