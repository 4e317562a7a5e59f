import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { childrenOf, eventually, isAlive, runSextant } from './testing/processes.ts';

const PORT_SETTINGS = [
  'DEVNET_ANVIL_PORT',
  'DEVNET_BUNDLER_PORT',
  'DEVNET_PAYMASTER_PORT',
  'DEVNET_L2_ANVIL_PORT',
  'DEVNET_L2_BUNDLER_PORT',
  'DEVNET_L2_PAYMASTER_PORT',
] as const;
type PortSetting = (typeof PORT_SETTINGS)[number];

/** Something else listening on `port`; rejects (rather than throwing later) if the port is already taken. */
const listenOn = async (port: number): Promise<Server> => {
  const blocker = createServer();
  await new Promise<void>((resolve, reject) => {
    blocker.once('error', reject);
    blocker.listen(port, '127.0.0.1', resolve);
  });
  return blocker;
};

/**
 * `sextant devnet` with both chains, where `taken` is a port something else listens on: from the
 * start (`when: 'before'`), or from the moment the second chain's anvil starts, after the command
 * looked at its ports (`when: 'while starting'`). Returns how it ended and every child it had.
 */
async function failingDevnet(taken: PortSetting, when: 'before' | 'while starting') {
  const ports = Object.fromEntries(
    await Promise.all(PORT_SETTINGS.map(async (name) => [name, String(await findFreePort())] as const)),
  ) as Record<PortSetting, string>;
  const port = Number(ports[taken]);
  let blocker = when === 'before' ? await listenOn(port) : undefined;
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
    let taking: Promise<Server> | undefined;
    const watch = setInterval(() => {
      // A command line is empty for a moment while the child execs: keep the one it then has.
      for (const child of childrenOf(run.child.pid as number)) if (child.command) seen.set(child.pid, child.command);
      if (when === 'while starting' && !taking && run.stderr().includes('[devnet-l2] anvil: starting')) {
        taking = listenOn(port);
      }
    }, 20);
    const code = await run.exited;
    clearInterval(watch);
    // Had Alto bound the port first, this rejects and says so (the race is ~20 ms against a deployment).
    blocker = blocker ?? (await taking);
    return { code, stderr: run.stderr(), port, seen, took: taking !== undefined };
  } finally {
    blocker?.close();
  }
}

const anvilsAndAltos = (seen: Map<number, string>) => [...seen].filter(([, command]) => /anvil|alto/.test(command));

describe('the devnet with its second chain, when a port it needs is taken', () => {
  it.each(['DEVNET_L2_ANVIL_PORT', 'DEVNET_L2_BUNDLER_PORT'] as const)(
    'a taken %s fails with what to do before either chain starts anything',
    async (taken) => {
      const { code, stderr, port, seen } = await failingDevnet(taken, 'before');
      expect(code).toBe(1);
      expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain(taken);
      expect(anvilsAndAltos(seen), JSON.stringify([...seen])).toEqual([]);
    },
    60_000,
  );

  it('a port taken once the chains are starting still fails with what to do, and leaves no anvil or Alto of either chain', async () => {
    const { code, stderr, port, seen, took } = await failingDevnet('DEVNET_L2_BUNDLER_PORT', 'while starting');
    expect(took, stderr).toBe(true);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(stderr).toContain('DEVNET_L2_BUNDLER_PORT');
    const started = anvilsAndAltos(seen);
    // Both chains' anvils had started before the second chain's Alto found its port taken.
    expect(started.filter(([, command]) => command.includes('anvil')).length, JSON.stringify([...seen])).toBe(2);
    await eventually(
      () => started.every(([pid]) => !isAlive(pid)),
      10_000,
      `no anvil or Alto is left: ${JSON.stringify(started.filter(([pid]) => isAlive(pid)))}`,
    );
  }, 120_000);

  it('two services given one port fail at once, naming both settings', async () => {
    const port = String(await findFreePort());
    const run = runSextant(['devnet'], {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sx-l2-')),
      RPC_URL: '',
      BUNDLER_URL: '',
      DEVNET_L2: '1',
      DEVNET_ANVIL_PORT: String(await findFreePort()),
      DEVNET_BUNDLER_PORT: port,
      DEVNET_PAYMASTER_PORT: String(await findFreePort()),
      DEVNET_L2_ANVIL_PORT: port,
      DEVNET_L2_BUNDLER_PORT: String(await findFreePort()),
      DEVNET_L2_PAYMASTER_PORT: String(await findFreePort()),
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`DEVNET_BUNDLER_PORT and DEVNET_L2_ANVIL_PORT are both ${port}`);
  }, 60_000);
});
