import {
  type Address,
  concat,
  formatEther,
  getAddress,
  type Hex,
  isAddressEqual,
  type LocalAccount,
  type PublicClient,
  type SignedAuthorization,
  size,
  slice,
  zeroAddress,
} from 'viem';
import type { Chain } from '../common/chains/types.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { nextNonce } from '../common/next-nonce.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import { type AccountMode, accountChoiceOf, type Eip7702Implementation, setAccountMode } from './users.ts';

/**
 * EIP-7702: an address whose code is `0xef0100 || implementation` runs the implementation's code as
 * its own. The user's address delegated to Simple7702Account, or to MetaMask's EIP-7702 DeleGator,
 * is their smart account (account mode `eip7702`); an authorization to the zero address clears the
 * delegation again.
 */
export const DELEGATION_PREFIX: Hex = '0xef0100';

/** The code an address has once it delegates to `implementation`. */
export function delegationCode(implementation: Address): Hex {
  return concat([DELEGATION_PREFIX, implementation]);
}

/** What an address's code says: nothing (a plain address), a delegation, or a contract of its own. */
export type Delegation = { kind: 'none' } | { kind: 'delegated'; implementation: Address } | { kind: 'contract' };

/** The address's delegation, in the latest block or at `blockNumber`. */
export async function readDelegation(
  client: PublicClient,
  address: Address,
  blockNumber?: bigint,
): Promise<Delegation> {
  const code =
    (await client.getCode(blockNumber === undefined ? { address, blockTag: 'latest' } : { address, blockNumber })) ??
    '0x';
  if (code === '0x') return { kind: 'none' };
  if (size(code) === 23 && slice(code, 0, 3) === DELEGATION_PREFIX) {
    return { kind: 'delegated', implementation: getAddress(slice(code, 3)) };
  }
  return { kind: 'contract' };
}

/** Each implementation in words. */
export const IMPLEMENTATION_NAMES: Record<Eip7702Implementation, string> = {
  simple7702: 'Simple7702Account',
  delegator: "MetaMask's EIP-7702 DeleGator",
};

/**
 * Whether the address already runs `implementation` (true), can delegate to it (false), or cannot
 * (throws): `which` names it in the error.
 */
export async function isDelegatedTo(
  client: PublicClient,
  address: Address,
  implementation: Address,
  which: Eip7702Implementation = 'simple7702',
): Promise<boolean> {
  const delegation = await readDelegation(client, address);
  if (delegation.kind === 'contract') {
    throw new SmartAccountError(`${address} is a contract, not a key's address: it cannot delegate (EIP-7702).`);
  }
  if (delegation.kind === 'none') return false;
  if (isAddressEqual(delegation.implementation, implementation)) return true;
  const name = IMPLEMENTATION_NAMES[which];
  throw new SmartAccountError(
    `${address} delegates to ${delegation.implementation}, not to ${name} (${implementation}).`,
    {
      hint: `Run \`sextant account upgrade --implementation ${which}\` to delegate it to ${name} (this replaces the other delegation).`,
    },
  );
}

export function simple7702Implementation(chain: Chain): Address {
  const implementation = chain.contracts.simple7702Account;
  if (!implementation) {
    throw new SmartAccountError(`${chain.name} has no Simple7702Account in the registry.`, {
      hint: 'Use the simple-account mode on this chain.',
    });
  }
  return implementation;
}

/** The chain's address of MetaMask's EIP7702StatelessDeleGator (delegation framework 1.3.0). */
export function deleGatorImplementation(chain: Chain): Address {
  const implementation = chain.contracts.eip7702StatelessDeleGator;
  if (!implementation) {
    throw new SmartAccountError(`${chain.name} has no EIP-7702 DeleGator in the registry.`, {
      hint: 'Use Simple7702Account on this chain: `sextant account upgrade --implementation simple7702`.',
    });
  }
  return implementation;
}

/** The chain's address of an implementation. */
export function implementationAddress(chain: Chain, which: Eip7702Implementation): Address {
  return which === 'delegator' ? deleGatorImplementation(chain) : simple7702Implementation(chain);
}

/** Which implementation an address on this chain is, if it is one of the two. */
function implementationAt(chain: Chain, address: Address): Eip7702Implementation | null {
  const { simple7702Account, eip7702StatelessDeleGator } = chain.contracts;
  if (simple7702Account && isAddressEqual(simple7702Account, address)) return 'simple7702';
  if (eip7702StatelessDeleGator && isAddressEqual(eip7702StatelessDeleGator, address)) return 'delegator';
  return null;
}

/** An implementation's address with its name when it is one of the two ("Simple7702Account 0x…"). */
function named(chain: Chain, address: Address): string {
  const which = implementationAt(chain, address);
  return which ? `${IMPLEMENTATION_NAMES[which]} ${address}` : address;
}

