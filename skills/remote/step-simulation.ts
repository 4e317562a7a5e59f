import {
  type Address,
  decodeFunctionResult,
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
import { describeRevert } from '../../smart-accounts/revert-reason.ts';
import {
  APPROVAL_TOPIC,
  involves,
  nativeDiff,
  TRANSFER_TOPIC,
  topicAddress,
  uniqueAddresses,
} from '../../smart-accounts/simulated-logs.ts';
import { NATIVE_TOKEN, type SkillCall, type SkillContext } from '../sdk/define-skill.ts';

/** What one step's calls would do to the account, simulated on their own. */
export type StepSimulation = {
  ok: boolean;
  revertReason: string | undefined;
  /** Balance change per asset (lower-case address; ETH as NATIVE_TOKEN), for every listed token and ETH. */
  changes: Map<string, bigint>;
  /** Tokens the calls moved out of the account that no one listed (read from Transfer events). */
  unlistedOutflows: Address[];
  /** Approval events with the account as owner. */
  approvals: { token: Address; spender: Address; amount: bigint }[];
  /**
   * Aave credit delegations the account grants (BorrowAllowanceDelegated): a delegatee may borrow later
   * with the debt on the account, which neither a Transfer, an Approval nor the debt shows now.
   */
  delegations: { debtToken: Address; delegatee: Address; amount: bigint }[];
  /** The account in the Aave V3 market, before and after, when a pool was given: debt in the oracle's base unit. */
  market: { debtBefore: bigint; debtAfter: bigint; healthFactorBefore: bigint; healthFactorAfter: bigint } | undefined;
};

/** Aave V3's debt tokens emit it on approveDelegation (and on a delegation signed with a permit). */
const DELEGATION_TOPIC = toEventSelector(
  'BorrowAllowanceDelegated(address indexed fromUser, address indexed toUser, address indexed asset, uint256 amount)',
);

const ACCOUNT_DATA_ABI = parseAbi([
  'function getUserAccountData(address user) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)',
]);

/**
 * Runs `calls` from the account in one simulated block (eth_simulateV1, no signature, no gas price)
 * on the state the context's client sees (after the plan's earlier steps, through clientAfterCalls),
 * reading `tokens`' balances before and after in the same block, ETH from the node's transfer trace.
 * With `aavePool`, the account's debt and health factor in that Aave V3 market are read before and
 * after too (debt is what the token balances do not show). Nothing is sent. The plan's full preview
 * later runs everything again through the smart account.
 */
export async function simulateStep(
  ctx: SkillContext,
  calls: readonly SkillCall[],
  tokens: readonly Address[],
  options: { aavePool?: Address } = {},
): Promise<StepSimulation> {
  const listed = uniqueAddresses(tokens.filter((token) => !isAddressEqual(token, NATIVE_TOKEN)));
  const reads = listed.map((token) => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [ctx.account] }),
  }));
  if (options.aavePool) {
    reads.push({
      to: options.aavePool,
      data: encodeFunctionData({ abi: ACCOUNT_DATA_ABI, functionName: 'getUserAccountData', args: [ctx.account] }),
    });
  }
  const [block] = await simulateBlocks(ctx.client, {
    traceTransfers: true,
    validation: false,
    blocks: [
      {
        calls: [
          ...reads,
          ...calls.map((call) => ({ account: ctx.account, to: call.to, value: call.value, data: call.data })),
          ...reads,
        ],
      },
    ],
  });
  const results = block?.calls ?? [];
  const stepResults = results.slice(reads.length, reads.length + calls.length);
  const failed = stepResults.findIndex((result) => result.status !== 'success');
  const changes = new Map<string, bigint>();
  if (failed >= 0) {
    const result = stepResults[failed];
    return {
      ok: false,
      revertReason: `call ${failed + 1} of ${calls.length} (to ${calls[failed]?.to}) reverted: ${describeRevert(result?.data as Hex | undefined)}`,
      changes,
      unlistedOutflows: [],
      approvals: [],
      delegations: [],
      market: undefined,
    };
  }
  const balance = (result: (typeof results)[number] | undefined) =>
    result?.data && result.data !== '0x' ? hexToBigInt(result.data) : 0n;
  listed.forEach((token, index) => {
    const before = balance(results[index]);
    const after = balance(results[reads.length + calls.length + index]);
    changes.set(token.toLowerCase(), after - before);
  });
  let market: StepSimulation['market'];
  if (options.aavePool) {
    const accountData = (result: (typeof results)[number] | undefined) =>
      decodeFunctionResult({ abi: ACCOUNT_DATA_ABI, functionName: 'getUserAccountData', data: result?.data as Hex });
    const before = accountData(results[listed.length]);
    const after = accountData(results[reads.length + calls.length + listed.length]);
    market = { debtBefore: before[1], debtAfter: after[1], healthFactorBefore: before[5], healthFactorAfter: after[5] };
  }

  const logs = stepResults.flatMap((result) => (result.logs ?? []) as Log[]);
  const unlistedOutflows: Address[] = [];
  const approvals: StepSimulation['approvals'] = [];
  const delegations: StepSimulation['delegations'] = [];
  for (const log of logs) {
    const [delegated, fromUser, toUser] = log.topics;
    if (log.topics.length === 4 && delegated === DELEGATION_TOPIC && involves(fromUser, ctx.account)) {
      delegations.push({
        debtToken: getAddress(log.address),
        delegatee: topicAddress(toUser) as Address,
        amount: hexToBigInt(log.data),
      });
    }
    const [topic, from, to] = log.topics;
    if (log.topics.length !== 3 || !involves(from, ctx.account)) continue;
    if (topic === TRANSFER_TOPIC && !isAddressEqual(log.address, NATIVE_TOKEN)) {
      if (!listed.some((token) => isAddressEqual(token, log.address))) unlistedOutflows.push(getAddress(log.address));
    }
    if (topic === APPROVAL_TOPIC) {
      approvals.push({
        token: getAddress(log.address),
        spender: topicAddress(to) as Address,
        amount: hexToBigInt(log.data),
      });
    }
  }
  // ETH is NATIVE_TOKEN, in the skills' bounds and in the node's traced transfers alike (the 0xEeee… address).
  changes.set(NATIVE_TOKEN.toLowerCase(), nativeDiff(logs, ctx.account));
  return {
    ok: true,
    revertReason: undefined,
    changes,
    unlistedOutflows: uniqueAddresses(unlistedOutflows),
    approvals,
    delegations,
    market,
  };
}
