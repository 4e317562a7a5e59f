import { describe, expect, it } from 'vitest';
import { readEmbedded } from './parse.ts';
import { readSchedule } from './schedule.ts';

describe('a daily repetition in the words', () => {
  it.each([
    ['swap 50 USDC into ETH every day for 30 days', 'swap 50 USDC into ETH', 30],
    ['for the next 10 days, swap 20 USDC to WETH every day', 'swap 20 USDC to WETH', 10],
    ['swap 50 USDC to ETH daily for two weeks', 'swap 50 USDC to ETH', 14],
    ['swap 5 USDC to ETH daily for twenty one days', 'swap 5 USDC to ETH', 21],
    ['swap 50 USDC to ETH once a day for a week', 'swap 50 USDC to ETH', 7],
  ])('"%s"', (message, rest, times) => {
    expect(readSchedule(message)).toEqual({ kind: 'daily', rest, schedule: { every: 'day', times } });
  });

  it('asks how many days when the words do not say', () => {
    expect(readSchedule('swap 50 USDC into ETH every day').kind).toBe('unclear');
    expect(readEmbedded('swap 50 USDC into ETH every day').result).toMatchObject({ intents: [] });
  });

  it('puts the repetition on the one swap it reads, and nothing else repeats', () => {
    expect(readEmbedded('swap 50 usdc for eth daily for 2 weeks').result.intents).toEqual([
      { action: 'swap', tokenIn: 'USDC', tokenOut: 'ETH', amount: '50', schedule: { every: 'day', times: 14 } },
    ]);
    expect(readEmbedded('send 5 USDC to bob every day for 3 days').result.intents).toEqual([]);
    expect(readEmbedded('swap 50 USDC into ETH every day for 30 days if ETH drops below 2000').result.intents).toEqual(
      [],
    );
    expect(readEmbedded('swap 1 ETH to USDC').result.intents[0]?.schedule).toBeUndefined();
  });
});
