import { describe, expect, it } from 'vitest';
import { readEmbedded } from './parse.ts';
import { readPriceCondition } from './price-condition.ts';

describe('a price condition in the words', () => {
  it.each([
    ['sell 1 ETH for USDC if ETH goes above 3,300', 'sell 1 ETH for USDC', 'ETH', 'above', '3300'],
    ['swap 1 WETH to USDC when ETH drops below 2500', 'swap 1 WETH to USDC', 'ETH', 'below', '2500'],
    ['once the price of ETH is over $3,300, sell 2 ETH for USDC', 'sell 2 ETH for USDC', 'ETH', 'above', '3300'],
  ])('"%s"', (message, rest, token, direction, price) => {
    expect(readPriceCondition(message)).toEqual({ kind: 'price', rest, condition: { token, direction, price } });
  });

  it('is not read in a polite "if you can", nor where there is none', () => {
    expect(readPriceCondition('if you can, send 5 USDC to bob').kind).toBe('none');
    expect(readPriceCondition('swap 1 ETH to USDC').kind).toBe('none');
  });

  it('goes on the one swap that sells the watched token, and anything else is asked about with nothing kept', () => {
    expect(readEmbedded('sell 1 ETH for USDC if ETH goes above 3,300').result.intents).toEqual([
      {
        action: 'swap',
        tokenIn: 'ETH',
        tokenOut: 'USDC',
        amount: '1',
        condition: { token: 'ETH', direction: 'above', price: '3300' },
      },
    ]);
    expect(readEmbedded('buy ETH with 500 USDC if ETH drops below 2500').result.intents).toEqual([]);
    expect(readEmbedded('send 1 ETH to bob if ETH goes above 3300').result.intents).toEqual([]);
    expect(readEmbedded('swap 1 WETH to USDC when ETH drops below 2500 every day for 3 days').result.intents).toEqual(
      [],
    );
  });
});
