import type { PublicClient } from 'viem';
import { describe, expect, it } from 'vitest';
import type { Chain } from '../../common/chains/types.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { ClarifyError } from './errors.ts';
import { resolveToken } from './resolve.ts';

const A = '0x00000000000000000000000000000000000000A1';
const B = '0x00000000000000000000000000000000000000b2';
const chain: Chain = {
  slug: 'test',
  name: 'Test chain',
  chainId: 1,
  testnet: true,
  hasEns: false,
  nativeSymbol: 'ETH',
  contracts: {},
  tokens: [
    { symbol: 'USDC', name: 'USD Coin', address: A, decimals: 6 },
    { symbol: 'USDC', name: 'Bridged USDC', address: B, decimals: 6 },
  ],
};
// Never reached: a symbol two listed tokens claim is answered before any read of the chain.
const client = {} as PublicClient;

describe('resolving a token from the user’s words', () => {
  it('asks which one when two listed tokens claim the symbol, naming both addresses', async () => {
    const ctx = createSkillContext({ chain, client, account: A });
    const error = await resolveToken(ctx, 'usdc', 'token', 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClarifyError);
    expect((error as ClarifyError).field).toBe('token');
    expect((error as Error).message).toContain(A);
    expect((error as Error).message).toContain(B);
  });
});
