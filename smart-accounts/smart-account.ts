import { toSimpleSmartAccount } from 'permissionless/accounts';
import type { Address, LocalAccount, PrivateKeyAccount, PublicClient } from 'viem';
import {
  entryPoint07Abi,
  entryPoint08Abi,
  type SmartAccount,
  toPackedUserOperation,
  toSimple7702SmartAccount,
  toSmartAccount,
} from 'viem/account-abstraction';
import { generatePrivateKey, privateKeyToAccount, toAccount } from 'viem/accounts';
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

/**
 * A signature for gas estimates: a well-formed one by a throwaway key, so the DeleGator's check
 * recovers some other signer and answers "invalid" instead of reverting (OpenZeppelin's recover
 * reverts on a malformed signature), at the gas the real one costs.
 */
const STUB_SIGNER = privateKeyToAccount(generatePrivateKey());
const stubSignature = () => STUB_SIGNER.sign({ hash: `0x${'00'.repeat(32)}` });

/** The DeleGator's EIP-712 type of a UserOperation (its PACKED_USER_OP_TYPEHASH), with its EntryPoint. */
const PACKED_USER_OPERATION_TYPES = {
  PackedUserOperation: [
    { name: 'sender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'initCode', type: 'bytes' },
    { name: 'callData', type: 'bytes' },
    { name: 'accountGasLimits', type: 'bytes32' },
    { name: 'preVerificationGas', type: 'uint256' },
    { name: 'gasFees', type: 'bytes32' },
    { name: 'paymasterAndData', type: 'bytes' },
    { name: 'entryPoint', type: 'address' },
  ],
} as const;

/**
 * The owner's own address delegated to MetaMask's EIP7702StatelessDeleGator (delegation framework
 * 1.3.0): it can grant delegations with caveats that the DelegationManager redeems through it, which
 * Simple7702Account cannot (the manager calls `executeFromExecutor` on the delegator). Its batch is its
 * ERC-7579 `execute(BATCH, executions)`, which the EntryPoint v0.7 it was built with, or the address
 * itself, may call: a UserOperation through the bundler (signed as the DeleGator checks it: EIP-712
 * typed data over the packed operation and the EntryPoint, in the domain of the address itself), or,
 * with no bundler, a transaction the address sends itself (self-sent.ts).
 */
export const deleGator7702: AccountKind = {
  name: "MetaMask's EIP-7702 DeleGator (EIP-7702, EntryPoint v0.7)",
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
      // The EntryPoint the DeleGator was built with: 1.3.0's is v0.7 (the registry's).
      entryPoint: { abi: entryPoint07Abi, address: entryPointV07, version: '0.7' },
      getAddress: async () => owner.address,
      encodeCalls: async (calls) =>
        selfBatchCalldata(calls.map((call) => ({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' }))),
      // Nothing to deploy: the delegation is the address's code (the first batch carries it).
      getFactoryArgs: async () => ({ factory: undefined, factoryData: undefined }),
      getStubSignature: stubSignature,
      // The stateless DeleGator's ERC-1271 check recovers the signer of the hash: the owner's own signature.
      signMessage: ({ message }) => owner.signMessage({ message }),
      signTypedData: (typedData) => owner.signTypedData(typedData),
      async signUserOperation({ chainId: _chainId, ...userOperation }) {
        const packed = toPackedUserOperation({ ...userOperation, sender: owner.address, signature: '0x' });
        return owner.signTypedData({
          domain: {
            name: 'EIP7702StatelessDeleGator',
            version: '1',
            chainId: chain.chainId,
            verifyingContract: owner.address,
          },
          types: PACKED_USER_OPERATION_TYPES,
          primaryType: 'PackedUserOperation',
          message: {
            sender: packed.sender,
            nonce: packed.nonce,
            initCode: packed.initCode,
            callData: packed.callData,
            accountGasLimits: packed.accountGasLimits,
            preVerificationGas: packed.preVerificationGas,
            gasFees: packed.gasFees,
            paymasterAndData: packed.paymasterAndData,
            entryPoint: entryPointV07,
          },
        });
      },
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
 * in eip7702 mode (either implementation) with no bundler.
 */
export function sendsOwnTransactions(kind: AccountKind, bundlerUrl: string | undefined): boolean {
  return kind.mode === 'eip7702' && !bundlerUrl;
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
