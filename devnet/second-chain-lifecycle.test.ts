import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { childrenOf, eventually, isAlive, runSextant } from './testing/processes.ts';

/**
 * `sextant devnet` starts both chains at once; when one cannot start, the other has already
 * spawned its anvil (and maybe its Alto). Whatever either chain started must be gone once the
 * command has said why it failed: no anvil or Alto left holding a port.
 */
async function failingDevnet(taken: 'DEVNET_L2_ANVIL_PORT' | 'DEVNET_L2_BUNDLER_PORT') {
  const blocker = createServer();
  const port = await findFreePort();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  const ports: Record<string, string> = {};
  for (const name of [
    'DEVNET_ANVIL_PORT',
    'DEVNET_BUNDLER_PORT',
    'DEVNET_PAYMASTER_PORT',
    'DEVNET_L2_ANVIL_PORT',
    'DEVNET_L2_BUNDLER_PORT',
    'DEVNET_L2_PAYMASTER_PORT',
  ]) {
    ports[name] = name === taken ? String(port) : String(await findFreePort());
  }
  try {
    const run = runSextant(['devnet'], {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sx-l2-')),
      RPC_URL: '',
      BUNDLER_URL: '',
      DEVNET_L2: '1',
      ...ports,
    });
    // Every child the command ever had, seen while it ran (it may start and stop some quickly).
    const seen = new Map<number, string>();
    const watch = setInterval(() => {
      // A command line is empty for a moment while the child execs: keep the one it then has.
      for (const child of childrenOf(run.child.pid as number)) if (child.command) seen.set(child.pid, child.command);
    }, 20);
    const code = await run.exited;
    clearInterval(watch);
    return { code, stderr: run.stderr(), port, seen };
  } finally {
    blocker.close();
  }
}

describe('the devnet with its second chain, when one chain cannot start', () => {
  it.each(['DEVNET_L2_ANVIL_PORT', 'DEVNET_L2_BUNDLER_PORT'] as const)(
    'a taken %s fails with what to do, and leaves no anvil or Alto of either chain',
    async (taken) => {
      const { code, stderr, port, seen } = await failingDevnet(taken);
      expect(code).toBe(1);
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain(taken);
      const started = [...seen].filter(([, command]) => /anvil|alto/.test(command));
      // The home chain's anvil at least was started before the failure stopped everything.
      expect(
        started.some(([, command]) => command.includes('anvil')),
        JSON.stringify([...seen]),
      ).toBe(true);
      if (taken === 'DEVNET_L2_BUNDLER_PORT') {
        expect(started.filter(([, command]) => command.includes('anvil')).length, JSON.stringify([...seen])).toBe(2);
      }
      await eventually(
        () => started.every(([pid]) => !isAlive(pid)),
        10_000,
        `no anvil or Alto is left: ${JSON.stringify(started.filter(([pid]) => isAlive(pid)))}`,
      );
    },
    120_000,
  );
});
