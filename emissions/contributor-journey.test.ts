import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Address, erc20Abi, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../devnet/manifest.ts';
import { devnetClients } from '../devnet/testing/clients.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { verifyProof } from './merkle.ts';

const manifest = testDevnet();

// In process: emissions/settle-command.test.ts runs these commands through the real binary.
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

/**
 * A contributor who is not a local account, following emissions/README.md's commands from a DATA_DIR
 * outside the checkout on the devnet: a referrer (a plain address) is credited, a short epoch (the
 * README's trial configuration: only `start` and `intervalSeconds`) is settled without waiting for
 * the UTC day, its proof is read for the address, and the local user claims it for the address: the
 * reward token lands in the address's balance on chain, exactly the proof's amount, once.
 */
describe('the contributor journey: settle → proof → claim --for a plain address → balance', () => {
  it('pays a referrer that has no local account exactly what its proof says', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-contributor-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'dora' };
    const { publicClient } = devnetClients(manifest);
    const rewardToken = manifest.contracts.emissions.rewardToken;
    const referrer = privateKeyToAccount(generatePrivateKey()).address;
    const balance = (owner: Address) =>
      publicClient.readContract({ address: rewardToken, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

    const startedAt = Math.floor(Date.now() / 1000) - 2;
    expect((await sextant(['faucet'], env)).code).toBe(0);
    const wrap = await sextant(['run', 'wrap 0.1 ETH', '--yes', '--llm', 'embedded', '--referrer', referrer], env);
    expect(wrap.code, wrap.stdout + wrap.stderr).toBe(0);

    // The README's trial configuration: epochs of a few seconds from just before the wrap, the first
    // ending a second from now (it holds the wrap, already done; the test then waits for its end); the
    // rest (buckets, cap, treasury, reward token) stays at the defaults and the devnet's own.
    const interval = Math.ceil(Date.now() / 1000) - startedAt + 1;
    writeFileSync(
      join(dataDir, 'emissions.json'),
      JSON.stringify({ schedule: { start: startedAt, intervalSeconds: interval } }),
    );
    const schedule = await sextant(['emissions', 'schedule', '--day', '0', '--json'], env);
    expect(schedule.code, schedule.stderr).toBe(0);
    expect(JSON.parse(schedule.stdout).rows[0]).toMatchObject({
      from: new Date(startedAt * 1000).toISOString(),
      to: new Date((startedAt + interval) * 1000).toISOString(),
      total: '14400',
    });
    await sleep(Math.max(0, (startedAt + interval) * 1000 - Date.now()) + 1000);

    const settled = await sextant(['emissions', 'settle', '--epoch', '0', '--json'], env);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stderr).toMatch(/epoch 0: distributed; claims are open/);
    const report = JSON.parse(settled.stdout);
    const community = report.buckets.find((b: { bucket: string }) => b.bucket === 'community');
    expect(community.payouts).toEqual([{ contributor: referrer.toLowerCase(), amount: '3456' }]);

    // The proof, for an address that is no local account.
    const proof = await sextant(['emissions', 'proof', '--epoch', '0', '--address', referrer, '--json'], env);
    expect(proof.code, proof.stderr).toBe(0);
    const claim = JSON.parse(proof.stdout) as {
      index: number;
      account: Address;
      amount: string;
      amountWei: string;
      proof: Hex[];
      root: Hex;
      distributor: Address;
      claimed: boolean | null;
    };
    expect(claim).toMatchObject({
      epoch: 0,
      status: 'distributed',
      account: referrer.toLowerCase(),
      amount: '3456',
      amountWei: (3456n * 10n ** 18n).toString(),
      root: report.root,
      distributor: report.distributor,
      rewardToken,
      claimed: false,
    });
    expect(verifyProof({ ...claim, amount: BigInt(claim.amountWei) }, claim.proof, claim.root)).toBe(true);
    const shown = await sextant(['emissions', 'proof', '--epoch', '0', '--address', referrer], env);
    expect(shown.stdout).toMatch(/can claim 3456 of the reward token/);
    expect(shown.stdout).toMatch(/status\s+not claimed yet/);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const nothing = await sextant(['emissions', 'proof', '--epoch', '0', '--address', stranger], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/Epoch 0 pays 0x[0-9a-fA-F]{40} nothing/);

    // Dora claims it for the referrer: the tokens go to the referrer, Dora's smart account sends it
    // and pays the gas (no PAYMASTER_URL here); the referrer never needs any ETH.
    const dora = await sextant(['account', '--json'], env);
    const doraAccount = JSON.parse(dora.stdout).account as Address;
    const doraEthBefore = await publicClient.getBalance({ address: doraAccount });
    expect(await balance(referrer)).toBe(0n);
    const claimed = await sextant(['emissions', 'claim', '--for', referrer, '--yes', '--json'], env);
    expect(claimed.code, claimed.stdout + claimed.stderr).toBe(0);
    expect(JSON.parse(claimed.stdout)).toMatchObject({
      for: referrer,
      claims: [{ epoch: 0, amount: '3456', amountWei: claim.amountWei }],
      execution: { status: 'succeeded' },
    });
    expect(await balance(referrer)).toBe(BigInt(claim.amountWei));
    expect(await publicClient.getBalance({ address: doraAccount })).toBeLessThan(doraEthBefore);
    expect(await publicClient.getBalance({ address: referrer })).toBe(0n);
    expect(JSON.parse(claimed.stdout).paidBy).toBe(doraAccount);

    const again = await sextant(['emissions', 'claim', '--for', referrer, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already claimed: epoch 0 \(3456 SXR\)/);
    expect(await balance(referrer)).toBe(BigInt(claim.amountWei));
    const after = await sextant(['emissions', 'proof', '--epoch', '0', '--address', referrer, '--json'], env);
    expect(JSON.parse(after.stdout).claimed).toBe(true);
    const none = await sextant(['emissions', 'claim', '--for', stranger, '--yes'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Nothing to claim for 0x[0-9a-fA-F]{40}: no distributed epoch pays it/);
  }, 180_000);
});
