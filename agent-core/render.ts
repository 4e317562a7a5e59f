import type { ExecutionRecord } from '../smart-accounts/executions.ts';
import type { AgentReply } from './agent.ts';

const usd = (value: number | undefined) =>
  value === undefined
    ? ''
    : `  (${value < 0 ? '-' : ''}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })})`;

/** An agent reply as terminal text: the plan's steps, the simulated preview, or the question. */
export function renderReply(reply: AgentReply): string {
  const lines: string[] = [];
  const plan = reply.plan;
  if (!plan || reply.kind !== 'plan') {
    lines.push(reply.text);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Plan ${plan.id}:`);
  for (const [i, step] of plan.steps.entries()) {
    lines.push(`  ${i + 1}. ${step.summary}   [${step.skillId}@${step.version}]`);
    const hf = step.quote?.values.healthFactorAfter;
    if (hf) lines.push(`     health factor after: ${hf}`);
  }
  lines.push('Preview (simulated against the chain now):');
  const width = Math.max(3, ...plan.preview.changes.map((c) => c.symbol.length));
  for (const change of plan.preview.changes) {
    const sign = change.amount.startsWith('-') ? '' : '+';
    lines.push(`  ${change.symbol.padEnd(width)}  ${sign}${change.amount}${usd(change.usd)}`);
  }
  for (const approval of plan.preview.approvals) {
    lines.push(
      `  approves ${approval.amount} ${approval.symbol} to ${approval.spender} (${approval.remaining} left after)`,
    );
  }
  const gas = plan.preview.gas;
  lines.push(
    gas.sponsored
      ? '  gas: sponsored by the paymaster'
      : `  gas: about ${Number(gas.units).toLocaleString('en-US')} units, up to ${gas.fee} ETH${usd(gas.feeUsd)}`,
  );
  if (plan.newRecipients.length > 0)
    lines.push(`  new recipient(s), never paid before: ${plan.newRecipients.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function renderExecution(record: ExecutionRecord): string {
  const lines = [`Execution ${record.id}: ${record.status}`];
  if (record.userOpHash) lines.push(`  userOpHash ${record.userOpHash}`);
  if (record.txHash) lines.push(`  tx         ${record.txHash}`);
  if (record.error) lines.push(`  ${record.error}`);
  return `${lines.join('\n')}\n`;
}
