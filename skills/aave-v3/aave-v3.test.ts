import {
  type Address,
  createPublicClient,
  custom,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  type PublicClient,
  parseUnits,
  toHex,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls, quoteSkill } from '../build.ts';
import { createSkillContext } from '../sdk/context.ts';
import type { Skill, SkillBuild, SkillCall } from '../sdk/define-skill.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { poolAbi } from './abi.ts';
import { aaveBorrow } from './borrow.ts';
import { aaveRepay } from './repay.ts';
import { aaveSupply } from './supply.ts';
import { aaveWithdraw } from './withdraw.ts';

const manifest = testDevnet();
const pool = manifest.contracts.aaveV3.pool;
const reserve = (symbol: string) =>
  manifest.aaveV3Reserves[symbol] as { underlying: Address; aToken: Address; variableDebtToken: Address };
const usdc = reserve('USDC');
const dai = reserve('DAI');

const env = testEnvironment(manifest);
const balanceOf = (token: Address, holder: Address) =>
  env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const allowance = (token: Address, holder: Address) =>
  env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [holder, pool] });
const poolHealthFactor = async (holder: Address) =>
  (
    await env.publicClient.readContract({
      address: pool,
      abi: poolAbi,
      functionName: 'getUserAccountData',
      args: [holder],
    })
  )[5];

