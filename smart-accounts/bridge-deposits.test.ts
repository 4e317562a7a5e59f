import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, type PublicClient, parseEther, parseUnits, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, databasePath, openDatabase } from '../common/database.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { type Network, publicClientFor } from '../common/network.ts';
import { devnetAccount } from '../devnet/accounts.ts';
import { startAcrossRefunds } from '../devnet/across-refunds.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { type DevnetManifest, manifestToChain } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { startTwoChainDevnet } from '../devnet/two-chains-on-free-ports.ts';
import { aaveSupply } from '../skills/aave-v3/supply.ts';
import { acrossBridge } from '../skills/across/bridge.ts';
import { buildSkillCalls } from '../skills/build.ts';
import { erc20Approve } from '../skills/erc20/approve.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { listContinuations, runContinuations, scheduleContinuation } from './bridge-continuations.ts';
import { followBridgeDeposits, listBridgeDeposits, recordBridgeDeposits } from './bridge-deposits.ts';
import { type ExecutionEnvironment, executionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import { type Call, listExecutions } from './executions.ts';
import { unlockOwnerKey } from './keystore.ts';
import { migrateSmartAccounts } from './migrations.ts';
import { smartAccountAddress } from './smart-account.ts';
import { devnetNetwork } from './testing/environment.ts';

/**
 * A user's bridge deposits, recorded once from their executions' own transactions and followed on
 * both chains of the devnet (the real SpokePools, the devnet's relayer and refund stand-in): filled
 * when the relayer fills; with the relayer gone, expired at the deadline and then refunded, each
 * refund counted once; the same after a restart; `sextant bridges` says so.
 */
const PASSPHRASE = 'a passphrase for tests';
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bridge-deposits-'));
const cli = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: PASSPHRASE, SEXTANT_USER: 'bridger' };
let devnet: Devnet;
let l2: DevnetManifest;
let network: Network;
let env: ExecutionEnvironment;
let account: Address;

const networkOf = (manifest: DevnetManifest, others: Network[] = []): Network =>
  devnetNetwork(manifest, manifest.bundlerUrl, others);

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 100, minFeeBps: 10 }, dataDir });
  l2 = devnet.l2?.manifest as DevnetManifest;
  network = networkOf(devnet.manifest, [networkOf(l2)]);
  // The user as the CLI makes them (its database, its owner key), funded by the faucet.
  expect((await sextantInProcess(['faucet'], cli)).code).toBe(0);
  const db = openDatabase(databasePath(dataDir));
  migrateSmartAccounts(db);
  env = executionEnvironment(db, network);
  const owner = await unlockOwnerKey(db, 'bridger', PASSPHRASE);
  account = await smartAccountAddress(env.publicClient, env.chain, owner.address);
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

const usdcOn = (manifest: DevnetManifest) => manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const usdcOf = (client: PublicClient, manifest: DevnetManifest) =>
  client.readContract({ address: usdcOn(manifest), abi: erc20Abi, functionName: 'balanceOf', args: [account] });

/** Bridges `amount` USDC to devnet-l2 with across/bridge, executed through the user's smart account. */
async function bridge(amount: string, key: string, onRecordCreated?: (db: Db, executionId: string) => void) {
  const db = env.db;
  const owner = await unlockOwnerKey(db, 'bridger', PASSPHRASE);
  const ctx = createSkillContext({
    chain: env.chain,
    client: env.publicClient,
    account,
    otherChains: [manifestToChain(l2)],
    clientOn: () => publicClientFor(networkOf(l2)),
  });
  const build = await buildSkillCalls(acrossBridge, { token: 'USDC', amount, toChain: 'devnet-l2' }, ctx);
  const calls = [];
  for (const approval of build.approvals) {
    const approve = await buildSkillCalls(
      erc20Approve,
      { token: approval.token, spender: approval.spender, amount: approval.amount.toString() },
      ctx,
    );
    calls.push(...approve.calls);
  }
  calls.push(...build.calls);
  const record = await execute(
    env,
    owner,
    { userId: 'bridger', idempotencyKey: key, calls },
    onRecordCreated ? { onRecordCreated } : {},
  );
  expect(record.status, record.error ?? '').toBe('succeeded');
  return { record, build };
}

