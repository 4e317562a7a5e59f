import type { Token } from '../../common/chains/types.ts';
import type { Intent, ParseResult } from '../intents/schema.ts';
import { detectLlm } from '../llm-status.ts';
import { readEmbedded } from './embedded/parse.ts';
import { type DroppedField, type GroundingOutcome, groundParseResult } from './grounding.ts';
import { LlmError } from './ollama/errors.ts';

/**
 * One message to a ParseResult, by whichever parser serves:
 *
 * - `embedded`: the embedded parser (rules, no model).
 * - `auto` (the default): Ollama when `detectLlm` finds it answering with the model pulled, else the
 *   embedded parser, with a note saying why. With Ollama: the model parses, the grounding guard drops
 *   whatever is not in the user's words, and the embedded parser cross-checks the result (below).
 *   When Ollama fails (a reply that is not the schema twice, a timeout, unreachable), the embedded
 *   parser serves, with a note saying why.
 * - `ollama`: the model, grounded, and nothing else: Ollama's errors are thrown, and the cross-check
 *   only adds notes (so `sextant eval --llm ollama` scores the model, not the embedded parser).
 *
 * The cross-check rule, with G the grounded model result and E the embedded parser's:
 * 1. E is complete (at least one intent, no clarify, no unsupported) and G differs from it
 *    materially (number of steps, an action, or a field both give with different values: amounts
 *    numerically, tokens and names case-insensitively), or grounding dropped anything from the
 *    model's reading: E is kept. The embedded parser takes every value from the user's words by
 *    construction, so where it is sure it wins over a model that disagrees or invented something.
 * 2. G has intents, E has none, and no intent of G carries a single grounded field (only actions
 *    the words do not support): E is kept; the model found a request that is not there.
 * 3. Otherwise G is kept: the two agree (G may add fields E missed, such as a protocol), or E could
 *    not complete its reading. If grounding dropped something, G's clarify asks for it.
 * Before all of these, in every mode: when the words themselves are in doubt (an amount that does not
 * read exactly, more than one candidate recipient or spender for one request, text imitating the
 * assistant or the system: `readEmbedded`'s conflict), E is kept with its question, whatever the
 * model read; no model can read an exact amount or one recipient out of words that hold none.
 * Every case that overrides or drops something says so in `notes`.
 */

export type LlmChoice = 'auto' | 'embedded' | 'ollama';

export type ParseMessageOptions = {
  llm?: LlmChoice;
  ollama: { host: string; model: string; timeoutMs?: number };
  /** Earlier turns, oldest first, as plain strings. */
  conversation?: readonly string[];
  /** The chain's token list. */
  tokens?: readonly Token[];
  /** The user's contacts. */
  addressBook?: readonly { label: string; address: string }[];
  signal?: AbortSignal;
};

export type ParseMessageResult = ParseResult & { notes?: string[] };