describe('aave-v3 skills on the devnet', () => {
  it('supplies USDC, then borrows DAI, repays part and all, and withdraws part and all', async () => {
    const user = await fundedTestUser(env, manifest);
    const run = async (build: SkillBuild) => {
      const result = await executeBuilds(env, user, [build]);
      expect(result.record.status, result.record.error ?? '').toBe('succeeded');
      expectWithinBounds(result.deltas, build.bounds);
      return result.deltas;
    };

    const supplied = parseUnits('5000', 6);
    const supply = await buildSkillCalls(aaveSupply, { token: 'USDC', amount: '5000' }, user.ctx);
    expect(supply.approvals).toEqual([{ token: usdc.underlying, spender: pool, amount: supplied }]);
    expect((await run(supply)).get(usdc.underlying)).toBe(-supplied);
    expect(await balanceOf(usdc.aToken, user.account)).toBeGreaterThanOrEqual(supplied - 1n);
    expect(await allowance(usdc.underlying, user.account)).toBe(0n);

    const borrowed = parseUnits('1000', 18);
    const borrow = await buildSkillCalls(aaveBorrow, { token: 'DAI', amount: '1000' }, user.ctx);
    expect(borrow.approvals).toEqual([]);
    expect((await run(borrow)).get(dai.underlying)).toBe(borrowed);
    expect(await balanceOf(dai.variableDebtToken, user.account)).toBeGreaterThanOrEqual(borrowed);

    const part = parseUnits('400', 18);
    const repayPart = await buildSkillCalls(aaveRepay, { token: 'DAI', amount: '400' }, user.ctx);
    expect(repayPart.approvals).toEqual([{ token: dai.underlying, spender: pool, amount: part }]);
    expect((await run(repayPart)).get(dai.underlying)).toBe(-part);
    const debt = await balanceOf(dai.variableDebtToken, user.account);
    // Aave's ray math rounds the scaled debt down: repaid in the same second as the borrow (no interest
    // yet), the debt token can read 1 wei under the exact 600.
    expect(debt).toBeGreaterThanOrEqual(borrowed - part - 1n);
    expect(debt).toBeLessThan(borrowed - part + parseUnits('0.01', 18));

    const repayAll = await buildSkillCalls(aaveRepay, { token: 'DAI', amount: 'all' }, user.ctx);
    const offered = repayAll.approvals[0]?.amount ?? 0n;
    const margin = offered - debt;
    expect(margin).toBeGreaterThan(0n);
    expect(margin).toBeLessThanOrEqual(debt / 1000n + parseUnits('0.001', 18));
    expect(repayAll.bounds.gives).toEqual([{ token: dai.underlying, amount: offered }]);
    const repaid = -((await run(repayAll)).get(dai.underlying) ?? 0n);
    expect(repaid).toBeGreaterThanOrEqual(debt);
    expect(await balanceOf(dai.variableDebtToken, user.account)).toBe(0n);
    expect(await allowance(dai.underlying, user.account)).toBe(offered - repaid);
    expect(offered - repaid).toBeLessThanOrEqual(margin);

    const withdrawn = parseUnits('1500', 6);
    const withdrawPart = await buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: '1500' }, user.ctx);
    expect(withdrawPart.approvals).toEqual([]);
    expect((await run(withdrawPart)).get(usdc.underlying)).toBe(withdrawn);

    const remaining = await balanceOf(usdc.aToken, user.account);
    const withdrawAll = await buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: 'all' }, user.ctx);
    expect(withdrawAll.bounds.receives).toEqual([{ token: usdc.underlying, amount: remaining }]);
    expect((await run(withdrawAll)).get(usdc.underlying)).toBeGreaterThanOrEqual(remaining);
    expect(await balanceOf(usdc.aToken, user.account)).toBe(0n);
  });

  it('supplies and borrows in one operation, the borrow built on the state after the supply', async () => {
    const user = await fundedTestUser(env, manifest);
    const supply = await buildSkillCalls(aaveSupply, { token: 'USDC', amount: '2000' }, user.ctx);
    // Built on the chain as it is, the borrow has nothing to borrow against.
    await expect(buildSkillCalls(aaveBorrow, { token: 'WETH', amount: '0.2' }, user.ctx)).rejects.toThrow(
      /no collateral on Aave V3/,
    );
    // A planner builds a bundle's later steps on the simulated state after the earlier ones.
    const approve = supply.approvals.map((approval) => ({
      to: approval.token,
      value: 0n,
      data: encodeApprove(approval.spender, approval.amount),
    }));
    const afterSupply = createSkillContext({
      chain: user.ctx.chain,
      account: user.account,
      client: clientAfterCalls(env.publicClient, user.account, [...approve, ...supply.calls]),
    });
    const borrow = await buildSkillCalls(aaveBorrow, { token: 'WETH', amount: '0.2' }, afterSupply);
    const quote = await quoteSkill(aaveBorrow, { token: 'WETH', amount: '0.2' }, afterSupply);
    expect(quote?.values.collateralUsdBefore).toBe('2000');

    const weth = reserve('WETH').underlying;
    const { record, deltas } = await executeBuilds(env, user, [supply, borrow]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(usdc.underlying)).toBe(-parseUnits('2000', 6));
    expect(deltas.get(weth)).toBe(parseUnits('0.2', 18));
    expectWithinBounds(deltas, { gives: [...supply.bounds.gives], receives: [...borrow.bounds.receives] });
    // executeBuilds put the supply's exact approval first; the supply used all of it.
    expect(await allowance(usdc.underlying, user.account)).toBe(0n);
    expect(await balanceOf(reserve('WETH').variableDebtToken, user.account)).toBeGreaterThanOrEqual(
      parseUnits('0.2', 18),
    );
  });

  it('refuses a borrow or a withdrawal that takes the health factor under 1.1, and allows one just above', async () => {
    const user = await fundedTestUser(env, manifest);
    const supply = await buildSkillCalls(aaveSupply, { token: 'USDC', amount: '1000' }, user.ctx);
    expect((await executeBuilds(env, user, [supply])).record.status).toBe('succeeded');

    // $1,000 of USDC at an 80% liquidation threshold carries $727.27 of debt at 1.1.
    const tooMuch = buildSkillCalls(aaveBorrow, { token: 'DAI', amount: '728' }, user.ctx);
    await expect(tooMuch).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/health factor from ∞ to 1\.098\d, under the 1\.1 floor/),
      hint: expect.stringMatching(/Borrow at most about 727\.27\d* DAI/),
    });
    await expect(quoteSkill(aaveBorrow, { token: 'DAI', amount: '728' }, user.ctx)).rejects.toThrow(/1\.1 floor/);

    const quote = await quoteSkill(aaveBorrow, { token: 'DAI', amount: '727' }, user.ctx);
    expect(quote?.values.healthFactorAfter).toMatch(/^1\.100\d$/);
    const borrow = await buildSkillCalls(aaveBorrow, { token: 'DAI', amount: '727' }, user.ctx);
    const { record, deltas } = await executeBuilds(env, user, [borrow]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(dai.underlying)).toBe(parseUnits('727', 18));
    expect(await poolHealthFactor(user.account)).toBeGreaterThanOrEqual(parseUnits('1.1', 18));

    await expect(buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: '10' }, user.ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/Withdrawing 10 USDC would take the health factor .* under the 1\.1 floor/),
      hint: expect.stringMatching(/Withdraw at most about 0\.\d+ USDC, or repay some debt first/),
    });
    await expect(buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: 'all' }, user.ctx)).rejects.toThrow(
      /would take the health factor from 1\.100\d to 0, under the 1\.1 floor/,
    );
  });

  it('refuses what there is nothing to do with, "all" where it has no meaning, and ETH', async () => {
    const user = await fundedTestUser(env, manifest);
    await expect(buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: 'all' }, user.ctx)).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/no USDC supplied to Aave V3 from this account/),
      hint: expect.stringMatching(/Nothing to withdraw/),
    });
    await expect(buildSkillCalls(aaveRepay, { token: 'DAI', amount: 'all' }, user.ctx)).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/no variable-rate DAI debt on Aave V3/),
      hint: expect.stringMatching(/Nothing to repay/),
    });
    await expect(buildSkillCalls(aaveSupply, { token: 'USDC', amount: 'all' }, user.ctx)).rejects.toThrow(
      /"all" is not an amount to supply/,
    );
    await expect(buildSkillCalls(aaveBorrow, { token: 'DAI', amount: 'all' }, user.ctx)).rejects.toThrow(
      /"all" is not an amount to borrow/,
    );
    await expect(buildSkillCalls(aaveSupply, { token: 'ETH', amount: '1' }, user.ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/does not take native ETH/),
      hint: expect.stringMatching(/weth\/wrap/),
    });
    await expect(buildSkillCalls(aaveBorrow, { token: 'USDC', amount: '1' }, user.ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/no collateral/),
      hint: expect.stringMatching(/aave-v3\/supply/),
    });
  });

  it('refuses to withdraw more than is supplied or to repay more than is owed', async () => {
    const user = await fundedTestUser(env, manifest);
    const supply = await buildSkillCalls(aaveSupply, { token: 'USDC', amount: '100' }, user.ctx);
    expect((await executeBuilds(env, user, [supply])).record.status).toBe('succeeded');
    const borrow = await buildSkillCalls(aaveBorrow, { token: 'DAI', amount: '10' }, user.ctx);
    expect((await executeBuilds(env, user, [borrow])).record.status).toBe('succeeded');

    await expect(buildSkillCalls(aaveWithdraw, { token: 'USDC', amount: '101' }, user.ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/Only 100(\.0+\d*)? USDC is supplied/),
      hint: expect.stringMatching(/or "all"/),
    });
    await expect(buildSkillCalls(aaveRepay, { token: 'DAI', amount: '11' }, user.ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/DAI debt is only 10(\.0+\d*)? DAI/),
      hint: expect.stringMatching(/Repay "all"/),
    });
  });
});

