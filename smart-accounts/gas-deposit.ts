import { type Address, encodeFunctionData, formatEther, isAddressEqual, type LocalAccount, parseAbi } from 'viem';
import type { ExecutionEnvironment } from './environment.ts';
import { SmartAccountError } from './errors.ts';
import { execute } from './execute.ts';
import { type Call, type ExecutionRecord, hasOtherUnfinished } from './executions.ts';
import { userOperationFees } from './fees.ts';
import { readGasDeposits } from './positions.ts';
import { accountKindFor, sendsOwnTransactions, watchOnlySmartAccount } from './smart-account.ts';

/**
 * Taking the account's gas deposit (positions.ts GasDeposit) back into the account: one execution that
 * calls `withdrawTo(account, amount)` at each EntryPoint holding some (only the account itself may).
 *
 * An operation through the account's own EntryPoint pays its gas from that deposit first: the
 * EntryPoint takes the operation's whole prefund from it before the call runs. So there the
 * withdrawal leaves what the operation may need (its gas bound at today's max fee); what the
 * operation does not use stays as the deposit. Sent as the address's own transaction (EIP-7702
 * without a bundler), or sponsored by a paymaster, it takes all.
 */
export type GasWithdrawal = {
  account: Address;
  deposits: { entryPoint: Address; version: 'v0.7' | 'v0.8'; held: bigint; withdrawn: bigint }[];
  /** Left at the account's own EntryPoint for the withdrawal's own gas. */
  kept: bigint;
  calls: Call[];
  /** The withdrawal in words, one line per EntryPoint. */
  summary: string[];
};

/**
 * Gas a withdrawal through the bundler keeps in the deposit for its own prefund: its limits ran from
 * 137,652 (a deployed SimpleAccount) to 344,033 (one its first operation deploys). The operation is
 * refused, nothing sent, if fees rose so that its prefund is more (execute's `prefundAtMost`).
 */
const WITHDRAWAL_GAS_BOUND = 500_000n;
const ENTRY_POINT_ABI = parseAbi(['function withdrawTo(address withdrawAddress, uint256 withdrawAmount)']);

export async function previewGasWithdrawal(
  env: ExecutionEnvironment,
  userId: string,
  owner: Address,
): Promise<GasWithdrawal> {
  const kind = accountKindFor(env.db, userId);
  const account = await watchOnlySmartAccount(env.publicClient, env.chain, owner, kind);
  // One on its way may take its gas from the deposit first, and the withdrawal would then revert.
  if (hasOtherUnfinished(env.db, env.chain.chainId, account.address, '')) {
    throw new SmartAccountError(
      `Another operation of ${account.address} is still on its way; its gas may come from the deposit. Withdraw once it has landed.`,
    );
  }
  const deposits = await readGasDeposits(env.publicClient, env.chain, account.address);
  // Gas is taken from the deposit at the account's own EntryPoint only when an operation pays for itself.
  const paysFromDeposit = !sendsOwnTransactions(kind, env.bundlerUrl) && !env.paymasterUrl;
  const bound = paysFromDeposit ? WITHDRAWAL_GAS_BOUND * (await userOperationFees(env)).maxFeePerGas : 0n;
  let kept = 0n;
  const withdrawals = deposits.map((deposit) => {
    const own = isAddressEqual(deposit.entryPoint, account.entryPoint.address);
    const keep = own ? (deposit.amount < bound ? deposit.amount : bound) : 0n;
    kept += keep;
    return { ...deposit, held: deposit.amount, withdrawn: deposit.amount - keep };
  });
  const taken = withdrawals.filter((w) => w.withdrawn > 0n);
  const symbol = env.chain.nativeSymbol;
  return {
    account: account.address,
    deposits: withdrawals.map(({ entryPoint, version, held, withdrawn }) => ({ entryPoint, version, held, withdrawn })),
    kept,
    calls: taken.map((w) => ({
      to: w.entryPoint,
      data: encodeFunctionData({
        abi: ENTRY_POINT_ABI,
        functionName: 'withdrawTo',
        args: [account.address, w.withdrawn],
      }),
    })),
    summary: withdrawals.map((w) =>
      w.withdrawn === w.held
        ? `${formatEther(w.withdrawn)} ${symbol} from EntryPoint ${w.version} (${w.entryPoint}) to ${account.address}`
        : w.withdrawn > 0n
          ? `${formatEther(w.withdrawn)} of ${formatEther(w.held)} ${symbol} from EntryPoint ${w.version} (${w.entryPoint}) to ${account.address}; ${formatEther(w.held - w.withdrawn)} stays for this withdrawal's own gas, and what it does not use stays as the deposit`
          : `nothing from EntryPoint ${w.version} (${w.entryPoint}): its ${formatEther(w.held)} ${symbol} is what this withdrawal's own gas may need; it pays your next operations`,
    ),
  };
}

/** Sends the withdrawal (previewGasWithdrawal) as one execution of the account, once per key. */
export function withdrawGasDeposit(
  env: ExecutionEnvironment,
  owner: LocalAccount,
  userId: string,
  withdrawal: GasWithdrawal,
  idempotencyKey: string,
): Promise<ExecutionRecord> {
  return execute(env, owner, { userId, idempotencyKey, calls: withdrawal.calls, prefundAtMost: withdrawal.kept });
}
