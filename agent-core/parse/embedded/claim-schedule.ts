import { SMALL_NUMBERS } from '../number-words.ts';

/**
 * A claim of rewards that repeats or waits for an epoch: "claim my rewards when an epoch settles",
 * "auto-claim my rewards", "automatically claim my emission rewards each epoch", "claim my rewards
 * every day for 2 weeks", "whenever rewards are distributed, claim them". Sextant's emission rewards
 * are paid per epoch, so any of these is the standing claim order (`sextant orders new
 * --claim-rewards --days N`), which the chat says back and never does now
 * (agent-core/pipeline/standing-order.ts). A plain "claim my rewards" is not read here: it stays the
 * one-off claim it always was.
 */
export type ClaimScheduleReading =
  /**
   * Sextant's rewards, for `days` (30 when the words name none); `rest`: whatever else the message
   * asks, with the claim, its trigger, its span and the polite words taken out ('' when nothing);
   * `onClock`: the words said a calendar repetition ("every day"), where the order claims per epoch.
   */
  | { kind: 'sextant'; days: number; daysSaid: boolean; onClock: boolean; rest: string }
  /** Another protocol's rewards ("claim my aave rewards every week"): no standing order claims those. */
  | { kind: 'elsewhere'; named: string }
  /** A span that is not 1 to 31 days, or none at all ("forever", "until …"): asked about. */
  | { kind: 'unclear'; question: string }
  | { kind: 'none' };

/** As long as the other orders (agent-core/orders/claim-rewards-grant.ts MAX_CLAIM_DAYS). */
export const MAX_CLAIM_DAYS = 31;
export const DEFAULT_CLAIM_DAYS = 30;

/** Words before "rewards" that still mean Sextant's own ("my emission rewards", "my unclaimed rewards"). */
const OURS = new Set([
  'sextant',
  'emission',
  'emissions',
  'sxt',
  'sxr',
  'epoch',
  'pending',
  'unclaimed',
  'new',
  'latest',
  'earned',
  'accrued',
  'available',
  'outstanding',
  'all',
]);

const NAME = '([a-z][a-z0-9.-]{1,20})';
const REWARDS = String.raw`(?:rewards?|emissions?(?:\s+rewards?)?|sxt|sxr|them)`;
/** "auto-claim my rewards", "claim all of my SXT", "harvest the emission rewards on aave". */
const CLAIM = new RegExp(
  String.raw`\b(auto(?:matically)?[\s-]?)?(?:claim|harvest|collect)(?:s|ing)?\s+(?:all\s+(?:of\s+)?)?(?:(?:my|the|our|any)\s+)?(?:${NAME}(?:'s)?\s+)?${REWARDS}(?:\s+(?:from|on|at)\s+(?!(?:each|every|the|an?|epochs?|this|my|sextant)\b)${NAME})?\b`,
  'iu',
);
const WHEN = String.raw`(?:when(?:ever)?|once|as\s+soon\s+as|each\s+time|every\s+time|after|as)`;
const TRIGGERS = [
  // "when an epoch settles", "every time the epoch is distributed", "as each epoch ends".
  String.raw`${WHEN}\s+(?:(?:an?|the|each|every|a\s+new|the\s+next)\s+)?(?:epochs?|distributions?|settlements?)\s+(?:settles?|ends?|closes?|finishes|happens|(?:is|gets?)\s+(?:distributed|settled|closed|over|done|paid(?:\s+out)?))`,
  // "whenever rewards are distributed", "once my rewards are paid out".
  String.raw`${WHEN}\s+(?:(?:my|the|new|any)\s+)?(?:rewards?|emissions?|sxt|sxr)\s+(?:are|is|get|gets)\s+(?:distributed|paid(?:\s+out)?|settled|released|available|ready)`,
  // "each epoch", "after every distribution", "at the end of each epoch".
  String.raw`(?:(?:from|for|in)\s+)?(?:each|every|per|after\s+(?:each|every)|at\s+(?:the\s+end\s+of\s+)?(?:each|every))\s+(?:single\s+)?(?:new\s+)?(?:epoch|distribution|settlement)s?`,
  String.raw`automatically|from\s+now\s+on|going\s+forward|regularly`,
].map((trigger) => new RegExp(String.raw`[\s,]*\b(?:${trigger})\b[\s,]*`, 'iu'));
/** "every day", "weekly": a repetition by the calendar, where the order claims per epoch instead. */
const CLOCK =
  /[\s,]*\b(?:(?:each|every|once\s+(?:a|per|each))\s+(?:single\s+)?(?:day|week|month)|every\s+\d{1,2}\s+(?:days|weeks)|daily|weekly|monthly)\b[\s,]*/iu;
