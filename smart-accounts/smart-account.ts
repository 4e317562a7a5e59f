import { toSimpleSmartAccount } from 'permissionless/accounts';
import type { Address, LocalAccount, PublicClient } from 'viem';
import type { SmartAccount } from 'viem/account-abstraction';
import { toAccount } from 'viem/accounts';
import type { Chain } from '../common/chains/types.ts';
import { SmartAccountError } from './errors.ts';

/**
 * One kind of ERC-4337 account. Today: SimpleAccount on EntryPoint v0.8. Safe or Kernel would be
 * another AccountKind (permissionless has both), chosen where DEFAULT_ACCOUNT_KIND is used now.
 */
export type AccountKind = {
  name: string;
  /** The account for `owner`; counterfactual until its first UserOperation deploys it. */
  create(client: PublicClient, chain: Chain, owner: LocalAccount): Promise<SmartAccount>;
};

export const simpleAccountV08: AccountKind = {
  name: 'SimpleAccount (EntryPoint v0.8)',
  async create(client, chain, owner) {
    const { entryPointV08, simpleAccountFactoryV08 } = chain.contracts;
    if (!entryPointV08 || !simpleAccountFactoryV08) {
      throw new SmartAccountError(`${chain.name} has no EntryPoint v0.8 with a SimpleAccountFactory in the registry.`);
    }
    return toSimpleSmartAccount({
      client,
      owner,
      entryPoint: { address: entryPointV08, version: '0.8' },
      factoryAddress: simpleAccountFactoryV08,
    }) as Promise<SmartAccount>;
  },
};

export const DEFAULT_ACCOUNT_KIND = simpleAccountV08;

/**
 * The account's address from the owner's address alone, without unlocking the key: an owner that
 * cannot sign is enough to compute a counterfactual address.
 */
export async function smartAccountAddress(client: PublicClient, chain: Chain, owner: Address): Promise<Address> {
  return (await watchOnlySmartAccount(client, chain, owner)).address;
}

/** The user's account object for reading and encoding (address, factory data, calldata), not signing. */
export function watchOnlySmartAccount(client: PublicClient, chain: Chain, owner: Address): Promise<SmartAccount> {
  const watchOnly = toAccount({
    address: owner,
    signMessage: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
    signTransaction: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
    signTypedData: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
  });
  return DEFAULT_ACCOUNT_KIND.create(client, chain, watchOnly);
}
