import { randomUUID } from 'node:crypto';
import { type Address, erc20Abi, formatUnits, getAddress, isAddress } from 'viem';
import { confirmedAtTerminal, notExecuted, unlockOwner } from '../agent-core/command-session.ts';
import { renderExecution } from '../agent-core/render.ts';
import type { OpenAgentSession } from '../agent-core/session.ts';
import { type CommandContext, UsageError } from '../common/command.ts';
import { execute } from '../smart-accounts/execute.ts';
import { executionJson } from '../smart-accounts/routes.ts';
import { EmissionsError } from './config.ts';

/**
 * `sextant emissions claim --for A`: sends the distributors' `claim(index, A, amount, proof)` for every
 * open claim of any address (a provider's, a skill author's, a referrer's: plain addresses with no local
 * account). The distributor pays the tokens to A whoever sends it; the local user's smart account sends
 * the operation and pays its gas (as any execution of theirs, through the bundler). Nothing to claim,
 * or everything already claimed, is refused before anything is signed.
 */
export async function claimFor(
  openAgentSession: OpenAgentSession,
  values: { for: string; user?: string | undefined; yes?: boolean | undefined; json?: boolean | undefined },
  context: CommandContext,
): Promise<number> {
  if (!isAddress(values.for, { strict: false })) {
    throw new UsageError(`--for takes the address to claim for, not "${values.for}".`, {
      hint: 'Give a 0x address of 40 hex digits: sextant emissions claim --for 0x… --yes',
    });
  }
  const beneficiary = getAddress(values.for);
  const session = await openAgentSession(context, { ...(values.user ? { user: values.user } : {}), llm: 'embedded' });
  const { deps } = session;
  if (!deps.rewards) {
    throw new EmissionsError('There is no reward token on this network, so there are no rewards to claim.', {
      hint: 'Set "rewardToken" in DATA_DIR/emissions.json.',
    });
  }
  const { token, rewards } = await deps.rewards(beneficiary);
  const client = deps.env.publicClient;
  const [symbol, decimals] = await Promise.all([
    client.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
    client.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  const show = (amount: bigint) => `${formatUnits(amount, decimals)} ${symbol}`;
  const open = rewards.filter((reward) => !reward.claimed && !reward.unavailable);
  if (open.length === 0) {
    const unavailable = rewards.filter((reward) => reward.unavailable);
    if (unavailable.length > 0) {
      throw new EmissionsError(
        `The rewards of ${beneficiary} cannot be claimed here: ${unavailable.map((r) => `epoch ${r.epoch} (${r.unavailable})`).join('; ')}.`,
      );
    }
    if (rewards.length === 0) {
      throw new EmissionsError(`Nothing to claim for ${beneficiary}: no distributed epoch pays it.`, {
        hint: 'See what an epoch pays it: sextant emissions proof --epoch N --address ADDRESS',
      });
    }
    throw new EmissionsError(
      `Everything ${beneficiary} has is already claimed: ${rewards.map((r) => `epoch ${r.epoch} (${show(r.amount)})`).join(', ')}. Each distributor pays a claim once.`,
    );
  }
  const total = open.reduce((sum, reward) => sum + reward.amount, 0n);
  if (!values.json) {
    context.stdout(
      `Claim ${show(total)} for ${beneficiary} (${open.map((r) => `epoch ${r.epoch}: ${show(r.amount)}`).join(', ')}).\n` +
        `The tokens go to ${beneficiary}; your smart account ${session.account} sends the claim and pays its gas.\n`,
    );
  }
  const claims = open.map((r) => ({
    epoch: r.epoch,
    amount: formatUnits(r.amount, decimals),
    amountWei: `${r.amount}`,
  }));
  if (!(await confirmedAtTerminal(values.yes))) {
    if (values.json) context.stdout(`${JSON.stringify({ for: beneficiary, claims, confirmed: false }, null, 2)}\n`);
    else context.stdout(notExecuted());
    return 1;
  }
  const owner = await unlockOwner(deps.db, session.userId);
  const record = await execute(deps.env, owner, {
    userId: session.userId,
    // A fresh key each run: a retry after a failure must be able to try again, and the distributor
    // itself refuses a claim paid already.
    idempotencyKey: `emissions-claim-for:${beneficiary}:${randomUUID()}`,
    calls: open.map((reward) => reward.call),
  });
  if (values.json) {
    const json = {
      for: beneficiary,
      paidBy: session.account as Address,
      token,
      symbol,
      claims,
      total: formatUnits(total, decimals),
      confirmed: true,
      execution: executionJson(record),
    };
    context.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else context.stdout(renderExecution(record));
  return record.status === 'succeeded' ? 0 : 1;
}
