import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../common/ports.ts';
import { writeManifest } from '../../devnet/manifest.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { runSextant, servingSextant } from '../../devnet/testing/processes.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { ODOS_DIR, TEST_AUDITOR, TEST_AUDITOR_KEY, TEST_PROTOCOL, TEST_PROTOCOL_KEY } from '../testing/endpoints.ts';
import { TEST_AUTHOR_KEY } from '../testing/registry.ts';

const manifest = testDevnet();

/** Through the real binary, as `endpoint serve` (servingSextant) is. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The short commands in process (devnet/testing/in-process.ts), without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

/** `sextant endpoint serve …`, running until stopped; resolves once it says where it listens. */
const serving = (args: string[], env: NodeJS.ProcessEnv) =>
  servingSextant(['endpoint', 'serve', ...args], { RPC_URL: '', BUNDLER_URL: '', ...env }, { timeoutMs: 30_000 });

function file(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${content}\n`, { mode: 0o600 });
  return path;
}

describe('sextant endpoint and sextant endpoints', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('a protocol serves its audited skill; a user adds, lists, refreshes and removes the endpoint; an auditor attests it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-endpoints-cli-'));
    const trusted = { SKILL_AUDITORS: `${SEXTANT_AUDITOR},${TEST_AUDITOR.address}` };
    const protocolEnv = { DATA_DIR: join(dir, 'protocol'), ...trusted };
    const userEnv = { DATA_DIR: join(dir, 'user'), ...trusted };
    writeManifest(protocolEnv.DATA_DIR, manifest);
    writeManifest(userEnv.DATA_DIR, manifest);
    const auditorKey = file(dir, 'auditor.key', TEST_AUDITOR_KEY);
    const protocolKey = file(dir, 'protocol.key', TEST_PROTOCOL_KEY);

    // The protocol's side: its skill published and audited in its own registry, then served.
    expect(
      (await sextant(['skills', 'publish', ODOS_DIR, '--key', file(dir, 'author.key', TEST_AUTHOR_KEY)], protocolEnv))
        .code,
    ).toBe(0);
    const audit = ['--key', auditorKey, '--verdict', 'pass', '--report', 'https://audits.example/odos'];
    expect((await sextant(['skills', 'attest', 'odos/swap@1.0.0', ...audit], protocolEnv)).code).toBe(0);
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const serveArgs = ['--skill', 'odos/swap', '--port', String(port), '--key', protocolKey];
    let server = await serving(serveArgs, protocolEnv);
    stops.push(() => server.stop());
    expect(server.stdout()).toContain(`endpoint       ${url}`);
    expect(server.stdout()).toContain(`author         ${TEST_PROTOCOL.address}`);

    // Added before any auditor looked at the endpoint: listed, verified, but not runnable.
    const added = await sextant(['endpoints', 'add', url], userEnv);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/odos\/swap@1\.0\.0 {2}UNAUDITED {2}Swap through Odos/);

    // The auditor attests the manifest hash at its build version; the protocol serves the attestation.
    const attested = await sextant(['endpoint', 'attest', url, ...audit], userEnv);
    expect(attested.code, attested.stderr).toBe(0);
    const attestations = file(dir, 'attestations.jsonl', attested.stdout.trim());
    await server.stop();
    server = await serving([...serveArgs, '--attestations', attestations], protocolEnv);
    expect(server.stdout()).toContain('attestations   1\n');

    expect((await sextant(['endpoints', 'refresh'], userEnv)).code).toBe(0);
    const listed = await sextant(['endpoints', 'list', '--json'], userEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).endpoints).toEqual([
      expect.objectContaining({
        url,
        protocol: 'odos',
        author: TEST_PROTOCOL.address,
        suspect: null,
        skills: [expect.objectContaining({ id: 'odos/swap', status: 'audited', auditors: [TEST_AUDITOR.address] })],
      }),
    ]);
    const skills = await sextant(['skills', 'list', '--json'], userEnv);
    expect(JSON.parse(skills.stdout).skills).toContainEqual(
      expect.objectContaining({ origin: 'remote', endpoint: url, status: 'audited' }),
    );

    expect((await sextant(['endpoints', 'remove', `${url}/`], userEnv)).code).toBe(0);
    expect((await sextant(['endpoints', 'list'], userEnv)).stdout).toContain('No endpoints');
  });

  it('refuses to add an endpoint whose skill id a local skill has, before storing anything (the README block on one DATA_DIR)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-endpoints-taken-'));
    const env = { DATA_DIR: join(dir, 'one'), SKILL_AUDITORS: `${SEXTANT_AUDITOR},${TEST_AUDITOR.address}` };
    writeManifest(env.DATA_DIR, manifest);
    expect(
      (await sextant(['skills', 'publish', ODOS_DIR, '--key', file(dir, 'author.key', TEST_AUTHOR_KEY)], env)).code,
    ).toBe(0);
    const auditorKey = file(dir, 'auditor.key', TEST_AUDITOR_KEY);
    const audit = ['--key', auditorKey, '--verdict', 'pass', '--report', 'https://audits.example/odos'];
    expect((await sextant(['skills', 'attest', 'odos/swap@1.0.0', ...audit], env)).code).toBe(0);
    const port = await findFreePort();
    const server = await serving(['--skill', 'odos/swap', '--port', String(port)], env);
    stops.push(() => server.stop());

    const url = `http://127.0.0.1:${port}`;
    const added = await sextant(['endpoints', 'add', url], env);
    expect(added.code).not.toBe(0);
    expect(added.stderr).toContain(
      `${url} serves odos/swap, and a local skill here already has that id; nothing was added.`,
    );
    expect(added.stderr).toContain("add it from the user's own DATA_DIR instead");
    expect((await sextant(['endpoints', 'list'], env)).stdout).toContain('No endpoints');
  });

  it('says which URL could not be reached and what to check, in words', async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'sextant-endpoints-down-')) };
    const url = `http://127.0.0.1:${await findFreePort()}`;
    const added = await sextantBinary(['endpoints', 'add', url], env);
    expect(added.code).not.toBe(0);
    expect(added.stderr).toContain(
      `${url} could not be reached for its manifest (${url}/.well-known/sextant-skills.json): nothing is listening there (connection refused).`,
    );
    expect(added.stderr).toContain('Check that the endpoint is running');
    expect(added.stderr).not.toMatch(/ECONNREFUSED|UND_ERR|fetch failed/);
  });

  it('serves from a DATA_DIR of its own on the devnet at RPC_URL, and says what to set when there is neither', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-endpoint-own-'));
    const trusted = { SKILL_AUDITORS: `${SEXTANT_AUDITOR},${TEST_AUDITOR.address}` };
    const bare = { DATA_DIR: join(dir, 'protocol'), ...trusted };
    expect(
      (await sextant(['skills', 'publish', ODOS_DIR, '--key', file(dir, 'author.key', TEST_AUTHOR_KEY)], bare)).code,
    ).toBe(0);
    const audit = ['--key', file(dir, 'auditor.key', TEST_AUDITOR_KEY), '--verdict', 'pass', '--report', 'https://a'];
    expect((await sextant(['skills', 'attest', 'odos/swap@1.0.0', ...audit], bare)).code).toBe(0);

    const neither = await sextant(
      ['endpoint', 'serve', '--skill', 'odos/swap', '--port', String(await findFreePort())],
      bare,
    );
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toContain('there is no devnet manifest at');
    expect(neither.stderr).toContain('Set RPC_URL (and BUNDLER_URL) to the running devnet’s');

    const port = await findFreePort();
    const server = await serving(['--skill', 'odos/swap', '--port', String(port)], {
      ...bare,
      RPC_URL: manifest.rpcUrl,
      BUNDLER_URL: manifest.bundlerUrl,
    });
    stops.push(() => server.stop());
    expect(server.stdout()).toContain('as an agent endpoint on Sextant devnet');
    // It builds on the devnet's real contracts: a swap's call goes to the devnet's router.
    const response = await fetch(`http://127.0.0.1:${port}/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        skill: 'odos/swap',
        input: { tokenIn: 'USDC', tokenOut: 'ETH', amountIn: '10' },
        chainId: manifest.chainId,
        account: TEST_PROTOCOL.address,
      }),
    });
    expect(response.status).toBe(200);
    const build = (await response.json()) as { calls: { to: string }[] };
    expect(build.calls.map((call) => call.to.toLowerCase())).toEqual([
      manifest.contracts.uniswapV3.swapRouter02.toLowerCase(),
    ]);
  });
});
