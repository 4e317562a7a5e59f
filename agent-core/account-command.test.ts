import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, getAddress, parseEther, parseUnits } from 'viem';
import { english, generateMnemonic, generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { publicClientFor } from '../common/network.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { SEXTANT_BIN } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { delegationCode } from '../smart-accounts/eip7702.ts';
import { devnetNetwork } from '../smart-accounts/testing/environment.ts';
import { depositAtEntryPoint, entryPointDeposit } from '../smart-accounts/testing/gas-deposit.ts';

/**
 * `sextant account import`, `upgrade` and `downgrade` as a person runs them, on the shared devnet:
 * a funded address's key imported from a file becomes the user's account in simple-account mode,
 * the upgrade makes the address itself the account, a plan then moves USDC out of that very address,
 * and the downgrade clears its code again.
 */

const manifest = testDevnet();
const client = publicClientFor(devnetNetwork(manifest));
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const DEAD = '0x000000000000000000000000000000000000dEaD';
const usdcOf = (holder: Address) =>
  client.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

/**
 * In process (devnet/testing/in-process.ts), without a child's start-up each: the terminal test below
 * runs `account import` through the real binary.
 */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

/**
 * `sextant account import --user ID` at a real terminal (a pseudo-terminal from util-linux `script`):
 * each prompt is answered once it shows, as a person types; returns everything the terminal displayed.
 */
function importAtTerminal(dataDir: string, userId: string, answers: string[], extra: string[] = []) {
  const command = [process.execPath, SEXTANT_BIN, 'account', 'import', '--user', userId, ...extra].join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, DATA_DIR: dataDir, RPC_URL: '', BUNDLER_URL: '', SEXTANT_PASSPHRASE: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  let answered = 0;
  child.stdout.on('data', (chunk) => {
    shown += chunk;
    const prompts = (shown.match(/\(not shown\): |\(to [^)]*\): /g) ?? []).length;
    if (prompts > answered && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
  });
  // 'close', not 'exit': the last output can still be in the pipe when the process exits.
  return new Promise<{ code: number | null; shown: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, shown })),
  );
}

