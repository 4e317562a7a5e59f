import { toSimpleSmartAccount } from 'permissionless/accounts';
import type { Address, Hex, LocalAccount, PrivateKeyAccount, PublicClient } from 'viem';
import {
  entryPoint07Abi,
  entryPoint08Abi,
  type SmartAccount,
  toSimple7702SmartAccount,
  toSmartAccount,
} from 'viem/account-abstraction';
import { toAccount } from 'viem/accounts';
import type { Chain } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { selfBatchCalldata } from './delegations.ts';
import { SmartAccountError } from './errors.ts';
import {
  type AccountChoice,
  type AccountMode,
  accountChoiceOf,
  accountChoiceOfOwner,
  type Eip7702Implementation,
} from './users.ts';

/**
 * One kind of account: SimpleAccount on EntryPoint v0.8 (the default), or the owner's own address
 * delegated (EIP-7702) to Simple7702Account or to MetaMask's EIP-7702 DeleGator. Safe or Kernel would
 * be another AccountKind (permissionless has both); a user's kind follows their account mode and
 * implementation (accountKindFor).
 */
export type AccountKind = {
  name: string;
  mode: AccountMode;
  /** In eip7702 mode, the contract the address delegates to; null for a SimpleAccount. */
  implementation: Eip7702Implementation | null;
  /** The account for `owner`; counterfactual until its first UserOperation deploys (or delegates) it. */
  create(client: PublicClient, chain: Chain, owner: LocalAccount): Promise<SmartAccount>;
};

export const simpleAccountV08: AccountKind = {
  name: 'SimpleAccount (EntryPoint v0.8)',
  mode: 'simple-account',
  implementation: null,
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
  implementation: 'simple7702',
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

/** A well-formed 65-byte ECDSA signature, for gas estimates only. */
const STUB_SIGNATURE: Hex = `0x${'ff'.repeat(32)}${'7f'.repeat(32)}1c`;

/**
 * The owner's own address delegated to MetaMask's EIP7702StatelessDeleGator (delegation framework
 * 1.3.0): it can grant delegations with caveats that the DelegationManager redeems through it, which
 * Simple7702Account cannot (the manager calls `executeFromExecutor` on the delegator). Its batches are
 * always transactions the address sends itself, calling its own ERC-7579 `execute` (self-sent.ts):
 * the DeleGator signs UserOperations for EntryPoint v0.7 as EIP-712 typed data over the packed
 * operation, which Sextant does not produce, so this kind never goes through a bundler.
 */
export const deleGator7702: AccountKind = {
  name: "MetaMask's EIP-7702 DeleGator (EIP-7702, sent by the address itself)",
  mode: 'eip7702',
  implementation: 'delegator',
  async create(client, chain, owner) {
    const { entryPointV07, eip7702StatelessDeleGator } = chain.contracts;
    if (!entryPointV07 || !eip7702StatelessDeleGator) {
      throw new SmartAccountError(`${chain.name} has no EIP-7702 DeleGator (with EntryPoint v0.7) in the registry.`, {
        hint: 'Use Simple7702Account on this chain: `sextant account upgrade --implementation simple7702`.',
      });
    }
    return toSmartAccount({
      client,
      // The EntryPoint the DeleGator was built for (its `execute` takes calls from it or from the
      // address itself); Sextant sends it no operation.
      entryPoint: { abi: entryPoint07Abi, address: entryPointV07, version: '0.7' },
      getAddress: async () => owner.address,
      encodeCalls: async (calls) =>
        selfBatchCalldata(calls.map((call) => ({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' }))),
      // Nothing to deploy: the delegation is the address's code (the first transaction carries it).
      getFactoryArgs: async () => ({ factory: undefined, factoryData: undefined }),
      getStubSignature: async () => STUB_SIGNATURE,
      // The stateless DeleGator's ERC-1271 check recovers the signer of the hash: the owner's own signature.
      signMessage: ({ message }) => owner.signMessage({ message }),
      signTypedData: (typedData) => owner.signTypedData(typedData),
      signUserOperation: () =>
        Promise.reject(
          new SmartAccountError(
            'An address delegated to the DeleGator sends its own transactions, not UserOperations.',
          ),
        ),
    }) as Promise<SmartAccount>;
  },
};

export const DEFAULT_ACCOUNT_KIND = simpleAccountV08;

/** The kind of account for an account mode and, in eip7702 mode, its implementation. */
export function accountKindOf(choice: AccountChoice): AccountKind {
  if (choice.mode === 'simple-account') return simpleAccountV08;
  return choice.implementation === 'delegator' ? deleGator7702 : simple7702AccountV08;
}

/** The kind of account the user's owner key drives (their account mode and implementation). */
export function accountKindFor(db: Db, userId: string): AccountKind {
  return accountKindOf(accountChoiceOf(db, userId));
}

/** The kind of account of the user whose owner key has this address (the default for an unknown one). */
export function accountKindForOwner(db: Db, owner: Address): AccountKind {
  return accountKindOf(accountChoiceOfOwner(db, owner));
}

/**
 * Whether the account's batches are transactions the address sends itself rather than UserOperations:
 * in eip7702 mode with no bundler, and always for the DeleGator.
 */
export function sendsOwnTransactions(kind: AccountKind, bundlerUrl: string | undefined): boolean {
  return kind.mode === 'eip7702' && (!bundlerUrl || kind.implementation === 'delegator');
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
