import { createInterface } from 'node:readline/promises';
import type { LocalAccount } from 'viem';
import { type Command, parseCommandArgs, UsageError } from '../common/command.ts';
import { describeError } from '../common/errors.ts';
import type { ExecutionRecord } from '../smart-accounts/executions.ts';
import { executionJson } from '../smart-accounts/routes.ts';
import { listAddresses, removeAddress, saveAddress } from './address-book.ts';
import { type AgentReply, confirmPlan, handleMessage, PlanError, planView } from './agent.ts';
import {
  CONFIRM_OPTIONS,
  confirmedAtTerminal,
  executePlan,
  LLM_HELP,
  notExecuted,
  SESSION_OPTIONS,
  sessionOptions,
  unlockOwner,
} from './command-session.ts';
import { getPlan } from './plan/store.ts';
import { getPolicy, PolicyUpdateSchema, updatePolicy } from './policy/policy.ts';
import { InvalidReferrerError, parseReferrer } from './referrer.ts';
import { renderExecution, renderReply } from './render.ts';
import type { OpenAgentSession } from './session.ts';

const runHelp = `Usage: sextant run "TEXT" [--yes] [--allow-new-recipient] [--allow-unlisted-token] [--referrer ADDR] [--json] [--user ID] [--llm ...]

Does one request end to end: parses it, plans it with audited skills, simulates the whole bundle
through your smart account, checks your policy, shows the preview, asks you to confirm (or takes
--yes), executes it as one UserOperation and prints the receipt.

Options:
  --yes                   confirm without asking (the preview is still printed)
  --allow-new-recipient   confirm paying an address you have never paid before
  --allow-unlisted-token  confirm using a token that is not on the chain's token list (named by its address)
  --referrer ADDR         the front end or protocol endpoint that brought the request (its 0x payout
                          address), kept on the plan for the emissions' community bucket
  --json                  print one JSON object: the parse, the plan (its status as it stands at the
                          end: "confirmed" once executed) and preview, the execution
  --user ID               the local user (default: SEXTANT_USER)
${LLM_HELP}
  -h, --help              show this help

Examples:
  sextant run "swap 100 USDC for ETH"
  sextant run "swap half my ETH to USDC and supply it to Aave" --yes`;

/** `sextant run`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function runCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'run',
    help: runHelp,
    async run(argv, context) {
      const { values, positionals } = parseCommandArgs(
        'run',
        argv,
        { ...CONFIRM_OPTIONS, ...SESSION_OPTIONS, json: { type: 'boolean' }, referrer: { type: 'string' } },
        true,
      );
      const text = positionals.join(' ').trim();
      if (!text)
        throw new UsageError('What should I do? Give the request in quotes: sextant run "swap 100 USDC for ETH".');
      const referrer = values.referrer === undefined ? undefined : referrerOption(values.referrer);
      const session = await openAgentSession(context, sessionOptions(values));
      const reply = await handleMessage(session.deps, {
        userId: session.userId,
        owner: session.owner,
        account: session.account,
        text,
        ...(referrer ? { referrer } : {}),
      });
      if (!values.json) context.stdout(renderReply(reply));
      let record: ExecutionRecord | undefined;
      let declined = false;
      if (reply.kind === 'plan' && reply.plan) {
        if (!(await confirmedAtTerminal(values.yes))) {
          declined = true;
          if (!values.json) context.stdout(notExecuted());
        } else {
          record = await executePlan(session, reply.plan.id, values);
          if (!values.json) context.stdout(renderExecution(record));
        }
      }
      if (values.json) {
        // The plan as it stands now, not as it was proposed: confirmed (with its execution) once it ran.
        const final = reply.plan ? getPlan(session.deps.db, session.userId, reply.plan.id) : undefined;
        const json = { ...replyJson(reply), ...(final ? { plan: planView(final) } : {}) };
        context.stdout(
          `${JSON.stringify({ ...json, confirmed: record !== undefined, execution: record ? executionJson(record) : null }, null, 2)}\n`,
        );
      }
      if (reply.kind === 'plan') return declined ? 1 : record?.status === 'succeeded' ? 0 : 1;
      return reply.kind === 'answer' ? 0 : 1;
    },
  };
}

/** --referrer: an address, or a usage error before anything is opened or planned. */
function referrerOption(value: string) {
  try {
    return parseReferrer(value);
  } catch (error) {
    if (!(error instanceof InvalidReferrerError)) throw error;
    throw new UsageError(`--referrer: ${error.message}`, { hint: 'Run `sextant run --help` for its options.' });
  }
}

