import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';
import { SEXTANT_AUDITOR } from './project-keys.ts';
import { TEST_AUTHOR_KEY, TIP_JAR_DIR } from './testing/registry.ts';

/** Through the real binary: `skills verify`, which loads packages through the CLI's module hooks. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The rest in process (devnet/testing/in-process.ts), without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv) => sextantInProcess(args, env);

function keyFile(dir: string, name: string, key: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return path;
}

describe('sextant skills', () => {
  it('publishes, attests and verifies a package, loading it from a DATA_DIR outside the project', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-skills-cli-'));
    const auditorKey = generatePrivateKey();
    const auditor = privateKeyToAccount(auditorKey).address;
    const env = { DATA_DIR: join(dir, 'data'), SKILL_AUDITORS: `${SEXTANT_AUDITOR},${auditor}` };

    const listed = await sextant(['skills', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const builtins = JSON.parse(listed.stdout).skills as { manifest: { id: string }; status: string }[];
    expect(builtins.length).toBeGreaterThanOrEqual(7);
    // Every built-in the maintainers signed is audited; across/bridge is written and awaits their signature.
    const statusOf = (id: string) => builtins.find((skill) => skill.manifest.id === id)?.status;
    expect(builtins.filter((skill) => skill.status !== 'audited').map((skill) => skill.manifest.id)).toEqual([
      'across/bridge',
    ]);
    expect(statusOf('across/bridge')).toBe('not-published');

    const published = await sextant(
      ['skills', 'publish', TIP_JAR_DIR, '--key', keyFile(dir, 'author.key', TEST_AUTHOR_KEY)],
      env,
    );
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/published tip-jar\/wrap@1\.0\.0 by 0x54D6\w+, code hash 0x[0-9a-f]{64}/);
    expect(published.stdout).toContain('Not yet runnable');

    const again = await sextant(['skills', 'publish', TIP_JAR_DIR, '--key', join(dir, 'author.key')], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already published.*\n.*bump `version`/);

    const before = await sextant(['skills', 'show', 'tip-jar/wrap'], env);
    expect(before.stdout).toMatch(/status\s+UNAUDITED/);
    expect(before.stdout).toMatch(/devnet: weth \(payable\) deposit\(\)/);

    const attested = await sextant(
      [
        'skills',
        'attest',
        'tip-jar/wrap@1.0.0',
        '--key',
        keyFile(dir, 'auditor.key', auditorKey),
        '--verdict',
        'pass',
        '--report',
        'https://audits.example/tip-jar',
      ],
      env,
    );
    expect(attested.code, attested.stderr).toBe(0);
    expect(attested.stdout).toContain(`attested tip-jar/wrap@1.0.0 PASS by ${auditor}`);

    // verify loads every audited package: this one from DATA_DIR/skill-packages, through the CLI's module hooks.
    const verified = await sextantBinary(['skills', 'verify', '--json'], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout);
    expect(report.ok).toBe(true);
    expect(report.awaitingSignature).toEqual(['across/bridge@1.0.0']);
    expect(report.skills).toContainEqual(
      expect.objectContaining({ id: 'tip-jar/wrap', status: 'audited', loaded: true }),
    );
    expect(report.skills).toContainEqual(
      expect.objectContaining({ id: 'tip-jar/skim', status: 'unaudited', loaded: false }),
    );
  });

  it('refuses a private key on the command line, and explains a missing subcommand', async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'sextant-skills-cli-')) };
    const onCommandLine = await sextant(['skills', 'publish', TIP_JAR_DIR, '--key', TEST_AUTHOR_KEY], env);
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).toContain('Refusing a private key on the command line');
    const missing = await sextant(['skills'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('One of list, show, publish, attest, verify');
    const help = await sextant(['skills', '--help'], env);
    expect(help.stdout).toContain('publish DIR --key KEY');
  });
});
