import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, type Hex, isAddressEqual, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../common/database.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { devnetClients } from '../devnet/testing/clients.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { testDistributionTarget } from './testing/distribution.ts';
import { rewardEpochFor } from './testing/rewarded-account.ts';

/**
 * `sextant orders new --claim-rewards` as a person runs it, in process, from a DATA_DIR on the shared
 * devnet: a user in the default account mode (a SimpleAccount through the bundler, no DeleGator)
 * grants a claim order, which sends the agent key its gas and nothing else; an epoch paying the
 * account is settled in the DATA_DIR's database and distributed on chain (in a reward token of the
 * test's own, named in emissions.json, so no other test's epochs or the devnet admin's nonces are
 * touched); `orders run` claims it from the agent key, exactly its amount; `orders show` shows the
 * epoch's run and its transaction; `orders cancel` sends nothing, and the runner claims nothing after.
 */
const manifest = testDevnet();
const { publicClient } = devnetClients(manifest);
const PASSPHRASE = 'a passphrase for tests';

const sextant = (args: string[], env: NodeJS.ProcessEnv) => sextantInProcess(args, env);

function userEnv(user: string): NodeJS.ProcessEnv & { DATA_DIR: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-claim-order-'));
  writeManifest(dataDir, manifest);
  return { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: PASSPHRASE, SEXTANT_USER: user, RPC_URL: '', BUNDLER_URL: '' };
}

