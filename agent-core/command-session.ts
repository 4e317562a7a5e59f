import { createInterface } from 'node:readline/promises';
import type { LocalAccount } from 'viem';
import { UsageError } from '../common/command.ts';
import { WrongPassphraseError } from '../smart-accounts/errors.ts';
import type { ExecutionRecord } from '../smart-accounts/executions.ts';
import { unlockOwnerKey } from '../smart-accounts/keystore.ts';
import { readPassphrase } from '../smart-accounts/passphrase.ts';
import { confirmPlan } from './agent.ts';
import type { AgentSession, LlmChoice } from './session.ts';

/*
 * What the agent's commands (run, chat, plans, policy, contacts, mcp) share: the session their
 * --user and --llm ask for, and a plan confirmed at the terminal (--yes, or a y typed there) and
 * executed with the owner key.
 */

/** --user and --llm, as `run`, `chat` and `mcp` take them. */
export const SESSION_OPTIONS = { user: { type: 'string' }, llm: { type: 'string' } } as const;

/** The --llm line of `run`'s and `chat`'s help. */
export const LLM_HELP =
  '  --llm auto|embedded|ollama   which parser (default auto: Ollama when it answers, else embedded)';

/** The parser --llm names (auto when not given). */
export function llmChoice(value: string | undefined): LlmChoice {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'embedded' || value === 'ollama') return value;
  throw new UsageError(`--llm takes auto, embedded or ollama, not "${value}".`);
}

/** The session --user and --llm ask for: without --user (or with an empty one), SEXTANT_USER's. */
export function sessionOptions(values: { user?: string; llm?: string }): { user?: string; llm: LlmChoice } {
  return { ...(values.user ? { user: values.user } : {}), llm: llmChoice(values.llm) };
}

/** --yes and the two allowances, as `run` and `plans confirm` take them. */
export const CONFIRM_OPTIONS = {
  yes: { type: 'boolean' },
  'allow-new-recipient': { type: 'boolean' },
  'allow-unlisted-token': { type: 'boolean' },
} as const;

/** Whether the person confirms the plan shown: --yes, or a y typed at the terminal (never without one). */
export async function confirmedAtTerminal(yes: boolean | undefined): Promise<boolean> {
  if (yes === true) return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('Confirm and execute? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

/** What a declined plan prints: without a terminal, how to confirm from a script. */
export function notExecuted(): string {
  return process.stdin.isTTY
    ? 'Not executed.\n'
    : 'Not executed: there is no terminal to confirm in; pass --yes to confirm.\n';
}

/** Confirms the plan with the owner key (unlocked here) and executes it, with the allowances the flags give. */
export async function executePlan(
  session: AgentSession,
  planId: string,
  flags: { 'allow-new-recipient'?: boolean; 'allow-unlisted-token'?: boolean },
): Promise<ExecutionRecord> {
  const owner = await unlockOwner(session.deps.db, session.userId);
  return confirmPlan(session.deps, {
    userId: session.userId,
    planId,
    owner,
    allowNewRecipients: flags['allow-new-recipient'] === true,
    allowUnlistedTokens: flags['allow-unlisted-token'] === true,
  });
}

/**
 * The owner key, opened with SEXTANT_PASSPHRASE or a passphrase typed at the terminal (a mistyped one
 * is asked again, three tries in all); without either, readPassphrase says to set SEXTANT_PASSPHRASE.
 */
export async function unlockOwner(db: Parameters<typeof unlockOwnerKey>[0], userId: string): Promise<LocalAccount> {
  for (let attempt = 1; ; attempt += 1) {
    const passphrase = await readPassphrase(`unlock the owner key of user "${userId}" to sign`);
    try {
      return await unlockOwnerKey(db, userId, passphrase);
    } catch (error) {
      const typed = !process.env.SEXTANT_PASSPHRASE && process.stdin.isTTY;
      if (!(error instanceof WrongPassphraseError) || !typed || attempt >= 3) throw error;
      process.stderr.write('That passphrase does not open the key; try again.\n');
    }
  }
}
