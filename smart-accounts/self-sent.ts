import {
  type Address,
  type Hex,
  keccak256,
  type LocalAccount,
  type SignedAuthorization,
  type TransactionReceipt,
} from 'viem';
import { redactUrl } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { nextNonce } from '../common/next-nonce.ts';
import { gasHeadroom } from './call-gas.ts';
import { delegationCode, implementationAddress, isDelegatedTo, readDelegation, signDelegation } from './eip7702.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import {
  type Call,
  type ExecutionRecord,
  getExecution,
  insertOrGetExecution,
  type SentState,
  UNFINISHED,
  updateExecution,
} from './executions.ts';
import { classifySendFailure, recordOutcome } from './outcomes.ts';
import { describeRevert, revertDataOf } from './revert-reason.ts';
import { assertNoShortfall } from './shortfall.ts';
import { accountKindFor, accountKindForOwner } from './smart-account.ts';

/** What execute() passes on: the request and the options that apply to a transaction too. */
type SelfSentRequest = {
  userId: string;
  idempotencyKey: string;
  planId?: string;
  calls: Call[];
  spends?: { token: Address; amount: bigint }[];
  credits?: { token: Address; amount: bigint }[];
  runsAlone?: boolean;
};
type SelfSentOptions = {
  receiptTimeoutMs?: number;
  onRecordCreated?: Parameters<typeof insertOrGetExecution>[2];
  afterSubmit?: (record: ExecutionRecord) => void;
  beforeSend?: () => Promise<void>;
};

/**
 * Executes the calls as one transaction the user's address sends itself, calling its own batch
 * (which the address itself may call): Simple7702Account's `execute`/`executeBatch`, or the
 * DeleGator's ERC-7579 `execute(BATCH, executions)`; when the address is not delegated yet, the same
 * type-4 transaction carries the authorization first. This is 7702 mode with no bundler: the address
 * pays its gas in ETH. The record is kept as for a UserOperation: exactly once per idempotency key;
 * the signed transaction and its hash are written before it is sent, so reconciliation settles a
 * crash between sending and the receipt from the chain.
 */
