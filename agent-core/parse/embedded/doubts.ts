/**
 * What a whole message says about its own requests that the clause-by-clause reading cannot see:
 * that the user does not want it done ("I do not want to send…", "…actually don't"), wants it later
 * or on a condition ("when he delivers", "stop loss at 2000", "every day"), or wants to keep part
 * of it ("swap my ETH but keep 0.1 for gas"). Each is asked about, never read past: Sextant does what
 * it is asked now, once, and only what the numbers in the message clearly say.
 */

export type MessageDoubt =
  /** Nothing is to be done: the reading is dropped and the user asked. */
  | { kind: 'negated'; question: string }
  /** A time, a condition or a repetition: nothing is offered now; the user is asked to say it plainly. */
  | { kind: 'later'; question: string }
  /** A part to keep: the amounts are dropped and the user asked how much. */
  | { kind: 'keep'; question: string }
  /** The request changed as it was written ("…no wait, 15 USDC"): nothing is offered; asked again. */
  | { kind: 'corrected'; question: string };

const NEGATED =
  /\b(?:i\s+(?:do\s+not|don'?t|didn'?t|did\s+not|never|wouldn'?t|would\s+not|won'?t|will\s+not)\s+(?:want|wish|need|mean|plan|intend)(?:\s+(?:you\s+)?to)?|(?:i\s+)?wouldn'?t\s+(?:swap|send|sell|buy|bridge|stake|supply|withdraw|borrow)|no\s+need\s+to|avoid\s+(?:sending|swapping|selling|buying|bridging|staking)|refrain\s+from|cancel(?:led)?\s*[:\-—]|(?:wait|actually|hmm|no)[,\s—-]+(?:don'?t|do\s+not|never\s*mind|cancel|stop|scratch\s+that)|never\s*mind|just\s+kidding|jk\b|on\s+second\s+thought)/iu;

const LATER =
  /\b(?:if(?!\s+(?:you|u|it'?s\s+possible|possible|that'?s\s+possible|i\s+(?:can|could|may)|this\s+is\s+possible))|when(?!\s+(?:done|finished|complete|that\s+is\s+done|you\s+(?:can|get|have)))|whenever|unless|until|as\s+soon\s+as|in\s+case|tomorrow|tonight|next\s+(?:week|month|day)|every\s+(?:day|week|month|hour|\d+)|each\s+(?:day|week|month)|daily|weekly|monthly|hourly|dca|dollar[- ]cost|stop[- ]loss|take[- ]profit|limit\s+order|twice|thrice|(?:\d+|two|three|several)\s+times|over\s+(?:the\s+next\s+)?\d+\s+(?:days|weeks|hours)|in\s+\d+\s+(?:min(?:ute)?s?|hours?|days?|weeks?)|at\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)\b)/iu;

const KEEP = /\b(?:keep(?:ing)?|except|excluding|apart\s+from|other\s+than|all\s+but|leave|leaving)\b[^.!?\n]*\d/iu;

const CORRECTED =
  /\b(?:(?:wait|hold\s+on)[,\s—-]+no|no[,\s—-]+wait|actually[,\s]+(?:make\s+(?:it|that)|send|swap|use|i\s+(?:meant|mean|want))|(?:sorry|oops)[,\s]+(?:i\s+)?(?:meant|mean)|i\s+meant|make\s+that|correction\s*:|scratch\s+that|change\s+(?:it|that)\s+to)\b/iu;

/**
 * Words one of which each pattern needs ("when he delivers" needs "when"): most messages have none,
 * and the patterns, which are slow to try at every position, are not run on them.
 */
const CUES = {
  negated: words(
    "not don't dont didn't didnt never wouldn't wouldnt won't wont no avoid refrain cancel cancelled wait actually hmm mind kidding jk second",
  ),
  corrected: words('wait hold no actually sorry oops meant make correction scratch change'),
  keep: words('keep keeping except excluding apart other but leave leaving'),
  later: words(
    'if when whenever unless until soon case tomorrow tonight day days week weeks month months hour hours min mins minute minutes daily weekly monthly hourly every dca dollar loss profit order twice thrice times am pm',
  ),
};

/** One plain alternation of whole words: quick to try, and it allocates nothing. */
function words(list: string): RegExp {
  return new RegExp(`(?:^|[^a-z'])(?:${list.split(' ').join('|')})(?![a-z'])`, 'i');
}

/** The doubt the whole message raises, if any (see above). */
export function messageDoubt(message: string, action: string | undefined): MessageDoubt | undefined {
  const text = message.replace(/[’‘`´]/g, "'");
  if (CUES.negated.test(text) && NEGATED.test(text)) {
    return {
      kind: 'negated',
      question: "It sounds like you don't want this done, so I won't do anything. What would you like to do?",
    };
  }
  if (CUES.corrected.test(text) && CORRECTED.test(text)) {
    return {
      kind: 'corrected',
      question:
        'You changed the request as you wrote it. So that I do exactly what you mean, please write it again, once, as you want it done.',
    };
  }
  if (CUES.keep.test(text) && KEEP.test(text)) {
    return {
      kind: 'keep',
      question: `You want to keep part of it: how much exactly do you want to ${action ?? 'use'}? Please give the amount itself.`,
    };
  }
  if (CUES.later.test(text) && LATER.test(text)) {
    return {
      kind: 'later',
      question:
        'I can do a request now, once, or set one up as a standing order: a daily swap ("swap 50 USDC into ETH every day for 30 days"), a price order ("sell 1 ETH for USDC if ETH goes above 3,300"), or a guard on your Aave health factor (`sextant orders new --repay "1000 USDC" --when-health-below 1.5 --days 30`). I can\'t wait for other times or conditions. If you want it done now, ask for it without the condition.',
    };
  }
  return undefined;
}