function replyJson(reply: AgentReply) {
  return {
    kind: reply.kind,
    text: reply.text,
    conversationId: reply.conversationId,
    parse: reply.parse,
    plan: reply.plan ?? null,
    readings: reply.readings,
  };
}

const chatHelp = `Usage: sextant chat [--user ID] [--llm ...]

A conversation in the terminal: say what you want done; Sextant answers, asks when something is
missing, and shows each plan's simulated preview for you to confirm. "quit" or Ctrl-D ends it.

Options:
  --user ID   the local user (default: SEXTANT_USER)
${LLM_HELP}
  -h, --help  show this help`;

/** `sextant chat`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function chatCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'chat',
    help: chatHelp,
    async run(argv, context) {
      const { values } = parseCommandArgs('chat', argv, SESSION_OPTIONS);
      if (!process.stdin.isTTY) {
        throw new UsageError('sextant chat needs a terminal.', {
          hint: 'For one request from a script, use `sextant run "TEXT" --yes`.',
        });
      }
      const session = await openAgentSession(context, sessionOptions(values));
      context.stdout(
        `Sextant on ${session.deps.env.chain.name}, account ${session.account}. What would you like to do?\n`,
      );
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      let conversationId: string | undefined;
      let owner: LocalAccount | undefined;
      try {
        for (;;) {
          const text = (await rl.question('> ').catch(() => 'quit')).trim();
          if (text === 'quit' || text === 'exit') break;
          if (!text) continue;
          try {
            const reply = await handleMessage(session.deps, {
              userId: session.userId,
              owner: session.owner,
              account: session.account,
              text,
              ...(conversationId ? { conversationId } : {}),
            });
            conversationId = reply.conversationId;
            context.stdout(renderReply(reply));
            if (reply.kind !== 'plan' || !reply.plan) continue;
            // A new recipient or a token off the token list takes a typed "yes", not a y.
            const allowNew = reply.plan.newRecipients.length > 0 || reply.plan.unlistedTokens.length > 0;
            const answer = (
              await rl.question(
                allowNew ? 'Use the new recipient or unlisted token and execute? Type "yes": ' : 'Execute? [y/N] ',
              )
            ).trim();
            if (!(allowNew ? answer === 'yes' : /^y(es)?$/i.test(answer))) {
              context.stdout('Not executed.\n');
              continue;
            }
            owner ??= await unlockOwner(session.deps.db, session.userId);
            const record = await confirmPlan(session.deps, {
              userId: session.userId,
              planId: reply.plan.id,
              owner,
              allowNewRecipients: allowNew,
              allowUnlistedTokens: allowNew,
            });
            context.stdout(renderExecution(record));
          } catch (error) {
            if (error instanceof PlanError || error instanceof UsageError) context.stderr(`${describeError(error)}\n`);
            else throw error;
          }
        }
      } finally {
        rl.close();
      }
      return 0;
    },
  };
}

const policyHelp = `Usage: sextant policy [--json] [--user ID]
       sextant policy set [--max-plan-usd N] [--max-daily-usd N] [--max-slippage-bps N] [--confirm-new-recipients true|false]

Shows or changes the user's limits. Every plan is checked against them before it is offered; a plan
that breaks one is refused with the rule that stopped it. Unlimited approvals are never allowed.`;

/** `sextant policy`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function policyCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'policy',
    help: policyHelp,
    async run(argv, context) {
      const [sub, ...rest] = argv[0] === 'set' ? argv : ['show', ...argv];
      const { values } = parseCommandArgs('policy', rest, {
        json: { type: 'boolean' },
        user: { type: 'string' },
        'max-plan-usd': { type: 'string' },
        'max-daily-usd': { type: 'string' },
        'max-slippage-bps': { type: 'string' },
        'confirm-new-recipients': { type: 'string' },
      });
      const session = await openAgentSession(context, sessionOptions(values));
      const { db } = session.deps;
      let policy = getPolicy(db, session.userId);
      if (sub === 'set') {
        const update: Record<string, unknown> = {};
        if (values['max-plan-usd'] !== undefined) update.maxPlanUsd = Number(values['max-plan-usd']);
        if (values['max-daily-usd'] !== undefined) update.maxDailyUsd = Number(values['max-daily-usd']);
        if (values['max-slippage-bps'] !== undefined) update.maxSlippageBps = Number(values['max-slippage-bps']);
        if (values['confirm-new-recipients'] !== undefined)
          update.confirmNewRecipients = values['confirm-new-recipients'] === 'true';
        const parsed = PolicyUpdateSchema.safeParse(update);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new UsageError(`${issue?.path.join('.')}: ${issue?.message}`, { hint: 'Run `sextant policy --help`.' });
        }
        policy = updatePolicy(db, session.userId, parsed.data);
      }
      if (values.json) {
        context.stdout(`${JSON.stringify({ user: session.userId, policy }, null, 2)}\n`);
      } else {
        context.stdout(`Policy of ${session.userId}:
  max per plan        $${policy.maxPlanUsd}
  max per 24 hours    $${policy.maxDailyUsd}
  max slippage        ${policy.maxSlippageBps} bps (${policy.maxSlippageBps / 100}%)
  new recipients      ${policy.confirmNewRecipients ? 'need an explicit confirmation' : 'no extra confirmation'}
  approvals           exact amounts only, never unlimited
`);
      }
      return 0;
    },
  };
}

const contactsHelp = `Usage: sextant contacts [--json] [--user ID]
       sextant contacts add LABEL 0xADDRESS
       sextant contacts remove LABEL

The user's address book. Requests can then name a recipient by label ("send 5 USDC to alice"); the
address always comes from here, from the user's own words or from ENS, never from the model. Paying
a saved address does not count as paying a new recipient.`;

/** `sextant contacts`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function contactsCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'contacts',
    help: contactsHelp,
    async run(argv, context) {
      const { values, positionals } = parseCommandArgs(
        'contacts',
        argv,
        { json: { type: 'boolean' }, user: { type: 'string' } },
        true,
      );
      const [sub = 'list', label, address] = positionals;
      const session = await openAgentSession(context, sessionOptions(values));
      const { db } = session.deps;
      if (sub === 'add') {
        if (!label || !address) throw new UsageError('Give a label and an address: sextant contacts add alice 0x…');
        const entry = saveAddress(db, session.userId, label, address);
        context.stdout(`saved ${entry.label} = ${entry.address}\n`);
        return 0;
      }
      if (sub === 'remove') {
        if (!label) throw new UsageError('Which label? sextant contacts remove alice');
        if (!removeAddress(db, session.userId, label)) throw new UsageError(`There is no contact "${label}".`);
        context.stdout(`removed ${label}\n`);
        return 0;
      }
      if (sub !== 'list')
        throw new UsageError(`Unknown subcommand "contacts ${sub}".`, { hint: 'list, add or remove.' });
      const entries = listAddresses(db, session.userId);
      if (values.json) context.stdout(`${JSON.stringify({ contacts: entries }, null, 2)}\n`);
      else
        context.stdout(
          entries.length
            ? `${entries.map((e) => `${e.label.padEnd(20)} ${e.address}`).join('\n')}\n`
            : 'No contacts yet: sextant contacts add LABEL 0xADDRESS\n',
        );
      return 0;
    },
  };
}
