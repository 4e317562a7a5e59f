import {
  type Address,
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  encodePacked,
  type Hex,
  hashStruct,
  numberToHex,
  parseAbi,
  parseAbiParameters,
} from 'viem';

/**
 * Delegations of MetaMask's delegation framework (1.3.0): an account (the delegator) lets another
 * key (the delegate) act for it, within caveats that enforcer contracts check on chain at every
 * redemption. Sextant's autonomy (issue 20) rests on this: a stolen agent key can do no more than
 * the caveats the user signed. This file encodes what the framework takes; it holds no policy.
 */

export type Caveat = { enforcer: Address; terms: Hex; args: Hex };

export type Delegation = {
  delegate: Address;
  delegator: Address;
  /** ROOT_AUTHORITY for a delegation the delegator grants directly (not re-delegated). */
  authority: Hex;
  caveats: readonly Caveat[];
  /** Tells apart two delegations with the same terms, so one can be revoked alone. */
  salt: bigint;
  signature: Hex;
};

export const ROOT_AUTHORITY: Hex = '0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';

/** The EIP-712 message a delegator signs (the framework hashes a delegation without its signature or caveats' args). */
export function delegationTypedData(
  delegationManager: Address,
  chainId: number,
  delegation: Omit<Delegation, 'signature'>,
) {
  return {
    domain: { name: 'DelegationManager', version: '1', chainId, verifyingContract: delegationManager },
    types: {
      Delegation: [
        { name: 'delegate', type: 'address' },
        { name: 'delegator', type: 'address' },
        { name: 'authority', type: 'bytes32' },
        { name: 'caveats', type: 'Caveat[]' },
        { name: 'salt', type: 'uint256' },
      ],
      Caveat: [
        { name: 'enforcer', type: 'address' },
        { name: 'terms', type: 'bytes' },
      ],
    },
    primaryType: 'Delegation',
    message: {
      delegate: delegation.delegate,
      delegator: delegation.delegator,
      authority: delegation.authority,
      caveats: delegation.caveats.map((c) => ({ enforcer: c.enforcer, terms: c.terms })),
      salt: delegation.salt,
    },
  } as const;
}

/**
 * The delegation's hash as the DelegationManager keys it (its EIP-712 struct hash, no domain): what
 * `disabledDelegations` is asked with.
 */
export function delegationHash(delegation: Omit<Delegation, 'signature'>): Hex {
  const { types, primaryType, message } = delegationTypedData(ZERO_ADDRESS, 0, delegation);
  return hashStruct({ data: message, primaryType, types });
}

const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

/** The terms each enforcer reads (their getTermsInfo), packed as the framework packs them. */
export const caveatTerms = {
  /** Only calls to these contracts. */
  allowedTargets: (targets: readonly Address[]): Hex => concat([...targets]),
  /** Only these functions (4-byte selectors). */
  allowedMethods: (selectors: readonly Hex[]): Hex => concat([...selectors]),
  /** The call's data, from byte `start` (the selector is bytes 0-3), must be exactly `value`. */
  allowedCalldata: (start: bigint, value: Hex): Hex => concat([numberToHex(start, { size: 32 }), value]),
  /**
   * Across each redemption, `holder`'s balance of `token` grows by at least `amount` ('increase'), or
   * falls by at most `amount` ('decrease').
   */
  erc20BalanceChange: (direction: 'increase' | 'decrease', token: Address, holder: Address, amount: bigint): Hex =>
    encodePacked(['bool', 'address', 'address', 'uint256'], [direction === 'decrease', token, holder, amount]),
  /** ERC-20 `transfer`s of `token` of at most `amount` per `periodSeconds`, counted from `start`. */
  erc20PeriodTransfer: (token: Address, amount: bigint, periodSeconds: bigint, start: bigint): Hex =>
    encodePacked(['address', 'uint256', 'uint256', 'uint256'], [token, amount, periodSeconds, start]),
  /** ETH sent of at most `amount` per `periodSeconds`, counted from `start`. */
  nativeTokenPeriodTransfer: (amount: bigint, periodSeconds: bigint, start: bigint): Hex =>
    encodePacked(['uint256', 'uint256', 'uint256'], [amount, periodSeconds, start]),
  /** Only after `after` and before `before` (unix seconds; 0: no limit on that side). */
  timestamp: (after: bigint, before: bigint): Hex => encodePacked(['uint128', 'uint128'], [after, before]),
  /** At most `limit` redemptions. */
  limitedCalls: (limit: bigint): Hex => numberToHex(limit, { size: 32 }),
  /** Only these addresses may redeem. */
  redeemer: (redeemers: readonly Address[]): Hex => concat([...redeemers]),
  /** Calls carrying at most `value` wei. */
  valueLte: (value: bigint): Hex => numberToHex(value, { size: 32 }),
};

