/**
 * `npm run bench:emissions`: settling one epoch for 10k, 100k and 1,000,000 contributors: the split of
 * every bucket (exact, merged per contributor), the claims and the Merkle tree with its root, and a
 * proof checked. Time and peak memory (max RSS) per size, each size in a fresh process so one does
 * not inflate the next. Target: 1,000,000 in under 10 s and under 1 GiB.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Address } from 'viem';
import { type Claim, MerkleDistributionTree, verifyProof } from './merkle.ts';
import { BUCKETS, DEFAULT_SCHEDULE, dayStart, emittedBetween } from './schedule.ts';
import { mergePayouts, splitBucket, type Weight } from './settlement.ts';

const { values } = parseArgs({ options: { size: { type: 'string' } } });

function settleOnce(size: number) {
  // Deterministic pseudo-random ledger: each contributor in one or two buckets.
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const ledgers = new Map<string, Weight[]>(BUCKETS.map((bucket) => [bucket, []]));
  for (let i = 0; i < size; i++) {
    const contributor = `0x${(i + 1).toString(16).padStart(40, '0')}` as Address;
    const bucket = BUCKETS[random() % 4] as string;
    ledgers.get(bucket)?.push({ contributor, weight: BigInt(1 + (random() % 1_000_000)) });
    if (random() % 10 === 0) ledgers.get('community')?.push({ contributor, weight: BigInt(1 + (random() % 1000)) });
  }
  const started = performance.now();
  const from = dayStart(DEFAULT_SCHEDULE, 0);
  const to = dayStart(DEFAULT_SCHEDULE, 1);
  const splits = DEFAULT_SCHEDULE.buckets.map((bucket) =>
    splitBucket(emittedBetween(DEFAULT_SCHEDULE, bucket, from, to), ledgers.get(bucket.bucket) ?? []),
  );
  const payouts = mergePayouts(splits);
  const claims: Claim[] = payouts.map((p, index) => ({ index, account: p.contributor, amount: p.amount }));
  const tree = new MerkleDistributionTree(claims);
  const sample = claims[Math.floor(claims.length / 2)] as Claim;
  if (!verifyProof(sample, tree.proof(sample.index), tree.root)) throw new Error('a proof did not verify');
  const seconds = (performance.now() - started) / 1000;
  return {
    contributors: size,
    claims: claims.length,
    root: tree.root,
    seconds: Number(seconds.toFixed(2)),
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (values.size) {
  console.log(JSON.stringify(settleOnce(Number(values.size))));
} else {
  const results = [];
  for (const size of [10_000, 100_000, 1_000_000]) {
    process.stderr.write(`settling ${size.toLocaleString('en-US')} contributors…\n`);
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--size', String(size)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    results.push(JSON.parse(out.trim().split('\n').at(-1) as string));
  }
  console.log(JSON.stringify({ settle_epoch: results, target: '1,000,000 in under 10 s and under 1 GiB' }, null, 2));
}
