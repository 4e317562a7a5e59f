import type { Address } from 'viem';
import type { AgentDeps } from '../agent-core/agent.ts';
import { migrateAgentCore } from '../agent-core/migrations.ts';
import { OrderError } from '../agent-core/orders/errors.ts';
import { migrateOrders } from '../agent-core/orders/migrations.ts';
import { OrderRequestSchema, proposeOrder } from '../agent-core/orders/routes.ts';
import type { AgentRoutesDependencies } from '../agent-core/routes.ts';
import { type AgentSession, type LlmChoice, parserFor } from '../agent-core/session.ts';
import type { CommandContext } from '../common/command.ts';
import type { Db } from '../common/database.ts';
import { SextantError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Settings } from '../common/settings.ts';
import { rewardsForNetwork } from '../emissions/claims.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import type { SkillRoutesDependencies } from '../skills/routes.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { ownerAddress } from '../smart-accounts/keystore.ts';
import { accountKindFor, smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { type UnlockedKeys, unlockedKeys } from '../smart-accounts/unlocked-keys.ts';
import { openUserAccount } from '../smart-accounts/user-account.ts';

/**
 * The agent, assembled for one database and network: its tables, the skill registry and catalog, the
 * execution environment, the emission rewards, the parser. The one place it is put together: the
 * server (serverRuntime) and the CLI's commands (openAgentSession) both take it from here.
 */
async function assembleAgent(db: Db, network: Network, settings: Settings, llm: LlmChoice): Promise<AgentDeps> {
  migrateAgentCore(db);
  migrateOrders(db);
  await openSkillRegistry(db);
  const trustedAuditors = settings.skillAuditors;
  const catalog = await loadSkillCatalog(db, {
    packagesDir: skillPackagesDir(settings.dataDir),
    ...(trustedAuditors ? { trustedAuditors } : {}),
  });
  const env = executionEnvironment(db, network);
  const rewards = rewardsForNetwork(db, env.publicClient, env.chain, settings.dataDir);
  return { db, env, catalog, parse: parserFor(settings, llm), ...(rewards ? { rewards } : {}) };
}

/** The agent for the CLI's user on the selected network: their account (created on first use), the catalog. */
export async function openAgentSession(
  context: CommandContext,
  options: { user?: string; llm?: LlmChoice } = {},
): Promise<AgentSession> {
  const user = await openUserAccount(context, options.user);
  const deps = await assembleAgent(user.db, user.network, context.settings, options.llm ?? 'auto');
  return { deps, userId: user.userId, owner: user.owner, account: user.account };
}

/**
 * What the server serves, for one network: the skill registry and the agent (parser, planner,
 * simulation, execution) with each user's account. Owner keys are opened when a plan is confirmed,
 * with `passphrase` (SEXTANT_PASSPHRASE) when there is one; otherwise the user unlocks theirs over
 * their session (POST /v1/session/unlock) and it stays in memory for the idle time
 * (SEXTANT_UNLOCK_IDLE_MINUTES). The server never waits on its terminal for a passphrase.
 */
export async function serverRuntime(
  db: Db,
  network: Network,
  settings: Settings,
  passphrase: string | undefined = process.env.SEXTANT_PASSPHRASE,
): Promise<{ skills: SkillRoutesDependencies; agent: AgentRoutesDependencies; keys: UnlockedKeys }> {
  const agent = await assembleAgent(db, network, settings, 'auto');
  const { env, catalog } = agent;
  const trustedAuditors = settings.skillAuditors;
  // By user and account mode: `sextant account upgrade` (or downgrade) in another process changes
  // the mode, and with it the account, while the server runs.
  const accounts = new Map<string, { owner: Address; account: Address }>();
  const keys = unlockedKeys(db, { passphrase, idleMs: settings.unlockIdleMinutes * 60_000 });
  const userAccount = async (userId: string) => {
    const kind = accountKindFor(db, userId);
    const key = `${userId}:${kind.mode}`;
    const known = accounts.get(key);
    if (known) return known;
    const owner = ownerAddress(db, userId);
    if (!owner) {
      throw new SextantError(`User "${userId}" has no owner key yet.`, {
        hint: `Create it with \`sextant account --user ${userId}\`.`,
      });
    }
    const entry = { owner, account: await smartAccountAddress(env.publicClient, env.chain, owner, kind) };
    accounts.set(key, entry);
    return entry;
  };
  // The chat proposes the standing orders it reads, as POST /v1/orders would (nothing signed): only
  // here, where the passphrase that seals the agent key is at hand.
  if (passphrase) {
    const orders = { agent, userAccount, passphrase };
    agent.proposeStandingOrder = async (userId, request) => {
      // Terms the words gave that no order can take (a token written as an address, an amount past 40
      // characters) are a refusal the chat says with its reason, not a failed turn.
      const parsed = OrderRequestSchema.safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || 'order';
        throw new OrderError(
          `The order read from your words does not fit one: ${field}: ${issue?.message ?? 'not valid'}.`,
          {
            hint: 'Name listed tokens by their symbol, and amounts in plain digits.',
          },
        );
      }
      return proposeOrder(orders, userId, parsed.data);
    };
  }
  return {
    keys,
    // One catalog for the planner, MCP and /v1/skills: what the list shows is what a plan may use.
    skills: { db, packagesDir: skillPackagesDir(settings.dataDir), trustedAuditors, catalog },
    agent: {
      agent,
      userAccount,
      unlock: (userId) => keys.forSigning(userId),
      passphrase: passphrase || undefined,
    },
  };
}