export async function executeSelfSent(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  request: SelfSentRequest,
  options: SelfSentOptions = {},
): Promise<ExecutionRecord> {
  const client = env.publicClient;
  const kind = accountKindFor(env.db, request.userId);
  const which = kind.implementation;
  if (which === null) throw new SmartAccountError(`User "${request.userId}" is not in eip7702 mode.`);
  const account = await kind.create(client, env.chain, owner);
  const address = account.address;
  const { record, created } = insertOrGetExecution(
    env.db,
    {
      userId: request.userId,
      ...(request.planId ? { planId: request.planId } : {}),
      idempotencyKey: request.idempotencyKey,
      chainId: env.chain.chainId,
      account: address,
      calls: request.calls,
      runsAlone: request.runsAlone,
    },
    options.onRecordCreated,
  );
  if (!created) return record;
  const current = () => getExecution(env.db, request.userId, record.id);
  const fail = (error: string, sent: SentState = 'no') => {
    updateExecution(env.db, record.id, { status: 'failed', sent, error }, UNFINISHED);
    return current();
  };
  const node = redactUrl(envRpcLabel(env));

  let signed: Hex;
  let fromBlock: bigint;
  try {
    fromBlock = await client.getBlockNumber({ cacheTime: 0 });
    await assertNoShortfall(env, address, request.calls, {
      ...(request.spends ? { spends: request.spends } : {}),
      ...(request.credits ? { credits: request.credits } : {}),
    });
    const implementation = implementationAddress(env.chain, which);
    const nonce = await nextNonce(client, address);
    const authorizationList: SignedAuthorization[] = (await isDelegatedTo(client, address, implementation, which))
      ? []
      : [await signDelegation(client, env.chain, owner, implementation, { selfSent: true, transactionNonce: nonce })];
    const data = await account.encodeCalls(
      request.calls.map((call) => ({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' })),
    );
    const fees = await client.estimateFeesPerGas();
    // Estimated as the delegated address (a state override), whether or not it is delegated yet;
    // the authorization's own intrinsic gas is added below.
    const estimate = await client.estimateGas({
      account: address,
      to: address,
      data,
      stateOverride: [{ address, code: delegationCode(implementation) }],
    });
    // The same headroom as an operation's call (call-gas.ts); unused gas of a transaction costs nothing.
    const gas =
      estimate +
      gasHeadroom(estimate, request.calls, env.chain.contracts) +
      AUTHORIZATION_GAS * BigInt(authorizationList.length);
    await assertNoShortfall(env, address, request.calls, {
      gasCost: gas * fees.maxFeePerGas,
      tokens: false,
      ...(request.credits ? { credits: request.credits } : {}),
    });
    const common = {
      chainId: env.chain.chainId,
      nonce,
      to: address,
      value: 0n,
      data,
      gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    };
    signed = await owner.signTransaction(
      authorizationList.length > 0 ? { ...common, type: 'eip7702', authorizationList } : { ...common, type: 'eip1559' },
    );
  } catch (error) {
    // A shortfall, or an address delegated to another implementation: said as it is.
    if (error instanceof SmartAccountError) return fail(error.message);
    const data = revertDataOf(error);
    if (data || /revert/i.test(String((error as Error).message))) {
      return fail(
        `The bundle would revert, so it was not sent: ${describeRevert(data ?? '0x', request.calls, env.chain.tokens, env.chain.contracts.bundleGuard)}`,
      );
    }
    return fail(
      `The node at ${node} failed while preparing the transaction: ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}. Nothing was sent.`,
    );
  }

  const txHash = keccak256(signed);
  // Write-ahead, as for a UserOperation: from here on the transaction may have left.
  const claimed = updateExecution(
    env.db,
    record.id,
    { signedTransaction: signed, txHash, fromBlock, sent: 'unknown' },
    ['pending'],
  );
  if (!claimed) return current();

  await options.beforeSend?.();
  try {
    const answer = await client.request({ method: 'eth_sendRawTransaction', params: [signed] });
    if (typeof answer !== 'string' || answer.toLowerCase() !== txHash.toLowerCase()) {
      return unclear(`it answered ${JSON.stringify(answer)?.slice(0, 80)} instead of the transaction's hash`);
    }
  } catch (error) {
    const failure = classifySendFailure(error);
    if (failure.kind === 'not-sent') {
      return fail(
        `The node at ${node} could not be reached to send the transaction: ${failure.reason}. Nothing was sent.`,
      );
    }
    if (failure.kind === 'refused') return fail(`The node refused the transaction: ${failure.reason}`, 'yes');
    return unclear(failure.reason);
  }
  updateExecution(env.db, record.id, { status: 'submitted', sent: 'yes' }, UNFINISHED);
  options.afterSubmit?.(current());

  try {
    const receipt = await minedReceipt(client, txHash, options.receiptTimeoutMs ?? 120_000, env.pollingIntervalMs);
    await recordTransactionReceipt(env, record.id, receipt, request.calls);
  } catch {
    // No receipt yet: the record stays `submitted`, and reconciliation finishes it later.
  }
  return current();

  function unclear(reason: string): ExecutionRecord {
    updateExecution(
      env.db,
      record.id,
      {
        status: 'submitted',
        error: `The node at ${node} gave no clear answer after the transaction was sent (${reason}), so it may have taken it. Sextant settles this from the chain; do not send it again.`,
      },
      UNFINISHED,
    );
    return current();
  }
}

/** Intrinsic gas per authorization in a type-4 transaction (EIP-7702's PER_EMPTY_ACCOUNT_COST). */
const AUTHORIZATION_GAS = 25_000n;

/**
 * Settles a self-sent execution from its transaction's receipt, once (false when it was already
 * settled). A revert is explained by replaying the calls against the block before, delegated to the
 * implementation the address ran them with.
 */
export async function recordTransactionReceipt(
  env: ExecutionEnvironment,
  id: string,
  receipt: TransactionReceipt,
  calls: readonly Call[],
): Promise<boolean> {
  const success = receipt.status === 'success';
  let revertReason: Hex | undefined;
  if (!success) revertReason = await replayRevert(env, receipt);
  return recordOutcome(env, id, calls, {
    success,
    txHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    feePaid: receipt.gasUsed * receipt.effectiveGasPrice,
    revertReason,
    reason: 'the transaction reverted (the node could not say why)',
  });
}

async function replayRevert(env: ExecutionEnvironment, receipt: TransactionReceipt): Promise<Hex | undefined> {
  try {
    const transaction = await env.publicClient.getTransaction({ hash: receipt.transactionHash });
    // The delegation at the end of the transaction's block (its own authorization, if it carried one,
    // applied before its calls ran, revert or not); failing that, the user's implementation now.
    const after = await readDelegation(env.publicClient, transaction.from, receipt.blockNumber);
    const kind = accountKindForOwner(env.db, transaction.from);
    const implementation =
      after.kind === 'delegated'
        ? after.implementation
        : implementationAddress(env.chain, kind.implementation ?? 'simple7702');
    await env.publicClient.call({
      account: transaction.from,
      to: transaction.to ?? transaction.from,
      data: transaction.input,
      blockNumber: receipt.blockNumber - 1n,
      stateOverride: [{ address: transaction.from, code: delegationCode(implementation) }],
    });
    return undefined;
  } catch (error) {
    return revertDataOf(error);
  }
}

function envRpcLabel(env: ExecutionEnvironment): string {
  const transport = env.publicClient.transport as { url?: string };
  return transport.url ?? 'the chain';
}
