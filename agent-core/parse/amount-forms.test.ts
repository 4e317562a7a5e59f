import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEmbedded } from './embedded/parse.ts';
import { groundParseResult } from './grounding.ts';

/**
 * Property tests for issue 14, item 5: for amounts written in many forms, the embedded parser's
 * amount is the one intended or it asks (and offers no amount at all); the grounding guard keeps a
 * model's amount only when it is the one intended. Forms that do not read as one number ("-5",
 * "1.5.5", "1,5", "1 000", "1٠", "1/3", "2 half") must always be asked about.
 */

/** "0100.50" → "100.5", for comparing amounts as numbers. */
function canonical(value: string): string {
  const [whole = '0', fraction = ''] = value.replace(/^\./, '0.').split('.');
  const integer = whole.replace(/^0+(?=\d)/, '');
  const rest = fraction.replace(/0+$/, '');
  return rest ? `${integer}.${rest}` : integer;
}

const SMALL = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 1 ≤ n < 1,000,000 in English words, as people write them ("two hundred and fifty", "twenty-five"). */
function inWords(n: number, hyphen: boolean, and: boolean): string {
  const below100 = (x: number): string =>
    x < 20 ? (SMALL[x] ?? '') : `${TENS[Math.floor(x / 10)]}${x % 10 ? `${hyphen ? '-' : ' '}${SMALL[x % 10]}` : ''}`;
  const below1000 = (x: number) => {
    const hundreds = Math.floor(x / 100);
    const rest = x % 100;
    if (!hundreds) return below100(rest);
    return `${SMALL[hundreds]} hundred${rest ? `${and ? ' and' : ''} ${below100(rest)}` : ''}`;
  };
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (!thousands) return below1000(rest);
  return `${below1000(thousands)} thousand${rest ? ` ${below1000(rest)}` : ''}`;
}

const ARABIC_INDIC = '٠١٢٣٤٥٦٧٨٩';
const FULL_WIDTH = '０１２３４５６７８９';
const inScript = (text: string, digits: string) => text.replace(/\d/g, (d) => digits[Number(d)] ?? d);

/** A written form and the amount it means, or undefined when it must be asked about. */
type Form = { text: string; intended: string | undefined };

const integer = fc.integer({ min: 1, max: 999_999 });
const decimal = fc
  .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 1, max: 999_999 }))
  .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(6, '0')}`.replace(/0+$/, ''));
/** Fractions with an exact decimal value. */
const exactFraction = fc
  .tuple(fc.constantFrom(2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100), fc.integer({ min: 1, max: 99 }))
  .filter(([below, above]) => above < below)
  .map(([below, above]) => ({ above, below, value: canonical(String(above / below)) }));

const grouped = (whole: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const exactForms: fc.Arbitrary<Form> = fc.oneof(
  integer.map((n) => ({ text: String(n), intended: String(n) })),
  integer.map((n) => ({ text: grouped(String(n)), intended: String(n) })),
  decimal.map((d) => ({ text: d, intended: d })),
  decimal.map((d) => {
    const [whole = '0', fraction = ''] = d.split('.');
    return { text: `${grouped(whole)}.${fraction}`, intended: d };
  }),
  fc.integer({ min: 1, max: 999_999 }).map((n) => ({ text: `.${n}`, intended: `0.${n}` })),
  fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: -8, max: 8 })).map(([mantissa, power]) => ({
    text: `${mantissa}e${power}`,
    intended: canonical(power >= 0 ? `${mantissa}${'0'.repeat(power)}` : shiftLeft(String(mantissa), -power)),
  })),
  exactFraction.map(({ above, below, value }) => ({ text: `${above}/${below}`, intended: value })),
  fc.tuple(fc.integer({ min: 1, max: 99 }), exactFraction).map(([whole, { above, below, value }]) => ({
    text: `${whole} ${above}/${below}`,
    // value is "0.xx": the whole number, then its decimals.
    intended: `${whole}${value.slice(1)}`,
  })),
  fc.constantFrom(
    { text: '½', intended: '0.5' },
    { text: '¼', intended: '0.25' },
    { text: '¾', intended: '0.75' },
    { text: '⅛', intended: '0.125' },
    { text: '3½', intended: '3.5' },
  ),
  integer.map((n) => ({ text: inScript(String(n), FULL_WIDTH), intended: String(n) })),
  integer.map((n) => ({ text: inScript(String(n), ARABIC_INDIC), intended: String(n) })),
  fc
    .tuple(integer, fc.boolean(), fc.boolean())
    .map(([n, hyphen, and]) => ({ text: inWords(n, hyphen, and), intended: String(n) })),
  fc.integer({ min: 1, max: 99 }).map((n) => ({ text: `${inWords(n, true, false)} and a half`, intended: `${n}.5` })),
);

function shiftLeft(digits: string, places: number): string {
  const padded = digits.padStart(places + 1, '0');
  return `${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`;
}

/** Forms that do not read as one number: always a question. */
const doubtfulForms: fc.Arbitrary<Form> = fc.oneof(
  fc
    .tuple(fc.constantFrom('-', '+', '−', '–'), fc.oneof(integer.map(String), decimal))
    .map(([sign, n]) => ({ text: `${sign}${n}`, intended: undefined })),
  fc
    .tuple(integer, fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 }))
    .map(([a, b, c]) => ({ text: `${a}.${b}.${c}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 99 }))
    .map(([a, b]) => ({ text: `${a},${String(b).padStart(2, '0')}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 99 }))
    .map(([a, b, c]) => ({ text: `${a}.${String(b).padStart(3, '0')},${c}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom(' ', '\u00a0', "'", '_'))
    .map(([a, b, mark]) => ({ text: `${a}${mark}${String(b).padStart(3, '0')}`, intended: undefined })),
  fc.tuple(fc.integer({ min: 10, max: 99_999 }), fc.nat()).map(([n, at]) => {
    const digits = String(n).split('');
    const index = at % digits.length;
    digits[index] = ARABIC_INDIC[Number(digits[index])] ?? '٠';
    return { text: digits.join(''), intended: undefined };
  }),
  fc
    .tuple(fc.constantFrom(3, 6, 7, 9, 11, 12), fc.integer({ min: 1, max: 20 }))
    .filter(([below, above]) => above < below && (above * 10 ** 8) % below !== 0)
    .map(([below, above]) => ({ text: `${above}/${below}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 2, max: 99 }), fc.integer({ min: 1, max: 99 }))
    .map(([above, below]) => ({ text: `${above + below}/${below}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 99 }))
    .map(([a, b]) => ({ text: `${a}-${a + b}`, intended: undefined })),
  fc
    .tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom('half', 'halves', 'quarter', 'third', 'fifth'))
    .map(([n, part]) => ({ text: `${n} ${part}`, intended: undefined })),
);

