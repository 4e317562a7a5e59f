import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { exposedHoldings } from './exposed-holdings.ts';

const account = '0x00000000000000000000000000000000000000aa' as Address;
const desk = '0x00000000000000000000000000000000000000d1' as Address;
const pool = '0x00000000000000000000000000000000000000d2' as Address;
const usdc = '0x0000000000000000000000000000000000000001' as Address;
const dai = '0x0000000000000000000000000000000000000002' as Address;
const weth = '0x0000000000000000000000000000000000000003' as Address;

/** A chain whose allowance(owner, spender) answers are `allowances[token][spender]` (0 when unset), or fail when an Error. */
function chainWith(allowances: Record<Address, Record<Address, bigint | Error>>) {
  const asked: string[] = [];
  const client = {
    async readContract({ address, args }: { address: Address; args: readonly [Address, Address] }) {
      const [owner, spender] = args;
      expect(owner).toBe(account);
      asked.push(`${address}:${spender}`);
      const answer = allowances[address]?.[spender] ?? 0n;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { client: client as unknown as Parameters<typeof exposedHoldings>[0], asked };
}

const holdings = [{ token: usdc }, { token: dai }, { token: weth }];

describe('exposedHoldings', () => {
  it('names the held tokens a called contract may already spend, and only those', async () => {
    const { client, asked } = chainWith({ [dai]: { [desk]: 0n, [pool]: 5n } });
    expect(await exposedHoldings(client, account, holdings, [{ to: desk }, { to: pool }, { to: desk }])).toEqual([dai]);
    // Each holding against each called contract once, though the desk is called twice.
    expect(asked).toHaveLength(6);
  });

  it('counts an allowance it could not read as standing, so the guard watches that token too', async () => {
    const { client } = chainWith({
      [usdc]: { [desk]: new Error('429 Too Many Requests') },
      [weth]: { [pool]: new Error('execution reverted') },
    });
    expect(await exposedHoldings(client, account, holdings, [{ to: desk }, { to: pool }])).toEqual([usdc, weth]);
  });

  it('names nothing when no called contract may spend anything held', async () => {
    const { client } = chainWith({});
    expect(await exposedHoldings(client, account, holdings, [{ to: desk }])).toEqual([]);
    expect(await exposedHoldings(client, account, [], [{ to: desk }])).toEqual([]);
  });
});
