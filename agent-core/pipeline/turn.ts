import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import {
  addTurn,
  listTurns,
  openConversation,
  type PendingClarify,
  pendingClarify,
} from '../conversations/conversations.ts';
import type { ParseResult } from '../intents/schema.ts';
import { parseReferrer } from '../referrer.ts';
import type { AgentReply, Answer, MessageRequest } from './types.ts';

/** The conversation a message arrives in, as the stages after it need it. */
export type OpenTurn = {
  conversationId: string;
  /** The user's earlier messages in it (only theirs: see ParseFunction). */
  history: string[];
  /** The question the assistant asked last and still waits on, if any. */
  pending: PendingClarify | undefined;
  /** The referrer's payout address, or null when the request named none. */
  referrer: Address | null;
};

/**
 * Stage 1, the turn: the referrer is checked before anything is written (a bad one throws), then the
 * conversation is opened or continued and the user's message recorded.
 */
export function openTurn(db: Db, request: MessageRequest): OpenTurn {
  const referrer = request.referrer === undefined ? null : parseReferrer(request.referrer);
  const conversationId = openConversation(db, request.userId, request.conversationId);
  const history = listTurns(db, conversationId)
    .filter((turn) => turn.role === 'user')
    .map((turn) => turn.text);
  const pending = pendingClarify(db, conversationId);
  addTurn(db, conversationId, { role: 'user', text: request.text });
  return { conversationId, history, pending, referrer };
}

/** The last stage, whichever stage answered: the assistant's turn is recorded and the reply made. */
export function reply(db: Db, conversationId: string, parse: ParseResult, answer: Answer): AgentReply {
  addTurn(db, conversationId, {
    role: 'assistant',
    text: answer.text,
    kind: answer.kind,
    ...(answer.pending ? { pending: answer.pending } : {}),
    ...(answer.plan ? { planId: answer.plan.id } : {}),
  });
  return {
    conversationId,
    parse,
    kind: answer.kind,
    text: answer.text,
    plan: answer.plan,
    readings: answer.readings ?? [],
  };
}