const TEMPLATES = [
  (form: string) => `send ${form} USDC to alice`,
  (form: string) => `please transfer ${form} USDC to alice.eth`,
  (form: string) => `swap ${form} USDC for ETH`,
  (form: string) => `supply ${form} USDC to aave`,
];

function embeddedAmount(text: string): { amount: string | undefined; asked: boolean } {
  const result = parseEmbedded(text);
  const amounts = result.intents.flatMap((intent) => [intent.amount, intent.amountOut].filter(Boolean));
  return { amount: amounts[0], asked: result.clarify !== undefined && amounts.length === 0 };
}

describe('amounts in many forms: exactly the one intended, or a question', () => {
  it('the embedded parser reads every exact form exactly, or asks (property)', () => {
    fc.assert(
      fc.property(exactForms, fc.constantFrom(...TEMPLATES), ({ text, intended }, template) => {
        const { amount, asked } = embeddedAmount(template(text));
        if (!asked) expect(canonical(amount ?? 'none'), text).toBe(canonical(intended ?? ''));
      }),
      { numRuns: 500 },
    );
  });

  it('the embedded parser reads all of them in a plain request, without asking (property)', () => {
    fc.assert(
      fc.property(exactForms, ({ text, intended }) => {
        const { amount } = embeddedAmount(`send ${text} USDC to alice`);
        expect(canonical(amount ?? 'none'), text).toBe(canonical(intended ?? ''));
      }),
      { numRuns: 500 },
    );
  });

  it('the embedded parser asks about every doubtful form, and offers no amount (property)', () => {
    fc.assert(
      fc.property(doubtfulForms, fc.constantFrom(...TEMPLATES), ({ text }, template) => {
        const message = template(text);
        const { amount, asked } = embeddedAmount(message);
        expect(amount, message).toBeUndefined();
        expect(asked, message).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a share of the balance in a fraction is that percentage, exactly (property)', () => {
    fc.assert(
      fc.property(exactFraction, ({ above, below, value }) => {
        const [whole = '0', fraction = ''] = value.split('.');
        const padded = fraction.padEnd(2, '0');
        const percent = canonical(`${whole}${padded.slice(0, 2)}.${padded.slice(2)}`);
        const { amount } = embeddedAmount(`send ${above}/${below} of my USDC to alice`);
        // Exactly representable in the schema's percent form, or asked.
        if (amount !== undefined) expect(amount).toBe(`${percent}%`);
      }),
      { numRuns: 200 },
    );
  });

  it('the grounding guard keeps a model’s amount when, and only when, it is the one intended (property)', () => {
    const forms = fc.oneof(exactForms, doubtfulForms);
    fc.assert(
      fc.property(forms, ({ text, intended }) => {
        const message = `send ${text} USDC to alice`;
        // What a model might answer: each run of digits as typed, their naive joins, and the intended value.
        const runs = text.match(/\d+/g) ?? [];
        const guesses = new Set([...runs, runs.join(''), runs.join('.'), ...(intended ? [intended] : [])]);
        for (const guess of guesses) {
          const { result } = groundParseResult(
            {
              intents: [{ action: 'transfer', amount: guess, token: 'USDC', recipient: 'alice' }],
              parser: 'ollama:test',
            },
            { text: message },
          );
          const kept = result.intents[0]?.amount;
          // The intended amount itself is kept.
          if (guess === intended) expect(kept, `${message}: ${guess}`).toBe(intended);
          if (kept !== undefined) expect(canonical(kept), `${message}: ${guess}`).toBe(canonical(intended ?? 'none'));
          else expect(result.clarify, `${message}: ${guess}`).toBeDefined();
        }
      }),
      { numRuns: 400 },
    );
  });
});
