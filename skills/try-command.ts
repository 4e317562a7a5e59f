import type { Address } from 'viem';
import { type CommandContext, parseCommandArgs, type SubcommandRun, UsageError } from '../common/command.ts';
import type { Db } from '../common/database.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { type SkillCatalog, skillPackagesDir } from './registry/catalog.ts';
import { SkillRegistryError } from './registry/errors.ts';
import { readPackageForRelease } from './registry/publish-package.ts';
import { loadTrialCatalog } from './registry/trial-catalog.ts';

export const tryHelp = `Usage: sextant skills try DIR "MESSAGE" [--json] [--user ID] [--llm auto|embedded|ollama]

Plans and simulates MESSAGE with the unpublished package in DIR on the devnet, and prints the
preview, exactly as the agent would once the package is published and audited: the package is
checked against the package rule and loaded the way a published one is (nothing is stored in the
registry), its skills come first for the actions they serve, and the plan is built, simulated
through your smart account and checked against your policy. Nothing is executed: the plan is
cancelled at once, and a confirmation of it is refused.

Runs on the devnet (CHAIN=devnet), which must be running (\`sextant devnet\`, same DATA_DIR); the
account is SEXTANT_USER's (\`sextant faucet\` funds it).

Options:
  --json      print one JSON object: the skills tried, the reply and its plan with the preview
  --user ID   the local user (default: SEXTANT_USER)
  --llm auto|embedded|ollama   which parser (default auto: Ollama when it answers, else embedded)
  -h, --help  show this help`;

/** A reply of the agent, as much of it as a try reads. */
export type TryReply = { kind: string; text: string; plan?: { id: string } | undefined };

/** The agent's dependencies, as much of them as a try replaces: the catalog (and the database it reads). */
export type TryDeps = { db: Db; catalog: SkillCatalog };

/**
 * The agent's planning and preview path, as `skills try` uses it. The agent stands above the skill
 * registry (the layering), so app/ (the composition root) hands it in: app/runtime.ts's session,
 * agent-core's handleMessage, cancelPlan and renderReply.
 */
export type TryAgent<Deps extends TryDeps, Reply extends TryReply> = {
  openSession(
    context: CommandContext,
    options: { user?: string; llm?: 'auto' | 'embedded' | 'ollama' },
  ): Promise<{ deps: Deps; userId: string; owner: Address; account: Address }>;
  handleMessage(
    deps: Deps,
    request: { userId: string; owner: Address; account: Address; text: string },
  ): Promise<Reply>;
  cancelPlan(deps: Deps, request: { userId: string; planId: string }): unknown;
  renderReply(reply: Reply): string;
};

/** `sextant skills try`, given the agent by app/. */
export function trySubcommand<Deps extends TryDeps, Reply extends TryReply>(
  agent: () => Promise<TryAgent<Deps, Reply>>,
): SubcommandRun {
  return async (argv, context) => {
    const { values, positionals } = parseCommandArgs(
      'skills',
      argv,
      { json: { type: 'boolean' }, user: { type: 'string' }, llm: { type: 'string' } },
      true,
    );
    const [dir, ...words] = positionals;
    const text = words.join(' ').trim();
    if (!dir || !text) {
      throw new UsageError('Give the package directory and a request: sextant skills try ./my-skill "stake 0.5 WETH"');
    }
    const llm = values.llm ?? 'auto';
    if (llm !== 'auto' && llm !== 'embedded' && llm !== 'ollama') {
      throw new UsageError(`--llm takes auto, embedded or ollama, not "${llm}".`);
    }
    await assertDevnetRunning(context);
    const packagesDir = skillPackagesDir(context.settings.dataDir);
    // The same checks and the same loading as publish: a package that tries well publishes as is.
    const trial = await readPackageForRelease(dir, packagesDir);
    const { openSession, handleMessage, cancelPlan, renderReply } = await agent();
    const session = await openSession(context, { ...(values.user ? { user: values.user } : {}), llm });
    const trustedAuditors = context.settings.skillAuditors;
    const catalog = await loadTrialCatalog(
      session.deps.db,
      { packagesDir, ...(trustedAuditors ? { trustedAuditors } : {}) },
      { dir, codeHash: trial.codeHash, skills: trial.skills },
    );
    const deps = { ...session.deps, catalog };
    const reply = await handleMessage(deps, {
      userId: session.userId,
      owner: session.owner,
      account: session.account,
      text,
    });
    // A trial's plan is never to be confirmed: cancelled now, so it does not wait in the user's history.
    if (reply.plan) cancelPlan(deps, { userId: session.userId, planId: reply.plan.id });
    const tried = trial.skills.map((skill) => `${skill.id}@${skill.version}`);
    const used = reply.kind === 'plan';
    if (values.json) {
      context.stdout(
        `${JSON.stringify({ tried, codeHash: trial.codeHash, kind: reply.kind, text: reply.text, plan: reply.plan ?? null, executed: false }, null, 2)}\n`,
      );
    } else {
      context.stdout(`Trying ${tried.join(', ')} from ${dir} (unpublished, code hash ${trial.codeHash})\n`);
      context.stdout(renderReply(reply));
      context.stdout(
        used
          ? 'Not executed: this was a try (the plan is cancelled). Publish the package to let the agent run it.\n'
          : 'Nothing was planned.\n',
      );
    }
    return used ? 0 : 1;
  };
}

/** A try needs the devnet up: say so plainly, rather than a connection error from deep inside the planner. */
async function assertDevnetRunning(context: CommandContext): Promise<void> {
  if (context.settings.chain !== 'devnet') {
    throw new UsageError(`sextant skills try runs on the devnet, not on CHAIN=${context.settings.chain}.`, {
      hint: 'Unset CHAIN (or set CHAIN=devnet) and start the devnet: `sextant devnet`.',
    });
  }
  const network = context.network();
  const start = `Start it in another terminal with \`sextant devnet\` (with the same DATA_DIR, ${context.settings.dataDir}), then try again.`;
  try {
    await jsonRpc(network.rpcUrl, 'eth_chainId');
  } catch (error) {
    throw new SkillRegistryError(
      `The devnet is not running: its chain does not answer (${(error as Error).message}).`,
      {
        hint: start,
        cause: error,
      },
    );
  }
  if (!network.bundlerUrl) return;
  try {
    await jsonRpc(network.bundlerUrl, 'eth_supportedEntryPoints');
  } catch (error) {
    throw new SkillRegistryError(`The devnet's bundler does not answer (${(error as Error).message}).`, {
      hint: start,
      cause: error,
    });
  }
}
