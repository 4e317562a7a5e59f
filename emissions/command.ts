import { formatUnits } from 'viem';
import { runCommand } from '../agent-core/command.ts';
import type { OpenAgentSession } from '../agent-core/session.ts';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  type Subcommands,
  subcommandHelp,
  UsageError,
} from '../common/command.ts';
import { claimFor } from './claim-for.ts';
import { loadEmissionsConfig, parseTime } from './config.ts';
import { proof, proofHelp } from './proof-command.ts';
import { report, reportHelp } from './report-command.ts';
import { type Bucket, dayStart, emittedBetween, emittedUntil, type Schedule, totalEmission } from './schedule.ts';
import { settle, settleHelp } from './settle-command.ts';
import { amountTable } from './table.ts';

const tokens = (wei: bigint) => formatUnits(wei, 18);

const scheduleHelp = `Usage: sextant emissions schedule --day D [--days N] [--json] [--config FILE]
       sextant emissions schedule --from T --to T [--json] [--config FILE]

What the emission schedule pays, exactly (integer wei, shown in whole tokens with 18 decimals): per day
and bucket (capital, code, compute, community, protection) with the cumulative total since the start,
or between two times (unix seconds or ISO 8601; partial days are spread linearly). Defaults follow
Morpheus' MOR: 3456 tokens/day per main bucket decreasing by 0.59255872824/day, 576/day for the
protection fund decreasing by 0.09875978804/day, from 2026-01-01T00:00:00Z; --config FILE replaces them.`;

function row(schedule: Schedule, from: number, to: number) {
  const perBucket = {} as Record<Bucket, string>;
  let total = 0n;
  let cumulative = 0n;
  for (const bucket of schedule.buckets) {
    const amount = emittedBetween(schedule, bucket, from, to);
    perBucket[bucket.bucket] = tokens(amount);
    total += amount;
    cumulative += emittedUntil(schedule, bucket, to);
  }
  return {
    from: new Date(from * 1000).toISOString(),
    to: new Date(to * 1000).toISOString(),
    buckets: perBucket,
    total: tokens(total),
    cumulative: tokens(cumulative),
  };
}

async function schedule(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('emissions', argv, {
    day: { type: 'string' },
    days: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    config: { type: 'string' },
  });
  const plan = loadEmissionsConfig(values.config, context.settings.dataDir).schedule;
  const rows: (ReturnType<typeof row> & { day?: number })[] = [];
  if (values.from !== undefined || values.to !== undefined) {
    if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to go together.');
    const from = parseTime(values.from, '--from');
    const to = parseTime(values.to, '--to');
    if (to <= from) throw new UsageError('--to must be after --from.');
    rows.push(row(plan, from, to));
  } else {
    const day = Number(values.day ?? '0');
    const days = Number(values.days ?? '1');
    if (!Number.isInteger(day) || day < 0)
      throw new UsageError(`--day takes a day number from 0, not "${values.day}".`);
    if (!Number.isInteger(days) || days < 1 || days > 10_000)
      throw new UsageError('--days takes a number from 1 to 10000.');
    for (let d = day; d < day + days; d++)
      rows.push({ day: d, ...row(plan, dayStart(plan, d), dayStart(plan, d + 1)) });
  }
  if (values.json) {
    const { total } = totalEmission(plan);
    context.stdout(`${JSON.stringify({ rows, scheduleTotal: tokens(total), cap: tokens(plan.cap) }, null, 2)}\n`);
    return 0;
  }
  const names = plan.buckets.map((b) => b.bucket);
  const header = ['period', ...names, 'total', 'cumulative'];
  const lines = rows.map((r) => [
    r.day !== undefined ? `day ${r.day}` : `${r.from} → ${r.to}`,
    ...names.map((n) => r.buckets[n]),
    r.total,
    r.cumulative,
  ]);
  context.stdout(`${amountTable(header, lines).join('\n')}\n`);
  return 0;
}

const help = `Usage: sextant emissions <subcommand>

The Morpheus-style emission split that pays code, compute, capital and community (24/24/24/24,
with 4% to a protection fund).

Subcommands:
  schedule   what the schedule emits per day and bucket, or between two times
  settle     settle a finished epoch: collect, split, store the Merkle proofs, deploy and fund its distributor
  claim      claim your rewards through your smart account (as "claim my rewards" in the chat),
             or with --for A any address's (the tokens go to A, your smart account pays the gas)
  proof      what an address can claim from a settled epoch: amount, index and Merkle proof
  report     a settled epoch per bucket and per contributor

Run \`sextant emissions SUBCOMMAND --help\` for each one's options.`;

const claimHelp = `Usage: sextant emissions claim [--user ID] [--yes] [--json]
       sextant emissions claim --for A [--user ID] [--yes] [--json]

Claims every reward your smart account has in the distributed epochs, in one operation through the
account, after a simulated preview (as "claim my rewards" does in the chat). A reward already claimed
is not claimed again: its distributor records each claim once.

With --for A it claims every open reward of any address A instead: a provider's, a skill author's, a
referrer's, a treasury's (plain addresses with no local account). The distributors pay the tokens to
A; your smart account sends the claims and pays the gas. Nothing to claim, or everything claimed
already, is refused before anything is signed.

Options:
  --for A     claim for the address A (the tokens go to A)
  --user ID   the local user, who sends the claim (default: SEXTANT_USER)
  --yes       confirm without asking
  --json      print the plan and its execution as JSON
  -h, --help  show this help`;

async function claim(openAgentSession: OpenAgentSession, argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('emissions claim', argv, {
    for: { type: 'string' },
    user: { type: 'string' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.for !== undefined) return claimFor(openAgentSession, { ...values, for: values.for }, context);
  const forwarded = ['--llm', 'embedded'];
  if (values.user) forwarded.push('--user', values.user);
  if (values.yes) forwarded.push('--yes');
  if (values.json) forwarded.push('--json');
  // The same path as the chat's "claim my rewards": plan, simulated preview, confirmation, execution.
  return runCommand(openAgentSession).run([...forwarded, 'claim my rewards'], context);
}

/** `sextant emissions`; its `claim` runs the agent, with the CLI user's session as app/ assembles it. */
export function emissionsCommand(openAgentSession: OpenAgentSession): Command {
  const subcommands: Subcommands = {
    schedule: { help: scheduleHelp, run: schedule },
    settle: { help: settleHelp, run: settle },
    claim: { help: claimHelp, run: (argv, context) => claim(openAgentSession, argv, context) },
    proof: { help: proofHelp, run: proof },
    report: { help: reportHelp, run: report },
  };
  return {
    name: 'emissions',
    help,
    helpFor: subcommandHelp(subcommands),
    run: dispatchSubcommand('emissions', subcommands, 'sextant emissions schedule --day 0'),
  };
}