/**
 * The owner's signed authorization to delegate its address to `implementation` (the zero address
 * clears a delegation). `selfSent`: the authorizing address sends the transaction that carries it,
 * whose own nonce is used first, so the authorization takes the next one.
 */
export async function signDelegation(
  client: PublicClient,
  chain: Chain,
  owner: LocalAccount,
  implementation: Address,
  /**
   * `transactionNonce`: the nonce of the self-sent transaction that carries it, when the caller has
   * read it already (one read for both: two reads could differ, and an authorization with the wrong
   * nonce is skipped by the chain while the transaction still succeeds, delegating nothing).
   */
  options: { selfSent: boolean; transactionNonce?: number },
): Promise<SignedAuthorization> {
  if (!owner.signAuthorization) {
    throw new SmartAccountError('This owner key cannot sign an EIP-7702 authorization.');
  }
  const nonce = options.transactionNonce ?? (await nextNonce(client, owner.address));
  return owner.signAuthorization({
    address: implementation,
    chainId: chain.chainId,
    nonce: options.selfSent ? nonce + 1 : nonce,
  });
}

/**
 * What `sextant account upgrade` or `downgrade` will do, for the user to read before confirming.
 * `via: 'transaction'`: the address sends itself one type-4 transaction carrying the authorization
 * now (it pays the gas). `via: 'first-operation'` (upgrade only): nothing is sent now; the account
 * mode changes and the next UserOperation carries the authorization (eip7702Auth), so a paymaster
 * can sponsor it.
 */
export type DelegationChange = {
  action: 'upgrade' | 'downgrade';
  userId: string;
  address: Address;
  chainId: number;
  via: 'transaction' | 'first-operation';
  /** The implementation the address delegates to now (null: none). */
  current: Address | null;
  /** The implementation it will delegate to (null: none). */
  target: Address | null;
  modeBefore: AccountMode;
  modeAfter: AccountMode;
  /** The user's implementation in eip7702 mode, before and after (null in simple-account mode). */
  implementationBefore: Eip7702Implementation | null;
  implementationAfter: Eip7702Implementation | null;
  /** Whether an authorization is signed and sent (false: the chain already says what is wanted). */
  sendsAuthorization: boolean;
  /** Gas of the type-4 transaction and its fee at the current price (via 'transaction' only). */
  gas: bigint | null;
  fee: bigint | null;
  /** The change in words, line by line. */
  summary: string[];
};

/** Reads the chain and the user's mode and says what upgrading or downgrading would do; sends nothing. */
export async function previewDelegationChange(
  env: Pick<ExecutionEnvironment, 'db' | 'chain' | 'publicClient'>,
  userId: string,
  owner: Address,
  action: 'upgrade' | 'downgrade',
  options: { via?: 'transaction' | 'first-operation'; implementation?: Eip7702Implementation } = {},
): Promise<DelegationChange> {
  const via = options.via ?? 'transaction';
  if (action === 'downgrade' && via !== 'transaction') {
    // Alto (and ERC-7769) refuse an eip7702Auth to the zero address; only the address itself can clear it.
    throw new SmartAccountError('A downgrade is sent by the address itself, as a type-4 transaction.');
  }
  const which = options.implementation ?? 'simple7702';
  const implementation = implementationAddress(env.chain, which);
  const delegation = await readDelegation(env.publicClient, owner);
  if (delegation.kind === 'contract') {
    throw new SmartAccountError(`${owner} is a contract, not a key's address: it cannot delegate (EIP-7702).`);
  }
  const current = delegation.kind === 'delegated' ? delegation.implementation : null;
  const target = action === 'upgrade' ? implementation : null;
  const before = accountChoiceOf(env.db, userId);
  const modeBefore = before.mode;
  const modeAfter: AccountMode = action === 'upgrade' ? 'eip7702' : 'simple-account';
  const implementationAfter = action === 'upgrade' ? which : null;
  const done = target === null ? current === null : current !== null && isAddressEqual(current, target);
  if (!done && current !== null && via === 'first-operation') {
    // The next batch checks that the address runs the implementation chosen, and it runs another:
    // only the address's own type-4 transaction replaces a delegation.
    throw new SmartAccountError(
      `${owner} delegates to ${named(env.chain, current)} now; replacing that delegation is sent by the address itself.`,
      { hint: 'Leave --via out: the address sends itself one type-4 transaction now.' },
    );
  }
  const name = IMPLEMENTATION_NAMES[which];
  const currentWhich = current ? implementationAt(env.chain, current) : null;
  const sendsAuthorization = !done && via === 'transaction';
  let gas: bigint | null = null;
  let fee: bigint | null = null;
  const summary: string[] = [];
  if (sendsAuthorization) {
    // A type-4 transaction's intrinsic gas: 21,000 plus 25,000 per authorization (part refunded when
    // the address already has a delegation); it calls nothing.
    gas = 46_000n;
    const fees = await env.publicClient.estimateFeesPerGas();
    fee = gas * fees.maxFeePerGas;
  }
  if (action === 'upgrade') {
    summary.push(`Your address ${owner} becomes your smart account: it delegates to ${name} ${implementation}`);
    if (which === 'delegator') {
      summary.push(
        "(EIP-7702, MetaMask's delegation framework 1.3.0): it can hold delegations with caveats, which standing",
        'orders need, batches run from the address your funds are on, and it stays a normal address for your key.',
      );
    } else {
      summary.push(
        '(EIP-7702), so batches run from the address your funds are on, and it stays a normal address for your key.',
      );
    }
    if (current && !done) summary.push(`This replaces its delegation to ${named(env.chain, current)}.`);
  } else {
    summary.push(`Your address ${owner} stops delegating (EIP-7702): its code is cleared and it is a plain address.`);
    summary.push(
      'Sextant uses your SimpleAccount again; the funds on this address stay on it (send them over if you want).',
    );
  }
  if (currentWhich === 'delegator' && !done) {
    // The DelegationManager redeems through the code at the address: another one refuses its calls.
    summary.push(
      'Delegations it granted as the DeleGator cannot be redeemed while it delegates elsewhere (they work again if',
      'it delegates to the DeleGator again): revoke them first if they must end for good.',
    );
  }
  if (done) summary.push('The chain already shows this; only the account mode changes, nothing is sent.');
  else if (via === 'first-operation') {
    summary.push('Nothing is sent now: your next operation carries the authorization (a paymaster can sponsor it).');
  } else {
    summary.push(
      `Sent now as one type-4 transaction from ${owner} to itself: about ${gas?.toLocaleString('en-US')} gas, at most ${formatEther(fee ?? 0n)} ${env.chain.nativeSymbol}.`,
    );
  }
  return {
    action,
    userId,
    address: owner,
    chainId: env.chain.chainId,
    via,
    current,
    target,
    modeBefore,
    modeAfter,
    implementationBefore: before.implementation,
    implementationAfter,
    sendsAuthorization,
    gas,
    fee,
    summary,
  };
}

