import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

const manifest = testDevnet();

/** A data directory that knows the shared devnet (its manifest), with its own database. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-cli-'));
  writeManifest(dir, manifest);
  return dir;
}

/** Through the real binary: the faucet funding the account. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The rest in process (devnet/testing/in-process.ts), without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

describe('sextant account and sextant faucet', () => {
  it('create the account on first use, fund it on the devnet, and show the balances', async () => {
    const env = { DATA_DIR: dataDir(), SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'carol' };
    const first = await sextant(['account', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const account = JSON.parse(first.stdout);
    expect(account).toMatchObject({ user: 'carol', chain: { slug: 'devnet', chainId: 31337 }, deployed: false });
    expect(account.balances.map((b: { symbol: string }) => b.symbol)).toEqual([
      'ETH',
      'WETH',
      'USDC',
      'USDT',
      'DAI',
      'WBTC',
      'SXR',
    ]);
    expect(account.balances.at(-1)).toMatchObject({ symbol: 'SXR', reward: true, amount: '0' });
    expect(account).toMatchObject({ positions: [], totals: { totalUsd: 0, debtUsd: 0 }, aave: { healthFactor: null } });

    const faucet = await sextantBinary(['faucet'], env);
    expect(faucet.code, faucet.stderr).toBe(0);
    expect(faucet.stdout).toContain(`Funded carol's account ${account.account}`);

    const after = JSON.parse((await sextant(['account', '--json'], env)).stdout);
    expect(after.account).toBe(account.account);
    const amounts = Object.fromEntries(
      after.balances.map((b: { symbol: string; amount: string }) => [b.symbol, b.amount]),
    );
    expect(amounts).toEqual({
      ETH: '10',
      WETH: '5',
      USDC: '10000',
      USDT: '10000',
      DAI: '10000',
      WBTC: '0.5',
      SXR: '0',
    });
    // Priced as the server prices it: about $105,000 in all.
    expect(after.totals.totalUsd).toBeGreaterThan(100_000);
    expect(after.totals.totalUsd).toBeLessThan(110_000);

    const human = await sextant(['account'], env);
    expect(human.stdout).toContain('not deployed yet');
    expect(human.stdout).toMatch(/\| USDC +\| +10,000 \| +\$10,000\.00 \|/);
    expect(human.stdout).toMatch(/\| Total +\| +\| +\$1\d\d,\d{3}\.\d\d \|/);
    expect(human.stdout).toMatch(/^ {2}total {5}\$1\d\d,\d{3}\.\d\d$/m);
  });

  it('asks for SEXTANT_PASSPHRASE when there is no terminal to prompt in', async () => {
    const result = await sextant(['account'], { DATA_DIR: dataDir(), SEXTANT_PASSPHRASE: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Set SEXTANT_PASSPHRASE');
  });

  it('refuses the faucet off the devnet', async () => {
    const result = await sextant(['faucet'], { DATA_DIR: dataDir(), CHAIN: 'base', RPC_URL: manifest.rpcUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The faucet gives test funds on the devnet only');
  });
});