describe('sextant account import, upgrade and downgrade', () => {
  it.skipIf(!existsSync('/usr/bin/script'))(
    'imports a mnemonic (--mnemonic-index) typed at the terminal, with the passphrase, neither of them echoed',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sextant-7702-tty-'));
      writeManifest(dataDir, manifest);
      const mnemonic = generateMnemonic(english);
      const expected = mnemonicToAccount(mnemonic, { addressIndex: 2 }).address;
      const passphrase = 'typed passphrase 42';
      const { code, shown } = await importAtTerminal(
        dataDir,
        'tty-user',
        [mnemonic, passphrase],
        ['--mnemonic-index', '2'],
      );
      expect(code, shown).toBe(0);
      expect(shown).toContain('Private key or mnemonic (not shown): ');
      expect(shown).toContain('Keystore passphrase (to encrypt the imported owner key of user "tty-user"): ');
      expect(shown).toContain(`Imported ${expected} as the owner key of user "tty-user"`);
      // Any three of its words in a row would be an echo (single words, like "account", occur in the text).
      const words = mnemonic.split(' ');
      for (let i = 0; i + 3 <= words.length; i++) expect(shown).not.toContain(words.slice(i, i + 3).join(' '));
      expect(shown).not.toContain(passphrase);
    },
  );

  it('imports a funded key from a file, upgrades its address into the account, sends USDC from it, and downgrades', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-7702-cli-'));
    writeManifest(dataDir, manifest);
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    const keyFile = join(dataDir, 'owner.key');
    writeFileSync(keyFile, `${privateKey}\n`, { mode: 0o600 });
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'erin' };

    const imported = await sextant(['account', 'import', '--key', keyFile], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Imported ${address} as the owner key of user "erin"`);
    expect(imported.stdout).toContain('in simple-account mode');
    expect(imported.stdout).toContain('Next: `sextant account upgrade`');
    // Nothing of the secret is ever printed.
    expect(imported.stdout + imported.stderr).not.toContain(privateKey.slice(2, 20));

    const simple = JSON.parse((await sextant(['account', '--json'], env)).stdout);
    expect(simple).toMatchObject({ user: 'erin', owner: address, accountMode: 'simple-account', implementation: null });
    expect(simple.account).not.toBe(address);
    // Funds on the SimpleAccount too: the upgrade says they stay there.
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, simple.account);
    const simpleUsdc = await usdcOf(simple.account);

    const upgrade = await sextant(['account', 'upgrade', '--yes'], env);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain("Upgrade user erin's account: simple-account → eip7702");
    expect(upgrade.stdout).toMatch(
      /Sent now as one type-4 transaction from 0x[0-9a-fA-F]{40} to itself: about 46,000 gas/,
    );
    expect(upgrade.stdout).toContain(`Your SimpleAccount ${simple.account} holds 10 ETH, 5 WETH, 10000 USDC`);
    expect(upgrade.stdout).toContain(`Upgraded (type-4 transaction 0x`);
    const implementation = manifest.contracts.simple7702Account as Address;
    expect(await client.getCode({ address })).toBe(delegationCode(implementation).toLowerCase());

    const shown = await sextant(['account'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      `mode      EIP-7702: your own address ${address}, delegated to Simple7702Account ${getAddress(implementation)}`,
    );
    expect(shown.stdout).toMatch(new RegExp(`account {3}${address} {2}\\(your own address\\)`));

    const before = await usdcOf(address);
    const deadBefore = await usdcOf(DEAD);
    const sent = await sextant(
      ['run', `send 1 USDC to ${DEAD}`, '--yes', '--allow-new-recipient', '--llm', 'embedded', '--json'],
      env,
    );
    expect(sent.code, `${sent.stdout}\n${sent.stderr}`).toBe(0);
    const result = JSON.parse(sent.stdout);
    expect(result.execution.status).toBe('succeeded');
    expect(result.plan.preview.guard?.checks.length).toBeGreaterThan(0);
    // From the address the key controls, not a SimpleAccount.
    expect(await usdcOf(address)).toBe(before - parseUnits('1', usdc.decimals));
    expect(await usdcOf(DEAD)).toBe(deadBefore + parseUnits('1', usdc.decimals));
    expect(await usdcOf(simple.account)).toBe(simpleUsdc);

    const downgrade = await sextant(['account', 'downgrade', '--yes', '--json'], env);
    expect(downgrade.code, downgrade.stderr).toBe(0);
    expect(JSON.parse(downgrade.stdout)).toMatchObject({
      applied: true,
      change: { action: 'downgrade', modeBefore: 'eip7702', modeAfter: 'simple-account' },
      result: { mode: 'simple-account', delegatedTo: null },
      account: simple.account,
    });
    expect(await client.getCode({ address })).toBeUndefined();

    // The user has a key now: a second import is refused before anything is read, and names the way out.
    const again = await sextant(['account', 'import', '--key', keyFile], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`User "erin" already has an owner key (${address}); it is never replaced.`);
    expect(again.stderr).toContain('--user NEW_ID');
  });

  it('upgrades to the DeleGator (--implementation delegator), sends USDC from the address through the bundler, and switches back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-7702-delegator-'));
    writeManifest(dataDir, manifest);
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    const env = {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'gwen',
      OWNER_SECRET: privateKey,
    };
    expect((await sextant(['account', 'import', '--key', 'env:OWNER_SECRET'], env)).code).toBe(0);
    const deleGator = manifest.contracts.delegation.eip7702StatelessDeleGator;

    const help = await sextant(['account', 'upgrade', '--help'], env);
    expect(help.stdout).toContain('--implementation simple7702|delegator');
    const wrong = await sextant(['account', 'upgrade', '--implementation', 'kernel', '--yes'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--implementation takes simple7702 or delegator, not "kernel".');

    const upgrade = await sextant(['account', 'upgrade', '--implementation', 'delegator', '--yes'], env);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain("Upgrade user gwen's account: simple-account → eip7702 (delegator)");
    expect(upgrade.stdout).toContain(`it delegates to MetaMask's EIP-7702 DeleGator ${deleGator}`);
    expect(upgrade.stdout).toContain('it can hold delegations with caveats, which standing');
    expect(upgrade.stdout).toContain(`delegated to MetaMask's EIP-7702 DeleGator ${deleGator} (eip7702 mode)`);
    expect(await client.getCode({ address })).toBe(delegationCode(deleGator).toLowerCase());

    const shown = await sextant(['account'], env);
    expect(shown.stdout).toContain(
      `mode      EIP-7702: your own address ${address}, delegated to MetaMask's EIP-7702 DeleGator ${getAddress(deleGator)}`,
    );
    expect(JSON.parse((await sextant(['account', '--json'], env)).stdout)).toMatchObject({
      account: address,
      accountMode: 'eip7702',
      eip7702Implementation: 'delegator',
      implementation: getAddress(deleGator),
    });
    const again = await sextant(['account', 'upgrade', '--implementation', 'delegator', '--yes'], env);
    expect(again.stdout).toContain('Nothing to do: the account is already in eip7702 (delegator) mode.');

    // The chat path: a UserOperation of the DeleGator (EntryPoint v0.7) through the devnet's bundler.
    const before = await usdcOf(address);
    const deadBefore = await usdcOf(DEAD);
    const sent = await sextant(
      ['run', `send 2 USDC to ${DEAD}`, '--yes', '--allow-new-recipient', '--llm', 'embedded', '--json'],
      env,
    );
    expect(sent.code, `${sent.stdout}\n${sent.stderr}`).toBe(0);
    const { execution, plan } = JSON.parse(sent.stdout);
    expect(execution.status).toBe('succeeded');
    expect(plan.preview.guard?.checks.length).toBeGreaterThan(0);
    expect(execution.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await usdcOf(address)).toBe(before - parseUnits('2', usdc.decimals));
    expect(await usdcOf(DEAD)).toBe(deadBefore + parseUnits('2', usdc.decimals));

    const back = await sextant(['account', 'upgrade', '--yes', '--json'], env);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({
      applied: true,
      change: { current: deleGator, implementationBefore: 'delegator', implementationAfter: 'simple7702' },
      result: { mode: 'eip7702', implementation: 'simple7702' },
    });
    expect(await client.getCode({ address })).toBe(
      delegationCode(manifest.contracts.simple7702Account as Address).toLowerCase(),
    );
  });

  it('upgrades --via first-operation: nothing sent, and the next plan carries the delegation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-7702-first-'));
    writeManifest(dataDir, manifest);
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    const env = {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'finn',
      OWNER_SECRET: privateKey,
    };
    expect((await sextant(['account', 'import', '--key', 'env:OWNER_SECRET'], env)).code).toBe(0);

    const upgrade = await sextant(['account', 'upgrade', '--via', 'first-operation', '--yes', '--json'], env);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(JSON.parse(upgrade.stdout)).toMatchObject({
      applied: true,
      change: { via: 'first-operation', sendsAuthorization: false, gas: null },
      result: { mode: 'eip7702', txHash: null, delegatedTo: null },
      account: address,
    });
    expect(await client.getCode({ address })).toBeUndefined();
    const shown = JSON.parse((await sextant(['account', '--json'], env)).stdout);
    expect(shown).toMatchObject({ account: address, accountMode: 'eip7702', implementation: null });

    const wrapped = await sextant(['run', 'wrap 1 ETH', '--yes', '--llm', 'embedded', '--json'], env);
    expect(wrapped.code, `${wrapped.stdout}\n${wrapped.stderr}`).toBe(0);
    expect(JSON.parse(wrapped.stdout).execution.status).toBe('succeeded');
    expect(await client.getCode({ address })).toBe(
      delegationCode(manifest.contracts.simple7702Account as Address).toLowerCase(),
    );
    const weth = manifest.tokens.find((t) => t.symbol === 'WETH') as { address: Address };
    expect(
      await client.readContract({ address: weth.address, abi: erc20Abi, functionName: 'balanceOf', args: [address] }),
    ).toBe(parseUnits('6', 18));
  });

  it('`sextant account withdraw-gas` shows the gas deposit, asks, and takes it back into the account', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-withdraw-gas-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'gwen' };
    expect((await sextant(['faucet'], env)).code).toBe(0);
    const account = JSON.parse((await sextant(['account', '--json'], env)).stdout).account as Address;
    const nothing = await sextant(['account', 'withdraw-gas', '--yes'], env);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(nothing.stdout).toContain(`Nothing to withdraw: no EntryPoint holds ETH for ${account}.`);
    // An operation leaves what it did not use of its prefund as the deposit.
    const sent = await sextant(
      ['run', `send 1 USDC to ${DEAD}`, '--yes', '--allow-new-recipient', '--llm', 'embedded', '--json'],
      env,
    );
    expect(JSON.parse(sent.stdout).execution.status, sent.stderr).toBe('succeeded');
    const deposit = () => entryPointDeposit(client, manifest, account);
    expect(await deposit()).toBeGreaterThan(0n);
    // What one operation leaves is less than the withdrawal's own gas may take from it: it stays.
    const tooLittle = await sextant(['account', 'withdraw-gas', '--yes'], env);
    expect(tooLittle.code, tooLittle.stderr).toBe(0);
    expect(tooLittle.stdout).toMatch(
      /^Nothing to withdraw: nothing from EntryPoint v0\.8 \(0x[0-9a-fA-F]{40}\): its 0\.\d+ ETH is what this withdrawal's own gas may need; it pays your next operations\.$/m,
    );
    // Someone deposits 0.05 ETH for the account at the EntryPoint (anyone may).
    await depositAtEntryPoint(manifest, account, parseEther('0.05'));
    const held = await deposit();
    expect((await sextant(['account'], env)).stdout).toMatch(
      /\| Gas deposit ETH \(EntryPoint v0\.8\) +\| +0\.05\d* \|/,
    );

    // Without --yes and no terminal to ask at: not executed.
    const unconfirmed = await sextant(['account', 'withdraw-gas'], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout).toContain(`Withdraw the gas deposit of user gwen's account ${account}:`);
    expect(await deposit()).toBe(held);

    const ethBefore = await client.getBalance({ address: account });
    const withdrawn = await sextant(['account', 'withdraw-gas', '--yes', '--json'], env);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    const result = JSON.parse(withdrawn.stdout) as {
      applied: boolean;
      withdrawal: { deposits: { withdrawn: string }[] };
      execution: { status: string; feePaid: string };
    };
    expect(result.applied).toBe(true);
    expect(result.execution.status).toBe('succeeded');
    const amount = BigInt(result.withdrawal.deposits[0]?.withdrawn ?? '0');
    expect(amount).toBeGreaterThan(0n);
    // Into the account, exactly; the withdrawal's own gas came out of what stayed at the EntryPoint.
    expect(await client.getBalance({ address: account })).toBe(ethBefore + amount);
    expect(await deposit()).toBe(held - amount - BigInt(result.execution.feePaid));
  });

  it('`sextant account cancel-operation` names what it needs and refuses what it cannot cancel', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-cancel-operation-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'hal' };
    expect((await sextant(['account'], env)).code).toBe(0);
    const bare = await sextant(['account', 'cancel-operation'], env);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('Name the execution to cancel: sextant account cancel-operation EXECUTION_ID.');
    const unknown = await sextant(['account', 'cancel-operation', 'no-such-execution', '--yes'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No execution no-such-execution for user hal.');
    const help = await sextant(['account', 'cancel-operation', '--help'], env);
    expect(help.stdout).toContain('an operation of the account that does nothing, with the same nonce');
  });
});
