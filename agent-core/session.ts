import type { Address } from 'viem';
import type { CommandContext } from '../common/command.ts';
import type { Settings } from '../common/settings.ts';
import type { AgentDeps, ParseFunction } from './agent.ts';

export type { LlmChoice };

import { detectLlm } from './llm-status.ts';
import { LlmError } from './parse/ollama/errors.ts';
import { type LlmChoice, parseMessage } from './parse/parse-message.ts';

/** The parse function for a choice of LLM: the embedded parser, Ollama (cross-checked and grounded), or auto. */
export function parserFor(settings: Settings, llm: LlmChoice): ParseFunction {
  const ollama = { host: settings.ollama.host, model: settings.ollama.model };
  if (llm !== 'auto') return (text, context) => parseMessage(text, { llm, ollama, ...context });
  // Auto: ask Ollama whether it is there at most every 30 s, not on every message.
  let checked: { at: number; available: boolean } | undefined;
  return async (text, context) => {
    if (!checked || Date.now() - checked.at > 30_000) {
      checked = { at: Date.now(), available: (await detectLlm(ollama)).provider === 'ollama' };
    }
    if (!checked.available) return parseMessage(text, { llm: 'embedded', ollama, ...context });
    try {
      return await parseMessage(text, { llm: 'ollama', ollama, ...context });
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      checked = undefined;
      const fallback = await parseMessage(text, { llm: 'embedded', ollama, ...context });
      return { ...fallback, notes: [`${error.message} The embedded parser read the message instead.`] };
    }
  };
}

/**
 * The agent for the CLI's user on the selected network: their account (created on first use), the
 * catalog. app/runtime.ts assembles it (`openAgentSession`), as it assembles the server's: the agent's
 * commands are given it.
 */
export type AgentSession = { deps: AgentDeps; userId: string; owner: Address; account: Address };

export type OpenAgentSession = (
  context: CommandContext,
  options?: { user?: string; llm?: LlmChoice },
) => Promise<AgentSession>;
