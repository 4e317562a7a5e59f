import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, type Hex, isAddressEqual, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { publicClientFor } from '../../common/network.ts';
import { findFreePort } from '../../common/ports.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { writeManifest } from '../../devnet/manifest.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { eventually, runSextant } from '../../devnet/testing/processes.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { devnetNetwork } from '../../smart-accounts/testing/environment.ts';

/**
 * `sextant orders` as a person runs it, on the shared devnet, through Sextant's own commands only: a
 * user's address upgraded to the DeleGator, a daily swap proposed and granted, the runner's pass
 * making day 1's swap (balances read on chain), its run shown with its transaction, paused and
 * resumed, and cancelled, which leaves the router's allowance at 0 on chain. Then the same runner
 * inside `sextant start`. The chain's clock is never moved: every order runs its first day only.
 */
const manifest = testDevnet();
const client = publicClientFor(devnetNetwork(manifest));
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const weth = manifest.contracts.weth as Address;
const router = manifest.contracts.uniswapV3.swapRouter02 as Address;
const PASSPHRASE = 'a passphrase for tests';

const balanceOf = (token: Address, holder: Address) =>
  client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const allowance = (holder: Address) =>
  client.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'allowance', args: [holder, router] });

/** A data directory on this devnet, and the environment of a user in it. */
function userEnv(user: string): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-orders-'));
  writeManifest(dataDir, manifest);
  return { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: PASSPHRASE, SEXTANT_USER: user, RPC_URL: '', BUNDLER_URL: '' };
}

const sextant = async (args: string[], env: NodeJS.ProcessEnv) => sextantInProcess(args, env);

/** The user's owner key made, its address funded from the faucet and upgraded to the DeleGator. */
async function delegatorUser(env: NodeJS.ProcessEnv): Promise<Address> {
  const created = await sextant(['account', '--json'], env);
  expect(created.code, created.stderr).toBe(0);
  const owner = JSON.parse(created.stdout).owner as Address;
  await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, owner);
  const upgrade = await sextant(['account', 'upgrade', '--implementation', 'delegator', '--yes'], env);
  expect(upgrade.code, upgrade.stderr).toBe(0);
  return owner;
}

