import {
  type Address,
  decodeFunctionData,
  erc20Abi,
  type PublicClient,
  padHex,
  parseEther,
  parseUnits,
  toFunctionSelector,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chain } from '../../common/chains/types.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import { startTwoChainDevnet } from '../../devnet/two-chains-on-free-ports.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { erc20Approve } from '../erc20/approve.ts';
import { createSkillContext } from '../sdk/context.ts';
import { NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { assertCallsDeclared, contractByName, permissionsOn } from '../sdk/permissions.ts';
import { declarationKeysFor, servesChain } from '../sdk/serves-chain.ts';
import { executeBuilds, fundedTestUser, type TestUser } from '../testing/devnet.ts';
import { acrossBridge } from './bridge.ts';
import { bridgeRoute } from './route.ts';
import { spokePoolDepositAbi } from './spoke-pool-abi.ts';

/**
 * across/bridge under attack: what a deposit names (recipient, chain, tokens, amounts, value) read
 * back from its calldata, fees at the rounding edge filled or not by the devnet's relayer, and whether
 * what `bounds.arrives` declares is what the account holds on the other chain afterwards, read from
 * that chain. The SpokePool decides ETH or WETH on the destination by whether the recipient has code
 * there: the skill reads the account there and declares what will arrive (found by this review, fixed).
 */
const FEE_BPS = 10;
let devnet: Devnet;
let sides: { manifest: DevnetManifest; env: ReturnType<typeof testEnvironment>; chain: Chain }[];

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 100, minFeeBps: FEE_BPS } });
  const l2 = devnet.l2?.manifest;
  if (!l2) throw new Error('the two-chain devnet has no second chain');
  sides = [devnet.manifest, l2].map((manifest) => ({
    manifest,
    env: testEnvironment(manifest),
    chain: manifestToChain(manifest),
  }));
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

const side = (index: 0 | 1) => {
  const found = sides[index];
  if (!found) throw new Error('no devnet');
  return found;
};

/** A funded user on side `from`, whose context knows the other side. */
async function userOn(from: 0 | 1): Promise<TestUser> {
  const here = side(from);
  const user = await fundedTestUser(here.env, here.manifest);
  user.ctx = createSkillContext({
    chain: here.chain,
    client: here.env.publicClient,
    account: user.account,
    otherChains: [side(from === 0 ? 1 : 0).chain],
    clientOn: (chain) => sides.find((s) => s.chain.chainId === chain.chainId)?.env.publicClient,
  });
  return user;
}

async function holding(client: PublicClient, token: Address, account: Address): Promise<bigint> {
  if (token === NATIVE_TOKEN) return client.getBalance({ address: account });
  return client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
}

const tokenOn = (index: 0 | 1, symbol: string) =>
  side(index).manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

