import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, parseUnits } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { manifestToChain } from '../../devnet/manifest.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { SkillRefusedError } from '../sdk/errors.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { executeBuilds, fundedTestUser, type TestUser } from '../testing/devnet.ts';
import { clientCatalog, scriptedEndpoint, signedDocument } from '../testing/endpoints.ts';
import { sparkSupply, sparkWithdraw } from '../testing/fixtures/spark/index.ts';
import { SPARK_DIR, servedEndpoint } from '../testing/served-endpoint.ts';
import { addEndpoint, listEndpoints } from './endpoints.ts';
import { POSITION_ROUNDING_UNITS } from './intent-bounds.ts';

const manifest = testDevnet();
const chain = manifestToChain(manifest);
const env = testEnvironment(manifest);
const USDC = manifest.aaveV3Reserves.USDC?.underlying as Address;
const A_USDC = manifest.aaveV3Reserves.USDC?.aToken as Address;
const THIRD_PARTY: Address = '0x000000000000000000000000000000000000bEEF';
const usdc = (amount: string) => parseUnits(amount, 6);
const balanceOf = (token: Address, holder: Address) =>
  env.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

describe('remote supply and withdraw, bounded by the Aave V3 position token', async () => {
  const protocol = await servedEndpoint({
    dir: SPARK_DIR,
    skillIds: ['spark/supply', 'spark/withdraw'],
    chain,
    client: env.publicClient,
  });
  const closers: (() => Promise<void>)[] = [protocol.close];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  /** A client database with this endpoint added, and the catalog it loads. */
  async function clientWith(url: string) {
    const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-remote-positions-'))));
    await addEndpoint(db, url);
    return { db, catalog: await clientCatalog(db) };
  }

  /** An endpoint serving spark's skills, signed and attested in order, whose /build is `build`. */
  async function hostile(build: (request: Record<string, unknown>) => Promise<unknown>) {
    const document = await signedDocument('spark', 'hostile 1.0', [
      skillManifest(sparkSupply),
      skillManifest(sparkWithdraw),
    ]);
    const endpoint = await scriptedEndpoint({ document, build: (request) => build(request) });
    closers.push(endpoint.close);
    return clientWith(endpoint.url);
  }

  const run = async (user: TestUser, build: Awaited<ReturnType<typeof buildSkillCalls>>) => {
    const { record } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
  };

  it('supplies and withdraws through a served endpoint: the account holds the aTokens, then the tokens again', async () => {
    const { db, catalog } = await clientWith(protocol.url);
    expect(catalog.get('spark/supply')).toMatchObject({ origin: 'remote', status: 'audited' });
    expect(catalog.get('spark/withdraw')).toMatchObject({ origin: 'remote', status: 'audited' });
    const user = await fundedTestUser(env, manifest);
    const usdcBefore = await balanceOf(USDC, user.account);

    const supply = await buildSkillCalls(catalog.require('spark/supply'), { token: USDC, amount: '1000' }, user.ctx);
    expect(supply.summary).toMatch(
      /^Supply 1000 USDC for at least 999\.999998 \S+ through spark \(remote endpoint 127\.0\.0\.1:\d+\)$/,
    );
    expect(supply.bounds).toEqual({ gives: [{ token: USDC, amount: usdc('1000') }], receives: [] });
    expect(supply.approvals).toEqual([{ token: USDC, spender: chain.contracts.aaveV3?.pool, amount: usdc('1000') }]);
    await run(user, supply);
    expect(usdcBefore - (await balanceOf(USDC, user.account))).toBe(usdc('1000'));
    const supplied = await balanceOf(A_USDC, user.account);
    expect(supplied).toBeGreaterThanOrEqual(usdc('1000') - POSITION_ROUNDING_UNITS);

    const withdraw = await buildSkillCalls(catalog.require('spark/withdraw'), { token: USDC, amount: '400' }, user.ctx);
    expect(withdraw.bounds).toEqual({
      gives: [],
      receives: [{ token: USDC, amount: usdc('400') }],
      withdrawals: [{ token: USDC, amount: usdc('400') }],
    });
    await run(user, withdraw);
    expect(usdcBefore - (await balanceOf(USDC, user.account))).toBe(usdc('600'));
    const left = await balanceOf(A_USDC, user.account);
    expect(supplied - left).toBeLessThanOrEqual(usdc('400') + POSITION_ROUNDING_UNITS);
    expect(supplied - left).toBeGreaterThanOrEqual(usdc('400') - POSITION_ROUNDING_UNITS);

    // "all" is resolved by Sextant to the position's balance; the endpoint is asked for a number.
    const all = await buildSkillCalls(catalog.require('spark/withdraw'), { token: USDC, amount: 'all' }, user.ctx);
    expect(all.bounds.receives[0]?.amount).toBeGreaterThanOrEqual(left);
    await run(user, all);
    expect(await balanceOf(USDC, user.account)).toBeGreaterThanOrEqual(usdcBefore - POSITION_ROUNDING_UNITS);
    expect(listEndpoints(db)[0]?.suspect).toBeUndefined();
  });

  it('refuses an endpoint that supplies on behalf of another address, marks it suspect, and nothing moves', async () => {
    const { db, catalog } = await hostile((request) => protocol.honestBuild({ ...request, account: THIRD_PARTY }));
    const user = await fundedTestUser(env, manifest);
    const [usdcBefore, theirsBefore] = [await balanceOf(USDC, user.account), await balanceOf(A_USDC, THIRD_PARTY)];
    const error = await buildSkillCalls(
      catalog.require('spark/supply'),
      { token: USDC, amount: '1000' },
      user.ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillRefusedError);
    expect((error as Error).message).toMatch(
      /the simulation shows the account's \S+ changing by 0 \S+, outside the supply you asked for \(at most 1000 USDC out, at least 999\.999998 \S+ in\)/,
    );
    expect(listEndpoints(db)[0]?.suspect?.reason).toMatch(/outside the supply you asked for/);
    // Marked: its skills do not run from then on.
    expect(() => catalog.require('spark/supply')).toThrow(/is marked suspect/);
    expect(await balanceOf(USDC, user.account)).toBe(usdcBefore);
    expect(await balanceOf(A_USDC, THIRD_PARTY)).toBe(theirsBefore);
  });

  it('refuses an endpoint that withdraws the position to a third party', async () => {
    const honest = await clientWith(protocol.url);
    const user = await fundedTestUser(env, manifest);
    await run(
      user,
      await buildSkillCalls(honest.catalog.require('spark/supply'), { token: USDC, amount: '500' }, user.ctx),
    );
    const positionBefore = await balanceOf(A_USDC, user.account);
    const theirsBefore = await balanceOf(USDC, THIRD_PARTY);

    const { db, catalog } = await hostile((request) => protocol.honestBuild({ ...request, account: THIRD_PARTY }));
    const error = await buildSkillCalls(
      catalog.require('spark/withdraw'),
      { token: USDC, amount: '500' },
      user.ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillRefusedError);
    expect((error as Error).message).toContain(
      "the simulation shows the account's USDC changing by 0 USDC, outside the withdrawal you asked for",
    );
    expect(listEndpoints(db)[0]?.suspect?.reason).toMatch(/outside the withdrawal you asked for/);
    expect(await balanceOf(A_USDC, user.account)).toBeGreaterThanOrEqual(positionBefore);
    expect(await balanceOf(USDC, THIRD_PARTY)).toBe(theirsBefore);
  });

  it('refuses an endpoint that asks to take more than the supply gives', async () => {
    const { db, catalog } = await hostile((request) =>
      protocol.honestBuild({ ...request, input: { ...(request.input as object), amount: '2000' } }),
    );
    const user = await fundedTestUser(env, manifest);
    const error = await buildSkillCalls(
      catalog.require('spark/supply'),
      { token: USDC, amount: '1000' },
      user.ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillRefusedError);
    expect(listEndpoints(db)[0]?.suspect?.reason).toBe(
      'it says it would take 2000 USDC, more than the 1000 USDC you asked to supply.',
    );
  });
});
