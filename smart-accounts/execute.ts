import { formatEther, http, type LocalAccount, parseAbi, parseEventLogs } from 'viem';
import {
  type BundlerClient,
  createBundlerClient,
  createPaymasterClient,
  formatUserOperationRequest,
  getUserOperationHash,
  type SmartAccount,
  type UserOperationReceipt,
} from 'viem/account-abstraction';
import type { Db } from '../common/database.ts';
import { networkReason, redactUrl } from '../common/json-rpc.ts';
import { gasHeadroom, measuredCallGas } from './call-gas.ts';
import { implementationAddress, isDelegatedTo, signDelegation } from './eip7702.ts';
import { type ExecutionEnvironment, requireBundler } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import {
  type Call,
  type ExecutionRecord,
  getExecution,
  hasOtherUnfinished,
  insertOrGetExecution,
  type SentState,
  UNFINISHED,
  updateExecution,
} from './executions.ts';
import { userOperationFees } from './fees.ts';
import { classifySendFailure, recordOutcome } from './outcomes.ts';
import { describeRevert, revertDataOf } from './revert-reason.ts';
import { executeSelfSent } from './self-sent.ts';
import { assertNoShortfall, type Spend } from './shortfall.ts';
import { accountKindFor, sendsOwnTransactions } from './smart-account.ts';

export type ExecuteRequest = {
  userId: string;
  /** One key per confirmation: a second execute with the same key returns the first record. */
  idempotencyKey: string;
  planId?: string;
  calls: Call[];
  /** Everything the calls take from the account at most, when the caller knows it (the skills' gives
   *  bounds); without it, the plain ERC-20 transfers in the calls are what is checked. */
  spends?: Spend[];
  /** What earlier calls in the bundle are bound to bring in (the skills' receive bounds). */
  credits?: Spend[];
  /** It may run unvetted code: recorded, so nothing else of the account starts while it is on its way. */
  runsAlone?: boolean;
  /**
   * The most the operation may prefund from the account's gas deposit: a withdrawal of the deposit
   * (gas-deposit.ts) keeps this much for its own gas, and with a larger prefund the EntryPoint would
   * leave too little for the withdrawal, which would revert and still pay. Refused, nothing sent.
   */
  prefundAtMost?: bigint;
  /** The nonce to use instead of the account's next one: a cancellation reuses a stuck operation's (cancel.ts). */
  nonce?: bigint;
};

export type ExecuteOptions = {
  /** How long to wait for the receipt before leaving the record `submitted` for reconciliation. */
  receiptTimeoutMs?: number;
  /** How long to wait for each answer of the bundler (30 s unless given). */
  bundlerTimeoutMs?: number;
  /**
   * Runs inside the SQLite transaction that creates the record, and only then (not when the
   * idempotency key finds an existing one): a plan's execution id is written with the record itself.
   */
  onRecordCreated?: (db: Db, executionId: string) => void;
  /** Called once the bundler has accepted the operation (for fault-injection tests of recovery). */
  afterSubmit?: (record: ExecutionRecord) => void;
  /** Called after signing, before sending (for tests of a chain that moves between simulation and inclusion). */
  beforeSend?: () => Promise<void>;
};

const ESTIMATION_BALANCE = 10n ** 30n;
const WITHOUT_FACTORY = ['fees', 'gas', 'paymaster', 'nonce', 'signature', 'authorization'] as const;

const ENTRY_POINT_DEPOSIT = parseAbi(['function balanceOf(address account) view returns (uint256)']);
const USER_OPERATION_REVERT_REASON = parseAbi([
  'event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)',
]);

/**
 * Executes `calls` as one UserOperation from the user's smart account, exactly once per
 * idempotency key, and returns the record: `succeeded` or `reverted` with the receipt's figures;
 * `failed` when the bundler refused it or nothing was sent (`sent: 'no'`, and why); or `submitted`
 * when it was sent and the outcome is not known yet: the receipt did not come in time, or the
 * bundler gave no clear answer (it may have taken it). Reconciliation settles `submitted` records.
 */
