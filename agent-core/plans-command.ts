import {
  type Command,
  type CommandContext,
  parseCommandArgs,
  UsageError,
  unknownSubcommand,
} from '../common/command.ts';
import { executionJson } from '../smart-accounts/routes.ts';
import { type AgentReply, planExecution, planLeg, planView } from './agent.ts';
import { CONFIRM_OPTIONS, confirmedAtTerminal, executePlan, notExecuted, sessionOptions } from './command-session.ts';
import { getPlan } from './plan/store.ts';
import { renderExecution, renderReply } from './render.ts';
import type { OpenAgentSession } from './session.ts';

const help = `Usage: sextant plans show ID [--json] [--user ID]
       sextant plans confirm ID [--yes] [--allow-new-recipient] [--allow-unlisted-token] [--json] [--user ID]

A plan by its id: one made in the chat page, by \`sextant run\`, or by an agent through MCP
(build_plan). \`show\` prints its steps and simulated preview; \`confirm\` prints them, asks you to
confirm at the terminal (or takes --yes) and executes it, once. This is how you let a plan an
agent built run: the agent cannot confirm it itself.

Options:
  --yes                   confirm without asking (the preview is still printed)
  --allow-new-recipient   confirm paying an address you have never paid before
  --allow-unlisted-token  confirm using a token that is not on the chain's token list (named by its address)
  --json                  print JSON
  --user ID               the local user (default: SEXTANT_USER)
  -h, --help              show this help`;

async function openPlan(
  openAgentSession: OpenAgentSession,
  context: CommandContext,
  id: string | undefined,
  user: string | undefined,
) {
  if (!id) throw new UsageError('Which plan? Give its id (plan_…).');
  const session = await openAgentSession(context, sessionOptions({ user, llm: 'embedded' }));
  const plan = getPlan(session.deps.db, session.userId, id);
  if (!plan) throw new UsageError(`There is no plan ${id} for user ${session.userId}.`);
  return { session, plan };
}

function renderPlan(plan: ReturnType<typeof planView>, message: string): string {
  const reply: AgentReply = {
    conversationId: '',
    parse: { intents: [], parser: 'embedded' },
    kind: 'plan',
    text: '',
    plan,
    readings: [],
  };
  const status = plan.status === 'proposed' ? `can be confirmed until ${plan.expiresAt}` : plan.status;
  const there = plan.preview.destination?.chain ?? `chain ${plan.leg?.chainId}`;
  const leg = plan.leg
    ? `The leg on ${there}: ${
        {
          waiting: 'waiting for the bridge to be filled there',
          executed: `run there${plan.leg.executionStatus ? ` (${plan.leg.executionStatus}${plan.leg.txHash ? `, ${plan.leg.txHash}` : ''})` : ''}`,
          abandoned: `dropped: ${plan.leg.reason ?? 'it will not run'}`,
        }[plan.leg.status]
      }\n`
    : '';
  return `"${message}" (${status}${plan.refusal ? `: ${plan.refusal}` : ''})\n${renderReply(reply)}${leg}`;
}

/** `sextant plans`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function plansCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'plans',
    help,
    async run(argv, context) {
      const [sub, ...rest] = argv;
      const { values, positionals } = parseCommandArgs(
        'plans',
        rest,
        { ...CONFIRM_OPTIONS, json: { type: 'boolean' }, user: { type: 'string' } },
        true,
      );
      if (sub !== 'show' && sub !== 'confirm') throw unknownSubcommand('plans', sub, ['show', 'confirm']);
      const { session, plan } = await openPlan(openAgentSession, context, positionals[0], values.user);
      const view = planView(plan, planLeg(session.deps.db, plan));
      if (sub === 'show') {
        const execution = planExecution(session.deps, session.userId, plan.id);
        if (values.json) {
          context.stdout(
            `${JSON.stringify({ plan: view, execution: execution ? executionJson(execution) : null }, null, 2)}\n`,
          );
        } else {
          context.stdout(renderPlan(view, plan.message));
          if (execution) context.stdout(renderExecution(execution));
        }
        return 0;
      }
      if (!values.json) context.stdout(renderPlan(view, plan.message));
      if (plan.status === 'proposed' && !(await confirmedAtTerminal(values.yes))) {
        context.stdout(notExecuted());
        return 1;
      }
      const record = await executePlan(session, plan.id, values);
      if (values.json)
        context.stdout(
          `${JSON.stringify({ plan: planView(getPlan(session.deps.db, session.userId, plan.id) ?? plan), execution: executionJson(record) }, null, 2)}\n`,
        );
      else context.stdout(renderExecution(record));
      return record.status === 'succeeded' ? 0 : 1;
    },
  };
}
