import {
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToBigInt,
  isAddressEqual,
  type Log,
  parseAbi,
  type StateOverride,
  toEventSelector,
} from 'viem';
import { simulateBlocks } from 'viem/actions';
import { NATIVE_TOKEN } from '../skills/sdk/define-skill.ts';
import { delegationCode, implementationAddress, isDelegatedTo } from './eip7702.ts';
import type { ExecutionEnvironment } from './environment.ts';
import type { Call } from './executions.ts';
import { userOperationFees } from './fees.ts';
import { describeRevert } from './revert-reason.ts';
import { type StandingGrant, standingGrants } from './simulated-grants.ts';
import {
  APPROVAL_TOPIC,
  involves,
  nativeDiff,
  TRANSFER_TOPIC,
  topicAddress,
  uniqueAddresses,
} from './simulated-logs.ts';
import {
  accountKindForOwner,
  DEFAULT_ACCOUNT_KIND,
  sendsOwnTransactions,
  watchOnlySmartAccount,
} from './smart-account.ts';

/** `token` is NATIVE_TOKEN for ETH (the 0xEeee… convention, which is also how eth_simulateV1 traces ETH transfers). */
export type AssetChange = { token: Address; before: bigint; after: bigint; diff: bigint };
/**
 * An allowance the calls grant: the amount approved, and what is left of it when the calls end, read
 * with `allowance(account, spender)` at the end of the simulated block (not from events: WETH9, for
 * one, logs no Approval when transferFrom spends an allowance).
 */
export type ApprovalGranted = { token: Address; spender: Address; amount: bigint; remaining: bigint };

/** What the chain would do if the account ran `calls` now. */
export type Simulation = {
  account: Address;
  ok: boolean;
  /** Why it would fail, in words ("call 2 of 3 (to 0x…) failed: Too little received"). */
  revertReason: string | undefined;
  /** The revert data itself, for a caller that names the failing step (revert-reason.ts explainRevert). */
  revertData: Hex | undefined;
  /** Every asset whose balance in the account would change (ETH before gas). */
  assetChanges: AssetChange[];
  /** Allowances the calls grant, per token and spender: the value set, and what the chain holds after. */
  approvals: ApprovalGranted[];
  /** Every token read whose balance in the account was above zero before the calls (not ETH). */
  holdings: { token: Address; amount: bigint }[];
  /** Standing rights the calls grant that no allowance shows (simulated-grants.ts): an operator, a credit delegation. */
  grants: StandingGrant[];
  /** Gas: the batch itself, the account's deployment when this is its first operation, and the
   *  estimated total with the EntryPoint's verification and bundling overhead; the fee at the current price. */
  gas: { execution: bigint; deployment: bigint; total: bigint; maxFeePerGas: bigint; fee: bigint };
  deployed: boolean;
};

/** Gas an operation costs beyond its calls: signature check, EntryPoint bookkeeping, calldata. */
const OPERATION_OVERHEAD_GAS = 110_000n;
/** A transaction's base cost and calldata, when a 7702 account sends its own batch. */
const SELF_SENT_OVERHEAD_GAS = 30_000n;
/** EIP-7702's intrinsic gas per authorization. */
const AUTHORIZATION_GAS = 25_000n;

const DEPOSIT = toEventSelector('Deposit(address,uint256)');
const WITHDRAWAL = toEventSelector('Withdrawal(address,uint256)');
const SENDER_CREATOR_ABI = parseAbi(['function senderCreator() view returns (address)']);
const APPROVE_ABI = parseAbi([
  'function approve(address spender, uint256 amount) returns (bool)',
  'function increaseAllowance(address spender, uint256 addedValue) returns (bool)',
]);

/** A token and a spender whose allowance from the account is read before and after the calls. */
type AllowancePair = { token: Address; spender: Address };

/**
 * Runs the calls through the user's own account in one simulated block (eth_simulateV1), as the
 * EntryPoint would: the account's factory deploys it first when it has no code yet, then the
 * EntryPoint calls the account's batch execution. Balances of `tokens` (and of any token the calls
 * move) are read before and after inside the same block, ETH moves come from the node's transfer
 * trace. Allowances the calls set (their approve calls, and Approval events the account owns) are read
 * with `allowance()` before and after the calls in the same block. Nothing is signed.
 */