export async function parseMessage(text: string, options: ParseMessageOptions): Promise<ParseMessageResult> {
  const llm = options.llm ?? 'auto';
  let read: ReturnType<typeof readEmbedded> | undefined;
  const embeddedReading = () => {
    read ??= readEmbedded(text, { tokens: (options.tokens ?? []).map((token) => token.symbol) });
    return read;
  };
  const embedded = (): ParseResult => embeddedReading().result;
  if (llm === 'embedded') return embedded();

  if (llm === 'auto') {
    const status = await detectLlm({ host: options.ollama.host, model: options.ollama.model });
    if (status.provider !== 'ollama') {
      return withNotes(embedded(), [status.detail ?? 'Ollama is not available; the embedded parser read the message.']);
    }
  }

  let reading: ParseResult;
  try {
    // Loaded when a model answers: langchain takes most of a second to load, which every CLI start
    // and every message the embedded parser reads would otherwise pay.
    const { parseWithOllama } = await import('./ollama/parse.ts');
    reading = await parseWithOllama(text, {
      host: options.ollama.host,
      model: options.ollama.model,
      ...(options.ollama.timeoutMs !== undefined ? { timeoutMs: options.ollama.timeoutMs } : {}),
      ...(options.conversation ? { conversation: options.conversation } : {}),
      ...(options.tokens ? { tokens: options.tokens } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (llm === 'ollama' || !(error instanceof LlmError)) throw error;
    return withNotes(embedded(), [`${error.message} The embedded parser read the message instead.`]);
  }

  const grounded = groundParseResult(reading, {
    text,
    ...(options.conversation ? { conversation: options.conversation } : {}),
    ...(options.addressBook ? { addressBook: options.addressBook } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });
  const conflict = embeddedReading().conflict;
  if (conflict !== undefined) {
    return withNotes(embedded(), [
      ...droppedNotes(grounded.dropped),
      'Your words are in doubt (an amount that does not read exactly, more than one recipient, or text imitating the assistant): the embedded parser’s question was kept.',
    ]);
  }
  if (llm === 'ollama') {
    const differences = materialDifferences(grounded.result, embedded());
    const disagreement =
      differences.length > 0
        ? [
            `The embedded parser reads it differently (${differences.join('; ')}); with Ollama forced, the model’s grounded reading is kept.`,
          ]
        : [];
    return withNotes(grounded.result, [...droppedNotes(grounded.dropped), ...disagreement]);
  }
  const checked = crossCheck(grounded, embedded());
  return withNotes(checked.result, checked.notes);
}

/** The cross-check rule described at the top of this file. */
export function crossCheck(
  grounded: GroundingOutcome,
  embedded: ParseResult,
): { result: ParseResult; notes: string[] } {
  const model = grounded.result;
  const dropped = droppedNotes(grounded.dropped);
  const differences = materialDifferences(model, embedded);
  const complete = embedded.intents.length > 0 && !embedded.clarify && !embedded.unsupported;

  if (complete && (differences.length > 0 || grounded.dropped.length > 0)) {
    const why =
      differences.length > 0
        ? `The model’s reading differs from the embedded parser’s (${differences.join('; ')})`
        : 'The model’s reading had values not in your words';
    return { result: embedded, notes: [...dropped, `${why}; the embedded parser’s complete reading was kept.`] };
  }
  if (model.intents.length > 0 && embedded.intents.length === 0 && !model.intents.some(hasDetail)) {
    return {
      result: embedded,
      notes: [...dropped, 'The model found a request that nothing in your words supports; it was not kept.'],
    };
  }
  const notes = [...dropped];
  if (differences.length > 0) {
    notes.push(
      `The embedded parser read it differently (${differences.join('; ')}) but could not complete its reading; the model’s grounded reading was kept.`,
    );
  }
  return { result: model, notes };
}

/** How two readings differ in what would be done: steps, actions, and fields both give. */
export function materialDifferences(a: ParseResult, b: ParseResult): string[] {
  if (a.intents.length !== b.intents.length) {
    return [`${a.intents.length} step${a.intents.length === 1 ? '' : 's'} against ${b.intents.length}`];
  }
  const differences: string[] = [];
  a.intents.forEach((left, index) => {
    const right = b.intents[index];
    if (!right) return;
    const step = a.intents.length > 1 ? `step ${index + 1}: ` : '';
    if (left.action !== right.action) {
      differences.push(`${step}${left.action} against ${right.action}`);
      return;
    }
    // A repetition read by one and not the other decides between a standing order and a one-off.
    for (const field of ['schedule', 'condition'] as const) {
      if (JSON.stringify(left[field] ?? null) !== JSON.stringify(right[field] ?? null)) {
        differences.push(
          `${step}${field} ${JSON.stringify(left[field] ?? 'none')} against ${JSON.stringify(right[field] ?? 'none')}`,
        );
      }
    }
    for (const field of Object.keys(left) as (keyof Intent)[]) {
      const mine = left[field];
      const theirs = right[field];
      if (
        field === 'action' ||
        field === 'schedule' ||
        field === 'condition' ||
        mine === undefined ||
        theirs === undefined
      )
        continue;
      if (!sameValue(field, mine, theirs)) {
        differences.push(`${step}${field} ${clip(String(mine))} against ${clip(String(theirs))}`);
      }
    }
  });
  return differences;
}

function sameValue(field: string, a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  const left = String(a).trim().toLowerCase();
  const right = String(b).trim().toLowerCase();
  if (field === 'amount' || field === 'amountOut' || field === 'minAmountOut') {
    return canonicalAmount(left) === canonicalAmount(right);
  }
  return left === right;
}

/** "100.0" and "100", "$5.50" and "$5.5", "50.0%" and "50%" are one amount. */
function canonicalAmount(amount: string): string {
  const match = /^(\$?)(\d*\.?\d*)(%?)$/.exec(amount);
  if (!match?.[2]) return amount;
  const [whole = '', fraction = ''] = match[2].split('.');
  const number = `${whole.replace(/^0+/, '') || '0'}${fraction.replace(/0+$/, '') ? `.${fraction.replace(/0+$/, '')}` : ''}`;
  return `${match[1]}${number}${match[3]}`;
}

function hasDetail(intent: Intent): boolean {
  return Object.entries(intent).some(([field, value]) => field !== 'action' && value !== undefined);
}

function droppedNotes(dropped: readonly DroppedField[]): string[] {
  return dropped.map((entry) =>
    entry.intentIndex < 0
      ? `The model’s question was replaced: ${clip(entry.reason)}.`
      : `Dropped the model’s ${entry.field} in step ${entry.intentIndex + 1}: ${clip(entry.reason)}.`,
  );
}

function withNotes(result: ParseResult, notes: readonly string[]): ParseMessageResult {
  return notes.length > 0 ? { ...result, notes: [...notes] } : result;
}

function clip(text: string, length = 120): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