/**
 * One delegation per period: each valid only within its own window (a TimestampEnforcer caveat) and
 * for `callsPerPeriod` redemptions (LimitedCallsEnforcer), all with `caveats`. This is how a limit per
 * period is held by the chain for calls no period enforcer understands (a swap through a router): the
 * user signs them all at once, and on any day only that day's can be redeemed, that many times.
 */
export function periodDelegations(grant: {
  delegate: Address;
  delegator: Address;
  caveats: readonly Caveat[];
  enforcers: { timestamp: Address; limitedCalls: Address };
  /** Unix seconds: the first period's start. */
  start: bigint;
  periodSeconds: bigint;
  periods: number;
  callsPerPeriod: bigint;
  /** The first delegation's salt; the others follow it. */
  salt: bigint;
}): Omit<Delegation, 'signature'>[] {
  return Array.from({ length: grant.periods }, (_, index) => {
    const from = grant.start + BigInt(index) * grant.periodSeconds;
    return {
      delegate: grant.delegate,
      delegator: grant.delegator,
      authority: ROOT_AUTHORITY,
      caveats: [
        ...grant.caveats,
        // The TimestampEnforcer's window is open on both ends: after `from - 1`, before `from + period`.
        {
          enforcer: grant.enforcers.timestamp,
          terms: caveatTerms.timestamp(from - 1n, from + grant.periodSeconds),
          args: '0x',
        },
        { enforcer: grant.enforcers.limitedCalls, terms: caveatTerms.limitedCalls(grant.callsPerPeriod), args: '0x' },
      ],
      salt: grant.salt + BigInt(index),
    };
  });
}

const DELEGATION_MANAGER_ABI = parseAbi([
  'struct Caveat { address enforcer; bytes terms; bytes args; }',
  'struct Delegation { address delegate; address delegator; bytes32 authority; Caveat[] caveats; uint256 salt; bytes signature; }',
  'function redeemDelegations(bytes[] permissionContexts, bytes32[] modes, bytes[] executionCallDatas)',
  'function disableDelegation(Delegation delegation)',
  'function disabledDelegations(bytes32 delegationHash) view returns (bool)',
]);

const DELEGATIONS = parseAbiParameters(
  '(address delegate, address delegator, bytes32 authority, (address enforcer, bytes terms, bytes args)[] caveats, uint256 salt, bytes signature)[]',
);

/** ERC-7579's mode for one call, reverting on failure. */
const SINGLE_CALL: Hex = '0x0000000000000000000000000000000000000000000000000000000000000000';

/**
 * The data of a DelegationManager call that has the delegator of `chain` (leaf first: the delegation
 * to the caller, then the ones it rests on) make `call`. Sent by the delegate.
 */
export function redeemCalldata(chain: readonly Delegation[], call: { to: Address; value?: bigint; data: Hex }): Hex {
  const context = encodeAbiParameters(DELEGATIONS, [chain.map((d) => ({ ...d, caveats: [...d.caveats] }))]);
  const execution = encodePacked(['address', 'uint256', 'bytes'], [call.to, call.value ?? 0n, call.data]);
  return encodeFunctionData({
    abi: DELEGATION_MANAGER_ABI,
    functionName: 'redeemDelegations',
    args: [[context], [SINGLE_CALL], [execution]],
  });
}

const EXECUTIONS = parseAbiParameters('(address target, uint256 value, bytes callData)[]');
/** ERC-7579's mode for a batch, reverting on any failure. */
const BATCH: Hex = '0x0100000000000000000000000000000000000000000000000000000000000000';
const DELEGATOR_ABI = parseAbi(['function execute(bytes32 mode, bytes executionCalldata) payable']);

/**
 * The data of a transaction a DeleGator address (EIP-7702) sends to itself to make `calls` as one
 * batch: its `execute` takes calls from the address itself.
 */
export function selfBatchCalldata(calls: readonly { to: Address; value?: bigint; data: Hex }[]): Hex {
  const executions = encodeAbiParameters(EXECUTIONS, [
    calls.map((call) => ({ target: call.to, value: call.value ?? 0n, callData: call.data })),
  ]);
  return encodeFunctionData({ abi: DELEGATOR_ABI, functionName: 'execute', args: [BATCH, executions] });
}

/**
 * The data of the call by which the delegator disables (revokes) `delegation` on chain: sent to the
 * DelegationManager by the delegator, or to the delegator's own address (a DeleGator has the same
 * function and passes it on), as part of a batch the address sends itself.
 */
export function disableCalldata(delegation: Delegation): Hex {
  return encodeFunctionData({
    abi: DELEGATION_MANAGER_ABI,
    functionName: 'disableDelegation',
    args: [{ ...delegation, caveats: [...delegation.caveats] }],
  });
}

export { DELEGATION_MANAGER_ABI };