describe('health factor quoted against the Pool on the devnet', () => {
  it('matches the Pool after a supply, a borrow, a supply at another threshold, a withdrawal and a repayment', async () => {
    const user = await fundedTestUser(env, manifest);
    const step = async (skill: Skill, input: { token: string; amount: string }, expected: string) => {
      const quote = await quoteSkill(skill, input, user.ctx);
      const build = await buildSkillCalls(skill, input, user.ctx);
      const { record } = await executeBuilds(env, user, [build]);
      expect(record.status, record.error ?? '').toBe('succeeded');
      const quoted = quote?.values.healthFactorAfter as string;
      const actual = await poolHealthFactor(user.account);
      if (expected === '∞') {
        expect(quoted).toBe('∞');
        return;
      }
      expect(Number(quoted)).toBeCloseTo(Number(expected), 2);
      // Within 0.5% of what the Pool computes once the action has run.
      expect(Math.abs(Number(quoted) / (Number(actual) / 1e18) - 1)).toBeLessThan(0.005);
    };

    await step(aaveSupply, { token: 'USDC', amount: '5000' }, '∞');
    // $5,000 × 0.80 / (1 WETH × $3,000) = 1.3333
    await step(aaveBorrow, { token: 'WETH', amount: '1' }, '1.3333');
    // + 0.1 WBTC = $6,000 at 0.75: (4,000 + 4,500) / 3,000 = 2.8333
    await step(aaveSupply, { token: 'WBTC', amount: '0.1' }, '2.8333');
    // − $2,000 of USDC at 0.80: (2,400 + 4,500) / 3,000 = 2.3
    await step(aaveWithdraw, { token: 'USDC', amount: '2000' }, '2.3');
    // − 0.5 WETH of debt: 6,900 / 1,500 = 4.6
    await step(aaveRepay, { token: 'WETH', amount: '0.5' }, '4.6');
    // The rest of the debt: nothing left to liquidate.
    await step(aaveRepay, { token: 'WETH', amount: 'all' }, '∞');
  });

  it('matches the Pool after a borrow that brings the health factor close to the floor', async () => {
    const user = await fundedTestUser(env, manifest);
    const supply = await buildSkillCalls(aaveSupply, { token: 'WETH', amount: '2' }, user.ctx);
    expect((await executeBuilds(env, user, [supply])).record.status).toBe('succeeded');
    // $6,000 × 0.825 / $4,400 = 1.125
    const input = { token: 'USDT', amount: '4400' };
    const quote = await quoteSkill(aaveBorrow, input, user.ctx);
    expect(quote?.values).toMatchObject({ healthFactorBefore: '∞', healthFactorAfter: '1.125', debtUsdAfter: '4400' });
    const { record } = await executeBuilds(env, user, [await buildSkillCalls(aaveBorrow, input, user.ctx)]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    const actual = await poolHealthFactor(user.account);
    expect(Math.abs(1.125 / (Number(actual) / 1e18) - 1)).toBeLessThan(0.005);
  });
});

function encodeApprove(spender: Address, amount: bigint) {
  return encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] });
}

