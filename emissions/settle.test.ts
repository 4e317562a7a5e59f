import { setTimeout as sleep } from 'node:timers/promises';
import { type Address, type Hex, parseAbi, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { confirmPlan, handleMessage } from '../agent-core/agent.ts';
import { fundedAgentUser } from '../agent-core/testing/agent.ts';
import { sextantArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { recordTestReceipt } from '../router/testing/receipts.ts';
import { SEXTANT_AUTHOR } from '../skills/project-keys.ts';
import { rewardsSource } from './claims.ts';
import { collectEpoch, migrateEmissionSources } from './collect.ts';
import { distributeEpoch } from './distribute.ts';
import { canonicalJson, computeEpochSettlement, settlementDigest } from './epoch.ts';
import { bucketWeights } from './ledger/ledger.ts';
import { verifyProof } from './merkle.ts';
import { BUCKETS, DEFAULT_SCHEDULE, dayStart, type Schedule } from './schedule.ts';
import { settleEpoch } from './settle.ts';
import type { Weight } from './settlement.ts';
import {
  distributedClaimsOf,
  getEpoch,
  saveSettlement,
  storedBuckets,
  storedClaims,
  storedSettlementJson,
  updateDistribution,
} from './store.ts';
import { testAgentWithRewards } from './testing/agent.ts';
import { droppingNthSend, testDistributionTarget } from './testing/distribution.ts';

const manifest = testDevnet();
const erc20 = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function approve(address, uint256) returns (bool)',
  'function deposit() payable',
]);

