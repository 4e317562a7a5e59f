import { SMALL_NUMBERS } from '../number-words.ts';

/**
 * A daily repetition in a message: "every day for 30 days", "daily for two weeks", "once a day for
 * the next 10 days", "for 30 days, every day". It is read only in these exact shapes; a repetition
 * in any other words (every week, twice, until a date, on a condition) stays a doubt the parser asks
 * about (doubts.ts), since Sextant only runs a daily swap as a standing order.
 */
export type Schedule = { every: 'day'; times: number };

export type ScheduleReading =
  /** The message with the repetition taken out (to be read as the one request), and the repetition. */
  | { kind: 'daily'; rest: string; schedule: Schedule }
  /** "every day" with no count, or a count that is not a whole number of days: asked about. */
  | { kind: 'unclear'; question: string }
  | { kind: 'none' };

const EVERY_DAY = String.raw`(?:every\s+(?:single\s+)?day|each\s+day|daily|once\s+(?:a|per|each)\s+day|per\s+day|a\s+day)`;
const COUNT = String.raw`(\d{1,3}|${Object.keys(SMALL_NUMBERS).join('|')}|a|one)`;
const SPAN = String.raw`for\s+(?:the\s+next\s+)?${COUNT}(?:[\s-]+(${Object.keys(SMALL_NUMBERS).join('|')}))?\s+(days?|weeks?)`;
const DAILY_THEN_SPAN = new RegExp(String.raw`[\s,]*\b${EVERY_DAY}\b[\s,]*(?:\b${SPAN}\b)?`, 'iu');
const LONE_SPAN = new RegExp(String.raw`[\s,]*\b${SPAN}\b[\s,]*`, 'iu');
const SPAN_THEN_DAILY = new RegExp(String.raw`[\s,]*\b${SPAN}\b[\s,]*\b${EVERY_DAY}\b`, 'iu');

export function readSchedule(message: string): ScheduleReading {
  const spanFirst = SPAN_THEN_DAILY.exec(message);
  const match = spanFirst ?? DAILY_THEN_SPAN.exec(message);
  if (!match) return { kind: 'none' };
  let [count, tens, unit] = [match[1], match[2], match[3]];
  let rest = cut(message, match.index, match[0].length);
  if (count === undefined) {
    // "for the next 10 days, swap 20 USDC to WETH every day": the span elsewhere in the message.
    const span = LONE_SPAN.exec(rest);
    if (span) {
      [count, tens, unit] = [span[1], span[2], span[3]];
      rest = cut(rest, span.index, span[0].length);
    }
  }
  if (count === undefined || unit === undefined) {
    return {
      kind: 'unclear',
      question:
        'For how many days should it repeat? Say it with the request, e.g. "swap 50 USDC into ETH every day for 30 days" (at most 31).',
    };
  }
  const number = numberOf(count, tens);
  const days = number === undefined ? undefined : /^week/i.test(unit) ? number * 7 : number;
  if (days === undefined || days < 1) {
    return {
      kind: 'unclear',
      question: `I could not read "${match[0].trim()}" as a number of days. How many days should it repeat?`,
    };
  }
  return { kind: 'daily', rest, schedule: { every: 'day', times: days } };
}

/** The message without the piece at `index` of `length`, its spaces tidied. */
function cut(message: string, index: number, length: number): string {
  return `${message.slice(0, index)} ${message.slice(index + length)}`
    .replace(/\s+/g, ' ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

function numberOf(count: string, tens: string | undefined): number | undefined {
  const lower = count.toLowerCase();
  const base = /^\d+$/.test(lower) ? Number(lower) : lower === 'a' ? 1 : SMALL_NUMBERS[lower];
  if (base === undefined) return undefined;
  if (tens === undefined) return base;
  const unit = SMALL_NUMBERS[tens.toLowerCase()];
  // "twenty one": a tens word then a unit word.
  return unit !== undefined && base % 10 === 0 && base >= 20 && unit < 10 ? base + unit : undefined;
}
