import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { anvilBinaryPath, startAnvil } from './anvil.ts';
import { spawnSupervised } from './child-process.ts';
import { startDevnet } from './devnet.ts';
import { ChildProcessError, DevnetError } from './errors.ts';
import { childrenOf, eventually, isAlive, runSextant } from './testing/processes.ts';

/** Starts `sextant devnet` on free ports and waits until it prints its manifest. */
async function startDevnetProcess() {
  const anvilPort = await findFreePort();
  const bundlerPort = await findFreePort();
  const paymasterPort = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-lifecycle-'));
  const run = runSextant(
    [
      'devnet',
      '--json',
      '--anvil-port',
      String(anvilPort),
      '--bundler-port',
      String(bundlerPort),
      '--paymaster-port',
      String(paymasterPort),
    ],
    {
      DATA_DIR: dataDir,
      RPC_URL: '',
      BUNDLER_URL: '',
      // One chain: its process lifecycle is what this file tests (app/two-chain-devnet.test.ts has both).
      DEVNET_L2: '0',
    },
  );
  // The manifest goes to stdout before "Press Ctrl-C" goes to stderr, but the two pipes are read
  // separately: stderr's line can arrive first (a clean-clone CI run parsed an empty stdout).
  await eventually(
    () => run.stderr().includes('Press Ctrl-C') && run.stdout().trimEnd().endsWith('}'),
    60_000,
    `the devnet is ready\n${run.stderr()}`,
  );
  const manifest = JSON.parse(run.stdout()) as { rpcUrl: string; bundlerUrl: string };
  expect(manifest.rpcUrl).toBe(`http://127.0.0.1:${anvilPort}`);
  const pid = run.child.pid as number;
  const children = childrenOf(pid);
  const anvil = children.find((child) => child.command.includes('anvil'));
  const alto = children.find((child) => child.command.includes('alto'));
  expect(anvil, JSON.stringify(children)).toBeDefined();
  expect(alto, JSON.stringify(children)).toBeDefined();
  return { run, anvil: anvil?.pid as number, alto: alto?.pid as number };
}

describe('the devnet process', () => {
  // The three lifecycles each start their own \`sextant devnet\` on free ports: they run side by side.
  it.concurrent('stops anvil and Alto when it gets SIGTERM, and exits cleanly', async () => {
    const { run, anvil, alto } = await startDevnetProcess();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('Stopped.');
    expect(isAlive(anvil)).toBe(false);
    expect(isAlive(alto)).toBe(false);
  });

  it.concurrent('leaves no anvil or Alto behind even when killed outright (SIGKILL)', async () => {
    const { run, anvil, alto } = await startDevnetProcess();
    run.child.kill('SIGKILL');
    await run.exited;
    await eventually(() => !isAlive(anvil) && !isAlive(alto), 10_000, 'the reaper has ended anvil and Alto');
  });

  it.concurrent('stops Alto and exits with the reason when anvil dies under it', async () => {
    const { run, anvil, alto } = await startDevnetProcess();
    process.kill(anvil, 'SIGKILL');
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('anvil exited unexpectedly (SIGKILL)');
    expect(isAlive(alto)).toBe(false);
  });

  it('refuses a port in use with a message that names it and says what to do', async () => {
    const blocker = createServer();
    const port = await findFreePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = runSextant(['devnet', '--anvil-port', String(port)], {
        DATA_DIR: mkdtempSync(join(tmpdir(), 'sx-')),
        DEVNET_L2: '0',
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(run.stderr()).toContain('DEVNET_ANVIL_PORT');
    } finally {
      blocker.close();
    }
  });

  it('refuses to deploy its test contracts on a chain that is not a devnet', async () => {
    const port = await findFreePort();
    const base = await spawnSupervised('anvil', anvilBinaryPath(), ['--port', String(port), '--chain-id', '8453']);
    try {
      await eventually(() => base.outputTail().includes('Listening'), 10_000, 'anvil listens');
      const error = await startDevnet({
        anvilPort: 0,
        bundlerPort: 0,
        paymasterPort: 0,
        rpcUrl: `http://127.0.0.1:${port}`,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DevnetError);
      expect((error as DevnetError).message).toContain('is chain 8453 (Base), not a devnet (31337)');
      expect((error as DevnetError).hint).toContain('set CHAIN=base');
    } finally {
      await base.stop();
    }
  });

  it('says so clearly when the anvil binary is missing', async () => {
    const error = await startAnvil({
      host: '127.0.0.1',
      port: await findFreePort(),
      binary: '/nonexistent/anvil',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChildProcessError);
    expect((error as ChildProcessError).message).toContain('Could not start anvil: /nonexistent/anvil is not found');
    expect((error as ChildProcessError).hint).toContain('npm ci');
  });

  it('reports a child that dies at start with what it printed, instead of hanging', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'sx-')), 'broken-anvil');
    writeFileSync(script, '#!/bin/sh\necho "error: cannot open the state file" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const started = Date.now();
    const error = await startAnvil({
      host: '127.0.0.1',
      port: await findFreePort(),
      binary: script,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChildProcessError);
    expect((error as Error).message).toContain('anvil exited (code 3)');
    expect((error as Error).message).toContain('cannot open the state file');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
