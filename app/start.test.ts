import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { eventually, runSextant } from '../devnet/testing/processes.ts';
import type { Health } from './health.ts';

const manifest = inject('devnet');

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

  it('refuses a real network without RPC_URL, saying what to set', async () => {
    const run = runSextant(['start'], { CHAIN: 'base', RPC_URL: '', BUNDLER_URL: '' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('CHAIN=base needs RPC_URL');
  });

  it('refuses an RPC that serves another chain than CHAIN', async () => {
    const run = runSextant(['start'], { CHAIN: 'ethereum', RPC_URL: manifest.rpcUrl });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('RPC_URL serves chain 31337, but CHAIN=ethereum is chain 1');
  });
});