export async function execute(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  request: ExecuteRequest,
  options: ExecuteOptions = {},
): Promise<ExecutionRecord> {
  const kind = accountKindFor(env.db, request.userId);
  // An address in 7702 mode can send its own batch; a SimpleAccount needs a bundler.
  if (sendsOwnTransactions(kind, env.bundlerUrl)) return executeSelfSent(env, owner, request, options);
  const bundlerUrl = requireBundler(env);
  const account = await kind.create(env.publicClient, env.chain, owner);
  const { record, created } = insertOrGetExecution(
    env.db,
    {
      userId: request.userId,
      planId: request.planId,
      idempotencyKey: request.idempotencyKey,
      chainId: env.chain.chainId,
      account: account.address,
      calls: request.calls,
      runsAlone: request.runsAlone,
    },
    options.onRecordCreated,
  );
  if (!created) return record;
  const current = () => getExecution(env.db, request.userId, record.id);
  // Every settling write is guarded: a reconciliation may have settled the record meanwhile.
  const fail = (error: string, sent: SentState = 'no') => {
    updateExecution(env.db, record.id, { status: 'failed', sent, error }, UNFINISHED);
    return current();
  };

  const bundler = bundlerClientFor(env, account, options.bundlerTimeoutMs);
  let userOperation: Awaited<ReturnType<typeof bundler.prepareUserOperation>>;
  let fromBlock: bigint;
  try {
    // Read before the nonce and everything else: the operation cannot land in an earlier block, so
    // reconciliation reads the EntryPoint's logs from here.
    fromBlock = await env.publicClient.getBlockNumber({ cacheTime: 0 });
    await assertNoShortfall(env, account.address, request.calls, {
      ...(request.spends ? { spends: request.spends } : {}),
      ...(request.credits ? { credits: request.credits } : {}),
    });
    const fees = await userOperationFees(env);
    // The owner's own address, not yet delegated: this operation carries the delegation (eip7702Auth),
    // signed here, as viem would otherwise put a placeholder in its place.
    const implementation = kind.implementation ? implementationAddress(env.chain, kind.implementation) : undefined;
    const authorization =
      kind.implementation &&
      implementation &&
      !(await isDelegatedTo(env.publicClient, account.address, implementation, kind.implementation))
        ? await signDelegation(env.publicClient, env.chain, owner, implementation, { selfSent: false })
        : undefined;
    // The account's sequential nonce (key 0) when no other operation of it may still land: its slot
    // in the EntryPoint is then written already, where a fresh key (viem's default, which lets
    // operations run in parallel) costs a new storage slot, about 17,000 gas more per operation.
    // With another one unfinished, a fresh key keeps the two from competing for one nonce.
    const beside = hasOtherUnfinished(env.db, env.chain.chainId, account.address, record.id);
    const sequentialNonce =
      request.nonce !== undefined ? request.nonce : beside ? undefined : await account.getNonce({ key: 0n });
    const prepared = bundler.prepareUserOperation({
      account,
      calls: request.calls,
      ...(sequentialNonce === undefined ? {} : { nonce: sequentialNonce }),
      // With the authorization, no `factory: 0x7702` marker either: the bundle transaction delegates
      // the address before the EntryPoint looks at it, and the devnet's mock paymaster refuses the
      // marker (not an address). Alto accepts an eip7702Auth with no factory.
      ...(authorization ? { authorization, parameters: WITHOUT_FACTORY } : {}),
      ...fees,
      // Estimate what the calls need as if the account could pay for gas: whether it can is checked
      // next, against the real balance, with a message that says what is missing.
      stateOverride: [{ address: account.address, balance: ESTIMATION_BALANCE }],
    });
    // Beside the bundler's estimate, the node's measure of the same call (call-gas.ts), and the
    // account's deposit at the EntryPoint, which pays the prefund first (positions.ts GasDeposit).
    const selfFunded = !env.paymasterUrl;
    const [preparedOperation, measured, deposit] = await Promise.all([
      prepared,
      selfFunded && !authorization
        ? account.encodeCalls(request.calls).then((callData) =>
            measuredCallGas(env.publicClient, {
              entryPoint: account.entryPoint.address,
              account: account.address,
              callData,
              balanceOverride: ESTIMATION_BALANCE,
            }),
          )
        : undefined,
      selfFunded
        ? env.publicClient.readContract({
            address: account.entryPoint.address,
            abi: ENTRY_POINT_DEPOSIT,
            functionName: 'balanceOf',
            args: [account.address],
          })
        : 0n,
    ]);
    userOperation = preparedOperation;
    if (selfFunded) {
      // The estimate is made against the latest block; the operation lands in a later one, where
      // the same calls can cost more (an Aave reserve accrues interest on its first touch in each
      // block second, a Uniswap pool writes an oracle observation). Without headroom about one
      // borrow in three ran out of gas on the devnet. Unused call gas is refunded but for
      // the EntryPoint's 10% penalty on unused call gas (v0.8: once 40,000 or more is unused); so the
      // headroom is modest, and added to the node's measure of the call where that is below the
      // bundler's wide estimate.
      // (With a paymaster the limits are part of what it signs; there the bundler's multiplier applies.)
      const callGas =
        measured !== undefined && measured < userOperation.callGasLimit ? measured : userOperation.callGasLimit;
      userOperation.callGasLimit = callGas + gasHeadroom(callGas, request.calls, env.chain.contracts);
      // The EntryPoint asks the account's balance only for the prefund its deposit does not cover;
      // with another operation of the account on its way, that one may spend the deposit first, so
      // the balance must cover it all.
      const prefund = requiredPrefund(userOperation);
      if (request.prefundAtMost !== undefined && prefund > request.prefundAtMost) {
        throw new SmartAccountError(
          `Not sent: its gas may take ${formatEther(prefund)} ETH from the gas deposit now (fees rose), more than the ${formatEther(request.prefundAtMost)} it keeps for that; it would revert. Nothing was sent; try again.`,
        );
      }
      const covered = beside ? 0n : deposit;
      await assertNoShortfall(env, account.address, request.calls, {
        gasCost: prefund > covered ? prefund - covered : 0n,
        tokens: false,
        ...(request.credits ? { credits: request.credits } : {}),
      });
    }
    userOperation.signature = await account.signUserOperation(userOperation);
  } catch (error) {
    // A shortfall, or an address delegated to another implementation: said as it is.
    if (error instanceof SmartAccountError) return fail(error.message);
    const data = revertDataOf(error);
    if (data || /reverted during simulation/.test(String((error as Error).message))) {
      return fail(
        `The bundle would revert, so it was not sent: ${describeRevert(data, request.calls, env.chain.tokens, env.chain.contracts.bundleGuard)}`,
      );
    }
    return fail(bundlerProblem(env, error, 'preparing the operation'));
  }

  const entryPoint = account.entryPoint;
  const userOpHash = getUserOperationHash({
    chainId: env.chain.chainId,
    entryPointAddress: entryPoint.address,
    entryPointVersion: entryPoint.version,
    userOperation,
  });
  const rpcOperation = formatUserOperationRequest(userOperation);
  // Write-ahead: the signed operation and its hash are on disk before it leaves, so a crash at any
  // point leaves a record that reconciliation can settle without sending anything twice. From here
  // on the record may have been sent. Only a record still pending is sent: a reconciliation that
  // closed it meanwhile as interrupted (a very slow preparation) has the last word.
  const claimed = updateExecution(
    env.db,
    record.id,
    { userOperation: JSON.stringify(rpcOperation), userOpHash, fromBlock, sent: 'unknown' },
    ['pending'],
  );
  if (!claimed) return current();

  await options.beforeSend?.();
  let answer: unknown;
  try {
    answer = await bundler.request({ method: 'eth_sendUserOperation', params: [rpcOperation, entryPoint.address] });
  } catch (error) {
    const failure = classifySendFailure(error);
    if (failure.kind === 'not-sent') return fail(bundlerProblem(env, error, 'sending'));
    if (failure.kind === 'refused') {
      const data = revertDataOf(error);
      return fail(
        `The bundler refused the operation: ${data ? describeRevert(data, request.calls, env.chain.tokens, env.chain.contracts.bundleGuard) : failure.reason}`,
        'yes',
      );
    }
    return unclear(failure.reason);
  }
  if (typeof answer !== 'string' || answer.toLowerCase() !== userOpHash.toLowerCase()) {
    return unclear(`it answered ${JSON.stringify(answer)?.slice(0, 80)} instead of the operation's hash`);
  }
  updateExecution(env.db, record.id, { status: 'submitted', sent: 'yes' }, UNFINISHED);
  options.afterSubmit?.(current());

  try {
    const receipt = await bundler.waitForUserOperationReceipt({
      hash: userOpHash,
      pollingInterval: env.pollingIntervalMs,
      timeout: options.receiptTimeoutMs ?? 120_000,
    });
    recordReceipt(env, record.id, receipt, request.calls);
  } catch {
    // No receipt yet: the record stays `submitted`, and reconciliation finishes it later.
  }
  return current();

  /** The request left and no clear answer came back: the bundler may have the operation. */
  function unclear(reason: string): ExecutionRecord {
    updateExecution(
      env.db,
      record.id,
      {
        status: 'submitted',
        error: `The bundler at ${redactUrl(bundlerUrl)} gave no clear answer after the operation was sent (${reason}), so it may have taken it. Sextant settles this from the bundler and the chain; do not send it again.`,
      },
      UNFINISHED,
    );
    return current();
  }
}

