import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type Address, encodeFunctionData, getAddress, type Hex, parseAbi } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { execute } from '../smart-accounts/execute.ts';
import { newUser, testEnvironment } from '../smart-accounts/testing/environment.ts';
import { type Claim, MerkleDistributionTree, verifyProof } from './merkle.ts';
import { mergePayouts, splitBucket, type Weight } from './settlement.ts';

const manifest = testDevnet();
const address = fc.integer({ min: 1, max: 40 }).map((n) => `0x${n.toString(16).padStart(40, '0')}` as Address);
const weights = fc.array(fc.record({ contributor: address, weight: fc.bigInt({ min: 0n, max: 10n ** 24n }) }), {
  maxLength: 60,
});

/** A deterministic shuffle (Fisher–Yates with a small LCG), so a failing case can be replayed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('settlement', () => {
  it('pays out exactly the epoch amount with the remainder, for any ledger (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 25n }), weights, (amount, ledger) => {
        const { payouts, remainder } = splitBucket(amount, ledger);
        const paid = payouts.reduce((sum, p) => sum + p.amount, 0n);
        expect(paid + remainder).toBe(amount);
        expect(remainder).toBeGreaterThanOrEqual(0n);
        // Rounding leaves less than one wei per contributor; with no weight at all, the whole amount carries over.
        const weighted = new Set(ledger.filter((w) => w.weight > 0n).map((w) => w.contributor)).size;
        if (weighted === 0) expect(remainder).toBe(amount);
        else expect(remainder).toBeLessThan(BigInt(weighted));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same bytes for the same ledger in any order (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 25n }), weights, fc.integer(), (amount, ledger, seed) => {
        const shuffled = shuffle(ledger, seed);
        const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        expect(json(splitBucket(amount, shuffled))).toBe(json(splitBucket(amount, ledger)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives nothing to a contributor with no contributions, and merges buckets per contributor', () => {
    const a = '0x00000000000000000000000000000000000000aa' as Address;
    const b = '0x00000000000000000000000000000000000000bb' as Address;
    const split = splitBucket(1000n, [
      { contributor: a, weight: 3n },
      { contributor: b, weight: 0n },
    ] satisfies Weight[]);
    expect(split).toEqual({ payouts: [{ contributor: a, amount: 1000n }], remainder: 0n });
    expect(splitBucket(1000n, [])).toEqual({ payouts: [], remainder: 1000n });
    const merged = mergePayouts([
      split,
      splitBucket(10n, [
        { contributor: b, weight: 1n },
        { contributor: a, weight: 1n },
      ]),
    ]);
    expect(merged).toEqual([
      { contributor: a, amount: 1005n },
      { contributor: b, amount: 5n },
    ]);
  });
});

describe('the Merkle distribution on the devnet', () => {
  it('pays a claim through the smart account exactly, refuses it twice, and refuses a tampered proof', async () => {
    const env = testEnvironment(manifest);
    const user = await newUser(env);
    const others = Array.from({ length: 6 }, () => privateKeyToAccount(generatePrivateKey()).address);
    const payouts = mergePayouts([
      splitBucket(
        10n ** 21n,
        [user.account, ...others].map((contributor, i) => ({ contributor, weight: BigInt(i + 1) })),
      ),
    ]);
    const claims: Claim[] = payouts.map((p, index) => ({
      index,
      account: getAddress(p.contributor),
      amount: p.amount,
    }));
    const tree = new MerkleDistributionTree(claims);
    for (const claim of claims) expect(verifyProof(claim, tree.proof(claim.index), tree.root)).toBe(true);

    // The reward token and a distributor funded with the epoch's payouts, from Uniswap's own artifacts.
    const { publicClient } = devnetClients(manifest);
    const { account: deployer, walletClient } = await fundedAccount(manifest);
    const deploy = async (name: string, args: unknown[]) => {
      const artifact = loadArtifact(`@uniswap/merkle-distributor/build/${name}.json`);
      const hash = await walletClient.deployContract({
        abi: artifact.abi,
        bytecode: artifact.bytecode,
        args,
        account: deployer,
        chain: walletClient.chain,
      });
      return (await minedReceipt(publicClient, hash)).contractAddress as Address;
    };
    const total = claims.reduce((sum, c) => sum + c.amount, 0n);
    const token = await deploy('TestERC20', ['Sextant reward', 'SXT', 0n]);
    const distributor = await deploy('MerkleDistributor', [token, tree.root]);
    const erc20 = parseAbi([
      'function setBalance(address,uint256)',
      'function balanceOf(address) view returns (uint256)',
    ]);
    await minedReceipt(
      publicClient,
      await walletClient.writeContract({
        address: token,
        abi: erc20,
        functionName: 'setBalance',
        args: [distributor, total],
        account: deployer,
        chain: walletClient.chain,
      }),
    );

    const mine = claims.find((c) => c.account === user.account) as Claim;
    const claimAbi = parseAbi([
      'function claim(uint256 index, address account, uint256 amount, bytes32[] merkleProof)',
    ]);
    const claimCall = (proof: Hex[]) => ({
      to: distributor,
      data: encodeFunctionData({
        abi: claimAbi,
        functionName: 'claim',
        args: [BigInt(mine.index), mine.account, mine.amount, proof],
      }),
    });
    const tampered = [...tree.proof(mine.index)];
    tampered[0] = `0x${'11'.repeat(32)}`;
    await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, user.account);
    // On chain, as a plain transaction with its gas given: the contract itself reverts.
    const onChain = await walletClient.writeContract({
      address: distributor,
      abi: claimAbi,
      functionName: 'claim',
      args: [BigInt(mine.index), mine.account, mine.amount, tampered],
      account: deployer,
      chain: walletClient.chain,
      gas: 200_000n,
    });
    expect((await minedReceipt(publicClient, onChain)).status).toBe('reverted');
    // Through the smart account, the bundler's simulation refuses it first, with the contract's reason.
    const refused = await execute(env, user.owner, {
      userId: user.userId,
      idempotencyKey: randomUUID(),
      calls: [claimCall(tampered)],
    });
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain('MerkleDistributor: Invalid proof.');

    const claimed = await execute(env, user.owner, {
      userId: user.userId,
      idempotencyKey: randomUUID(),
      calls: [claimCall(tree.proof(mine.index))],
    });
    expect(claimed.status, claimed.error ?? '').toBe('succeeded');
    expect(
      await publicClient.readContract({ address: token, abi: erc20, functionName: 'balanceOf', args: [user.account] }),
    ).toBe(mine.amount);
    const again = await execute(env, user.owner, {
      userId: user.userId,
      idempotencyKey: randomUUID(),
      calls: [claimCall(tree.proof(mine.index))],
    });
    expect(again.status).toBe('failed');
    expect(again.error).toContain('MerkleDistributor: Drop already claimed.');
  });
});
