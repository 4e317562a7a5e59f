import type { PublicClient } from 'viem';
import { describe, expect, it } from 'vitest';
import type { Chain } from '../../common/chains/types.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { ClarifyError } from './errors.ts';
import { resolveRecipient, resolveToken } from './resolve.ts';

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

describe('resolveRecipient refuses what it must not pay', () => {
  const none = () => undefined;
  it.each([
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', /checksum of 0x5aAe.* does not match/],
    ['7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV', /is a Solana address\. Sextant works on EVM chains only/],
    ['EQD2NmD_lH5f5u1Kj3KfGyTvhZSX0Eg6qp2a5IQUKXxOG21n', /is a TON address/],
    ['0x1d8727df513fa2a8785d0834e40b34223daff1affc079574082baadb74b66ee4', /Aptos, Sui or Starknet address/],
    ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', /is a Bitcoin address/],
  ])('%s', async (recipient, message) => {
    const error = await resolveRecipient(chain, client, none, recipient, 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClarifyError);
    expect((error as ClarifyError).message).toMatch(message);
  });

  it('pays a checksummed address and the same address in lower case', async () => {
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    expect(await resolveRecipient(chain, client, none, good, 0)).toBe(good);
    expect(await resolveRecipient(chain, client, none, good.toLowerCase(), 0)).toBe(good);
  });
});

describe('resolveRecipient and social handles', () => {
  it('pays a handle only through a contact of that name, and asks otherwise', async () => {
    const bob = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
    const contacts = (label: string) => (label === 'bob' ? bob : undefined);
    expect(await resolveRecipient(chain, client, contacts, '@bob', 0)).toBe(bob);
    const error = await resolveRecipient(chain, client, contacts, '@carol', 0).catch((caught: unknown) => caught);
    expect((error as ClarifyError).message).toMatch(/@carol looks like a social handle/);
  });
});