export async function simulateAccountCalls(
  env: Pick<ExecutionEnvironment, 'publicClient' | 'chain' | 'bundlerUrl'> & Partial<Pick<ExecutionEnvironment, 'db'>>,
  owner: Address,
  calls: readonly Call[],
  options: { tokens?: readonly Address[] } = {},
): Promise<Simulation> {
  const client = env.publicClient;
  // The owner's user's account mode decides which account runs the calls (a SimpleAccount without a database).
  const kind = env.db ? accountKindForOwner(env.db, owner) : DEFAULT_ACCOUNT_KIND;
  const smartAccount = await watchOnlySmartAccount(client, env.chain, owner, kind);
  const account = smartAccount.address;
  const entryPoint = smartAccount.entryPoint.address;
  const eip7702 = kind.mode === 'eip7702';
  const selfSent = sendsOwnTransactions(kind, env.bundlerUrl);
  const implementation = kind.implementation ? implementationAddress(env.chain, kind.implementation) : undefined;
  const deployed =
    implementation && kind.implementation
      ? await isDelegatedTo(client, account, implementation, kind.implementation)
      : ((await client.getCode({ address: account })) ?? '0x') !== '0x';
  // Who calls the account's batch: its EntryPoint (Simple7702Account's v0.8 or the DeleGator's v0.7,
  // each taking calls from it), or the DeleGator address itself when it sends its own transaction.
  const caller = kind.implementation === 'delegator' && selfSent ? account : entryPoint;
  const callData = await smartAccount.encodeCalls(
    calls.map((call) => ({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' })),
  );
  // An address not delegated yet runs as if it were (the operation or transaction carries the
  // authorization): its code is the delegation, set for the simulated block.
  const stateOverrides: StateOverride =
    implementation && !deployed ? [{ address: account, code: delegationCode(implementation) }] : [];

  const setup: { account: Address; to: Address; data: Hex }[] = [];
  if (!deployed && !eip7702) {
    const { factory, factoryData } = await smartAccount.getFactoryArgs();
    if (factory && factoryData) {
      const senderCreator = await client.readContract({
        address: entryPoint,
        abi: SENDER_CREATOR_ABI,
        functionName: 'senderCreator',
      });
      setup.push({ account: senderCreator, to: factory, data: factoryData });
    }
  }

  const run = async (tokens: readonly Address[], pairs: readonly AllowancePair[]) => {
    const reads = [
      ...tokens.map((token) => ({
        to: token,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [account] }),
      })),
      ...pairs.map((pair) => ({
        to: pair.token,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'allowance', args: [account, pair.spender] }),
      })),
    ];
    // The reads run in the same block as the calls, just before and just after them: the state the
    // calls start from and the state they leave.
    const [block] = await simulateBlocks(client, {
      traceTransfers: true,
      validation: false,
      blocks: [
        {
          calls: [...setup, ...reads, { account: caller, to: account, data: callData }, ...reads],
          ...(stateOverrides.length > 0 ? { stateOverrides } : {}),
        },
      ],
    });
    if (!block) throw new Error('The node returned no simulated block.');
    const results = block.calls;
    const execution = results[setup.length + reads.length];
    if (!execution) throw new Error('The node returned fewer results than calls.');
    const value = (r: (typeof results)[number] | undefined) =>
      r && r.status === 'success' && r.data && r.data !== '0x' ? hexToBigInt(r.data) : undefined;
    const before = results.slice(setup.length, setup.length + reads.length).map(value);
    const after = results.slice(setup.length + reads.length + 1).map(value);
    return {
      execution,
      deployment: setup.length > 0 ? (results[0]?.gasUsed ?? 0n) : 0n,
      before: before.slice(0, tokens.length).map((v) => v ?? 0n),
      after: after.slice(0, tokens.length).map((v) => v ?? 0n),
      allowancesBefore: before.slice(tokens.length),
      allowancesAfter: after.slice(tokens.length),
    };
  };

  let tokens = uniqueAddresses([...(options.tokens ?? []), ...env.chain.tokens.map((t) => t.address)]);
  const approveCalls = approvesIn(calls);
  let pairs = uniquePairs(approveCalls);
  let outcome = await run(tokens, pairs);
  // A token the calls moved that nobody listed (an aToken, say), or an allowance they set that no
  // approve call shows (an Approval event the account owns): read those too.
  const firstLogs = (outcome.execution.logs ?? []) as Log[];
  const moved = tokensMoved(firstLogs, account).filter((t) => !tokens.some((k) => isAddressEqual(k, t)));
  const approved = approvalEvents(firstLogs, account).filter((e) => !pairs.some((p) => samePair(p, e)));
  if (moved.length > 0 || approved.length > 0) {
    tokens = [...tokens, ...moved];
    pairs = uniquePairs([...pairs, ...approved]);
    outcome = await run(tokens, pairs);
  }
  const { execution } = outcome;
  const ok = execution.status === 'success';
  const logs = (execution.logs ?? []) as Log[];

  const assetChanges: AssetChange[] = [];
  const ethBefore = await client.getBalance({ address: account });
  const ethDiff = ok ? nativeDiff(logs, account) : 0n;
  if (ethDiff !== 0n)
    assetChanges.push({ token: NATIVE_TOKEN, before: ethBefore, after: ethBefore + ethDiff, diff: ethDiff });
  tokens.forEach((token, index) => {
    const before = outcome.before[index] ?? 0n;
    const after = ok ? (outcome.after[index] ?? 0n) : before;
    if (after !== before) assetChanges.push({ token, before, after, diff: after - before });
  });

  const fees = await userOperationFees(env);
  // A 7702 account's first use carries its authorization (25,000 gas); sent by the address itself
  // (no bundler), there is no EntryPoint: a transaction's own 21,000 and its calldata instead.
  const deployment = eip7702 && !deployed ? AUTHORIZATION_GAS : outcome.deployment;
  const overhead = selfSent ? SELF_SENT_OVERHEAD_GAS : OPERATION_OVERHEAD_GAS;
  const total = execution.gasUsed + deployment + overhead;
  return {
    account,
    ok,
    revertReason: ok ? undefined : revertReasonOf(execution.data, calls),
    revertData: ok ? undefined : execution.data,
    assetChanges,
    approvals: ok
      ? approvalsGranted(pairs, approveCalls, approvalEvents(logs, account), {
          before: outcome.allowancesBefore,
          after: outcome.allowancesAfter,
        })
      : [],
    holdings: tokens
      .map((token, index) => ({ token, amount: outcome.before[index] ?? 0n }))
      .filter((held) => held.amount > 0n),
    grants: ok ? standingGrants(logs, account) : [],
    gas: {
      execution: execution.gasUsed,
      deployment,
      total,
      maxFeePerGas: fees.maxFeePerGas,
      fee: total * fees.maxFeePerGas,
    },
    deployed,
  };
}