type SimulatedCall = { status: Hex; returnData: Hex; error?: { message?: string } };
type RawRequest = (args: { method: string; params?: unknown }) => Promise<unknown>;

/**
 * A read client that sees the chain as it will be once `from` has made `calls`: every eth_call is
 * answered by eth_simulateV1 with those calls first and the read last, in one simulated block. This
 * is how a bundle's later step is built on its earlier ones (a borrow against the supply in the same
 * operation) without sending anything; anvil implements eth_simulateV1.
 */
function clientAfterCalls(client: PublicClient, from: Address, calls: readonly SkillCall[]): PublicClient {
  const request = client.request as unknown as RawRequest;
  const pending = calls.map((call) => ({ from, to: call.to, value: toHex(call.value), data: call.data }));
  return createPublicClient({
    chain: client.chain,
    transport: custom({
      async request({ method, params }) {
        if (method !== 'eth_call') return request({ method, params });
        const [read, block] = params as [Record<string, unknown>, unknown];
        const [simulated] = (await request({
          method: 'eth_simulateV1',
          params: [{ blockStateCalls: [{ calls: [...pending, { from, ...read }] }] }, block ?? 'latest'],
        })) as [{ calls: SimulatedCall[] }];
        const results = simulated?.calls ?? [];
        results.slice(0, pending.length).forEach((result, index) => {
          if (result.status !== '0x1') {
            throw new Error(`pending call ${index + 1} reverts in the simulation: ${result.error?.message ?? ''}`);
          }
        });
        const last = results.at(-1);
        if (last?.status !== '0x1') throw new Error(`the read reverts: ${last?.error?.message ?? ''}`);
        return last.returnData;
      },
    }),
  }) as PublicClient;
}