describe('settling an epoch', () => {
  it('pays every bucket exactly from the ledger, distributes once, and pays a claim through the smart account once', async () => {
    const { publicClient } = devnetClients(manifest);
    const startedAt = Math.floor(Date.now() / 1000) - 2;
    const deps = await testAgentWithRewards(manifest);
    const db = deps.db;
    migrateEmissionSources(db);

    // One contribution to each bucket. Code and community: a wrap referred by Bea's account.
    const ann = await fundedAgentUser(deps, manifest);
    const bea = await fundedAgentUser(deps, manifest);
    const wrap = await handleMessage(deps, {
      userId: ann.userId,
      owner: ann.ownerAddress,
      account: ann.account,
      text: 'wrap 0.1 ETH',
      referrer: bea.account,
    });
    const wrapped = await confirmPlan(deps, { userId: ann.userId, planId: wrap.plan?.id as string, owner: ann.owner });
    expect(wrapped.status).toBe('succeeded');
    // Compute: a receipt the router accepted for a provider.
    const provider = privateKeyToAccount(generatePrivateKey()).address;
    recordTestReceipt(db, 1, provider, [100, 300], true, new Date());
    // Capital: WETH deposited in a deposit pool of this test's own.
    const depositor = await fundedAccount(manifest, '10');
    const send = async (sent: Promise<Hex>) =>
      expect((await minedReceipt(publicClient, await sent)).status).toBe('success');
    const as = { account: depositor.account, chain: depositor.walletClient.chain } as const;
    const poolArtifact = sextantArtifact('SextantDepositPool');
    const deployHash = await depositor.walletClient.deployContract({
      ...as,
      abi: poolArtifact.abi,
      bytecode: poolArtifact.bytecode,
      args: [manifest.contracts.weth],
    });
    const pool = (await minedReceipt(publicClient, deployHash)).contractAddress as Address;
    const weth = manifest.contracts.weth;
    await send(
      depositor.walletClient.writeContract({
        ...as,
        address: weth,
        abi: erc20,
        functionName: 'deposit',
        value: parseEther('1'),
      }),
    );
    await send(
      depositor.walletClient.writeContract({
        ...as,
        address: weth,
        abi: erc20,
        functionName: 'approve',
        args: [pool, parseEther('1')],
      }),
    );
    await send(
      depositor.walletClient.writeContract({
        ...as,
        address: pool,
        abi: poolArtifact.abi,
        functionName: 'deposit',
        args: [parseEther('1'), depositor.account.address],
      }),
    );
    const treasury = privateKeyToAccount(generatePrivateKey()).address;

    // Epoch 0 of a schedule of our own covers everything above and ends a moment from now.
    const schedule: Schedule = {
      ...DEFAULT_SCHEDULE,
      start: startedAt,
      interval: Math.ceil(Date.now() / 1000) - startedAt + 2,
    };
    const end = dayStart(schedule, 1);
    await expect(
      settleEpoch(db, { schedule, epoch: 0, now: Date.now() / 1000, collect: async () => [] }),
    ).rejects.toThrow(/it can be settled once it is over/);
    await sleep(Math.max(0, end * 1000 - Date.now()) + 1100);
    // A block after the epoch's end, so the pool's events of epoch 0 are final.
    await send(depositor.walletClient.sendTransaction({ ...as, to: depositor.account.address, value: 0n }));

    const config = { schedule, codeWeights: {}, depositPool: pool, depositPoolFromBlock: 0n, treasury };
    const settled = await settleEpoch(db, {
      schedule,
      epoch: 0,
      now: Date.now() / 1000,
      collect: (epoch) => collectEpoch(db, config, epoch, publicClient),
    });
    expect(settled.created).toBe(true);
    const record = settled.record;
    expect(record.status).toBe('settled');

    // Exact: in every bucket, what was paid plus what carries on is what the schedule emitted.
    const buckets = storedBuckets(db, 0);
    expect(buckets.map((b) => b.bucket)).toEqual([...BUCKETS]);
    for (const b of buckets) {
      expect(b.carriedIn).toBe(0n);
      expect(b.paid + b.carriedOut).toBe(b.emitted);
      expect(b.contributors).toBe(1);
      expect(b.carriedOut).toBe(0n); // one contributor per bucket takes it all
    }
    const claims = storedClaims(db, 0);
    const byAccount = new Map(claims.map((c) => [c.account, c.amount]));
    const emitted = (bucket: string) => buckets.find((b) => b.bucket === bucket)?.emitted;
    expect(byAccount.get(SEXTANT_AUTHOR.toLowerCase() as Address)).toBe(emitted('code'));
    expect(byAccount.get(bea.account.toLowerCase() as Address)).toBe(emitted('community'));
    expect(byAccount.get(provider.toLowerCase() as Address)).toBe(emitted('compute'));
    expect(byAccount.get(depositor.account.address.toLowerCase() as Address)).toBe(emitted('capital'));
    expect(byAccount.get(treasury.toLowerCase() as Address)).toBe(emitted('protection'));
    expect(claims.reduce((sum, c) => sum + c.amount, 0n)).toBe(record.total);
    for (const claim of claims) expect(verifyProof(claim, claim.proof, record.root as Hex)).toBe(true);
    // Ann made the execution but contributed nothing the buckets pay for: she gets nothing.
    expect(byAccount.has(ann.account.toLowerCase() as Address)).toBe(false);

    // Deterministic: the same ledger settles to the same bytes, and that is what is stored.
    const weights = Object.fromEntries(BUCKETS.map((b) => [b, bucketWeights(db, 0, b)])) as never;
    const again = computeEpochSettlement(schedule, 0, weights).settlement;
    expect(settlementDigest(again)).toBe(record.digest);
    expect(storedSettlementJson(db, 0)).toBe(canonicalJson(again));
    // Final: settling again changes nothing.
    const second = await settleEpoch(db, { schedule, epoch: 0, now: Date.now() / 1000, collect: async () => [] });
    expect(second).toMatchObject({ created: false, record: { digest: record.digest } });

    // Distribution in a reward token of our own, owned by the operator.
    const { target } = await testDistributionTarget(manifest);
    const token = target.rewardToken;
    // Interrupted: the connection drops as the funding transaction goes out.
    const flaky = droppingNthSend(publicClient, 2);
    await expect(distributeEpoch(db, 0, { ...target, publicClient: flaky })).rejects.toThrow(/could not be sent/);
    const interrupted = getEpoch(db, 0);
    expect(interrupted?.status).toBe('settled');
    expect(interrupted?.fundTx).toMatch(/^0x[0-9a-f]{64}$/);
    // Resumed: the same stored transaction is sent, so the distributor is funded exactly once.
    const distributed = await distributeEpoch(db, 0, target);
    expect(distributed.status).toBe('distributed');
    expect(distributed.fundTx).toBe(interrupted?.fundTx);
    expect(await distributeEpoch(db, 0, target)).toMatchObject({ status: 'distributed' });
    const read = (functionName: 'totalSupply' | 'balanceOf', args?: [Address]) =>
      publicClient.readContract({ address: token, abi: erc20, functionName, args } as never) as Promise<bigint>;
    expect(await read('totalSupply')).toBe(record.total);
    expect(await read('balanceOf', [distributed.distributor as Address])).toBe(record.total);

    // Bea claims through her smart account: two plans made before either runs.
    const claiming = { ...deps, rewards: rewardsSource(db, publicClient, manifest.chainId, token) };
    const ask = (user: typeof bea) =>
      handleMessage(claiming, {
        userId: user.userId,
        owner: user.ownerAddress,
        account: user.account,
        text: 'claim my rewards',
      });
    const first = await ask(bea);
    const twin = await ask(bea);
    expect(first.kind, first.text).toBe('plan');
    const mine = distributedClaimsOf(db, bea.account)[0];
    expect(mine?.amount).toBe(emitted('community'));
    const claimed = await confirmPlan(claiming, {
      userId: bea.userId,
      planId: first.plan?.id as string,
      owner: bea.owner,
    });
    expect(claimed.status, claimed.error ?? '').toBe('succeeded');
    expect(await read('balanceOf', [bea.account])).toBe(mine?.amount);
    // The second plan's claim is refused by the distributor itself, and said so.
    const refused = await confirmPlan(claiming, {
      userId: bea.userId,
      planId: twin.plan?.id as string,
      owner: bea.owner,
    });
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain('Drop already claimed');
    expect(await read('balanceOf', [bea.account])).toBe(mine?.amount);
    // Asked again, nothing is offered: the contract says it is claimed.
    const third = await ask(bea);
    expect(third.kind).toBe('unsupported');
    expect(third.text).toMatch(/already claimed: epoch 0/);
    // A record whose distributor is not on this chain is never sent, and said so.
    const lost = computeEpochSettlement(schedule, 1, {
      ...(Object.fromEntries(BUCKETS.map((b) => [b, [] as Weight[]])) as Record<(typeof BUCKETS)[number], Weight[]>),
      community: [{ contributor: bea.account, weight: 1n }],
    });
    saveSettlement(db, lost.settlement, lost.tree, 0);
    updateDistribution(db, 1, {
      status: 'distributed',
      chainId: manifest.chainId,
      rewardToken: token,
      distributor: privateKeyToAccount(generatePrivateKey()).address,
    });
    const elsewhere = await ask(bea);
    expect(elsewhere.kind).toBe('unsupported');
    expect(elsewhere.text).toMatch(
      /cannot be claimed here: epoch 1 \(its distributor 0x[0-9a-fA-F]{40} is not on this chain\)/,
    );
    // Another protocol's rewards are not these.
    const aave = await handleMessage(claiming, {
      userId: bea.userId,
      owner: bea.ownerAddress,
      account: bea.account,
      text: 'claim my aave rewards',
    });
    expect(aave.kind).toBe('unsupported');
    expect(aave.text).toMatch(/not aave's: there is no skill to claim rewards on aave yet/);
    // Ann has nothing to claim.
    const none = await ask(ann);
    expect(none.kind).toBe('unsupported');
    expect(none.text).toMatch(/no rewards to claim/);
  }, 120_000);
});
