import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../intents/schema.ts';
import type { EvalRecord } from './read-jsonl.ts';
import { canonicalAction, canonicalAmount, evaluate, fieldMatches, scoreIntents } from './score.ts';

const record = (prompt: string, intents: EvalRecord['expected']['intents'], line = 1): EvalRecord => ({
  prompt,
  expected: { intents },
  line,
});

describe('field comparison', () => {
  it('compares amounts as numbers, and their forms as such', () => {
    expect(canonicalAmount('1,000')).toBe(canonicalAmount('1000.0'));
    expect(canonicalAmount('0.50')).toBe('0.5');
    expect(canonicalAmount('1.5k')).toBe('1500');
    expect(canonicalAmount(1000)).toBe('1000');
    expect(fieldMatches('amount', 'max', 'all')).toBe(true);
    expect(fieldMatches('amount', '100%', 'all')).toBe(true);
    expect(fieldMatches('amount', 'half', '50%')).toBe(true);
    expect(fieldMatches('amount', '$100', '$100.00')).toBe(true);
    expect(fieldMatches('amount', '$100', '100')).toBe(false);
    expect(fieldMatches('amount', '50%', '50')).toBe(false);
    expect(fieldMatches('amount', '1.234567890123456789', '1.234567890123456788')).toBe(false);
    expect(fieldMatches('minAmountOut', '4000', '4,000')).toBe(true);
    expect(fieldMatches('slippageBps', 30, '30')).toBe(true);
  });

  it('compares tokens, addresses, protocols and chains without regard to case', () => {
    expect(fieldMatches('token', 'STETH', 'stETH')).toBe(true);
    expect(fieldMatches('recipient', '0xAbC1', '0xabc1')).toBe(true);
    expect(fieldMatches('protocol', 'Aave', 'aave')).toBe(true);
    expect(fieldMatches('protocol', 'Rocket Pool', 'rocketpool')).toBe(true);
    expect(fieldMatches('chain', 'Base', 'base')).toBe(true);
    expect(fieldMatches('tokenId', '#1234', '1234')).toBe(true);
  });

  it('does not take token synonyms as equal', () => {
    expect(fieldMatches('token', 'ether', 'ETH')).toBe(false);
    expect(fieldMatches('token', 'WETH', 'ETH')).toBe(false);
  });

  it('takes action synonyms on the expected side', () => {
    expect(canonicalAction('deposit')).toBe('supply');
    expect(canonicalAction('Redeem')).toBe('withdraw');
    expect(canonicalAction('add liquidity')).toBe('add_liquidity');
    expect(fieldMatches('action', 'send', 'transfer')).toBe(true);
    expect(fieldMatches('action', 'borrow', 'repay')).toBe(false);
  });

  it('counts a missing field as a miss', () => {
    expect(fieldMatches('token', 'USDC', undefined)).toBe(false);
  });
});

describe('scoreIntents', () => {
  it('scores only the fields the record lists', () => {
    const score = scoreIntents(
      [{ action: 'supply', amount: '1000', token: 'USDC' }],
      [{ action: 'supply', amount: '1,000', token: 'usdc', protocol: 'aave', chain: 'base' }],
    );
    expect(score.exact).toBe(true);
    expect(score.fields.map((field) => field.field)).toEqual(['action', 'amount', 'token']);
  });

  it('is not exact when the number of intents differs, even if every listed field matches', () => {
    const score = scoreIntents(
      [{ action: 'swap', tokenIn: 'ETH' }],
      [
        { action: 'swap', tokenIn: 'ETH' },
        { action: 'supply', token: 'USDC' },
      ],
    );
    expect(score).toMatchObject({ exact: false, countMatches: false });
  });

  it('compares intents in order', () => {
    const score = scoreIntents([{ action: 'swap' }, { action: 'supply' }], [{ action: 'supply' }, { action: 'swap' }]);
    expect(score.exact).toBe(false);
  });
});

