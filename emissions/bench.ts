/**
 * `npm run bench:emissions`: settling one epoch for 10k, 100k and 1,000,000 contributors with the
 * settlement's own code (computeEpochSettlement: the split of every bucket, exact, merged per
 * contributor; the claims; the Merkle tree and its root; a proof checked), then the same again with
 * the result stored in SQLite as `settle` stores it (every claim with its proof). Time and peak memory (max RSS) per size, each size in a fresh process so one does
 * not inflate the next. Target: 1,000,000 in under 10 s and under 1 GiB.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Address } from 'viem';
import { openDatabase } from '../common/database.ts';
import { computeEpochSettlement } from './epoch.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { type Claim, verifyProof } from './merkle.ts';
import { BUCKETS, type Bucket, DEFAULT_SCHEDULE } from './schedule.ts';
import type { Weight } from './settlement.ts';
import { saveSettlement } from './store.ts';

const { values } = parseArgs({ options: { size: { type: 'string' }, store: { type: 'boolean' } } });

/** A deterministic pseudo-random ledger: each contributor in one bucket, one in ten in community too. */
function randomLedger(size: number): Record<Bucket, Weight[]> {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const weights = Object.fromEntries(BUCKETS.map((bucket) => [bucket, [] as Weight[]])) as Record<Bucket, Weight[]>;
  for (let i = 0; i < size; i++) {
    const contributor = `0x${(i + 1).toString(16).padStart(40, '0')}` as Address;
    const bucket = BUCKETS[random() % 4] as Bucket;
    weights[bucket].push({ contributor, weight: BigInt(1 + (random() % 1_000_000)) });
    if (random() % 10 === 0) weights.community.push({ contributor, weight: BigInt(1 + (random() % 1000)) });
  }
  return weights;
}

function settleOnce(size: number, store: boolean) {
  // As in settle: once the epoch is computed the ledger's weights are no longer held.
  let ledger: Record<Bucket, Weight[]> | undefined = randomLedger(size);
  const started = performance.now();
  // What `sextant emissions settle` computes: every bucket split exactly, the claims, the tree and its root.
  const { settlement, tree } = computeEpochSettlement(DEFAULT_SCHEDULE, 0, ledger);
  ledger = undefined;
  const sample = settlement.claims[Math.floor(settlement.claims.length / 2)] as Claim;
  if (!tree || !verifyProof(sample, tree.proof(sample.index), tree.root)) throw new Error('a proof did not verify');
  const seconds = (performance.now() - started) / 1000;
  const result: Record<string, unknown> = {
    contributors: size,
    claims: settlement.claims.length,
    root: settlement.root,
    seconds: Number(seconds.toFixed(2)),
  };
  if (store) {
    // And what it then stores: the epoch, the buckets' payouts and every claim with its proof, in SQLite.
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-emissions-'));
    const db = openDatabase(join(dir, 'sextant.db'));
    migrateEmissions(db);
    const storing = performance.now();
    saveSettlement(db, settlement, tree);
    result.store_seconds = Number(((performance.now() - storing) / 1000).toFixed(2));
    result.total_seconds = Number(((performance.now() - started) / 1000).toFixed(2));
    db.close();
    result.database_mib = Math.round(
      readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0) / 2 ** 20,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  result.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
  return result;
}

if (values.size) {
  console.log(JSON.stringify(settleOnce(Number(values.size), values.store === true)));
} else {
  const results = [];
  const runs = [
    ...[10_000, 100_000, 1_000_000].map((size) => ({ size, store: false })),
    ...[10_000, 100_000, 1_000_000].map((size) => ({ size, store: true })),
  ];
  for (const { size, store } of runs) {
    process.stderr.write(
      `settling ${size.toLocaleString('en-US')} contributors${store ? ', and storing every proof' : ''}…\n`,
    );
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--size', String(size), ...(store ? ['--store'] : [])],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    results.push(JSON.parse(out.trim().split('\n').at(-1) as string));
  }
  console.log(
    JSON.stringify(
      {
        settle_epoch: results.slice(0, 3),
        settle_and_store_epoch: results.slice(3),
        target: '1,000,000 in under 10 s and under 1 GiB',
      },
      null,
      2,
    ),
  );
}
