import { listAddresses } from '../address-book.ts';
import { fillClarify, isCompleteRequest } from '../conversations/fill-clarify.ts';
import type { Intent, ParseResult } from '../intents/schema.ts';
import type { OpenTurn } from './turn.ts';
import type { AgentDeps, Answer, MessageRequest } from './types.ts';

/** What the message asks, read: the intents to plan and the words the plan will keep as its message. */
export type Understood = { parse: ParseResult; intents: Intent[]; message: string };

/**
 * Stage 2, understanding: the message is parsed (grounded in the user's earlier words, the token list
 * and the address book), or, when the assistant waits on a question and the message is not a whole
 * new request, read as the answer to it. A message that is unsupported, or a question still
 * unanswered, goes no further.
 */
export async function understand(
  deps: AgentDeps,
  request: MessageRequest,
  turn: OpenTurn,
): Promise<Understood | { parse: ParseResult; stop: Answer }> {
  const parse = await deps.parse(request.text, {
    conversation: turn.history,
    tokens: deps.env.chain.tokens,
    addressBook: listAddresses(deps.db, request.userId),
  });
  const { pending } = turn;
  if (pending && !isCompleteRequest(parse)) {
    const filled = fillClarify(pending, parse, request.text);
    if (filled) return { parse, intents: filled, message: `${pending.message} — ${request.text}` };
    const text = pending.message.length > 0 ? askAgain(pending) : 'Could you say that again?';
    return { parse, stop: { kind: 'clarify', text, pending } };
  }
  if (parse.unsupported) return { parse, stop: { kind: 'unsupported', text: parse.unsupported } };
  return { parse, intents: parse.intents, message: request.text };
}

function askAgain(pending: { message: string }): string {
  return `I still need that to go on: ${pending.message}`;
}
