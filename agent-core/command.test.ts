import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../common/database.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { getPlan } from './plan/store.ts';

const manifest = testDevnet();

/** Through the real binary: the run end to end, and a policy change. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The rest in process (devnet/testing/in-process.ts), without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

describe('sextant run and sextant policy', () => {
  it('runs "wrap 1 ETH" end to end with --yes --json, and refuses what the policy forbids', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-run-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'dora' };
    expect((await sextant(['faucet'], env)).code).toBe(0);

    const badReferrer = await sextant(['run', 'wrap 1 ETH', '--yes', '--referrer', 'my-frontend'], env);
    expect(badReferrer.code).toBe(2);
    expect(badReferrer.stderr).toMatch(/--referrer: Referrer "my-frontend" is not an Ethereum address/);

    const referrer = '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const run = await sextantBinary(
      ['run', 'wrap 1 ETH', '--yes', '--json', '--llm', 'embedded', '--referrer', referrer],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      kind: 'plan',
      parse: { intents: [{ action: 'wrap', amount: '1' }], parser: 'embedded' },
      // The plan as it stands after the run, not as it was proposed.
      plan: { steps: [{ skillId: 'weth/wrap' }], status: 'confirmed' },
      confirmed: true,
      execution: { status: 'succeeded' },
    });
    expect(result.plan.executionId).toBe(result.execution.id);
    expect(result.execution.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.execution.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.plan.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'WETH', amount: '1' }));
    const db = openDatabase(databasePath(dataDir));
    expect(getPlan(db, 'dora', result.plan.id)?.referrer).toBe(getAddress(referrer));
    db.close();

    const set = await sextantBinary(['policy', 'set', '--max-plan-usd', '10'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('max per plan        $10');
    const refused = await sextant(['run', 'wrap 1 ETH', '--yes'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/over your limit of \$10 per plan/);

    const bad = await sextant(['policy', 'set', '--max-slippage-bps', '5000'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('maxSlippageBps');
  });

  it('without a terminal and without --yes, shows the preview and executes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-run-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests' };
    expect((await sextant(['faucet'], env)).code).toBe(0);
    const run = await sextant(['run', 'swap 100 USDC for DAI', '--llm', 'embedded'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Swap 100 USDC for at least [\d.]+ DAI/);
    expect(run.stdout).toMatch(/USDC\s+-100/);
    expect(run.stdout).toContain('pass --yes to confirm');

    // Confirming without the passphrase and without a terminal to ask it in: says what to set, sends nothing.
    const locked = await sextant(['run', 'wrap 1 ETH', '--yes', '--json', '--llm', 'embedded'], {
      ...env,
      SEXTANT_PASSPHRASE: '',
    });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/no terminal to ask it in/);
    expect(locked.stderr).toContain('Set SEXTANT_PASSPHRASE');
    const db = openDatabase(databasePath(dataDir));
    const plans = db.prepare("SELECT status FROM agent_plans WHERE message = 'wrap 1 ETH'").all() as {
      status: string;
    }[];
    db.close();
    expect(plans.map((plan) => plan.status)).toEqual(['proposed']);
  });
});
