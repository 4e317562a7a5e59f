import { type Address, formatUnits, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { testAgentApp } from '../app/testing/agent-app.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { newUser } from '../smart-accounts/testing/environment.ts';
import { computeEpochSettlement } from './epoch.ts';
import { verifyProof } from './merkle.ts';
import { emissionsRoutes } from './routes.ts';
import { DEFAULT_SCHEDULE } from './schedule.ts';
import { saveSettlement, updateDistribution } from './store.ts';
import { testAgentWithRewards } from './testing/agent.ts';
import { ClaimProofSchema, EpochListResponseSchema, EpochReportSchema } from './views.ts';

const manifest = testDevnet();

const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;
const DISTRIBUTOR = '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707';
const REWARD_TOKEN = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';

describe('the emissions routes on the server (the chat page reads them)', async () => {
  const deps = await testAgentWithRewards(manifest);
  const user = await newUser(deps.env);
  const { app, token } = testAgentApp(manifest, deps, [{ ...user, ownerAddress: user.owner.address }]);
  const get = (path: string, signedIn = true) =>
    app.request(path, signedIn ? { headers: { authorization: `Bearer ${token}` } } : {});

  // Epoch 3: three depositors, one author, two referrers, nobody in compute or the protection fund
  // (all of theirs carries over). Epoch 4: nobody at all.
  const { settlement, tree } = computeEpochSettlement(DEFAULT_SCHEDULE, 3, {
    capital: [
      { contributor: address(1), weight: 5n },
      { contributor: address(2), weight: 3n },
      { contributor: address(3), weight: 1n },
    ],
    code: [{ contributor: address(4), weight: 1n }],
    compute: [],
    community: [
      { contributor: address(5), weight: 7n },
      { contributor: address(6), weight: 2n },
    ],
    protection: [],
  });
  saveSettlement(deps.db, settlement, tree);
  updateDistribution(deps.db, 3, {
    status: 'distributed',
    chainId: 31337,
    rewardToken: REWARD_TOKEN,
    distributor: DISTRIBUTOR,
  });
  const empty = computeEpochSettlement(DEFAULT_SCHEDULE, 4, {
    capital: [],
    code: [],
    compute: [],
    community: [],
    protection: [],
  });
  saveSettlement(deps.db, empty.settlement, empty.tree);

  it('lists the settled epochs, newest first, amounts as exact decimal strings', async () => {
    const response = await get('/v1/emissions/epochs');
    expect(response.status).toBe(200);
    const { epochs } = EpochListResponseSchema.parse(await response.json());
    expect(epochs).toEqual([
      { epoch: 4, status: 'nothing-to-pay', total: '0', claims: 0, settledAt: expect.any(String) },
      {
        epoch: 3,
        status: 'distributed',
        total: formatUnits(settlement.total, 18),
        claims: 6,
        settledAt: expect.any(String),
      },
    ]);
  });

  it('reports an epoch per bucket with its top contributors, largest first', async () => {
    const response = await get('/v1/emissions/epochs/3?top=2');
    expect(response.status).toBe(200);
    const report = EpochReportSchema.parse(await response.json());
    expect(report).toMatchObject({
      epoch: 3,
      from: '2026-01-04T00:00:00.000Z',
      to: '2026-01-05T00:00:00.000Z',
      status: 'distributed',
      total: formatUnits(settlement.total, 18),
      claims: 6,
      root: settlement.root,
      distributor: DISTRIBUTOR,
    });
    expect(report.buckets.map((b) => b.bucket)).toEqual(['capital', 'code', 'compute', 'community', 'protection']);
    for (const [i, b] of report.buckets.entries()) {
      const settled = settlement.buckets[i];
      expect(b.paid, b.bucket).toBe(formatUnits(settled?.paid ?? -1n, 18));
      expect(b.carriedOut, b.bucket).toBe(formatUnits(settled?.carriedOut ?? -1n, 18));
      // Exact to the wei: what was paid and what carries over are what there was to pay.
      expect(parseUnits(b.paid, 18) + parseUnits(b.carriedOut, 18), b.bucket).toBe(
        parseUnits(b.emitted, 18) + parseUnits(b.carriedIn, 18),
      );
    }
    const [capital, , compute, community] = report.buckets;
    // Top 2 of 3, largest first.
    expect(capital?.contributors).toBe(3);
    expect(capital?.payouts.map((p) => p.contributor)).toEqual([address(1), address(2)]);
    expect(compute).toMatchObject({ paid: '0', carriedOut: compute?.emitted, contributors: 0, payouts: [] });
    // Every wei of each payout, as the settlement computed it.
    expect(community?.payouts).toEqual(
      [...(settlement.buckets[3]?.payouts ?? [])]
        .sort((x, y) => (x.amount > y.amount ? -1 : 1))
        .map((p) => ({ contributor: p.contributor, amount: formatUnits(p.amount, 18) })),
    );

    // Five per bucket by default.
    const all = EpochReportSchema.parse(await (await get('/v1/emissions/epochs/3')).json());
    expect(all.buckets[0]?.payouts).toHaveLength(3);
    const nothing = EpochReportSchema.parse(await (await get('/v1/emissions/epochs/4')).json());
    expect(nothing).toMatchObject({ status: 'nothing-to-pay', total: '0', root: null, distributor: null });
  });

  it('answers 404 with a hint for an epoch not settled, 400 for a bad epoch or top, 401 without a session', async () => {
    const missing = await get('/v1/emissions/epochs/99');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'Epoch 99 is not settled.',
      hint: 'Settle it: sextant emissions settle --epoch 99',
    });
    for (const [path, field] of [
      ['/v1/emissions/epochs/3?top=0', 'top'],
      ['/v1/emissions/epochs/3?top=101', 'top'],
      ['/v1/emissions/epochs/3?top=two', 'top'],
      ['/v1/emissions/epochs/last', 'epoch'],
      ['/v1/emissions/epochs/-1', 'epoch'],
    ]) {
      const response = await get(path as string);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { field: string }).field, path).toBe(field);
    }
    expect((await get('/v1/emissions/epochs', false)).status).toBe(401);
    expect((await get('/v1/emissions/epochs/3', false)).status).toBe(401);
  });

  it("gives any address's claim and proof in a settled epoch, one the distributor accepts", async () => {
    const settled = settlement.claims.find((claim) => claim.account.toLowerCase() === address(5).toLowerCase());
    expect(settled).toBeDefined();
    // Any case of the address finds it.
    const response = await get(`/v1/emissions/epochs/3/claims/${address(5).toUpperCase().replace('0X', '0x')}`);
    expect(response.status).toBe(200);
    const claim = ClaimProofSchema.parse(await response.json());
    expect(claim).toMatchObject({
      epoch: 3,
      status: 'distributed',
      account: address(5).toLowerCase(),
      index: settled?.index,
      amount: formatUnits(settled?.amount ?? -1n, 18),
      amountWei: String(settled?.amount),
      root: settlement.root,
      chainId: 31337,
      rewardToken: REWARD_TOKEN,
      distributor: DISTRIBUTOR,
      // This server has no chain client for the emissions routes: it does not say.
      claimed: null,
    });
    expect(
      verifyProof(
        { index: claim.index, account: claim.account, amount: BigInt(claim.amountWei) },
        claim.proof,
        claim.root,
      ),
    ).toBe(true);
  });

  it('with a chain client, leaves claimed unsaid when the chain has no distributor there (the proof stands)', async () => {
    const routes = emissionsRoutes({ db: deps.db, client: deps.env.publicClient });
    const response = await routes.request(`/v1/emissions/epochs/3/claims/${address(5)}`);
    expect(response.status).toBe(200);
    expect(ClaimProofSchema.parse(await response.json())).toMatchObject({ distributor: DISTRIBUTOR, claimed: null });
  });

  it('answers 404 for an address an epoch pays nothing or an epoch not settled, 400 for a bad address', async () => {
    for (const path of [`/v1/emissions/epochs/3/claims/${address(9)}`, `/v1/emissions/epochs/4/claims/${address(5)}`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({
        error: expect.stringMatching(/pays 0x0+\d nothing/),
        code: 'nothing-to-claim',
      });
    }
    const missing = await get(`/v1/emissions/epochs/99/claims/${address(5)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'Epoch 99 is not settled.', code: 'epoch-not-settled' });
    const bad = await get('/v1/emissions/epochs/3/claims/0x1234');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('address');
    expect((await get(`/v1/emissions/epochs/3/claims/${address(5)}`, false)).status).toBe(401);
  });
});