const COUNT = String.raw`(\d{1,3}|${Object.keys(SMALL_NUMBERS).join('|')}|an?|one)`;
const SPAN = new RegExp(
  String.raw`[\s,]*\bfor\s+(?:the\s+next\s+)?${COUNT}(?:[\s-]+(${Object.keys(SMALL_NUMBERS).join('|')}))?\s+(days?|weeks?|months?)\b[\s,]*`,
  'iu',
);
const NO_END = /\b(?:forever|for\s+ever|indefinitely|permanently|until|till|til)\b/iu;
/** Words that ask nothing of their own ("please", "can you", "for me"), taken out before `rest` is judged. */
const POLITE =
  /\b(?:please|pls|kindly|(?:can|could|would|will)\s+you|i\s+(?:want|would\s+like)\s+(?:you\s+)?to|i'd\s+like\s+(?:you\s+)?to|go\s+ahead\s+and|just|for\s+me|hey|sextant)\b/giu;

export function readClaimSchedule(message: string): ClaimScheduleReading {
  const claim = CLAIM.exec(message);
  if (!claim) return { kind: 'none' };
  const [whole, auto, before, after] = claim;
  // "Claim them" claims rewards only where the message speaks of rewards ("whenever rewards are
  // distributed, claim them").
  if (/them$/i.test(whole) && !/\b(?:rewards?|emissions?)\b/i.test(message)) return { kind: 'none' };
  let rest = cut(message, claim.index, whole.length);
  let triggered = auto !== undefined;
  for (const trigger of TRIGGERS) {
    const found = trigger.exec(rest);
    if (!found) continue;
    triggered = true;
    rest = cut(rest, found.index, found[0].length);
  }
  const clock = CLOCK.exec(rest);
  if (clock) rest = cut(rest, clock.index, clock[0].length);
  const span = SPAN.exec(rest);
  if (span) rest = cut(rest, span.index, span[0].length);
  if (!triggered && !clock && !span) return { kind: 'none' };

  const named = [before, after].find((name) => name !== undefined && !OURS.has(name.toLowerCase()));
  if (named) return { kind: 'elsewhere', named };
  if (NO_END.test(rest)) {
    return {
      kind: 'unclear',
      question: `A standing claim of your rewards runs for a number of days, 1 to ${MAX_CLAIM_DAYS}. For how many days should it claim? (Set it up again when it ends.)`,
    };
  }
  let days = DEFAULT_CLAIM_DAYS;
  if (span) {
    const said = daysOf(span[1] ?? '', span[2], span[3] ?? '');
    if (said === undefined || said < 1 || said > MAX_CLAIM_DAYS) {
      return {
        kind: 'unclear',
        question: `A standing claim of your rewards runs 1 to ${MAX_CLAIM_DAYS} days, and "${span[0].trim()}" is not that. For how many days should it claim? (Set it up again when it ends.)`,
      };
    }
    days = said;
  }
  return { kind: 'sextant', days, daysSaid: span !== null, onClock: clock !== null, rest: asked(rest) };
}

/** What the rest of the message still asks: '' when it is only connectives, polite words and marks. */
function asked(rest: string): string {
  const left = rest
    .replace(POLITE, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s,.;:!?-]*(?:(?:and|then|also|too)\b[\s,.;:!?-]*)*/iu, '')
    .replace(/(?:[\s,.;:!?-]*\b(?:and|then|also|too))*[\s,.;:!?-]*$/iu, '');
  return /[\p{L}\p{N}]/u.test(left) ? left : '';
}

/** The message without the piece at `index` of `length`, its spaces tidied. */
function cut(message: string, index: number, length: number): string {
  return `${message.slice(0, index)} ${message.slice(index + length)}`
    .replace(/\s+/g, ' ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

function daysOf(count: string, tens: string | undefined, unit: string): number | undefined {
  const lower = count.toLowerCase();
  const base = /^\d+$/.test(lower) ? Number(lower) : /^an?$/.test(lower) ? 1 : SMALL_NUMBERS[lower];
  if (base === undefined) return undefined;
  let number = base;
  if (tens !== undefined) {
    // "twenty one": a tens word then a unit word.
    const ones = SMALL_NUMBERS[tens.toLowerCase()];
    if (ones === undefined || base % 10 !== 0 || base < 20 || ones >= 10) return undefined;
    number = base + ones;
  }
  // "For a month": 30 days, the default.
  return /^week/i.test(unit) ? number * 7 : /^month/i.test(unit) ? number * 30 : number;
}