/** A single call runs through the account's `execute`, which passes its revert on unwrapped; say which call. */
function revertReasonOf(data: Hex, calls: readonly Call[]): string {
  const reason = describeRevert(data, calls);
  return calls.length === 1 && !reason.startsWith('call ')
    ? `call 1 of 1 (to ${calls[0]?.to}) failed: ${reason}`
    : reason;
}

function tokensMoved(logs: readonly Log[], account: Address): Address[] {
  const found: Address[] = [];
  for (const log of logs) {
    if (isAddressEqual(log.address, NATIVE_TOKEN)) continue;
    const topic = log.topics[0];
    const touches =
      (topic === TRANSFER_TOPIC && (involves(log.topics[1], account) || involves(log.topics[2], account))) ||
      ((topic === DEPOSIT || topic === WITHDRAWAL) && involves(log.topics[1], account));
    if (touches) found.push(getAddress(log.address));
  }
  return uniqueAddresses(found);
}

/** The approve and increaseAllowance calls among `calls`, with the amount each sets or adds. */
function approvesIn(calls: readonly Call[]): (AllowancePair & { amount: bigint })[] {
  const found: (AllowancePair & { amount: bigint })[] = [];
  for (const call of calls) {
    if (!call.data || call.data.length < 10) continue;
    try {
      const decoded = decodeFunctionData({ abi: APPROVE_ABI, data: call.data });
      found.push({ token: getAddress(call.to), spender: getAddress(decoded.args[0]), amount: decoded.args[1] });
    } catch {
      // Not an approval.
    }
  }
  return found;
}

/** The Approval events the account is the owner in, in order. */
function approvalEvents(logs: readonly Log[], account: Address): (AllowancePair & { amount: bigint })[] {
  const found: (AllowancePair & { amount: bigint })[] = [];
  for (const log of logs) {
    if (log.topics[0] !== APPROVAL_TOPIC || log.topics.length !== 3 || !involves(log.topics[1], account)) continue;
    found.push({
      token: getAddress(log.address),
      spender: topicAddress(log.topics[2]) as Address,
      amount: hexToBigInt(log.data),
    });
  }
  return found;
}

function samePair(a: AllowancePair, b: AllowancePair): boolean {
  return isAddressEqual(a.token, b.token) && isAddressEqual(a.spender, b.spender);
}

function uniquePairs(pairs: readonly AllowancePair[]): AllowancePair[] {
  const unique: AllowancePair[] = [];
  for (const pair of pairs) {
    if (!unique.some((known) => samePair(known, pair))) unique.push({ token: pair.token, spender: pair.spender });
  }
  return unique;
}

/**
 * Per token and spender the calls approve (an approve call, or an Approval event that raises the
 * allowance), the amount set and what the chain holds at the end of the block. An Approval event that
 * only records a standing allowance being spent (OpenZeppelin 4 logs one in transferFrom) grants nothing.
 */
function approvalsGranted(
  pairs: readonly AllowancePair[],
  approveCalls: readonly (AllowancePair & { amount: bigint })[],
  events: readonly (AllowancePair & { amount: bigint })[],
  allowances: { before: readonly (bigint | undefined)[]; after: readonly (bigint | undefined)[] },
): ApprovalGranted[] {
  const granted: ApprovalGranted[] = [];
  for (const [index, pair] of pairs.entries()) {
    const call = approveCalls.find((c) => samePair(c, pair));
    const pairEvents = events.filter((e) => samePair(e, pair));
    const before = allowances.before[index];
    const after = allowances.after[index];
    // Without a readable allowance (not an ERC-20 after all), the last event is the best there is.
    const remaining = after ?? pairEvents.at(-1)?.amount ?? call?.amount ?? 0n;
    const raised = pairEvents.some((e) => before === undefined || e.amount > before);
    if (!call && !raised) continue;
    const amount = pairEvents[0]?.amount ?? call?.amount ?? remaining;
    granted.push({ token: pair.token, spender: pair.spender, amount, remaining });
  }
  return granted;
}
