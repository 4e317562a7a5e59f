import { http, type LocalAccount, parseAbi, parseEventLogs } from 'viem';
import {
  type BundlerClient,
  createBundlerClient,
  createPaymasterClient,
  formatUserOperationRequest,
  getUserOperationHash,
  type SmartAccount,
  type UserOperationReceipt,
} from 'viem/account-abstraction';
import { networkReason, redactUrl } from '../common/json-rpc.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { ShortfallError } from './errors.ts';
import { type Call, type ExecutionRecord, getExecution, insertOrGetExecution, updateExecution } from './executions.ts';
import { userOperationFees } from './fees.ts';
import { describeRevert, revertDataOf } from './revert-reason.ts';
import { assertNoShortfall, type Spend } from './shortfall.ts';
import { DEFAULT_ACCOUNT_KIND } from './smart-account.ts';

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
};

export type ExecuteOptions = {
  /** How long to wait for the receipt before leaving the record `submitted` for reconciliation. */
  receiptTimeoutMs?: number;
  /** Called once the bundler has accepted the operation (for fault-injection tests of recovery). */
  afterSubmit?: (record: ExecutionRecord) => void;
  /** Called after signing, before sending (for tests of a chain that moves between simulation and inclusion). */
  beforeSend?: () => Promise<void>;
};

const ESTIMATION_BALANCE = 10n ** 30n;
/** Added to 120% of the estimated callGasLimit (see below). */
const CALL_GAS_MARGIN = 10_000n;

const USER_OPERATION_REVERT_REASON = parseAbi([
  'event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)',
]);

/**
 * Executes `calls` as one UserOperation from the user's smart account, exactly once per
 * idempotency key, and returns the record: `succeeded` or `reverted` with the receipt's figures,
 * `failed` when nothing was sent (and why), or `submitted` when the receipt did not come in time.
 */
export async function execute(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  request: ExecuteRequest,
  options: ExecuteOptions = {},
): Promise<ExecutionRecord> {
  const account = await DEFAULT_ACCOUNT_KIND.create(env.publicClient, env.chain, owner);
  const { record, created } = insertOrGetExecution(env.db, {
    userId: request.userId,
    planId: request.planId,
    idempotencyKey: request.idempotencyKey,
    chainId: env.chain.chainId,
    account: account.address,
    calls: request.calls,
  });
  if (!created) return record;
  const fail = (error: string) => {
    updateExecution(env.db, record.id, { status: 'failed', error });
    return getExecution(env.db, request.userId, record.id);
  };

  const bundler = bundlerClientFor(env, account);
  let userOperation: Awaited<ReturnType<typeof bundler.prepareUserOperation>>;
  try {
    await assertNoShortfall(env, account.address, request.calls, {
      ...(request.spends ? { spends: request.spends } : {}),
      ...(request.credits ? { credits: request.credits } : {}),
    });
    const fees = await userOperationFees(env);
    userOperation = await bundler.prepareUserOperation({
      account,
      calls: request.calls,
      ...fees,
      // Estimate what the calls need as if the account could pay for gas: whether it can is checked
      // next, against the real balance, with a message that says what is missing.
      stateOverride: [{ address: account.address, balance: ESTIMATION_BALANCE }],
    });
    if (!env.paymasterUrl) {
      // The estimate is made against the latest block; the operation lands in a later one, where
      // the same calls can cost more (an Aave reserve accrues interest on its first touch in each
      // block second, a Uniswap pool writes an oracle observation). Without headroom about one
      // borrow in three ran out of gas on the devnet. Unused call gas is refunded but for
      // the EntryPoint's 10% penalty on what exceeds 40,000 unused; so the margin is modest. (With a
      // paymaster the limits are part of what it signs; there the bundler's multiplier applies.)
      userOperation.callGasLimit += userOperation.callGasLimit / 5n + CALL_GAS_MARGIN;
      await assertNoShortfall(env, account.address, request.calls, {
        gasCost: requiredPrefund(userOperation),
        tokens: false,
        ...(request.credits ? { credits: request.credits } : {}),
      });
    }
    userOperation.signature = await account.signUserOperation(userOperation);
  } catch (error) {
    if (error instanceof ShortfallError) return fail(error.message);
    const data = revertDataOf(error);
    if (data || /reverted during simulation/.test(String((error as Error).message))) {
      return fail(`The bundle would revert, so it was not sent: ${describeRevert(data, request.calls)}`);
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
  // point leaves a record that reconciliation can settle without sending anything twice.
  updateExecution(env.db, record.id, { userOperation: JSON.stringify(rpcOperation), userOpHash });

  await options.beforeSend?.();
  try {
    await bundler.request({ method: 'eth_sendUserOperation', params: [rpcOperation, entryPoint.address] });
  } catch (error) {
    if (isAmbiguousSendFailure(error)) {
      // The bundler may have it: leave it submitted; reconciliation asks the bundler and the chain.
      updateExecution(env.db, record.id, {
        status: 'submitted',
        error: `no answer from the bundler: ${networkReason(error)}`,
      });
      return getExecution(env.db, request.userId, record.id);
    }
    const data = revertDataOf(error);
    return fail(
      data
        ? `The bundler refused the operation: ${describeRevert(data, request.calls)}`
        : bundlerProblem(env, error, 'sending'),
    );
  }
  updateExecution(env.db, record.id, { status: 'submitted' });
  options.afterSubmit?.(getExecution(env.db, request.userId, record.id));

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
  return getExecution(env.db, request.userId, record.id);
}

/** Writes a receipt's outcome into the record: status, transaction, gas, fee, and the revert reason. */
export function recordReceipt(
  env: ExecutionEnvironment,
  id: string,
  receipt: UserOperationReceipt,
  calls: readonly Call[],
): void {
  const common = {
    txHash: receipt.receipt.transactionHash,
    gasUsed: receipt.actualGasUsed,
    feePaid: receipt.actualGasCost,
  };
  if (receipt.success) {
    updateExecution(env.db, id, { status: 'succeeded', ...common });
    return;
  }
  const [event] = parseEventLogs({ abi: USER_OPERATION_REVERT_REASON, logs: receipt.logs });
  const reason = event
    ? describeRevert(event.args.revertReason, calls)
    : (receipt.reason ?? 'reverted without a reason');
  updateExecution(env.db, id, { status: 'reverted', ...common, error: reason });
}

export function bundlerClientFor(env: ExecutionEnvironment, account?: SmartAccount): BundlerClient {
  return createBundlerClient({
    account,
    client: env.publicClient,
    transport: http(env.bundlerUrl, { retryCount: 0, timeout: 30_000 }),
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

/** A timeout or a reset connection after sending: the bundler may or may not have the operation. */
function isAmbiguousSendFailure(error: unknown): boolean {
  const reason = networkReason(findNetworkCause(error));
  return reason.startsWith('no answer') || reason === 'timed out' || reason === 'connection reset';
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
  return `The bundler at ${redactUrl(env.bundlerUrl)} failed while ${stage}: ${reason}. Nothing was sent.`;
}
