import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aaveSupply as aaveV3Supply } from './aave-v3/supply.ts';
import { aaveWithdraw as aaveV3Withdraw } from './aave-v3/withdraw.ts';
import { BUILTIN_PACKAGES } from './builtin.ts';
import { erc20Approve } from './erc20/approve.ts';
import { nativeTransfer } from './native/transfer.ts';
import { SkillDefinitionError } from './sdk/errors.ts';
import {
  hasInputField,
  inputFromIntent,
  type ResolvedIntent,
  takesAll,
  unusedIntentFields,
} from './sdk/intent-input.ts';
import { uniswapV3Swap } from './uniswap-v3/swap.ts';

const USDC = '0x0000000000000000000000000000000000000001';
const BOB = '0x00000000000000000000000000000000000000b0';

describe('a resolved intent to a skill input', () => {
  it('fills each input field by its name, and amountIn from the amount a swap sells', () => {
    const intent: ResolvedIntent = { action: 'swap', tokenIn: USDC, tokenOut: 'ETH', amount: '100', slippageBps: 30 };
    expect(inputFromIntent(uniswapV3Swap, intent)).toEqual({
      tokenIn: USDC,
      tokenOut: 'ETH',
      amountIn: '100',
      slippageBps: 30,
    });
    expect(unusedIntentFields(uniswapV3Swap, intent)).toEqual([]);
  });

  it('names the part of a request the skill has no field for instead of dropping it', () => {
    const swapToBob: ResolvedIntent = { action: 'swap', tokenIn: USDC, tokenOut: 'ETH', amount: '1', recipient: BOB };
    expect(unusedIntentFields(uniswapV3Swap, swapToBob)).toEqual(['recipient']);
    const ethToBob: ResolvedIntent = { action: 'transfer', amount: '1', amountInBaseUnits: '10', recipient: BOB };
    expect(unusedIntentFields(nativeTransfer, ethToBob)).toEqual([]);
    expect(inputFromIntent(nativeTransfer, ethToBob)).toEqual({ amount: '1', recipient: BOB });
  });

  it('reads from the schema whether the skill resolves "all" itself', () => {
    expect(takesAll(aaveV3Withdraw)).toBe(true);
    expect(takesAll(aaveV3Supply)).toBe(false);
    expect(takesAll(uniswapV3Swap)).toBe(false);
    expect(hasInputField(nativeTransfer, 'token')).toBe(false);
    expect(hasInputField(aaveV3Supply, 'token')).toBe(true);
  });

  it("uses the skill's own fromIntent when it declares one", () => {
    const skill = {
      id: 'demo/pay',
      input: z.object({ to: z.string(), units: z.string() }),
      fromIntent: (intent: ResolvedIntent) => ({ to: intent.recipient, units: intent.amountInBaseUnits }),
    };
    const intent: ResolvedIntent = { action: 'transfer', amount: '1.5', amountInBaseUnits: '1500000', recipient: BOB };
    expect(inputFromIntent(skill, intent)).toEqual({ to: BOB, units: '1500000' });
    expect(unusedIntentFields(skill, intent)).toEqual([]);
  });

  it('gives the signed erc20/approve 1.0.0 its allowance in base units, not human units', () => {
    const approve = BUILTIN_PACKAGES.flatMap((p) => p.skills).find((s) => s.id === erc20Approve.id);
    const intent: ResolvedIntent = {
      action: 'approve',
      token: USDC,
      spender: BOB,
      amount: '100',
      amountInBaseUnits: '100000000',
    };
    expect(approve && inputFromIntent(approve, intent)).toEqual({ token: USDC, spender: BOB, amount: '100000000' });
    // Filled by name instead, "100" would be read as 100 base units: 0.0001 USDC.
    expect(inputFromIntent(erc20Approve, intent)).toEqual({ token: USDC, spender: BOB, amount: '100' });
    // Its mapping takes the token, the spender and the amount; a payee it would drop is named.
    expect(approve && unusedIntentFields(approve, intent)).toEqual([]);
    expect(approve && unusedIntentFields(approve, { ...intent, recipient: BOB })).toEqual(['recipient']);
  });

  it('names what a fromIntent leaves out of the input, as it does for fields by name', () => {
    const input = z.object({ sell: z.string(), qty: z.string(), floor: z.string().optional() });
    const intent: ResolvedIntent = { action: 'swap', tokenIn: USDC, amount: '1', minAmountOut: '2', slippageBps: 50 };
    const ignores = { input, fromIntent: (i: ResolvedIntent) => ({ sell: i.tokenIn, qty: i.amount }) };
    expect(unusedIntentFields(ignores, intent)).toEqual(['minAmountOut', 'slippageBps']);
    // Spread into the input, what the schema does not declare is stripped when it is parsed: unused.
    const spreads = { input, fromIntent: (i: ResolvedIntent) => ({ ...i, sell: i.tokenIn, qty: i.amount }) };
    expect(unusedIntentFields(spreads, intent)).toEqual(['minAmountOut', 'slippageBps']);
    // The amount counts once, in whichever unit the mapping reads it.
    const inUnits = { input, fromIntent: (i: ResolvedIntent) => ({ sell: i.tokenIn, qty: i.amountInBaseUnits }) };
    expect(
      unusedIntentFields(inUnits, { action: 'swap', tokenIn: USDC, amount: '1', amountInBaseUnits: '10' }),
    ).toEqual([]);
  });

  it('asks a skill whose input is not an object to say how an intent maps to it', () => {
    const skill = { id: 'demo/odd', input: z.string() };
    expect(() => inputFromIntent(skill, { action: 'swap' })).toThrow(SkillDefinitionError);
  });
});