describe('sextant orders', () => {
  it('refuses a new order for an account that is not on the DeleGator, saying how to get there', async () => {
    const env = userEnv('sam');
    const created = await sextant(['account'], env);
    expect(created.code, created.stderr).toBe(0);
    const refused = await sextant(['orders', 'new', '--spend', '50 USDC', '--buy', 'ETH', '--days', '3', '--yes'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("MetaMask's EIP-7702 DeleGator");
    expect(refused.stderr).toContain('your account is a SimpleAccount');
    expect(refused.stderr).toContain('`sextant account upgrade --implementation delegator`');
    const listed = await sextant(['orders', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual({ orders: [] });
    // And the usage errors name what to give.
    const bad = await sextant(['orders', 'new', '--spend', 'fifty', '--buy', 'ETH', '--days', '3'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--spend takes an amount and a token, like "50 USDC"');
    const guard = await sextant(['orders', 'new', '--repay', '1000 USDC', '--days', '30'], env);
    expect(guard.code).toBe(2);
    expect(guard.stderr).toContain('--when-health-below 1.5');
    const guardRefused = await sextant(
      ['orders', 'new', '--repay', '1000 USDC', '--when-health-below', '1.5', '--days', '30', '--yes'],
      env,
    );
    expect(guardRefused.code).toBe(1);
    expect(guardRefused.stderr).toContain("MetaMask's EIP-7702 DeleGator");
  });

  it('proposes and grants a daily swap, runs day 1 on chain, shows the run, pauses, resumes and cancels (allowance back to 0)', async () => {
    const env = userEnv('olga');
    const address = await delegatorUser(env);

    // Without a terminal and without --yes: shown, not granted.
    const declined = await sextant(['orders', 'new', '--spend', '50 USDC', '--buy', 'ETH', '--days', '3'], env);
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/^Standing order (ord_[0-9a-f]{16}) for user olga \(proposed\):/);
    expect(declined.stdout).toMatch(/Sextant may swap 50 USDC into at least 0\.01\d+ WETH on Uniswap V3 .* once a day/);
    expect(declined.stdout).toContain('Your address allows the Uniswap V3 router 150 USDC for it.');
    expect(declined.stdout).toContain('Not granted: there is no terminal to confirm in; pass --yes to confirm.');
    const id = /Standing order (ord_[0-9a-f]{16})/.exec(declined.stdout)?.[1] as string;
    expect(await allowance(address)).toBe(0n);

    const confirmed = await sextant(['orders', 'confirm', id, '--yes'], env);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain(`Granted: order ${id} is active.`);
    expect(confirmed.stdout).toMatch(/grant {3}succeeded, tx 0x[0-9a-f]{64}/);
    expect(await allowance(address)).toBe(parseUnits('150', usdc.decimals));

    const usdcBefore = await balanceOf(usdc.address, address);
    const wethBefore = await balanceOf(weth, address);
    const ran = await sextant(['orders', 'run'], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(`${id}  day 1 succeeded`);
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', usdc.decimals));
    expect(await balanceOf(weth, address)).toBeGreaterThan(wethBefore);
    // The same day again: nothing more.
    const again = await sextant(['orders', 'run'], env);
    expect(again.stdout).toMatch(new RegExp(`${id} {2}day 1 done; next on `));
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', usdc.decimals));

    const shown = await sextant(['orders', 'show', id], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Order ${id}: active`);
    expect(shown.stdout).toMatch(/next {5}\S+: day 2/);
    const runTx = /day 1, attempt 1: succeeded {2}tx (0x[0-9a-f]{64})/.exec(shown.stdout)?.[1] as Hex;
    expect(runTx, shown.stdout).toBeDefined();
    // The run's transaction is the agent key's redemption through the DelegationManager.
    const view = JSON.parse((await sextant(['orders', 'show', id, '--json'], env)).stdout).order;
    const receipt = await client.getTransactionReceipt({ hash: runTx });
    expect(receipt.status).toBe('success');
    expect(isAddressEqual(receipt.from, view.agent)).toBe(true);
    expect(isAddressEqual(receipt.to as Address, manifest.contracts.delegation.delegationManager)).toBe(true);
    expect(view.runs).toMatchObject([{ day: 1, attempt: 1, status: 'succeeded', txHash: runTx, error: null }]);

    const listed = await sextant(['orders', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`^${id} {2}active {5}50 USDC → WETH daily, 1/3 days run`, 'm'));

    expect((await sextant(['orders', 'pause', id], env)).stdout).toContain(`Order ${id} is paused`);
    expect((await sextant(['orders', 'run'], env)).stdout).toContain('No live standing orders on');
    expect((await sextant(['orders', 'resume', id], env)).stdout).toContain(`Order ${id} is active again`);

    // Cancelling revokes on chain, so it is confirmed like a grant.
    const unconfirmed = await sextant(['orders', 'cancel', id], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout).toContain('Not cancelled: there is no terminal to confirm in');
    expect(await allowance(address)).toBe(parseUnits('100', usdc.decimals));
    const cancelled = await sextant(['orders', 'cancel', id, '--yes'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`Cancelled: order ${id}. Revoked on chain`);
    expect(await allowance(address)).toBe(0n);
    const after = JSON.parse((await sextant(['orders', 'show', id, '--json'], env)).stdout).order;
    expect(after).toMatchObject({ status: 'cancelled', revoke: { status: 'succeeded' } });
    // The next pass sends the agent key's unused gas back to the address, once.
    expect((await sextant(['orders', 'run'], env)).stdout).toMatch(
      new RegExp(`^${id} {2}its agent key returned 0\\.\\d+ ETH of unused gas to ${address}`, 'm'),
    );
    expect((await sextant(['orders', 'run'], env)).stdout).toContain('No live standing orders on');
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('50', usdc.decimals));
  });

  it('runs passes with `orders run --watch` until stopped, one JSON line each', async () => {
    const env = userEnv('wes');
    const run = runSextant(['orders', 'run', '--watch', '--interval', '1', '--json'], {
      ...env,
      RPC_URL: manifest.rpcUrl,
    });
    try {
      await eventually(
        () => run.stdout().trim().split('\n').length >= 2,
        20_000,
        `two passes\n${run.stdout()}\n${run.stderr()}`,
      );
      expect(run.stderr()).toContain('Running standing orders on Sextant devnet every 1 s; Ctrl-C stops.');
      const passes = run
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(passes[0]).toMatchObject({ reconciled: { unreachable: false }, orders: [] });
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('Stopped.');
  });

  it('runs inside `sextant start`: a pass makes day 1’s swap, and the runner stops with the server', async () => {
    const env = userEnv('tess');
    const address = await delegatorUser(env);
    const made = await sextant(
      ['orders', 'new', '--spend', '20 USDC', '--buy', 'ETH', '--days', '2', '--yes', '--json'],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    const { order } = JSON.parse(made.stdout);
    expect(order).toMatchObject({ status: 'active', runs: [], grant: { status: 'succeeded' } });
    const usdcBefore = await balanceOf(usdc.address, address);

    const run = runSextant(['start'], {
      ...env,
      RPC_URL: manifest.rpcUrl,
      BUNDLER_URL: manifest.bundlerUrl,
      PORT: String(await findFreePort()),
      OLLAMA_HOST: `http://127.0.0.1:${await findFreePort()}`,
      ORDERS_INTERVAL_SECONDS: '1',
    });
    try {
      await eventually(() => run.stdout().includes('Press Ctrl-C'), 20_000, `the server is up\n${run.stderr()}`);
      expect(run.stdout()).toMatch(/^ {2}orders +the runner checks them every 1 s/m);
      await eventually(
        () => run.stderr().includes(`Standing order ${order.id}: day 1 succeeded`),
        30_000,
        `the runner ran day 1\n${run.stderr()}`,
      );
      expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('20', usdc.decimals));
      // Logged once, not at every pass that finds the day done.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(run.stderr().split(`Standing order ${order.id}:`)).toHaveLength(3);
      expect(run.stderr()).toContain(`Standing order ${order.id}: day 1 done; next on`);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('Stopped.');
    expect(run.stderr()).not.toContain("Standing orders' pass failed");
  });
});
