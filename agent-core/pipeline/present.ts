import { roundAmountsInText } from '../../skills/sdk/amounts.ts';
import type { Preview } from '../plan/preview.ts';
import { tokenLabel } from '../policy/value-flow.ts';
import type { Drafted } from './draft.ts';
import type { Judgement } from './policy.ts';
import type { Answer, PlanView } from './types.ts';

/**
 * Stage 8, the presentation: why a plan is not offered, or its steps with amounts rounded for people
 * (the exact summary stays on the plan's steps) and what must be confirmed explicitly.
 */
export function present(draft: Drafted, preview: Preview, judgement: Judgement, view: PlanView): Answer {
  if (!preview.ok) {
    return { kind: 'not-offered', text: preview.problem ?? 'The plan failed simulation.', plan: view };
  }
  if (judgement.refusal) return { kind: 'refused', text: judgement.refusal, plan: view };
  const lines = draft.steps.map((step, i) => `${i + 1}. ${roundAmountsInText(step.summary)}`);
  const leg = draft.destination;
  const then = preview.destination;
  if (leg && then) {
    // The second leg waits for the bridge: when it runs, and what it runs on.
    const arrives = then.arrives.map((a) => `${roundAmountsInText(a.amount)} ${a.symbol}`).join(' and ');
    lines.push(
      `Then on ${leg.chain.name}, once at least ${arrives} ${then.arrives.length === 1 ? 'has' : 'have'} arrived there:`,
    );
    lines.push(...leg.steps.map((step, i) => `${draft.steps.length + i + 1}. ${roundAmountsInText(step.summary)}`));
  }
  const { newRecipients } = judgement;
  const unlisted = preview.ledger.unlistedTokens;
  const confirmations =
    (newRecipients.length > 0
      ? ` ${newRecipients.join(', ')} ${newRecipients.length === 1 ? 'is a new recipient' : 'are new recipients'}: confirm explicitly.`
      : '') +
    (unlisted.length > 0
      ? ` The plan uses ${unlisted.map((t) => tokenLabel({ ...t, listed: false })).join(', ')}, not on the token list: confirm explicitly.`
      : '');
  return {
    kind: 'plan',
    text: `Here is the plan:\n${lines.join('\n')}\nConfirm to execute it.${confirmations}`,
    plan: view,
    readings: draft.readings,
  };
}
