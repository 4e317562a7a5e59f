import { type Address, formatUnits, isAddressEqual } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import { fromBytes32 } from '../common/contracts/across.ts';
import { listContinuations, runContinuations } from './bridge-continuations.ts';
import { type BridgeDeposit, followBridgeDeposits } from './bridge-deposits.ts';
import { userAccountCommand } from './command.ts';
import { executionEnvironment } from './environment.ts';
import { getExecution } from './executions.ts';
import { unlockOwnerKey } from './keystore.ts';
import { readPassphrase } from './passphrase.ts';

/**
 * `sextant bridges`: the Across deposits the user's executions made, each read again from both chains
 * (smart-accounts/bridge-deposits.ts): pending with its deadline, filled, expired unfilled, or refunded.
 */
export const bridgesCommand = userAccountCommand({
  name: 'bridges',
  description: `The user's bridge deposits (Across) and where each stands, read from both chains now:
"pending" until a relayer fills it on the destination or its fill deadline passes; "filled" when the
amount arrived there; "expired" when the deadline passed unfilled (the input comes back on the
origin); "refunded" once that refund is seen. Each deposit is recorded once, from its execution's
own transaction, so this is right after a restart too. A plan's leg waiting on the other chain for a
deposit ("… and supply it there") runs here, once, when its deposit has been filled (this asks for
the passphrase then), and is dropped with the reason when the bridge failed or expired.`,
  async show({ db, userId, network }) {
    const env = executionEnvironment(db, network);
    // Read once from both chains: what is shown, and what decides which legs are due.
    const deposits = await followBridgeDeposits(env, userId);
    let continuations = listContinuations(db, userId);
    if (continuations.some((c) => c.status === 'waiting')) {
      const owner = await unlockOwnerKey(db, userId, await readPassphrase('run the legs waiting on a bridge'));
      continuations = await runContinuations(env, userId, owner, deposits);
    }
    const chains = [network.chain, ...(network.otherNetworks ?? []).map((other) => other.chain)];
    const views = deposits.map((deposit) => view(deposit, chains));
    const legs = continuations.map((c) => ({
      id: c.id,
      afterExecutionId: c.afterExecutionId,
      destinationChainId: c.destinationChainId,
      status: c.status,
      executionId: c.executionId,
      // What the leg's own execution says now (an executed leg may have reverted there, or not landed yet).
      executionStatus: c.executionId ? getExecution(db, userId, c.executionId).status : null,
      reason: c.reason,
    }));
    const legLines = legs.map(
      (leg) =>
        `  leg on ${chains.find((chain) => chain.chainId === leg.destinationChainId)?.name ?? `chain ${leg.destinationChainId}`} after execution ${leg.afterExecutionId}: ${leg.status}${leg.reason ? ` (${leg.reason})` : ''}${leg.executionId ? `, execution ${leg.executionId} (${leg.executionStatus})` : ''}`,
    );
    // The legs are listed even before any deposit is recorded (a bridge still being settled).
    const text = `${
      views.length === 0
        ? `No bridge deposits for ${userId} on ${network.chain.name}.\n`
        : `Bridge deposits of ${userId}:\n${views.map((v) => `  ${v.line}`).join('\n')}\n`
    }${legLines.length ? `Legs after a bridge:\n${legLines.join('\n')}\n` : ''}`;
    return { json: { user: userId, deposits: views.map(({ line: _line, ...rest }) => rest), legs }, text };
  },
});

function view(deposit: BridgeDeposit, chains: readonly Chain[]) {
  const origin = chains.find((chain) => chain.chainId === deposit.originChainId);
  const destination = chains.find((chain) => chain.chainId === deposit.destinationChainId);
  const input = amountOf(origin, fromBytes32(deposit.deposit.inputToken), deposit.deposit.inputAmount);
  const outputToken = fromBytes32(deposit.deposit.outputToken);
  // The SpokePool pays WETH out as ETH to an address without code, as WETH to a contract.
  const output =
    destination?.contracts.weth && isAddressEqual(destination.contracts.weth, outputToken)
      ? `${formatUnits(deposit.deposit.outputAmount, 18)} ETH (as WETH to a contract)`
      : amountOf(destination, outputToken, deposit.deposit.outputAmount);
  const deadline = new Date(deposit.deposit.fillDeadline * 1000).toISOString();
  const originName = origin?.name ?? `chain ${deposit.originChainId}`;
  const destinationName = destination?.name ?? `chain ${deposit.destinationChainId}`;
  const state = {
    pending: `pending: at least ${output} arrives on ${destinationName} by ${deadline}, or it is refunded`,
    filled: `filled: ${output} arrived on ${destinationName}`,
    expired: `expired: not filled by ${deadline}; ${input} comes back on ${originName} (refund not seen yet)`,
    refunded: `refunded: ${input} came back on ${originName}`,
  }[deposit.status];
  return {
    originChainId: deposit.originChainId,
    destinationChainId: deposit.destinationChainId,
    depositId: deposit.depositId.toString(),
    executionId: deposit.executionId,
    status: deposit.status,
    input,
    output,
    fillDeadline: deadline,
    line: `deposit ${deposit.depositId} on ${originName}: ${input} → ${destinationName}; ${state}`,
  };
}

/** "100 USDC", from the chain's token list (WETH shown as such: ETH deposits go in as WETH). */
function amountOf(chain: Chain | undefined, token: Address, amount: bigint): string {
  const listed = chain?.tokens.find((t) => isAddressEqual(t.address, token));
  const weth = chain?.contracts.weth && isAddressEqual(chain.contracts.weth, token);
  if (listed) return `${formatUnits(amount, listed.decimals)} ${listed.symbol}`;
  if (weth) return `${formatUnits(amount, 18)} WETH`;
  return `${amount} units of ${token}`;
}