describe('sextant orders new --claim-rewards', () => {
  it('says how to use it, and refuses it with the terms of another kind', async () => {
    const env = userEnv('hana');
    const help = await sextant(['orders', 'new', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('sextant orders new --claim-rewards --days N');
    expect(help.stdout).toMatch(/--claim-rewards {10}a claim order instead/);
    const mixed = await sextant(['orders', 'new', '--claim-rewards', '--spend', '5 USDC', '--days', '3', '--yes'], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('A claim order takes --claim-rewards and --days only, not --spend.');
    const noDays = await sextant(['orders', 'new', '--claim-rewards', '--yes'], env);
    expect(noDays.code).toBe(2);
    expect(noDays.stderr).toContain('Give how many days: --days 30.');
    const listed = await sextant(['orders', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual({ orders: [] });
  });

  it('grants a claim order from a SimpleAccount, claims a distributed epoch on chain, shows it, and cancels with no transaction', async () => {
    const env = userEnv('ines');
    const { target } = await testDistributionTarget(manifest);
    const rewardToken = target.rewardToken;
    writeFileSync(join(env.DATA_DIR, 'emissions.json'), JSON.stringify({ rewardToken }));
    const created = await sextant(['account', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const account = JSON.parse(created.stdout).account as Address;
    expect((await sextant(['faucet'], env)).code).toBe(0);
    const rewardBalance = () =>
      publicClient.readContract({ address: rewardToken, abi: erc20Abi, functionName: 'balanceOf', args: [account] });

    const made = await sextant(['orders', 'new', '--claim-rewards', '--days', '3', '--yes', '--json'], env);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const { granted, order } = JSON.parse(made.stdout);
    expect(granted).toBe(true);
    expect(order).toMatchObject({
      kind: 'claim-rewards',
      status: 'active',
      account,
      runs: [],
      revoke: null,
      grant: { status: 'succeeded' },
      terms: { days: 3, claim: { rewardToken, symbol: 'SXR' } },
    });
    expect(order.words).toMatch(/It needs no permission over your funds, and you sign none/);
    // The grant sent the agent key its gas, exactly, and nothing else moved to it.
    expect(await publicClient.getBalance({ address: order.agent })).toBe(parseEther(order.agentGas));
    expect(await publicClient.getTransactionCount({ address: order.agent })).toBe(0);

    const waiting = await sextant(['orders', 'run', '--json'], env);
    expect(waiting.code, waiting.stderr).toBe(0);
    expect(JSON.parse(waiting.stdout).orders).toEqual([
      { orderId: order.id, outcome: expect.stringMatching(/^waiting for an epoch distributed with rewards/) },
    ]);

    // An epoch paying the account settles (in the DATA_DIR's own database) and is distributed.
    const db = openDatabase(databasePath(env.DATA_DIR));
    let epoch: { epoch: number; amount: bigint };
    try {
      epoch = await rewardEpochFor(db, target, account);
    } finally {
      db.close();
    }
    const before = await rewardBalance();
    const ran = await sextant(['orders', 'run', '--json'], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout).orders).toEqual([
      { orderId: order.id, outcome: `epoch ${epoch.epoch}'s claim succeeded` },
    ]);
    expect(await rewardBalance()).toBe(before + epoch.amount);
    expect(await publicClient.getTransactionCount({ address: order.agent })).toBe(1);
    // Once only.
    const again = await sextant(['orders', 'run', '--json'], env);
    expect(JSON.parse(again.stdout).orders[0].outcome).toMatch(/^waiting/);
    expect(await rewardBalance()).toBe(before + epoch.amount);

    const shown = await sextant(['orders', 'show', order.id], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Order ${order.id}: active`);
    expect(shown.stdout).toContain(`claims   your SXR rewards (${rewardToken}) as each epoch is distributed`);
    const runTx = new RegExp(`epoch ${epoch.epoch}, attempt 1: succeeded {2}tx (0x[0-9a-f]{64})`).exec(
      shown.stdout,
    )?.[1] as Hex;
    expect(runTx, shown.stdout).toBeDefined();
    const receipt = await publicClient.getTransactionReceipt({ hash: runTx });
    expect(receipt.status).toBe('success');
    expect(isAddressEqual(receipt.from, order.agent)).toBe(true);
    const view = JSON.parse((await sextant(['orders', 'show', order.id, '--json'], env)).stdout).order;
    expect(view.runs).toMatchObject([
      { day: null, epoch: epoch.epoch, attempt: 1, status: 'succeeded', txHash: runTx, error: null },
    ]);
    const listed = await sextant(['orders', 'list'], env);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${order.id} {2}active {5}claims SXR rewards as each epoch is distributed, until \\S+; 1 claimed`,
        'm',
      ),
    );

    // Cancelled at once, without a terminal or --yes: there is nothing on chain to revoke.
    const ethBefore = await publicClient.getBalance({ address: account });
    const cancelled = await sextant(['orders', 'cancel', order.id, '--yes', '--json'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({
      cancelled: true,
      order: { id: order.id, status: 'cancelled', revoke: null },
    });
    expect(await publicClient.getBalance({ address: account })).toBe(ethBefore);
    // A later epoch is left to the user.
    const db2 = openDatabase(databasePath(env.DATA_DIR));
    try {
      await rewardEpochFor(db2, target, account);
    } finally {
      db2.close();
    }
    // The pass claims nothing more; what it does is send the agent key's unused gas back to the
    // account (a SimpleAccount: its receive takes it), once.
    const accountEth = await publicClient.getBalance({ address: account });
    const agentEth = await publicClient.getBalance({ address: order.agent });
    const after = await sextant(['orders', 'run', '--json'], env);
    expect(JSON.parse(after.stdout).orders).toMatchObject([
      { orderId: order.id, outcome: expect.stringMatching(/^its agent key returned 0\.\d+ ETH of unused gas to /) },
    ]);
    expect(await rewardBalance()).toBe(before + epoch.amount);
    expect(await publicClient.getTransactionCount({ address: order.agent })).toBe(2);
    const returned = (await publicClient.getBalance({ address: account })) - accountEth;
    expect(returned).toBeGreaterThan((agentEth * 9n) / 10n);
    expect(JSON.parse((await sextant(['orders', 'run', '--json'], env)).stdout).orders).toEqual([]);
  }, 180_000);

  it('shown without --yes is only proposed, with nothing sent; confirmed later from the SimpleAccount, it says what the runner does', async () => {
    const env = userEnv('jun');
    const { target } = await testDistributionTarget(manifest);
    writeFileSync(join(env.DATA_DIR, 'emissions.json'), JSON.stringify({ rewardToken: target.rewardToken }));
    expect((await sextant(['account'], env)).code).toBe(0);
    expect((await sextant(['faucet'], env)).code).toBe(0);

    const declined = await sextant(['orders', 'new', '--claim-rewards', '--days', '2'], env);
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/^Standing order (ord_[0-9a-f]{16}) for user jun \(proposed\):/);
    expect(declined.stdout).toMatch(
      /Sextant may claim the SXR rewards of your address 0x[0-9a-fA-F]{40} as each epoch is distributed/,
    );
    expect(declined.stdout).toContain('Not granted: there is no terminal to confirm in; pass --yes to confirm.');
    const id = /Standing order (ord_[0-9a-f]{16})/.exec(declined.stdout)?.[1] as string;
    const proposed = JSON.parse((await sextant(['orders', 'show', id, '--json'], env)).stdout).order;
    expect(proposed).toMatchObject({ status: 'proposed', grant: null });
    expect(await publicClient.getBalance({ address: proposed.agent })).toBe(0n);

    // `confirm` needs no DeleGator for a claim order either.
    const confirmed = await sextant(['orders', 'confirm', id, '--yes'], env);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain(`Granted: order ${id} is active.`);
    expect(confirmed.stdout).toMatch(/grant {3}succeeded, tx 0x[0-9a-f]{64}/);
    expect(confirmed.stdout).toContain('next    at the runner’s next pass: claims each epoch distributed');
    expect(confirmed.stdout).toContain('The runner claims each epoch as it is distributed:');
    expect(confirmed.stdout).not.toContain('swap');
    expect(await publicClient.getBalance({ address: proposed.agent })).toBe(parseEther(proposed.agentGas));

    // One claim order at a time: a second would only race the first for the same claims.
    const second = await sextant(['orders', 'new', '--claim-rewards', '--days', '2', '--yes'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Order ${id} (active) already claims your rewards`);
    expect(await publicClient.getBalance({ address: proposed.agent })).toBe(parseEther(proposed.agentGas));
  }, 120_000);
});
