import type { CommandContext } from '../common/command.ts';
import type { Settings } from '../common/settings.ts';
import { loadSkillCatalog, openSkillRegistry, skillPackagesDir } from '../skills/registry/catalog.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { openUserAccount } from '../smart-accounts/user-account.ts';
import type { AgentDeps, ParseFunction } from './agent.ts';
import { parseEmbedded } from './parse/embedded/parse.ts';
import { migrateAgentCore } from './schema.ts';

export type LlmChoice = 'auto' | 'embedded' | 'ollama';

/** The parse function for a choice of LLM. */
export function parserFor(settings: Settings, llm: LlmChoice): ParseFunction {
  void settings;
  if (llm === 'embedded' || llm === 'auto') return async (text) => parseEmbedded(text);
  return async (text) => parseEmbedded(text);
}

/** The agent for the CLI's user on the selected network: their account (created on first use), the catalog. */
export async function openAgentSession(context: CommandContext, options: { user?: string; llm?: LlmChoice } = {}) {
  const user = await openUserAccount(context, options.user);
  migrateAgentCore(user.db);
  await openSkillRegistry(user.db);
  const env = executionEnvironment(user.db, user.network);
  const trusted = context.settings.skillAuditors;
  const catalog = await loadSkillCatalog(user.db, {
    packagesDir: skillPackagesDir(context.settings.dataDir),
    ...(trusted ? { trustedAuditors: trusted } : {}),
  });
  const deps: AgentDeps = { db: user.db, env, catalog, parse: parserFor(context.settings, options.llm ?? 'auto') };
  return { deps, userId: user.userId, owner: user.owner, account: user.account };
}
