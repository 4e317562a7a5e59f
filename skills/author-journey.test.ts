import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Address, createPublicClient, erc20Abi, http, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../devnet/manifest.ts';
import { SEXTANT_BIN } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

const manifest = testDevnet();
const GUIDE = fileURLToPath(new URL('../docs/skills.md', import.meta.url));

/** Every command of the guide, in order: each line of its ```sh blocks. */
function guideCommands(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    (block[1] ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** What the guide tells the reader to run, as the assertions below expect it: a change to one is a change to both. */
const GUIDE_COMMANDS = [
  'sextant devnet',
  'sextant keys new --out author.key',
  'sextant keys new --out auditor.key --role auditor',
  'echo "SKILL_AUDITORS=0x0FBE88D9404A60c621595a7DC7Aa19C9Fc37847B,$(sextant keys address auditor.key)" >> .env',
  "export SEXTANT_PASSPHRASE='a passphrase of your own'",
  'sextant skills new my-vault/stake --key author.key',
  'sextant faucet',
  'sextant skills try my-vault-stake "stake 0.5 WETH"',
  'node --test my-vault-stake/',
  'sextant skills publish my-vault-stake --key author.key',
  'sextant skills attest my-vault/stake@1.0.0 --key auditor.key --verdict pass --report https://example.com/my-vault-audit',
  'sextant run "stake 0.5 WETH" --yes --allow-unlisted-token',
  'sextant account',
  'echo "// an edit after the audit" >> .sextant/skill-packages/my-vault__stake@1.0.0/index.ts',
  'sextant run "stake 0.5 WETH" --yes --allow-unlisted-token',
  'sextant skills verify',
];

/**
 * Runs `commands` as one shell session in `cwd` (so `export` and `.env` carry on, as in a terminal),
 * and returns each command's exit code and output (stdout and stderr together).
 */
async function shell(commands: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const script = ['exec 2>&1', ...commands.flatMap((command, i) => [command, `echo "@@step ${i} exit $?"`])].join('\n');
  const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  // 'close', not 'exit': the last step's output can still be in the pipe when bash exits.
  await new Promise((resolve) => child.once('close', resolve));
  const steps: { command: string; exit: number; output: string }[] = [];
  let rest = out;
  for (const [i, command] of commands.entries()) {
    const marker = new RegExp(`@@step ${i} exit (\\d+)\\n`);
    const found = marker.exec(rest);
    if (!found) throw new Error(`The session stopped before "${command}":\n${rest}`);
    steps.push({ command, exit: Number(found[1]), output: rest.slice(0, found.index) });
    rest = rest.slice(found.index + found[0].length);
  }
  return steps;
}

describe('the skill author journey, as docs/skills.md tells it', () => {
  it('keys → new → try → publish → attest → the agent uses it → an edit is refused, from a directory outside the checkout', async () => {
    const commands = guideCommands(readFileSync(GUIDE, 'utf8'));
    expect(commands).toEqual(GUIDE_COMMANDS);

    const home = mkdtempSync(join(tmpdir(), 'sextant-author-'));
    // "sextant on your PATH": a script that runs the checkout's bin/sextant.mjs.
    const bin = join(home, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sextant'), `#!/bin/sh\nexec "${process.execPath}" "${SEXTANT_BIN}" "$@"\n`);
    chmodSync(join(bin, 'sextant'), 0o755);
    // "In another terminal, start the devnet": this file's devnet, its manifest where `sextant devnet` writes it.
    expect(commands[0]).toBe('sextant devnet');
    writeManifest(join(home, '.sextant'), manifest);

    // A clean environment, as a new terminal has: nothing of the test runner's settings. Ollama is
    // pointed nowhere so the parser is the embedded one whatever runs on this machine.
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: home, OLLAMA_HOST: 'http://127.0.0.1:9' };
    const steps = await shell(commands.slice(1), home, env);
    const [
      authorKey,
      auditorKey,
      trust,
      passphrase,
      scaffold,
      faucet,
      tried,
      tested,
      published,
      attested,
      used,
      account,
      edit,
      refused,
      verified,
    ] = steps.map((step) => ({ ...step, says: `${step.command} → exit ${step.exit}:\n${step.output}` }));
    if (!refused || !verified) throw new Error('missing steps');

    // 1. Keys: files of mode 600, their addresses printed; an auditor trusted beside the project's.
    expect(authorKey?.exit, authorKey?.says).toBe(0);
    const author = /New author key: (0x[0-9a-fA-F]{40})/.exec(authorKey?.output ?? '')?.[1] as Address;
    expect(author).toBeDefined();
    expect(statSync(join(home, 'author.key')).mode & 0o777).toBe(0o600);
    expect(auditorKey?.exit, auditorKey?.says).toBe(0);
    const auditor = /New auditor key: (0x[0-9a-fA-F]{40})/.exec(auditorKey?.output ?? '')?.[1] as Address;
    expect(statSync(join(home, 'auditor.key')).mode & 0o777).toBe(0o600);
    expect(trust?.exit, trust?.says).toBe(0);
    expect(readFileSync(join(home, '.env'), 'utf8')).toContain(auditor);
    expect(passphrase?.exit).toBe(0);

    // 2. The scaffold names the author.
    expect(scaffold?.exit, scaffold?.says).toBe(0);
    expect(readFileSync(join(home, 'my-vault-stake', 'index.ts'), 'utf8')).toContain(`author: '${author}'`);

    // 3. Tried unpublished: planned with the package, simulated, nothing executed (chain state below).
    expect(faucet?.exit, faucet?.says).toBe(0);
    expect(tried?.exit, tried?.says).toBe(0);
    expect(tried?.output).toContain('Stake 0.5 WETH in the deposit pool   [my-vault/stake@1.0.0]');
    expect(tried?.output).toMatch(/WETH\s+-0\.5/);
    expect(tried?.output).toContain('Not executed: this was a try');
    expect(tested?.exit, tested?.says).toBe(0);
    expect(tested?.output).toMatch(/# pass 1\n/);

    // 4, 5. Published from outside the checkout (the SDK, zod and viem resolved), then attested.
    expect(published?.exit, published?.says).toBe(0);
    expect(published?.output).toContain(`published my-vault/stake@1.0.0 by ${author}`);
    expect(attested?.exit, attested?.says).toBe(0);
    expect(attested?.output).toContain(`attested my-vault/stake@1.0.0 PASS by ${auditor}`);
    expect(attested?.output).not.toContain('does not count here');

    // 6. The agent plans with it, the user confirms (--yes), the execution succeeds.
    expect(used?.exit, used?.says).toBe(0);
    expect(used?.output).toContain('[my-vault/stake@1.0.0]');
    expect(used?.output).toMatch(/Execution \S+: succeeded/);
    expect(account?.exit, account?.says).toBe(0);
    const smartAccount = /account\s+(0x[0-9a-fA-F]{40})/.exec(account?.output ?? '')?.[1] as Address;

    // 7. One byte more in the stored copy: refused as tampered, and verify names it.
    expect(edit?.exit).toBe(0);
    expect(refused.exit, refused.says).toBe(1);
    expect(refused.output).toMatch(
      /my-vault\/stake may not run \(tampered\): .*source has changed since it was published/,
    );
    expect(verified.exit, verified.says).toBe(1);
    expect(verified.output).toMatch(/my-vault\/stake@1\.0\.0: .*source has changed/);

    // On chain: exactly one stake ran (the try and the refused run sent nothing): the faucet's 5 WETH
    // less 0.5, and 0.5 WETH worth of the pool's shares (the pool's first deposit of this account).
    const client = createPublicClient({ transport: http(manifest.rpcUrl) });
    const balance = (token: Address) =>
      client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [smartAccount] });
    expect(await balance(manifest.contracts.weth)).toBe(parseEther('4.5'));
    const pool = manifest.contracts.emissions.depositPool;
    const shares = await balance(pool);
    const assets = await client.readContract({
      address: pool,
      abi: [
        {
          type: 'function',
          name: 'convertToAssets',
          stateMutability: 'view',
          inputs: [{ name: 'shares', type: 'uint256' }],
          outputs: [{ type: 'uint256' }],
        },
      ],
      functionName: 'convertToAssets',
      args: [shares],
    });
    expect(shares).toBeGreaterThan(0n);
    // An ERC-4626 conversion rounds down: within a wei of what was deposited.
    expect(parseEther('0.5') - assets).toBeLessThanOrEqual(1n);
  }, 300_000);
});
