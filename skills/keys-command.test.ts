import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';

/** Through the real binary: the first key each test makes. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = runSextant(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The rest in process (devnet/testing/in-process.ts), without a child's start-up each. */
const sextant = (args: string[], env: NodeJS.ProcessEnv = {}) => sextantInProcess(args, env);

describe('sextant keys', () => {
  it('writes a new key with mode 600, prints its address and how to use it, and never overwrites a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-keys-'));
    const path = join(dir, 'auditor.key');
    const made = await sextantBinary(['keys', 'new', '--out', path, '--role', 'auditor', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const { address, role } = JSON.parse(made.stdout);
    expect(role).toBe('auditor');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readFileSync(path, 'utf8').trim();
    expect(privateKeyToAccount(key as `0x${string}`).address).toBe(address);
    // The key never reaches the output.
    expect(made.stdout).not.toContain(key.slice(2));

    const shown = await sextant(['keys', 'address', path]);
    expect(shown.stdout.trim()).toBe(address);

    const again = await sextant(['keys', 'new', '--out', path]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('There is already a file at');
    expect(readFileSync(path, 'utf8').trim()).toBe(key);

    const author = await sextant(['keys', 'new', '--out', join(dir, 'author.key')]);
    expect(author.code, author.stderr).toBe(0);
    expect(author.stdout).toMatch(/New author key: 0x[0-9a-fA-F]{40}/);
    expect(author.stdout).toContain(`sextant skills publish DIR --key ${join(dir, 'author.key')}`);

    const badRole = await sextant(['keys', 'new', '--out', join(dir, 'x.key'), '--role', 'owner']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role takes author or auditor');
  });

  it('starts a package named by the key, and refuses a directory that holds files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-new-'));
    const keyFile = join(dir, 'author.key');
    expect((await sextant(['keys', 'new', '--out', keyFile])).code).toBe(0);
    const author = privateKeyToAccount(readFileSync(keyFile, 'utf8').trim() as `0x${string}`).address;
    const made = await sextant(['skills', 'new', 'my-vault/stake', '--key', keyFile, '--dir', join(dir, 'pkg')]);
    expect(made.code, made.stderr).toBe(0);
    const index = readFileSync(join(dir, 'pkg', 'index.ts'), 'utf8');
    expect(index).toContain(`author: '${author}'`);
    expect(index).toContain("id: 'my-vault/stake'");
    // Only what the package rule allows.
    const imports = [...index.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['sextant/skills/sdk', 'viem', 'zod']);

    const busy = await sextant(['skills', 'new', 'my-vault/stake', '--key', keyFile, '--dir', join(dir, 'pkg')]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('already holds files; nothing was written');
    expect(readFileSync(join(dir, 'pkg', 'index.ts'), 'utf8')).toBe(index);

    const nobody = await sextant(['skills', 'new', 'my-vault/stake', '--dir', join(dir, 'other')]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('sextant keys new --out author.key');
  });
});