/** Waits until the relayer has dealt with one more deposit than `before` (filled or skipped), or 20 s. */
async function relayerDealtWith(before: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((devnet.relayer?.outcomes.length ?? 0) <= before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(devnet.relayer?.outcomes.length ?? 0).toBeGreaterThan(before);
}

describe('across/bridge: what the deposit names', () => {
  it('names the account as depositor and recipient, the other chain, the counterpart token, less out than in, and no value for a token (held)', async () => {
    const user = await userOn(0);
    const build = await buildSkillCalls(acrossBridge, { token: 'usdc', amount: '7.5', toChain: 'DEVNET-L2' }, user.ctx);
    expect(build.calls).toHaveLength(1);
    const call = build.calls[0] as (typeof build.calls)[0];
    expect(call.to).toBe(side(0).chain.contracts.acrossSpokePool);
    expect(call.value).toBe(0n);
    const { args } = decodeFunctionData({ abi: spokePoolDepositAbi, data: call.data });
    const [depositor, recipient, inputToken, outputToken, inputAmount, outputAmount, chainId, exclusive, , , , msg] =
      args;
    const word = (address: Address) => padHex(address, { size: 32 }).toLowerCase();
    expect(depositor.toLowerCase()).toBe(word(user.account));
    expect(recipient.toLowerCase()).toBe(word(user.account));
    expect(inputToken.toLowerCase()).toBe(word(tokenOn(0, 'USDC')));
    expect(outputToken.toLowerCase()).toBe(word(tokenOn(1, 'USDC')));
    expect(chainId).toBe(BigInt(side(1).chain.chainId));
    expect(exclusive).toBe(padHex('0x', { size: 32 }));
    expect(msg).toBe('0x');
    expect(inputAmount).toBe(parseUnits('7.5', 6));
    expect(outputAmount).toBe(parseUnits('7.5', 6) - parseUnits('0.0075', 6));
  });

  it('refuses hostile inputs: a chain that is the origin under another spelling, too many decimals, zero, the destination token by address (held)', async () => {
    const user = await userOn(0);
    const refused = async (input: { token: string; amount: string; toChain: string }) => {
      const error = await bridgeRoute(input, user.ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      return error as Error;
    };
    expect((await refused({ token: 'USDC', amount: '1', toChain: 'DEVNET' })).message).toMatch(/already on/);
    // The origin's own chain id or name is no slug the other chains answer to.
    expect(await refused({ token: 'USDC', amount: '1', toChain: String(side(0).chain.chainId) })).toBeInstanceOf(
      SkillError,
    );
    expect(await refused({ token: 'USDC', amount: '1', toChain: String(side(1).chain.chainId) })).toBeInstanceOf(
      SkillError,
    );
    expect((await refused({ token: 'USDC', amount: '0.0000001', toChain: 'devnet-l2' })).message).toMatch(/decimal/i);
    expect((await refused({ token: 'USDC', amount: '0', toChain: 'devnet-l2' })).message).toMatch(/more than zero/);
    // The smallest amount the fee would swallow entirely.
    expect((await refused({ token: 'USDC', amount: '0.000001', toChain: 'devnet-l2' })).message).toMatch(
      /does not cover/,
    );
    // A chain list whose "other" chain is this chain again (a stale or copied manifest) offers nothing.
    const selfOnly = createSkillContext({
      chain: side(0).chain,
      client: side(0).env.publicClient,
      account: user.account,
      otherChains: [{ ...side(0).chain, slug: 'devnet-l2' }],
    });
    const error = await bridgeRoute({ token: 'USDC', amount: '1', toChain: 'devnet-l2' }, selfOnly).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/knows no chain/);
  });
});

describe('across/bridge: fees at the rounding edge, filled on chain', () => {
  it('an amount whose fee rounds up (1.000001 USDC at 10 bps: 0.001001) is filled, and exactly what bounds.arrives says arrives (held)', async () => {
    const user = await userOn(0);
    const usdcThere = tokenOn(1, 'USDC');
    const build = await buildSkillCalls(
      acrossBridge,
      { token: 'USDC', amount: '1.000001', toChain: 'devnet-l2' },
      user.ctx,
    );
    const declared = build.bounds.arrives?.[0];
    expect(declared?.amount).toBe(1_000_001n - 1_001n);
    const before = await holding(side(1).env.publicClient, usdcThere, user.account);
    const dealt = devnet.relayer?.outcomes.length ?? 0;
    const { record, deltas } = await executeBuilds(side(0).env, user, [build]);
    expect(record.status).toBe('succeeded');
    expect(deltas.get(tokenOn(0, 'USDC'))).toBe(-1_000_001n);
    await relayerDealtWith(dealt);
    expect(devnet.relayer?.outcomes.at(-1)?.outcome).toBe('filled');
    expect(await holding(side(1).env.publicClient, usdcThere, user.account)).toBe(before + 999_000n);
  });

  it('the smallest amount that passes (0.000002 USDC) pays half of it as the fee: stated, and filled as stated (held, but nothing bounds the fee share)', async () => {
    const user = await userOn(0);
    const usdcThere = tokenOn(1, 'USDC');
    const build = await buildSkillCalls(
      acrossBridge,
      { token: 'USDC', amount: '0.000002', toChain: 'devnet-l2' },
      user.ctx,
    );
    expect(build.bounds.gives).toEqual([{ token: tokenOn(0, 'USDC'), amount: 2n }]);
    expect(build.bounds.arrives?.[0]?.amount).toBe(1n);
    expect(build.summary).toMatch(/fee 0\.000001 USDC/);
    const before = await holding(side(1).env.publicClient, usdcThere, user.account);
    const dealt = devnet.relayer?.outcomes.length ?? 0;
    const { record } = await executeBuilds(side(0).env, user, [build]);
    expect(record.status).toBe('succeeded');
    await relayerDealtWith(dealt);
    expect(await holding(side(1).env.publicClient, usdcThere, user.account)).toBe(before + 1n);
  });
});

describe('across/bridge: the fee against the relayer’s own rule, over many amounts', () => {
  it('every amount’s fee meets (in − out) · 10 000 ≥ in · bps, the relayer’s test, and by less than one base unit (held)', async () => {
    const user = await userOn(0);
    const amounts = ['0.000011', '0.000999', '1.000001', '3.333333', '99.999999', '4321.678901', '0.1', '7'];
    for (const [token, decimals] of [
      ['USDC', 6],
      ['DAI', 18],
      ['ETH', 18],
    ] as const) {
      // Within what the devnet's relayer holds there (it holds 5 WETH, 10,000 of each token): a larger
      // deposit is refused before any fee is worked out.
      const holds = token === 'ETH' ? 4 : 5_000;
      for (const amount of [...amounts, '0.000000000000000011', '1.000000000000000001'].filter(
        (a) => (a.split('.')[1] ?? '').length <= decimals && Number(a) < holds,
      )) {
        const route = await bridgeRoute({ token, amount, toChain: 'devnet-l2' }, user.ctx);
        const { inputAmount, outputAmount } = route;
        expect(inputAmount).toBe(parseUnits(amount, decimals));
        expect(outputAmount, `${amount} ${token}`).toBeLessThan(inputAmount);
        expect((inputAmount - outputAmount) * 10_000n >= inputAmount * BigInt(FEE_BPS), `${amount} ${token}`).toBe(
          true,
        );
        // Rounded up by less than one base unit: not a unit more than the rate.
        expect((inputAmount - outputAmount - 1n) * 10_000n < inputAmount * BigInt(FEE_BPS), `${amount} ${token}`).toBe(
          true,
        );
      }
    }
  });
});

describe('across/bridge: is what arrives what bounds.arrives declares?', () => {
  it('WETH bridged to an account with no code on the destination arrives as ETH, and bounds.arrives declares ETH (was broken: it declared WETH)', async () => {
    const user = await userOn(0);
    const wethThere = tokenOn(1, 'WETH');
    expect(wethThere).toBe(side(1).chain.contracts.weth);
    const build = await buildSkillCalls(acrossBridge, { token: 'WETH', amount: '1', toChain: 'devnet-l2' }, user.ctx);
    const declared = build.bounds.arrives?.[0];
    expect(declared?.token).toBe(NATIVE_TOKEN);
    expect(declared?.symbol).toBe('ETH');
    const client = side(1).env.publicClient;
    expect(await client.getCode({ address: user.account })).toBeUndefined();
    const [ethBefore, wethBefore] = await Promise.all([
      holding(client, NATIVE_TOKEN, user.account),
      holding(client, wethThere, user.account),
    ]);
    const dealt = devnet.relayer?.outcomes.length ?? 0;
    const { record, deltas } = await executeBuilds(side(0).env, user, [build]);
    expect(record.status).toBe('succeeded');
    expect(deltas.get(tokenOn(0, 'WETH'))).toBe(-parseEther('1'));
    await relayerDealtWith(dealt);
    expect(devnet.relayer?.outcomes.at(-1)?.outcome).toBe('filled');
    // The SpokePool unwraps a WETH fill for a recipient without code: ETH, as declared.
    expect(await holding(client, wethThere, user.account)).toBe(wethBefore);
    expect(await holding(client, NATIVE_TOKEN, user.account)).toBe(ethBefore + parseEther('0.999'));
  });

  it('ETH bridged to an account already deployed on the destination arrives as WETH, and bounds.arrives declares WETH (was broken: it declared ETH)', async () => {
    const user = await userOn(0);
    const there = side(1);
    // The same owner's account on the destination (same factory, same address), deployed by one
    // UserOperation there, as any earlier use of Sextant on that chain would have deployed it.
    const envThere = {
      ...side(0).env,
      chain: there.chain,
      publicClient: there.env.publicClient,
      bundlerUrl: there.manifest.bundlerUrl,
    };
    const ctxThere = createSkillContext({ chain: there.chain, client: there.env.publicClient, account: user.account });
    expect(envThere.chain.chainId).toBe(there.chain.chainId);
    await fundFromFaucet(there.env.publicClient, there.manifest.rpcUrl, there.manifest.tokens, user.account);
    const approve = await buildSkillCalls(
      erc20Approve,
      { token: 'USDC', spender: there.chain.contracts.acrossSpokePool as Address, amount: '1' },
      ctxThere,
    );
    const deployed = await executeBuilds(envThere, { ...user, ctx: ctxThere }, [approve]);
    expect(deployed.record.status).toBe('succeeded');
    expect(await there.env.publicClient.getCode({ address: user.account })).toMatch(/^0x[0-9a-f]{2,}/);

    const build = await buildSkillCalls(acrossBridge, { token: 'ETH', amount: '1', toChain: 'devnet-l2' }, user.ctx);
    const declared = build.bounds.arrives?.[0];
    const wethThere = tokenOn(1, 'WETH');
    expect(declared?.token).toBe(wethThere);
    expect(declared?.symbol).toBe('WETH');
    const [ethBefore, wethBefore] = await Promise.all([
      holding(there.env.publicClient, NATIVE_TOKEN, user.account),
      holding(there.env.publicClient, wethThere, user.account),
    ]);
    const dealt = devnet.relayer?.outcomes.length ?? 0;
    const { record, deltas } = await executeBuilds(side(0).env, user, [build]);
    expect(record.status).toBe('succeeded');
    expect(deltas.get(NATIVE_TOKEN)).toBe(-parseEther('1'));
    await relayerDealtWith(dealt);
    expect(devnet.relayer?.outcomes.at(-1)?.outcome).toBe('filled');
    // The SpokePool pays a contract recipient WETH: 0.999 WETH, as declared, and no ETH.
    expect(await holding(there.env.publicClient, NATIVE_TOKEN, user.account)).toBe(ethBefore);
    expect(await holding(there.env.publicClient, wethThere, user.account)).toBe(wethBefore + parseEther('0.999'));
  });
});

describe('servesChain and the permissions on devnet-l2 (held)', () => {
  it('widens devnet to devnet-l2 only: not the other way, not to any real network, and devnet-l2 takes the devnet declarations, no other chain’s', () => {
    expect(servesChain(['devnet'], 'devnet-l2')).toBe(true);
    expect(servesChain(['devnet-l2'], 'devnet')).toBe(false);
    for (const slug of [
      'ethereum',
      'base',
      'arbitrum',
      'optimism',
      'base-sepolia',
      'DEVNET-L2',
      'devnet-l3',
      'devnet_l2',
    ]) {
      expect(servesChain(['devnet'], slug), slug).toBe(false);
    }
    expect(declarationKeysFor('devnet-l2')).toEqual(['*', 'devnet-l2', 'devnet']);
    expect(declarationKeysFor('devnet')).toEqual(['*', 'devnet']);
    expect(declarationKeysFor('base')).toEqual(['*', 'base']);
    // across/bridge's own declaration resolves on each chain to that chain's SpokePool, by name.
    for (const index of [0, 1] as const) {
      const { chain } = side(index);
      const [permission] = permissionsOn(acrossBridge.contracts, chain);
      expect(contractByName(chain, permission?.contract as string)).toBe(chain.contracts.acrossSpokePool);
    }
    expect(side(0).chain.contracts.acrossSpokePool).not.toBe(side(1).chain.contracts.acrossSpokePool);
  });

  it('a deposit built for one chain is refused on the other: its SpokePool is not declared there under the devnet key', async () => {
    const user = await userOn(0);
    const build = await buildSkillCalls(acrossBridge, { token: 'USDC', amount: '1', toChain: 'devnet-l2' }, user.ctx);
    expect(() => assertCallsDeclared(acrossBridge.id, acrossBridge.contracts, side(1).chain, build.calls)).toThrow(
      /does not declare on devnet-l2/,
    );
  });

  it('Sextant’s reward token (listed as its own, with only the symbol it gives itself) has no counterpart to bridge to', async () => {
    const user = await userOn(0);
    const reward = side(0).chain.contracts.emissions?.rewardToken;
    if (!reward) throw new Error('the devnet has no emissions reward token');
    const error = await bridgeRoute({ token: reward, amount: '1', toChain: 'devnet-l2' }, user.ctx).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SkillError);
    expect((error as Error).message).toMatch(/token list has no/);
  });
});