/**
 * Writes a receipt's outcome into the record (status, transaction, gas, fee, and the revert
 * reason), once: returns false when the record was already settled.
 */
export function recordReceipt(
  env: ExecutionEnvironment,
  id: string,
  receipt: UserOperationReceipt,
  calls: readonly Call[],
): boolean {
  const [event] = parseEventLogs({ abi: USER_OPERATION_REVERT_REASON, logs: receipt.logs });
  return recordOutcome(env, id, calls, {
    success: receipt.success,
    txHash: receipt.receipt.transactionHash,
    gasUsed: receipt.actualGasUsed,
    feePaid: receipt.actualGasCost,
    revertReason: event?.args.revertReason,
    reason: receipt.reason,
  });
}

export function bundlerClientFor(env: ExecutionEnvironment, account?: SmartAccount, timeoutMs = 30_000): BundlerClient {
  return createBundlerClient({
    account,
    client: env.publicClient,
    transport: http(requireBundler(env), { retryCount: 0, timeout: timeoutMs }),
    paymaster: env.paymasterUrl ? createPaymasterClient({ transport: http(env.paymasterUrl) }) : undefined,
  });
}

/** What the EntryPoint takes from the account up front when no paymaster pays: every gas limit at the max fee. */
function requiredPrefund(op: {
  callGasLimit: bigint;
  verificationGasLimit: bigint;
  preVerificationGas: bigint;
  maxFeePerGas: bigint;
  paymasterVerificationGasLimit?: bigint | undefined;
  paymasterPostOpGasLimit?: bigint | undefined;
}): bigint {
  const gas =
    op.callGasLimit +
    op.verificationGasLimit +
    op.preVerificationGas +
    (op.paymasterVerificationGasLimit ?? 0n) +
    (op.paymasterPostOpGasLimit ?? 0n);
  return gas * op.maxFeePerGas;
}

function findNetworkCause(error: unknown): unknown {
  for (
    let current = error as { cause?: unknown; name?: string } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.name === 'TimeoutError' || (current.cause as { code?: string } | undefined)?.code) return current;
  }
  return error;
}

function bundlerProblem(env: ExecutionEnvironment, error: unknown, stage: string): string {
  const cause = findNetworkCause(error);
  const reason =
    cause === error
      ? ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message)
      : networkReason(cause);
  return `The bundler at ${redactUrl(requireBundler(env))} failed while ${stage}: ${reason}. Nothing was sent.`;
}
