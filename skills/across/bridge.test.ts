import { type Address, erc20Abi, type PublicClient, parseEther, parseUnits } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownNetworks } from '../../common/chains/known-networks.ts';
import type { Chain } from '../../common/chains/types.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import { startTwoChainDevnet } from '../../devnet/two-chains-on-free-ports.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls, quoteSkill } from '../build.ts';
import { createSkillContext } from '../sdk/context.ts';
import { NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { executeBuilds, fundedTestUser, type TestUser } from '../testing/devnet.ts';
import { acrossBridge } from './bridge.ts';
import { bridgeRoute } from './route.ts';

/**
 * across/bridge on the devnet's two chains, against Across' own SpokePool and the devnet's relayer:
 * what leaves the account on one chain and what arrives for it on the other, read from both chains.
 */
const FEE_BPS = 10;
let devnet: Devnet;
let sides: { manifest: DevnetManifest; env: ReturnType<typeof testEnvironment>; chain: Chain }[];

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 100, minFeeBps: FEE_BPS } });
  sides = [devnet.manifest, devnet.l2 as { manifest: DevnetManifest }].map((side) => {
    const manifest = 'manifest' in side ? side.manifest : side;
    return { manifest, env: testEnvironment(manifest), chain: manifestToChain(manifest) };
  });
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

/** A funded user on side `from`, whose context knows the other side. */
async function userOn(from: 0 | 1): Promise<TestUser> {
  const side = sides[from];
  const other = sides[1 - from];
  if (!side || !other) throw new Error('no devnet');
  const user = await fundedTestUser(side.env, side.manifest);
  user.ctx = createSkillContext({
    chain: side.chain,
    client: side.env.publicClient,
    account: user.account,
    otherChains: [other.chain],
    clientOn: (chain) => (chain.chainId === other.chain.chainId ? other.env.publicClient : undefined),
  });
  return user;
}

async function holding(client: PublicClient, token: Address, account: Address): Promise<bigint> {
  if (token === NATIVE_TOKEN) return client.getBalance({ address: account });
  return client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
}

/** Waits until `account` holds exactly `expected` of `token` there (the relayer's fill), or fails after 20 s. */
async function arrives(client: PublicClient, token: Address, account: Address, expected: bigint): Promise<void> {
  const deadline = Date.now() + 20_000;
  let held = await holding(client, token, account);
  while (held !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    held = await holding(client, token, account);
  }
  expect(held).toBe(expected);
}

const tokenOn = (side: 0 | 1, symbol: string) =>
  sides[side]?.manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

describe('across/bridge on the devnet', () => {
  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    it(`bridges USDC from ${from === 0 ? 'devnet to devnet-l2' : 'devnet-l2 to devnet'}: exactly the amount leaves, the amount less the fee arrives for the same account`, async () => {
      const user = await userOn(from);
      const origin = sides[from] as (typeof sides)[0];
      const destination = sides[to] as (typeof sides)[0];
      const usdcHere = tokenOn(from, 'USDC');
      const usdcThere = tokenOn(to, 'USDC');
      const build = await buildSkillCalls(
        acrossBridge,
        { token: 'USDC', amount: '100', toChain: destination.chain.slug },
        user.ctx,
      );
      const fee = parseUnits('0.1', 6);
      expect(build.bounds.gives).toEqual([{ token: usdcHere, amount: parseUnits('100', 6) }]);
      expect(build.bounds.arrives?.[0]).toMatchObject({
        chainId: destination.chain.chainId,
        token: usdcThere,
        amount: parseUnits('100', 6) - fee,
      });
      expect(build.approvals).toEqual([
        { token: usdcHere, spender: origin.chain.contracts.acrossSpokePool, amount: parseUnits('100', 6) },
      ]);
      const before = await holding(destination.env.publicClient, usdcThere, user.account);
      const { record, deltas } = await executeBuilds(origin.env, user, [build]);
      expect(record.status).toBe('succeeded');
      expect(deltas.get(usdcHere)).toBe(-parseUnits('100', 6));
      const allowance = await origin.env.publicClient.readContract({
        address: usdcHere,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [user.account, origin.chain.contracts.acrossSpokePool as Address],
      });
      expect(allowance).toBe(0n);
      await arrives(destination.env.publicClient, usdcThere, user.account, before + parseUnits('100', 6) - fee);
    });

    it(`bridges ETH from ${from === 0 ? 'devnet to devnet-l2' : 'devnet-l2 to devnet'}: it leaves as the deposit's value and arrives as ETH`, async () => {
      const user = await userOn(from);
      const origin = sides[from] as (typeof sides)[0];
      const destination = sides[to] as (typeof sides)[0];
      const build = await buildSkillCalls(
        acrossBridge,
        { token: 'ETH', amount: '1', toChain: destination.chain.slug },
        user.ctx,
      );
      expect(build.approvals).toEqual([]);
      expect(build.calls[0]?.value).toBe(parseEther('1'));
      const before = await holding(destination.env.publicClient, NATIVE_TOKEN, user.account);
      const { record, deltas } = await executeBuilds(origin.env, user, [build]);
      expect(record.status).toBe('succeeded');
      // Net of the gas fee: exactly the deposit left.
      expect(deltas.get(NATIVE_TOKEN)).toBe(-parseEther('1'));
      // The account has no code there, so the SpokePool unwraps the relayer's WETH and pays ETH.
      await arrives(
        destination.env.publicClient,
        NATIVE_TOKEN,
        user.account,
        before + parseEther('1') - parseEther('0.001'),
      );
    });
  }

  it('quotes the fee, what arrives and the fill deadline without building', async () => {
    const user = await userOn(0);
    const reading = await quoteSkill(acrossBridge, { token: 'USDC', amount: '250', toChain: 'devnet-l2' }, user.ctx);
    expect(reading?.values).toMatchObject({
      destination: 'devnet-l2',
      inputAmount: '250 USDC',
      outputAmount: '249.75 USDC',
      fee: '0.25 USDC',
      feeBps: String(FEE_BPS),
    });
    const now = Number((await user.ctx.client.getBlock()).timestamp);
    expect(Date.parse(reading?.values.fillDeadline as string) / 1000).toBe(now + 3600);
  });

  it('refuses what it cannot be sure of: its own chain, a chain it does not know, an unlisted token, a network with no fee quote', async () => {
    const user = await userOn(0);
    const refused = async (input: { token: string; amount: string; toChain: string }, ctx = user.ctx) => {
      const error = await bridgeRoute(input, ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SkillError);
      return (error as Error).message;
    };
    expect(await refused({ token: 'USDC', amount: '1', toChain: 'devnet' })).toMatch(/already on/);
    expect(await refused({ token: 'USDC', amount: '1', toChain: 'base' })).toMatch(/knows no chain "base"/);
    expect(await refused({ token: tokenOn(1, 'USDC'), amount: '1', toChain: 'devnet-l2' })).toMatch(
      /does not answer as an ERC-20|not on .* token list/,
    );
    // A real network's configuration: its SpokePool is known, its fee is not.
    const base = knownNetworks.find((n) => n.slug === 'base') as Chain;
    expect(base.contracts.acrossSpokePool).toBeDefined();
    const onBase = createSkillContext({
      chain: base,
      client: user.ctx.client,
      account: user.account,
      otherChains: [sides[1]?.chain as Chain],
    });
    expect(await refused({ token: 'USDC', amount: '1', toChain: 'devnet-l2' }, onBase)).toMatch(/no Across fee quote/);
  });
});
