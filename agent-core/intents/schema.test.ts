import { describe, expect, it } from 'vitest';
import { AmountSchema, IntentSchema, ParseResultSchema } from './schema.ts';

describe('the intent schema', () => {
  it('takes every amount form the design names', () => {
    for (const amount of ['100', '0.5', '.5', '1.234567890123456789', 'all', '50%', '0.5%', '$100', '$0.25']) {
      expect(AmountSchema.safeParse(amount).success, amount).toBe(true);
    }
  });

  it('refuses amounts in other forms', () => {
    for (const amount of ['max', 'half', '1,000', '-1', '150%', '100 USDC', '$', '']) {
      expect(AmountSchema.safeParse(amount).success, amount).toBe(false);
    }
  });

  it('takes a full intent, and refuses an unknown action or a fractional slippage', () => {
    expect(
      IntentSchema.parse({
        action: 'swap',
        amount: '1',
        tokenIn: 'ETH',
        tokenOut: 'USDC',
        minAmountOut: '3000',
        slippageBps: 30,
        protocol: 'uniswap',
        chain: 'base',
      }),
    ).toMatchObject({ action: 'swap', slippageBps: 30 });
    expect(IntentSchema.safeParse({ action: 'teleport' }).success).toBe(false);
    expect(IntentSchema.safeParse({ action: 'swap', slippageBps: 0.5 }).success).toBe(false);
    expect(IntentSchema.safeParse({ action: 'swap', protocol: 'Uniswap' }).success).toBe(false);
  });

  it('names its parser', () => {
    expect(ParseResultSchema.safeParse({ intents: [], parser: 'embedded' }).success).toBe(true);
    expect(ParseResultSchema.safeParse({ intents: [], parser: 'ollama:qwen2.5:7b-instruct' }).success).toBe(true);
    expect(ParseResultSchema.safeParse({ intents: [], parser: 'gpt' }).success).toBe(false);
  });
});
