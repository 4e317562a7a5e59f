import { roundAmountsInText, roundDecimal } from '../skills/sdk/amounts.ts';
import type { ExecutionRecord } from '../smart-accounts/executions.ts';
import type { AgentReply } from './agent.ts';
import type { PlanView } from './pipeline/types.ts';
import type { ValueFlowKind } from './policy/value-flow.ts';

const usd = (value: number | undefined) =>
  value === undefined
    ? ''
    : `  (${value < 0 ? '-' : ''}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })})`;

/** Amounts in the terminal are rounded for people (about 6 significant digits); `--json` has them exact. */
const round = (amount: string) => roundDecimal(amount);

const FLOW_WORDS: Record<ValueFlowKind, string> = {
  give: 'gives',
  transfer: 'pays',
  allowance: 'lets spend',
  debt: 'borrows (you will owe)',
  withdrawal: 'takes out of your position',
};

/** An agent reply as terminal text: the plan's steps, the simulated preview, or the question. */
export function renderReply(reply: AgentReply): string {
  const lines: string[] = [];
  const plan = reply.plan;
  if (!plan || reply.kind !== 'plan') {
    lines.push(reply.text);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Plan ${plan.id}:`);
  const then = plan.preview.destination;
  for (const [i, step] of plan.steps.entries()) {
    if (then && step.chainId === then.chainId && plan.steps[i - 1]?.chainId !== then.chainId) {
      lines.push(`  then on ${then.chain}, once the bridge is filled there:`);
    }
    lines.push(`  ${i + 1}. ${roundAmountsInText(step.summary)}   [${step.skillId}@${step.version}]`);
    const hf = step.quote?.values.healthFactorAfter;
    if (hf) lines.push(`     health factor after: ${hf}`);
  }
  lines.push('Preview (simulated against the chain now):');
  lines.push(...previewLines(plan.preview));
  if (then) {
    const arrives = then.arrives.map((a) => `${round(a.amount)} ${a.symbol}`).join(', ');
    lines.push(
      `Then on ${then.chain} (simulated there as if at least ${arrives} had arrived; runs once it has, by ${new Date(Math.min(...then.arrives.map((a) => a.deadline)) * 1000).toISOString()}):`,
    );
    lines.push(...previewLines(then.preview));
    if (then.preview.problem) lines.push(`  not offered there: ${then.preview.problem}`);
  }
  const flows = plan.preview.ledger?.flows ?? [];
  if (flows.length > 0) {
    lines.push(`What leaves your control (counted: $${plan.preview.valueOutUsd.toFixed(2)}):`);
    for (const flow of flows) {
      const to = flow.to ? ` to ${flow.to}` : '';
      const counted = flow.countedUsd === 0 ? '  (paid from an earlier step)' : usd(flow.usd);
      lines.push(`  ${FLOW_WORDS[flow.kind]} ${round(flow.amount)} ${flow.label}${to}${counted}`);
    }
  }
  if (plan.newRecipients.length > 0)
    lines.push(
      `  new recipient(s), confirm explicitly (never paid from this account, or paid on another chain): ${plan.newRecipients.join(', ')}`,
    );
  for (const token of plan.unlistedTokens)
    lines.push(`  unlisted token ${token.address} calling itself ${JSON.stringify(token.symbol)}: check the address`);
  return `${lines.join('\n')}\n`;
}

/** One leg's simulated changes, approvals, gas and guard, as lines. */
function previewLines(preview: Omit<PlanView['preview'], 'destination'>): string[] {
  const lines: string[] = [];
  const wallet = preview.changes.filter((c) => (c.kind ?? 'wallet') === 'wallet');
  const width = Math.max(3, ...wallet.map((c) => c.symbol.length));
  for (const change of wallet) {
    const sign = change.amount.startsWith('-') ? '' : '+';
    lines.push(`  ${change.symbol.padEnd(width)}  ${sign}${round(change.amount)}${usd(change.usd)}`);
  }
  // Positions in words: debt is owed (a loss of worth, never a gain), collateral taken out is gone.
  for (const change of preview.changes.filter((c) => (c.kind ?? 'wallet') !== 'wallet')) {
    lines.push(`  ${change.description}${usd(change.usd)}`);
  }
  for (const approval of preview.approvals) {
    lines.push(
      `  approves ${round(approval.amount)} ${approval.symbol} to ${approval.spender} (${round(approval.remaining)} left after the plan)`,
    );
  }
  const gas = preview.gas;
  lines.push(
    gas.sponsored
      ? '  gas: sponsored by the paymaster'
      : `  gas: about ${Number(gas.units).toLocaleString('en-US')} units, up to ${roundDecimal(gas.fee, 'up')} ETH${usd(gas.feeUsd)}`,
  );
  lines.push(
    preview.guard
      ? `Guarded on chain: reverts if the result differs from this preview (${preview.guard.checks.length} checks by ${preview.guard.address}):`
      : 'Not guarded on chain: this network has no Sextant bundle guard (BUNDLE_GUARD_ADDRESS).',
  );
  for (const check of preview.guard?.checks ?? []) lines.push(`  ${check}`);
  return lines;
}

export function renderExecution(record: ExecutionRecord): string {
  const lines = [`Execution ${record.id}: ${record.status}`];
  if (record.userOpHash) lines.push(`  userOpHash ${record.userOpHash}`);
  if (record.txHash) lines.push(`  tx         ${record.txHash}`);
  if (record.error) lines.push(`  ${record.error}`);
  return `${lines.join('\n')}\n`;
}
