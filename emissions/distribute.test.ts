import { parseAbi } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { devnetClients } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { distributeEpoch } from './distribute.ts';
import { computeEpochSettlement } from './epoch.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE } from './schedule.ts';
import type { Weight } from './settlement.ts';
import { getEpoch, saveSettlement, updateDistribution } from './store.ts';
import { droppingNthSend, testDistributionTarget } from './testing/distribution.ts';

const manifest = testDevnet();
const erc20 = parseAbi([
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
]);

/** A settled epoch (three contributors) in a database of its own, and a reward token its operator owns. */
async function settledEpoch(epoch: number) {
  const { publicClient } = devnetClients(manifest);
  const db = openDatabase(':memory:');
  migrateEmissions(db);
  const weights = Object.fromEntries(BUCKETS.map((b) => [b, [] as Weight[]])) as Record<Bucket, Weight[]>;
  for (const [i, bucket] of (['code', 'compute', 'capital'] as const).entries()) {
    weights[bucket].push({ contributor: privateKeyToAccount(generatePrivateKey()).address, weight: BigInt(i + 1) });
  }
  const { settlement, tree } = computeEpochSettlement(DEFAULT_SCHEDULE, epoch, weights);
  saveSettlement(db, settlement, tree);
  const { target, operator } = await testDistributionTarget(manifest);
  const token = target.rewardToken;
  const supply = () => publicClient.readContract({ address: token, abi: erc20, functionName: 'totalSupply' });
  return { db, settlement, target, operator, supply, publicClient };
}

describe('distributing an epoch', () => {
  it('mints once when two runs distribute the same epoch at the same time', async () => {
    const { db, settlement, target, supply } = await settledEpoch(101);
    const results = await Promise.allSettled([distributeEpoch(db, 101, target), distributeEpoch(db, 101, target)]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await supply()).toBe(settlement.total);
    expect((await distributeEpoch(db, 101, target)).status).toBe('distributed');
    expect(await supply()).toBe(settlement.total);
  });

  it('never mints into a distributor that already holds its funding (a database restored from an older copy)', async () => {
    const { db, settlement, target, supply } = await settledEpoch(102);
    await distributeEpoch(db, 102, target);
    // The record as an older copy of the database had it: settled, nothing sent.
    updateDistribution(db, 102, { status: 'settled', fundTx: null, fundRaw: null });
    await expect(distributeEpoch(db, 102, target)).rejects.toThrow(/already holds .* not minting into it again/);
    expect(await supply()).toBe(settlement.total);
  });

  it('signs the mint afresh when the stored one can never be mined (its nonce went to another transaction)', async () => {
    const { db, settlement, target, operator, supply, publicClient } = await settledEpoch(103);
    // Interrupted after the mint was signed and stored, before it was sent…
    const dropped = droppingNthSend(publicClient, 2);
    await expect(distributeEpoch(db, 103, { ...target, publicClient: dropped })).rejects.toThrow(/could not be sent/);
    const stuck = getEpoch(db, 103)?.fundTx;
    expect(stuck).toMatch(/^0x/);
    // …and the operator's next transaction took its nonce.
    const other = await operator.walletClient.sendTransaction({
      account: operator.account,
      chain: operator.walletClient.chain,
      to: operator.account.address,
      value: 0n,
    });
    await minedReceipt(publicClient, other);
    const done = await distributeEpoch(db, 103, target);
    expect(done.status).toBe('distributed');
    expect(done.fundTx).not.toBe(stuck);
    expect(await supply()).toBe(settlement.total);
  });
});
