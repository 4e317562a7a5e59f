import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Db } from '../../common/database.ts';
import { SextantError } from '../../common/errors.ts';
import type { Intent } from '../intents/schema.ts';
import type { ConversationSummarySchema } from './views.ts';

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
  override readonly code = 'conversation-not-found';
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

/** How long a conversation's title may be: the first message, cut for a list. */
const TITLE_LENGTH = 80;
/** How many conversations the list holds: the newest. */
export const CONVERSATION_LIST_LIMIT = 100;

/** A conversation as a list shows it (its schema: ConversationSummarySchema, views.ts). */
export type ConversationSummary = z.output<typeof ConversationSummarySchema>;

type SummaryRow = {
  id: string;
  created_at: string;
  first_message: string | null;
  last_turn_at: string | null;
  last_plan_at: string | null;
  pending_plan_id: string | null;
};

// One query for the whole list; every subquery is scoped to the conversation (and the plans to its
// user as well, so a plan can never lend its state to another user's conversation).
const SUMMARY_SELECT = `
  SELECT c.id, c.created_at,
    (SELECT t.text FROM agent_turns t WHERE t.conversation_id = c.id AND t.role = 'user' ORDER BY t.id LIMIT 1)
      AS first_message,
    (SELECT MAX(t.created_at) FROM agent_turns t WHERE t.conversation_id = c.id) AS last_turn_at,
    (SELECT MAX(p.updated_at) FROM agent_plans p WHERE p.conversation_id = c.id AND p.user_id = c.user_id)
      AS last_plan_at,
    (SELECT p.id FROM agent_plans p
      WHERE p.conversation_id = c.id AND p.user_id = c.user_id AND p.status = 'proposed' AND p.expires_at > @now
      ORDER BY p.created_at DESC LIMIT 1) AS pending_plan_id
  FROM agent_conversations c`;

function summaryFromRow(row: SummaryRow): ConversationSummary {
  const oneLine = (row.first_message ?? '').replace(/\s+/g, ' ').trim();
  return {
    id: row.id,
    title: oneLine.length > TITLE_LENGTH ? `${oneLine.slice(0, TITLE_LENGTH - 1).trimEnd()}…` : oneLine,
    createdAt: row.created_at,
    updatedAt: [row.created_at, row.last_turn_at, row.last_plan_at].reduce<string>(
      (latest, at) => (at && at > latest ? at : latest),
      row.created_at,
    ),
    awaitingConfirmation: row.pending_plan_id !== null,
    pendingPlanId: row.pending_plan_id,
  };
}

/**
 * The user's conversations, most recently active first (at most CONVERSATION_LIST_LIMIT). A
 * conversation with no message yet (its first message failed before it was stored) is left out.
 */
export function listConversations(db: Db, userId: string, now = new Date()): ConversationSummary[] {
  const rows = db
    .prepare(
      `${SUMMARY_SELECT}
       WHERE c.user_id = @userId AND first_message IS NOT NULL
       ORDER BY MAX(c.created_at, COALESCE(last_turn_at, ''), COALESCE(last_plan_at, '')) DESC, c.id
       LIMIT @limit`,
    )
    .all({ userId, now: now.toISOString(), limit: CONVERSATION_LIST_LIMIT }) as SummaryRow[];
  return rows.map(summaryFromRow);
}

/** One of the user's conversations with its turns in order; another user's id finds nothing. */
export function readConversation(
  db: Db,
  userId: string,
  id: string,
  now = new Date(),
): (ConversationSummary & { turns: Turn[] }) | undefined {
  const row = db
    .prepare(`${SUMMARY_SELECT} WHERE c.id = @id AND c.user_id = @userId`)
    .get({ id, userId, now: now.toISOString() }) as SummaryRow | undefined;
  return row ? { ...summaryFromRow(row), turns: listTurns(db, id) } : undefined;
}