export type DelegationChangeResult = {
  mode: AccountMode;
  /** In eip7702 mode, the implementation (null in simple-account mode). */
  implementation: Eip7702Implementation | null;
  /** The type-4 transaction, when one was sent. */
  txHash: Hex | null;
  /** The implementation the chain shows afterwards (null: none). */
  delegatedTo: Address | null;
};

/**
 * Applies a previewed change with the owner's key: signs the authorization (to the implementation,
 * or to the zero address for a downgrade), sends it from the address itself in a type-4 transaction
 * when the change says so, checks the code the chain then shows, and sets the user's account mode.
 */
export async function applyDelegationChange(
  env: Pick<ExecutionEnvironment, 'db' | 'chain' | 'publicClient' | 'pollingIntervalMs'>,
  owner: LocalAccount,
  change: DelegationChange,
): Promise<DelegationChangeResult> {
  if (!isAddressEqual(owner.address, change.address)) {
    throw new SmartAccountError(`The key given is for ${owner.address}, not for ${change.address}.`);
  }
  let txHash: Hex | null = null;
  if (change.sendsAuthorization) {
    const nonce = await nextNonce(env.publicClient, owner.address);
    const authorization = await signDelegation(env.publicClient, env.chain, owner, change.target ?? zeroAddress, {
      selfSent: true,
      transactionNonce: nonce,
    });
    const fees = await env.publicClient.estimateFeesPerGas();
    const gas = await env.publicClient.estimateGas({
      account: owner.address,
      to: owner.address,
      authorizationList: [authorization],
    });
    const signed = await owner.signTransaction({
      type: 'eip7702',
      chainId: env.chain.chainId,
      nonce,
      to: owner.address,
      value: 0n,
      data: '0x',
      gas: gas + gas / 5n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      authorizationList: [authorization],
    });
    txHash = await env.publicClient.sendRawTransaction({ serializedTransaction: signed });
    const receipt = await minedReceipt(env.publicClient, txHash, 180_000, env.pollingIntervalMs);
    if (receipt.status !== 'success') {
      throw new SmartAccountError(
        `The ${change.action} transaction ${txHash} reverted; the account mode is unchanged.`,
      );
    }
  }
  const after = await readDelegation(env.publicClient, change.address);
  const delegatedTo = after.kind === 'delegated' ? after.implementation : null;
  const landed =
    change.via === 'first-operation' ||
    (change.target === null
      ? delegatedTo === null
      : delegatedTo !== null && isAddressEqual(delegatedTo, change.target));
  if (!landed) {
    throw new SmartAccountError(
      `After the ${change.action} ${change.address} delegates to ${delegatedTo ?? 'nothing'}, not as expected; the account mode is unchanged.`,
    );
  }
  setAccountMode(env.db, change.userId, change.modeAfter, change.implementationAfter ?? undefined);
  return { mode: change.modeAfter, implementation: change.implementationAfter, txHash, delegatedTo };
}
