import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { eventually, runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import type { Health } from './health.ts';

const manifest = testDevnet();

describe('sextant start', () => {
  it('serves /health on the chosen port, joining a running devnet, and leaves that devnet running when stopped', async () => {
    const port = await findFreePort();
    const run = runSextant(['start'], {
      PORT: String(port),
      RPC_URL: manifest.rpcUrl,
      BUNDLER_URL: manifest.bundlerUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sextant-start-')),
      OLLAMA_HOST: `http://127.0.0.1:${await findFreePort()}`,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
    });
    await eventually(() => run.stdout().includes('Press Ctrl-C'), 60_000, `the server is up\n${run.stderr()}`);
    const link = new RegExp(`open\\s+(http://127\\.0\\.0\\.1:${port}/\\?token=([\\w-]+))`).exec(run.stdout());
    expect(link, run.stdout()).not.toBeNull();
    expect(run.stdout()).toContain('embedded parser');
    expect(run.stderr()).toContain('0 contracts deployed');
    // On the devnet the banner offers test funds; with SEXTANT_PASSPHRASE it says nothing about unlocking.
    expect(run.stdout()).toMatch(/^ {2}funds +test funds: `sextant faucet`.*"Get test funds" button$/m);
    expect(run.stdout()).not.toContain('no SEXTANT_PASSPHRASE');

    // Without the token: nothing. With it: the API.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(401);
    const headers = { authorization: `Bearer ${link?.[2]}` };
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`, { headers })).json()) as Health;
    expect(health).toMatchObject({
      status: 'ok',
      chain: { chainId: 31337, reachable: true },
      bundler: { reachable: true },
    });
    expect(health.llm.provider).toBe('embedded');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // It only joined the devnet, so the devnet is still there.
    const stillThere = await fetch(manifest.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    expect(stillThere.ok).toBe(true);
  });

  it('without SEXTANT_PASSPHRASE and without a terminal: says so at start, and confirming asks over the session', async () => {
    const port = await findFreePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-start-'));
    const env = {
      RPC_URL: manifest.rpcUrl,
      BUNDLER_URL: manifest.bundlerUrl,
      DATA_DIR: dataDir,
      OLLAMA_HOST: `http://127.0.0.1:${await findFreePort()}`,
      SEXTANT_UNLOCK_IDLE_MINUTES: '5',
    };
    // The owner key exists already (made with the passphrase at an earlier run, on this devnet).
    writeManifest(dataDir, manifest);
    // In process (devnet/testing/in-process.ts): only `start` needs to be a process of its own here.
    const created = await sextantInProcess(['account'], { ...env, SEXTANT_PASSPHRASE: 'a passphrase for tests' });
    expect(created.code, created.stderr).toBe(0);

    const run = runSextant(['start'], { ...env, PORT: String(port), SEXTANT_PASSPHRASE: '' });
    try {
      await eventually(() => run.stdout().includes('Press Ctrl-C'), 60_000, `the server is up\n${run.stderr()}`);
      expect(run.stdout()).toMatch(
        /^ {2}keys +no SEXTANT_PASSPHRASE: confirming a plan asks for it in the page \(.*5 minutes unused\)$/m,
      );
      // Agent keys open with the passphrase only: without it the server runs no standing orders, and says so once.
      expect(run.stdout()).toMatch(
        /^ {2}orders +standing orders wait: the runner opens agent keys with SEXTANT_PASSPHRASE/m,
      );
      const token = /\?token=([\w-]+)/.exec(run.stdout())?.[1];
      const post = (path: string, body: unknown) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      // The page's "Get test funds": the account holds 10 ETH more on chain.
      const funded = await post('/v1/faucet', {});
      expect(funded.status).toBe(200);
      const { account } = (await funded.json()) as { account: `0x${string}` };
      const ethOf = async () =>
        BigInt(
          (
            (await (
              await fetch(manifest.rpcUrl, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [account, 'latest'] }),
              })
            ).json()) as { result: string }
          ).result,
        );
      expect(await ethOf()).toBeGreaterThanOrEqual(10n * 10n ** 18n);

      const planId = /"planId":"([^"]+)"/.exec(await (await post('/v1/chat', { message: 'wrap 1 ETH' })).text())?.[1];
      expect(planId).toBeDefined();
      const started = Date.now();
      const locked = await post(`/v1/plans/${planId}/confirm`, {});
      expect(locked.status).toBe(423);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await post('/v1/session/unlock', { passphrase: 'not the passphrase' })).status).toBe(403);
      expect((await post('/v1/session/unlock', { passphrase: 'a passphrase for tests' })).status).toBe(200);
      const before = await ethOf();
      const confirmed = await post(`/v1/plans/${planId}/confirm`, {});
      expect(confirmed.status).toBe(200);
      expect(await confirmed.json()).toMatchObject({ execution: { status: 'succeeded' } });
      // 1 ETH wrapped, and the gas.
      expect(before - (await ethOf())).toBeGreaterThanOrEqual(10n ** 18n);
      // Nothing was ever asked on the terminal.
      expect(run.stderr()).not.toContain('Keystore passphrase');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  // The refusals come before anything starts: in process, without a child's start-up each.
  it('refuses a real network without RPC_URL, saying what to set', async () => {
    const run = await sextantInProcess(['start'], { CHAIN: 'base', RPC_URL: '', BUNDLER_URL: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CHAIN=base needs RPC_URL');
  });

  it('refuses an RPC that serves another chain than CHAIN', async () => {
    const run = await sextantInProcess(['start'], { CHAIN: 'ethereum', RPC_URL: manifest.rpcUrl });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RPC_URL serves chain 31337, but CHAIN=ethereum is chain 1');
  });
});
