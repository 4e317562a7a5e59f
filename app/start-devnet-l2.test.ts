import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { childrenOf, runSextant } from '../devnet/testing/processes.ts';

/**
 * `CHAIN=devnet-l2 sextant start` acts on the devnet's second chain, which it starts itself. When the
 * settings leave it no second chain to start, it says so at once, before starting any chain: not
 * after deploying the first chain for nothing, and not as whatever that start failed on.
 */
async function start(env: Record<string, string>) {
  const run = runSextant(['start'], {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'sx-start-l2-')),
    PORT: String(await findFreePort()),
    CHAIN: 'devnet-l2',
    BUNDLER_URL: '',
    DEVNET_BUNDLER_PORT: String(await findFreePort()),
    DEVNET_PAYMASTER_PORT: String(await findFreePort()),
    ...env,
  });
  const spawned = new Set<string>();
  const watch = setInterval(() => {
    for (const child of childrenOf(run.child.pid as number))
      if (/anvil|alto/.test(child.command)) spawned.add(child.command);
  }, 20);
  const code = await run.exited;
  clearInterval(watch);
  return { code, stderr: run.stderr(), spawned: [...spawned] };
}

describe('CHAIN=devnet-l2 sextant start without a second chain to start', () => {
  it('with DEVNET_L2=0 says to turn it on, starting nothing (even with the first chain’s port taken)', async () => {
    const blocker = createServer();
    const port = await findFreePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { code, stderr, spawned } = await start({ DEVNET_L2: '0', RPC_URL: '', DEVNET_ANVIL_PORT: String(port) });
      expect(stderr).toContain('CHAIN=devnet-l2 selects the devnet’s second chain, and DEVNET_L2=0 turns it off');
      expect(stderr).toContain('Unset DEVNET_L2 (or set it to 1), or unset CHAIN');
      expect(code).toBe(2);
      expect(spawned).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('with RPC_URL says the chain joined is the first one, and what to set', async () => {
    const { code, stderr, spawned } = await start({
      DEVNET_L2: '1',
      RPC_URL: `http://127.0.0.1:${await findFreePort()}`,
    });
    expect(stderr).toContain('CHAIN=devnet-l2 with RPC_URL');
    expect(stderr).toContain('set CHAIN=devnet');
    expect(code).toBe(2);
    expect(spawned).toEqual([]);
  }, 60_000);
});
