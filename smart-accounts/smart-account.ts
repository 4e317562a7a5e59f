import { toSimpleSmartAccount } from 'permissionless/accounts';
import type { Address, LocalAccount, PrivateKeyAccount, PublicClient } from 'viem';
import { entryPoint08Abi, type SmartAccount, toSimple7702SmartAccount } from 'viem/account-abstraction';
import { toAccount } from 'viem/accounts';
import type { Chain } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { SmartAccountError } from './errors.ts';
import { type AccountMode, accountModeOf, accountModeOfOwner } from './users.ts';

/**
 * One kind of ERC-4337 account: SimpleAccount on EntryPoint v0.8 (the default), or the owner's own
 * address delegated to Simple7702Account (EIP-7702). Safe or Kernel would be another AccountKind
 * (permissionless has both); a user's kind follows their account mode (accountKindFor).
 */
export type AccountKind = {
  name: string;
  mode: AccountMode;
  /** The account for `owner`; counterfactual until its first UserOperation deploys (or delegates) it. */
  create(client: PublicClient, chain: Chain, owner: LocalAccount): Promise<SmartAccount>;
};

export const simpleAccountV08: AccountKind = {
  name: 'SimpleAccount (EntryPoint v0.8)',
  mode: 'simple-account',
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

export const simple7702AccountV08: AccountKind = {
  name: 'Simple7702Account (EIP-7702, EntryPoint v0.8)',
  mode: 'eip7702',
  async create(client, chain, owner) {
    const { entryPointV08, simple7702Account } = chain.contracts;
    if (!entryPointV08 || !simple7702Account) {
      throw new SmartAccountError(`${chain.name} has no EntryPoint v0.8 with Simple7702Account in the registry.`, {
        hint: 'Use the simple-account mode on this chain.',
      });
    }
    // viem types the owner as a private-key account because it signs the 7702 authorization with it
    // when it prepares an operation for an address not yet delegated; execute() signs that itself.
    return toSimple7702SmartAccount({
      client,
      owner: owner as PrivateKeyAccount,
      entryPoint: { abi: entryPoint08Abi, address: entryPointV08, version: '0.8' },
      implementation: simple7702Account,
    }) as Promise<SmartAccount>;
  },
};

export const DEFAULT_ACCOUNT_KIND = simpleAccountV08;

const KINDS: Record<AccountMode, AccountKind> = { 'simple-account': simpleAccountV08, eip7702: simple7702AccountV08 };

export function accountKindOfMode(mode: AccountMode): AccountKind {
  return KINDS[mode];
}

/** The kind of account the user's owner key drives (their account mode). */
export function accountKindFor(db: Db, userId: string): AccountKind {
  return KINDS[accountModeOf(db, userId)];
}

/** The kind of account of the user whose owner key has this address (the default for an unknown one). */
export function accountKindForOwner(db: Db, owner: Address): AccountKind {
  return KINDS[accountModeOfOwner(db, owner)];
}

/**
 * The account's address from the owner's address alone, without unlocking the key: an owner that
 * cannot sign is enough to compute a counterfactual address (in 7702 mode it is the owner's own).
 */
export async function smartAccountAddress(
  client: PublicClient,
  chain: Chain,
  owner: Address,
  kind: AccountKind = DEFAULT_ACCOUNT_KIND,
): Promise<Address> {
  return (await watchOnlySmartAccount(client, chain, owner, kind)).address;
}

/** The user's account object for reading and encoding (address, factory data, calldata), not signing. */
export function watchOnlySmartAccount(
  client: PublicClient,
  chain: Chain,
  owner: Address,
  kind: AccountKind = DEFAULT_ACCOUNT_KIND,
): Promise<SmartAccount> {
  const watchOnly = toAccount({
    address: owner,
    signMessage: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
    signTransaction: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
    signTypedData: () => Promise.reject(new SmartAccountError('watch-only owner cannot sign')),
  });
  return kind.create(client, chain, watchOnly);
}
