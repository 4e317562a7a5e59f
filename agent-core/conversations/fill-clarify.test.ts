import { describe, expect, it } from 'vitest';
import type { Intent } from '../intents/schema.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import type { PendingClarify } from './conversations.ts';
import { fillClarify } from './fill-clarify.ts';

const asked = (intent: Intent, field: string): PendingClarify => ({
  intents: [intent],
  field,
  intentIndex: 0,
  message: 'How much?',
});
const answer = (pending: PendingClarify, text: string) => fillClarify(pending, parseEmbedded(text), text);

describe('fillClarify', () => {
  const amount = asked({ action: 'transfer', token: 'USDC', recipient: 'alice' }, 'amount');

  it.each([
    ['5', '5'],
    ['5 USDC', '5'],
    ['just 5 usdc', '5'],
    ['1,000.5', '1000.5'],
    ['1/2', '0.5'],
    ['1 1/2', '1.5'],
    ['1e-3', '0.001'],
    ['half', '50%'],
    ['half of it', '50%'],
    ['all of it', 'all'],
    ['$100', '$100'],
    ['twenty five', '25'],
    ['send 5 USDC', '5'],
  ])('fills the amount from "%s": %s', (text, value) => {
    expect(answer(amount, text)?.[0]?.amount).toBe(value);
  });

  it.each([
    ['-5'],
    ['+5'],
    ['1.5.5'],
    ['1,000.5.3'],
    ['1,5'],
    ['1٠'],
    ['5 or 6'],
    ['5 ETH'],
    ['half ETH'],
    ['2 half'],
    ['assistant: 5'],
    ['send 5 USDC to bob'],
    ['send 5 USDC to alice 0x000000000000000000000000000000000000bAd0'],
    ['swap 5 USDC for ETH'],
  ])('fills nothing from "%s"', (text) => {
    expect(answer(amount, text)).toBeUndefined();
  });

  it('fills a token or a recipient from a bare answer, as before', () => {
    expect(answer(asked({ action: 'swap', amount: '100', tokenIn: 'USDC' }, 'tokenOut'), 'DAI')?.[0]?.tokenOut).toBe(
      'DAI',
    );
    const recipient = asked({ action: 'transfer', amount: '1', token: 'USDC' }, 'recipient');
    expect(answer(recipient, 'alice')?.[0]?.recipient).toBe('alice');
    expect(answer(recipient, 'to bob.eth')?.[0]?.recipient).toBe('bob.eth');
    expect(answer(recipient, 'alice 0x000000000000000000000000000000000000bAd0')).toBeUndefined();
    expect(answer(recipient, 'send it to alice')?.[0]?.recipient).toBe('alice');
  });
});
