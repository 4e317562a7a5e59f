import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import { exposedHoldings, listedAddresses } from './exposed-holdings.ts';

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
const stranger = '0x00000000000000000000000000000000000000e1' as Address;
const scam = '0x00000000000000000000000000000000000000e2' as Address;
/** The chain lists the desk, the pool and the three tokens; the steps move USDC and ETH. */
const listedBundle = { listed: [desk, pool, usdc, dai, weth], tokens: [usdc, NATIVE_TOKEN], thirdParty: false };

describe('exposedHoldings', () => {
  it('names the held tokens a called contract may already spend, and only those', async () => {
    const { client, asked } = chainWith({ [dai]: { [desk]: 0n, [pool]: 5n } });
    expect(
      (await exposedHoldings(client, account, holdings, [{ to: desk }, { to: pool }, { to: desk }], listedBundle))
        .tokens,
    ).toEqual([dai]);
    // Each holding against each called contract once, though the desk is called twice.
    expect(asked).toHaveLength(6);
  });

  it('counts an allowance it could not read as standing, so the guard watches that token too', async () => {
    const { client } = chainWith({
      [usdc]: { [desk]: new Error('429 Too Many Requests') },
      [weth]: { [pool]: new Error('execution reverted') },
    });
    expect(
      (await exposedHoldings(client, account, holdings, [{ to: desk }, { to: pool }], listedBundle)).tokens,
    ).toEqual([usdc, weth]);
  });

  it('names nothing when no called contract may spend anything held', async () => {
    const { client } = chainWith({});
    expect((await exposedHoldings(client, account, holdings, [{ to: desk }], listedBundle)).tokens).toEqual([]);
    expect((await exposedHoldings(client, account, [], [{ to: desk }], listedBundle)).tokens).toEqual([]);
  });

  it('names every holding when the bundle runs code the chain does not list, without reading an allowance', async () => {
    const { client, asked } = chainWith({});
    // A call to a contract the chain does not list (a third-party skill's, an ETH recipient's): once
    // mined, it could spend an allowance the account gave some other contract.
    expect(
      (await exposedHoldings(client, account, holdings, [{ to: desk }, { to: stranger }], listedBundle)).tokens,
    ).toEqual([usdc, dai, weth]);
    // A step moving a token the chain does not list, through a listed contract: the token's transfer runs its code.
    const swapForScam = { ...listedBundle, tokens: [usdc, scam] };
    expect((await exposedHoldings(client, account, holdings, [{ to: desk }], swapForScam)).tokens).toEqual([
      usdc,
      dai,
      weth,
    ]);
    expect(asked).toEqual([]);
  });

  it('names every holding when a step is of a skill Sextant does not ship, though it calls only listed contracts', async () => {
    // Its calls can hand a listed contract arguments that run other code (a Uniswap path through a hostile token).
    const { client, asked } = chainWith({});
    const thirdParty = { ...listedBundle, thirdParty: true };
    expect((await exposedHoldings(client, account, holdings, [{ to: desk }], thirdParty)).tokens).toEqual([
      usdc,
      dai,
      weth,
    ]);
    expect(asked).toEqual([]);
  });
});

describe('listedAddresses', () => {
  it("is the chain's tokens and every contract of its config, nested ones included", () => {
    const listed = listedAddresses({
      tokens: [{ address: usdc, symbol: 'USDC', decimals: 6 }],
      contracts: {
        weth,
        aaveV3: { pool, poolAddressesProvider: desk },
        delegationFramework: { delegationManager: stranger, enforcers: { allowedTargets: scam } as never },
      },
    } as never);
    expect(listed.map((a) => a.toLowerCase()).sort()).toEqual([usdc, weth, pool, desk, stranger, scam].sort());
  });
});