describe('across/bridge: what the relayer cannot fill, and a quote that went stale', () => {
  it('6 ETH, more than the relayer holds as WETH there, is refused when built, and nothing leaves (was broken: it was sent, sat an hour and came back as WETH)', async () => {
    const user = await userOn(0);
    const relayerWeth = await holding(side(1).env.publicClient, tokenOn(1, 'WETH'), devnet.relayer?.address as Address);
    expect(relayerWeth).toBeLessThan(parseEther('6'));
    const error = await buildSkillCalls(
      acrossBridge,
      { token: 'ETH', amount: '6', toChain: 'devnet-l2' },
      user.ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillError);
    expect((error as Error).message).toMatch(
      /The relayer holds .* WETH on Sextant devnet L2, less than the 5\.994 WETH/,
    );
    // An ETH deposit that does expire comes back as WETH, and the preview says so.
    const build = await buildSkillCalls(acrossBridge, { token: 'ETH', amount: '1', toChain: 'devnet-l2' }, user.ctx);
    expect(build.summary).toMatch(/or the deposit is refunded here as WETH/);
  });

  it('a deposit built more than the SpokePool’s quote buffer (1 h) before it is sent is refused on chain, and nothing leaves (held)', async () => {
    const user = await userOn(0);
    const here = side(0).env.publicClient;
    const usdcHere = tokenOn(0, 'USDC');
    const build = await buildSkillCalls(acrossBridge, { token: 'USDC', amount: '10', toChain: 'devnet-l2' }, user.ctx);
    const request = here.request as (args: { method: string; params: unknown[] }) => Promise<unknown>;
    await request({ method: 'evm_increaseTime', params: [3_700] });
    await request({ method: 'evm_mine', params: [] });
    const before = await holding(here, usdcHere, user.account);
    const { record } = await executeBuilds(side(0).env, user, [build]);
    expect(record.status).toBe('failed');
    // The SpokePool's InvalidQuoteTimestamp(), found when the bundle is simulated: nothing was sent.
    expect(record.error).toContain(toFunctionSelector('InvalidQuoteTimestamp()'));
    expect(await holding(here, usdcHere, user.account)).toBe(before);
  });
});
