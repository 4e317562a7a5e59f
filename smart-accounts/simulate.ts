import {
  type Address,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToBigInt,
  isAddressEqual,
  type Log,
  parseAbi,
  toEventSelector,
} from 'viem';
import { simulateBlocks } from 'viem/actions';
import type { ExecutionEnvironment } from './environment.ts';
import type { Call } from './executions.ts';
import { userOperationFees } from './fees.ts';
import { describeRevert } from './revert-reason.ts';
import {
  APPROVAL_TOPIC,
  involves,
  NATIVE_ASSET,
  nativeDiff,
  TRANSFER_TOPIC,
  topicAddress,
  uniqueAddresses,
} from './simulated-logs.ts';
import { watchOnlySmartAccount } from './smart-account.ts';

/** ETH in asset changes (the 0xEeee… convention, which is also how eth_simulateV1 traces ETH transfers). */
export { NATIVE_ASSET };

export type AssetChange = { token: Address; before: bigint; after: bigint; diff: bigint };
/** An allowance the calls grant: the amount approved, and what is left of it when the calls end. */
export type ApprovalGranted = { token: Address; spender: Address; amount: bigint; remaining: bigint };

/** What the chain would do if the account ran `calls` now. */
export type Simulation = {
  account: Address;
  ok: boolean;
  /** Why it would fail, in words ("call 2 of 3 (to 0x…) failed: Too little received"). */
  revertReason: string | undefined;
  /** Every asset whose balance in the account would change (ETH before gas). */
  assetChanges: AssetChange[];
  /** Allowances the calls grant, per token and spender: the first value set, and the last. */
  approvals: ApprovalGranted[];
  /** Gas: the batch itself, the account's deployment when this is its first operation, and the
   *  estimated total with the EntryPoint's verification and bundling overhead; the fee at the current price. */
  gas: { execution: bigint; deployment: bigint; total: bigint; maxFeePerGas: bigint; fee: bigint };
  deployed: boolean;
};

/** Gas an operation costs beyond its calls: signature check, EntryPoint bookkeeping, calldata. */
const OPERATION_OVERHEAD_GAS = 110_000n;

const DEPOSIT = toEventSelector('Deposit(address,uint256)');
const WITHDRAWAL = toEventSelector('Withdrawal(address,uint256)');
const SENDER_CREATOR_ABI = parseAbi(['function senderCreator() view returns (address)']);

/**
 * Runs the calls through the user's own account in one simulated block (eth_simulateV1), as the
 * EntryPoint would: the account's factory deploys it first when it has no code yet, then the
 * EntryPoint calls the account's batch execution. Balances of `tokens` (and of any token the calls
 * move) are read before and after inside the same block, ETH moves come from the node's transfer
 * trace, and approvals from the Approval events the account is the owner in. Nothing is signed.
 */
export async function simulateAccountCalls(
  env: Pick<ExecutionEnvironment, 'publicClient' | 'chain' | 'bundlerUrl'>,
  owner: Address,
  calls: readonly Call[],
  options: { tokens?: readonly Address[] } = {},
): Promise<Simulation> {
  const client = env.publicClient;
  const smartAccount = await watchOnlySmartAccount(client, env.chain, owner);
  const account = smartAccount.address;
  const entryPoint = smartAccount.entryPoint.address;
  const deployed = ((await client.getCode({ address: account })) ?? '0x') !== '0x';
  const callData = await smartAccount.encodeCalls(
    calls.map((call) => ({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' })),
  );

  const setup: { account: Address; to: Address; data: Hex }[] = [];
  if (!deployed) {
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

  const run = async (tokens: readonly Address[]) => {
    const reads = tokens.map((token) => ({
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [account] }),
    }));
    const [block] = await simulateBlocks(client, {
      traceTransfers: true,
      validation: false,
      blocks: [{ calls: [...setup, ...reads, { account: entryPoint, to: account, data: callData }, ...reads] }],
    });
    if (!block) throw new Error('The node returned no simulated block.');
    const results = block.calls;
    const execution = results[setup.length + reads.length];
    if (!execution) throw new Error('The node returned fewer results than calls.');
    return {
      execution,
      deployment: setup.length > 0 ? (results[0]?.gasUsed ?? 0n) : 0n,
      before: results
        .slice(setup.length, setup.length + reads.length)
        .map((r) => (r.data && r.data !== '0x' ? hexToBigInt(r.data) : 0n)),
      after: results
        .slice(setup.length + reads.length + 1)
        .map((r) => (r.data && r.data !== '0x' ? hexToBigInt(r.data) : 0n)),
    };
  };

  let tokens = uniqueAddresses([...(options.tokens ?? []), ...env.chain.tokens.map((t) => t.address)]);
  let outcome = await run(tokens);
  // A token the calls moved that nobody listed (an aToken, say): read it too.
  const moved = tokensMoved(outcome.execution.logs ?? [], account).filter(
    (t) => !tokens.some((k) => isAddressEqual(k, t)),
  );
  if (moved.length > 0) {
    tokens = [...tokens, ...moved];
    outcome = await run(tokens);
  }
  const { execution } = outcome;
  const ok = execution.status === 'success';
  const logs = (execution.logs ?? []) as Log[];

  const assetChanges: AssetChange[] = [];
  const ethBefore = await client.getBalance({ address: account });
  const ethDiff = ok ? nativeDiff(logs, account) : 0n;
  if (ethDiff !== 0n)
    assetChanges.push({ token: NATIVE_ASSET, before: ethBefore, after: ethBefore + ethDiff, diff: ethDiff });
  tokens.forEach((token, index) => {
    const before = outcome.before[index] ?? 0n;
    const after = ok ? (outcome.after[index] ?? 0n) : before;
    if (after !== before) assetChanges.push({ token, before, after, diff: after - before });
  });

  const fees = await userOperationFees(env as ExecutionEnvironment);
  const total = execution.gasUsed + outcome.deployment + OPERATION_OVERHEAD_GAS;
  return {
    account,
    ok,
    revertReason: ok ? undefined : revertReasonOf(execution.data, calls),
    assetChanges,
    approvals: ok ? approvalsIn(logs, account) : [],
    gas: {
      execution: execution.gasUsed,
      deployment: outcome.deployment,
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
    if (isAddressEqual(log.address, NATIVE_ASSET)) continue;
    const topic = log.topics[0];
    const touches =
      (topic === TRANSFER_TOPIC && (involves(log.topics[1], account) || involves(log.topics[2], account))) ||
      ((topic === DEPOSIT || topic === WITHDRAWAL) && involves(log.topics[1], account));
    if (touches) found.push(getAddress(log.address));
  }
  return uniqueAddresses(found);
}

function approvalsIn(logs: readonly Log[], account: Address): ApprovalGranted[] {
  const byPair = new Map<string, ApprovalGranted>();
  for (const log of logs) {
    if (log.topics[0] !== APPROVAL_TOPIC || log.topics.length !== 3 || !involves(log.topics[1], account)) continue;
    const spender = topicAddress(log.topics[2]) as Address;
    const key = `${log.address.toLowerCase()}:${spender.toLowerCase()}`;
    const value = hexToBigInt(log.data);
    const seen = byPair.get(key);
    // Some tokens log an Approval when transferFrom spends the allowance: that is what remains.
    if (seen) seen.remaining = value;
    else byPair.set(key, { token: getAddress(log.address), spender, amount: value, remaining: value });
  }
  return [...byPair.values()];
}
