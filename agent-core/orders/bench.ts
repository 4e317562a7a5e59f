/**
 * `npm run bench:orders [-- --runs N] [-- --interval-ms MS]`: a standing order's cost and delay, as JSON.
 * On a fresh devnet, a user whose address runs MetaMask's DeleGator grants a daily swap of 50 USDC
 * into WETH for N days (N at most 31). Gas: one redemption (the agent key's transaction through the
 * DelegationManager, with the grant's eight caveats checked) next to the same swap the user's address
 * sends the router itself. Delay: each day the chain's clock is moved to the day's start (the trigger),
 * and the time from the trigger's block to the run's receipt is taken, median over the N days, with
 * the runner `sextant start` runs (schedule.ts) polling every --interval-ms (the server's default is
 * 30 s on the devnet: the delay is about the interval plus one pass).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestClient, createWalletClient, encodeFunctionData, erc20Abi, http } from 'viem';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { databasePath, openDatabase } from '../../common/database.ts';
import { findFreePort } from '../../common/ports.ts';
import { startDevnet } from '../../devnet/devnet.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { devnetTransport } from '../../devnet/testing/clients.ts';
import { applyDelegationChange, previewDelegationChange } from '../../smart-accounts/eip7702.ts';
import { executionEnvironment } from '../../smart-accounts/environment.ts';
import { getExecution } from '../../smart-accounts/executions.ts';
import { createOwnerKey, unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../../smart-accounts/migrations.ts';
import { devnetNetwork } from '../../smart-accounts/testing/environment.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import { migrateAgentCore } from '../migrations.ts';
import { ensureAgentKey, unlockAgentKey } from './agent-key.ts';
import { dailySwapCall } from './daily-swap-grant.ts';
import { confirmOrder } from './lifecycle.ts';
import { migrateOrders } from './migrations.ts';
import { proposeDailySwap } from './propose-daily-swap.ts';
import { startOrderRunner } from './schedule.ts';
import { asSwapOrder, orderRuns } from './store.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, 'interval-ms': { type: 'string', default: '1000' } },
});
const days = Number(values.runs);
const intervalMs = Number(values['interval-ms']);
if (!Number.isInteger(days) || days < 2 || days > 31) throw new Error('--runs is a number of days, 2 to 31.');
const log = (message: string) => process.stderr.write(`${message}\n`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bench-orders-'));
log('starting a devnet for the benchmark…');
const devnet = await startDevnet({
  anvilPort: await findFreePort(),
  bundlerPort: await findFreePort(),
  paymasterPort: await findFreePort(),
});
try {
  const { manifest } = devnet;
  const db = openDatabase(databasePath(dataDir));
  migrateSmartAccounts(db);
  migrateAgentCore(db);
  migrateOrders(db);
  const passphrase = 'benchmark passphrase';
  const userId = 'bench';
  ensureUser(db, userId);
  await createOwnerKey(db, userId, passphrase);
  const owner = await unlockOwnerKey(db, userId, passphrase);
  const env = {
    ...executionEnvironment(db, devnetNetwork(manifest)),
    agentKey: () => unlockAgentKey(db, userId, passphrase),
  };
  const client = env.publicClient;
  const testClient = createTestClient({ transport: http(manifest.rpcUrl), mode: 'anvil' });
  await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, owner.address);
  const upgrade = await previewDelegationChange(env, userId, owner.address, 'upgrade', { implementation: 'delegator' });
  await applyDelegationChange(env, owner, upgrade);
  await ensureAgentKey(db, userId, passphrase);

  log(`granting a daily swap for ${days} days…`);
  const proposed = await proposeDailySwap(env, userId, owner.address, {
    amount: '50',
    spend: 'USDC',
    buy: 'WETH',
    days,
  });
  const order = asSwapOrder(await confirmOrder(env, owner, userId, proposed.id));
  if (order.status !== 'active') throw new Error(`the grant did not land: ${order.status} ${order.statusReason}`);

  // The runner as `sextant start` runs it (schedule.ts, with its reconciliation), every --interval-ms;
  // each pass's outcome for this order is kept.
  const outcomes: { at: number; outcome: string }[] = [];
  const runner = startOrderRunner(env, {
    intervalMs,
    reconcile: true,
    keepAlive: true,
    onPass: (pass) => {
      const mine = pass.orders.find((r) => r.orderId === order.id);
      if (mine) outcomes.push({ at: performance.now(), outcome: mine.outcome });
    },
    onError: (error) => log(`a pass failed: ${(error as Error).message}`),
  });
  const succeeded = async (day: number) => {
    for (;;) {
      const done = outcomes.find((o) => o.outcome === `day ${day} succeeded`);
      if (done) return done.at;
      if (outcomes.some((o) => o.outcome.startsWith(`day ${day} given up`))) {
        throw new Error(`day ${day} failed: ${outcomes.map((o) => o.outcome).join(' | ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const delays: number[] = [];
  for (let day = 1; day <= days; day++) {
    if (day > 1) {
      // The trigger: the block that starts the day.
      await testClient.setNextBlockTimestamp({ timestamp: order.terms.start + BigInt((day - 1) * 86_400) });
      await testClient.mine({ blocks: 1 });
    }
    const trigger = performance.now();
    const at = await succeeded(day);
    if (day > 1) delays.push(at - trigger);
    log(
      `day ${day}: ran ${day > 1 ? `${Math.round(at - trigger)} ms after the trigger` : '(at once: the grant starts now)'}`,
    );
  }
  await runner.stop();

  const runs = orderRuns(db, order.id).map((run) => getExecution(db, userId, run.executionId));
  const redeemGas = runs.map((r) => Number(r.gasUsed));
  // The same swap, sent by the user's own address to the router (the grant's allowance covers it).
  const wallet = createWalletClient({
    account: owner,
    chain: toViemChain(manifest.chainId, manifest.rpcUrl),
    transport: devnetTransport(manifest.rpcUrl),
  });
  // Every day used the grant's allowance up: the user allows the router one more day's amount first.
  const approval = await wallet.sendTransaction({
    to: order.terms.tokenIn.address,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: 'approve',
      args: [order.terms.router, order.terms.amountIn],
    }),
  });
  await client.waitForTransactionReceipt({ hash: approval });
  const own = dailySwapCall(order.terms);
  const hash = await wallet.sendTransaction({ to: own.to, data: own.data });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error('the user’s own swap reverted');

  const redeem = median(redeemGas);
  process.stdout.write(
    `${JSON.stringify(
      {
        'redeem.swap_gas': redeem,
        'user.swap_gas': Number(receipt.gasUsed),
        'redeem.over_user_ratio': Math.round((redeem / Number(receipt.gasUsed)) * 100) / 100,
        'runner.trigger_to_inclusion_ms_median': Math.round(median(delays)),
        'runner.poll_interval_ms': intervalMs,
        'runner.days': days,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await devnet.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