describe('evaluate', () => {
  it('reports accuracy overall, per action and per field, and the misses', async () => {
    const records = [
      record('a', [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' }], 1),
      record('b', [{ action: 'swap', amount: '2', tokenIn: 'ETH', tokenOut: 'DAI' }], 2),
      record('c', [{ action: 'deposit', amount: '5', token: 'DAI' }], 3),
      record('d', [], 4),
    ];
    const answers: Record<string, ParseResult> = {
      a: { intents: [{ action: 'swap', amount: '1.0', tokenIn: 'eth', tokenOut: 'usdc' }], parser: 'embedded' },
      b: { intents: [{ action: 'swap', amount: '2', tokenIn: 'ETH' }], clarify: 'Which token?', parser: 'embedded' },
      c: { intents: [{ action: 'supply', amount: '5', token: 'DAI' }], parser: 'embedded' },
      d: { intents: [], parser: 'embedded' },
    };
    const report = await evaluate(records, (prompt) => answers[prompt] as ParseResult, 'embedded');
    expect(report.exact).toEqual({ total: 4, matched: 3, accuracy: 0.75 });
    expect(report.perAction).toEqual({
      '(none)': { total: 1, matched: 1, accuracy: 1 },
      supply: { total: 1, matched: 1, accuracy: 1 },
      swap: { total: 2, matched: 1, accuracy: 0.5 },
    });
    expect(report.perField.tokenOut).toEqual({ total: 2, matched: 1, accuracy: 0.5 });
    expect(report.perField.amount).toEqual({ total: 3, matched: 3, accuracy: 1 });
    expect(report.misses).toEqual([
      {
        file: undefined,
        line: 2,
        prompt: 'b',
        expected: records[1]?.expected.intents,
        got: answers.b?.intents,
        clarify: 'Which token?',
        error: undefined,
        wrong: ['tokenOut'],
        silent: false,
      },
    ]);
    // b asked a question: wrong, but not silently.
    expect(report.silentlyWrong).toEqual({ total: 4, matched: 0, accuracy: 0 });
  });

  it('counts as silently wrong only what is offered without a question and differs in what it would move', async () => {
    const want = [{ action: 'transfer', amount: '5', token: 'DAI', recipient: 'bob.eth' }];
    const cases: [string, ParseResult, boolean][] = [
      ['other recipient', { intents: [{ ...want[0], action: 'transfer', recipient: 'carol.eth' }], parser: 'x' }, true],
      ['other amount', { intents: [{ ...want[0], action: 'transfer', amount: '50' }], parser: 'x' }, true],
      ['an extra intent', { intents: [{ ...want[0], action: 'transfer' }, { action: 'supply' }], parser: 'x' }, true],
      [
        'asked',
        { intents: [{ ...want[0], action: 'transfer', amount: '50' }], clarify: 'How much?', parser: 'x' },
        false,
      ],
      [
        'refused',
        { intents: [{ ...want[0], action: 'transfer', amount: '50' }], unsupported: 'No.', parser: 'x' },
        false,
      ],
      ['nothing offered', { intents: [], parser: 'x' }, false],
      ['only the chain differs', { intents: [{ ...want[0], action: 'transfer', chain: 'base' }], parser: 'x' }, false],
    ];
    for (const [name, result, silent] of cases) {
      const records = [
        record(
          name,
          name === 'only the chain differs' ? [{ ...want[0], action: 'transfer', chain: 'optimism' }] : want,
          1,
        ),
      ];
      const report = await evaluate(records, () => result, 'x');
      expect({ name, silent: report.silentlyWrong.matched === 1 }).toEqual({ name, silent });
    }
  });

  it('counts a parser that throws as a miss, and goes on', async () => {
    const report = await evaluate(
      [record('boom', [{ action: 'swap' }]), record('fine', [])],
      (prompt) => {
        if (prompt === 'boom') throw new Error('model unreachable');
        return { intents: [], parser: 'embedded' };
      },
      'embedded',
    );
    expect(report.errors).toBe(1);
    expect(report.exact.matched).toBe(1);
    expect(report.misses[0]?.error).toBe('model unreachable');
  });
});