describe('bridge deposits', () => {
  it('records a deposit once from its execution, and follows it to filled when the amount arrives there', async () => {
    expect(env.otherNetworks?.map((other) => other.chain.slug)).toEqual(['devnet-l2']);
    const there = publicClientFor(networkOf(l2));
    const before = await usdcOf(there, l2);
    const { record } = await bridge('100', 'bridge-filled');
    const recorded = await recordBridgeDeposits(env, record);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      originChainId: 31337,
      destinationChainId: 31338,
      executionId: record.id,
      status: 'pending',
    });
    expect(recorded[0]?.deposit.inputAmount).toBe(parseUnits('100', 6));
    // Read again (a second process, a restart): still one row.
    expect(await recordBridgeDeposits(env, record)).toHaveLength(1);
    await expect.poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 }).toBe(before + parseUnits('99.9', 6));
    const followed = await followBridgeDeposits(env, 'bridger');
    expect(followed.map((d) => d.status)).toEqual(['filled']);
  });

  it('runs the leg waiting on a bridge once, on the destination, when the deposit is filled: the position there, nothing idle, nothing twice', async () => {
    const there = publicClientFor(networkOf(l2));
    const l2Env = executionEnvironment(env.db, networkOf(l2));
    // Gas for the account's first operation there (no paymaster on this devnet by default).
    await jsonRpc(l2.rpcUrl, 'anvil_setBalance', [account, toHex(parseEther('1'))]);
    const aToken = l2.aaveV3Reserves.USDC?.aToken as Address;
    const aTokenOf = () =>
      there.readContract({ address: aToken, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
    const usdcBefore = await usdcOf(there, l2);
    const positionBefore = await aTokenOf();
    // The leg on the destination, built there for what the fill pays exactly: 99.9 USDC.
    const l2Ctx = createSkillContext({ chain: l2Env.chain, client: there, account });
    const supply = await buildSkillCalls(aaveSupply, { token: 'USDC', amount: '99.9' }, l2Ctx);
    const legCalls: Call[] = [];
    for (const approval of supply.approvals) {
      const approve = await buildSkillCalls(
        erc20Approve,
        { token: approval.token, spender: approval.spender, amount: approval.amount.toString() },
        l2Ctx,
      );
      legCalls.push(...approve.calls);
    }
    legCalls.push(...supply.calls);
    const { record } = await bridge('100', 'bridge-then-supply', (db, executionId) => {
      scheduleContinuation(db, {
        userId: 'bridger',
        account,
        afterExecutionId: executionId,
        destinationChainId: l2.chainId,
        calls: legCalls,
        spends: supply.bounds.gives,
      });
    });
    const owner = await unlockOwnerKey(env.db, 'bridger', PASSPHRASE);
    const [leg] = listContinuations(env.db, 'bridger');
    expect(leg).toMatchObject({ afterExecutionId: record.id, status: 'waiting' });

    // Until the fill lands, nothing runs there.
    await expect
      .poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 })
      .toBe(usdcBefore + parseUnits('99.9', 6));
    const [ran] = await runContinuations(env, 'bridger', owner);
    expect(ran).toMatchObject({ status: 'executed' });
    const legRecord = listExecutions(env.db, 'bridger').find((e) => e.id === ran?.executionId);
    expect(legRecord).toMatchObject({ status: 'succeeded', chainId: l2.chainId });
    // What arrived is supplied, to the unit: nothing idle there.
    expect(await usdcOf(there, l2)).toBe(usdcBefore);
    expect((await aTokenOf()) - positionBefore).toBeGreaterThanOrEqual(parseUnits('99.9', 6) - 1n);

    // Run again, and as after a crash between sending the leg and marking it: the same execution, no second supply.
    await runContinuations(env, 'bridger', owner);
    env.db.prepare(`UPDATE bridge_continuations SET status = 'waiting', execution_id = NULL WHERE id = ?`).run(ran?.id);
    const [resumed] = await runContinuations(env, 'bridger', owner);
    expect(resumed).toMatchObject({ status: 'executed', executionId: ran?.executionId });
    expect(listExecutions(env.db, 'bridger').filter((e) => e.chainId === l2.chainId)).toHaveLength(1);
    expect(await usdcOf(there, l2)).toBe(usdcBefore);
  });

  it('with the relayer gone: two deposits expire at their deadline, then each refund is recognised once; a restart finds the same', async () => {
    await devnet.relayer?.stop();
    // The refund stand-in is stopped too for now, so the expiry is seen before any refund.
    await devnet.refunds?.stop();
    const home = env.publicClient;
    const before = await usdcOf(home, devnet.manifest);
    await bridge('50', 'bridge-expires-1', (db, executionId) => {
      scheduleContinuation(db, {
        userId: 'bridger',
        account,
        afterExecutionId: executionId,
        destinationChainId: l2.chainId,
        calls: [{ to: usdcOn(l2), data: '0x' }],
        spends: [],
      });
    });
    await bridge('30', 'bridge-expires-2');
    expect(await usdcOf(home, devnet.manifest)).toBe(before - parseUnits('80', 6));
    // Not recorded yet: following finds them from the executions.
    let deposits = await followBridgeDeposits(env, 'bridger');
    expect(deposits.map((d) => d.status)).toEqual(['filled', 'filled', 'pending', 'pending']);

    // Both clocks past the hour the relayers had: nothing can fill them now.
    for (const manifest of [devnet.manifest, l2]) {
      await jsonRpc(manifest.rpcUrl, 'evm_increaseTime', [3601]);
      await jsonRpc(manifest.rpcUrl, 'evm_mine', []);
    }
    deposits = await followBridgeDeposits(env, 'bridger');
    expect(deposits.map((d) => d.status)).toEqual(['filled', 'filled', 'expired', 'expired']);
    // The leg that waited on the first of them never runs: dropped with the reason, nothing sent there.
    const l2Executions = listExecutions(env.db, 'bridger').filter((e) => e.chainId === l2.chainId).length;
    const legs = await runContinuations(env, 'bridger', await unlockOwnerKey(env.db, 'bridger', PASSPHRASE));
    expect(legs.at(-1)).toMatchObject({ status: 'abandoned', executionId: null });
    expect(legs.at(-1)?.reason).toMatch(/expired/);
    expect(listExecutions(env.db, 'bridger').filter((e) => e.chainId === l2.chainId)).toHaveLength(l2Executions);
    const shown = await sextantInProcess(['bridges'], cli);
    expect(shown.stdout).toMatch(/50 USDC → Sextant devnet L2; expired: not filled by/);

    // The refunds come (in the HubPool's place on the devnet): 50 and 30 back, each counted once.
    const refunds = startAcrossRefunds({ chains: [devnet.manifest, l2], owner: devnetAccount('acrossOwner') });
    try {
      await expect.poll(() => usdcOf(home, devnet.manifest), { timeout: 20_000, interval: 100 }).toBe(before);
    } finally {
      await refunds.stop();
    }
    deposits = await followBridgeDeposits(env, 'bridger');
    expect(deposits.map((d) => d.status)).toEqual(['filled', 'filled', 'refunded', 'refunded']);

    // A restart: a new handle on the same file reads the same, and makes no new rows.
    const reopened = executionEnvironment(openDatabase(databasePath(dataDir)), network);
    const again = await followBridgeDeposits(reopened, 'bridger');
    expect(again.map((d) => [d.depositId, d.status])).toEqual(deposits.map((d) => [d.depositId, d.status]));
    expect(listBridgeDeposits(reopened.db, 'bridger')).toHaveLength(4);

    const json = JSON.parse((await sextantInProcess(['bridges', '--json'], cli)).stdout);
    expect(json.deposits.map((d: { status: string; input: string }) => [d.status, d.input])).toEqual([
      ['filled', '100 USDC'],
      ['filled', '100 USDC'],
      ['refunded', '50 USDC'],
      ['refunded', '30 USDC'],
    ]);
  });
});
