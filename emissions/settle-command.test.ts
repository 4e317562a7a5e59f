import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

const manifest = testDevnet();

/** Through the real binary: the settlement itself. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The rest in process (devnet/testing/in-process.ts): the same commands, without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

describe('sextant emissions settle, report and claim', () => {
  it('settles a finished epoch on the devnet, reports it, and lets the referrer claim once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-emissions-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'dora' };
    const startedAt = Math.floor(Date.now() / 1000) - 2;
    const bea = await sextant(['account', '--user', 'bea', '--json'], env);
    expect(bea.code, bea.stderr).toBe(0);
    const beaAccount = JSON.parse(bea.stdout).account as string;
    expect((await sextant(['faucet'], env)).code).toBe(0);
    expect((await sextant(['faucet', '--user', 'bea'], env)).code).toBe(0);
    const wrap = await sextant(['run', 'wrap 0.1 ETH', '--yes', '--llm', 'embedded', '--referrer', beaAccount], env);
    expect(wrap.code, wrap.stdout + wrap.stderr).toBe(0);

    // A schedule whose epoch 0 covers the wrap: first one that runs for another hour (too early to
    // settle), then the same start with epoch 0 ending a moment from now.
    const treasury = privateKeyToAccount(generatePrivateKey()).address;
    const writeSchedule = (intervalSeconds: number) => {
      const bucket = (name: string, initial: string, decrease: string) => ({ bucket: name, initial, decrease });
      writeFileSync(
        join(dataDir, 'emissions.json'),
        JSON.stringify({
          schedule: {
            start: startedAt,
            intervalSeconds,
            buckets: [
              bucket('capital', '3456', '0.59255872824'),
              bucket('code', '3456', '0.59255872824'),
              bucket('compute', '3456', '0.59255872824'),
              bucket('community', '3456', '0.59255872824'),
              bucket('protection', '576', '0.09875978804'),
            ],
            cap: '42000000',
          },
          treasury,
        }),
      );
    };
    writeSchedule(3600);
    const early = await sextant(['emissions', 'settle', '--epoch', '0'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/it can be settled once it is over/);
    const interval = Math.ceil(Date.now() / 1000) - startedAt + 1;
    writeSchedule(interval);
    await sleep(Math.max(0, (startedAt + interval) * 1000 - Date.now()) + 1000);

    const settled = await sextantBinary(['emissions', 'settle', '--epoch', '0', '--json'], env);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stderr).toMatch(/epoch 0: distributed; claims are open/);
    const report = JSON.parse(settled.stdout);
    expect(report).toMatchObject({ epoch: 0, status: 'distributed', chainId: manifest.chainId });
    expect(report.rewardToken).toBe(manifest.contracts.emissions.rewardToken);
    const byBucket = Object.fromEntries(report.buckets.map((b: { bucket: string }) => [b.bucket, b]));
    expect(byBucket.community).toMatchObject({
      emitted: '3456',
      paid: '3456',
      carriedOut: '0',
      payouts: [{ contributor: beaAccount.toLowerCase(), amount: '3456' }],
    });
    expect(byBucket.protection.payouts).toEqual([{ contributor: treasury.toLowerCase(), amount: '576' }]);
    expect(byBucket.compute).toMatchObject({ paid: '0', carriedOut: '3456', contributors: 0 });

    const again = await sextant(['emissions', 'settle', '--epoch', '0', '--json'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already settled/);
    expect(JSON.parse(again.stdout)).toEqual(report);
    const shown = await sextant(['emissions', 'report', '--epoch', '0', '--json'], env);
    expect(JSON.parse(shown.stdout)).toEqual(report);
    const table = await sextant(['emissions', 'report', '--epoch', '0'], env);
    expect(table.stdout).toMatch(/community\s+3456\s+0\s+3456\s+0\s+1/);

    const claim = await sextant(['emissions', 'claim', '--user', 'bea', '--yes', '--json'], env);
    expect(claim.code, claim.stdout + claim.stderr).toBe(0);
    const claimed = JSON.parse(claim.stdout);
    expect(claimed).toMatchObject({ confirmed: true, execution: { status: 'succeeded' } });
    expect(claimed.plan.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'SXR', amount: '3456' }));
    const second = await sextant(['emissions', 'claim', '--user', 'bea', '--yes'], env);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/already claimed: epoch 0 \(3456 SXR\)/);
  }, 120_000);
});
