import { randomUUID } from 'node:crypto';
import type { Db } from '../../common/database.ts';
import { SextantError } from '../../common/errors.ts';
import type { Intent } from '../intents/schema.ts';

/** What a clarify question left open: the intents understood so far, and the field it asked for. */
export type PendingClarify = { intents: Intent[]; field: string; intentIndex: number; message: string };

export type Turn = {
  role: 'user' | 'assistant';
  text: string;
  kind: string | undefined;
  pending: PendingClarify | undefined;
  planId: string | undefined;
  createdAt: string;
};

export class ConversationNotFoundError extends SextantError {
  override name = 'ConversationNotFoundError';
}

/** A new conversation, or the user's existing one (another user's id is not found). */
export function openConversation(db: Db, userId: string, id?: string): string {
  if (id) {
    const row = db.prepare('SELECT id FROM agent_conversations WHERE id = ? AND user_id = ?').get(id, userId);
    if (!row) throw new ConversationNotFoundError(`There is no conversation ${id}.`, { hint: 'Start a new one.' });
    return id;
  }
  const created = `conv_${randomUUID()}`;
  db.prepare('INSERT INTO agent_conversations (id, user_id, created_at) VALUES (?, ?, ?)').run(
    created,
    userId,
    new Date().toISOString(),
  );
  return created;
}

export function addTurn(
  db: Db,
  conversationId: string,
  turn: { role: 'user' | 'assistant'; text: string; kind?: string; pending?: PendingClarify; planId?: string },
): void {
  db.prepare(
    'INSERT INTO agent_turns (conversation_id, role, text, kind, pending, plan_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(
    conversationId,
    turn.role,
    turn.text,
    turn.kind ?? null,
    turn.pending ? JSON.stringify(turn.pending) : null,
    turn.planId ?? null,
    new Date().toISOString(),
  );
}

export function listTurns(db: Db, conversationId: string): Turn[] {
  const rows = db.prepare('SELECT * FROM agent_turns WHERE conversation_id = ? ORDER BY id').all(conversationId) as {
    role: 'user' | 'assistant';
    text: string;
    kind: string | null;
    pending: string | null;
    plan_id: string | null;
    created_at: string;
  }[];
  return rows.map((row) => ({
    role: row.role,
    text: row.text,
    kind: row.kind ?? undefined,
    pending: row.pending ? (JSON.parse(row.pending) as PendingClarify) : undefined,
    planId: row.plan_id ?? undefined,
    createdAt: row.created_at,
  }));
}

/** The clarify the assistant's last turn asked, if the conversation is waiting on one. */
export function pendingClarify(db: Db, conversationId: string): PendingClarify | undefined {
  const last = listTurns(db, conversationId).at(-1);
  return last?.role === 'assistant' && last.kind === 'clarify' ? last.pending : undefined;
}
