import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  keccak256,
  type PublicClient,
  parseAbiItem,
  parseAbiParameters,
  parseEther,
  parseEventLogs,
  parseUnits,
  toHex,
  zeroHash,
} from 'viem';
import { getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depositFromLog, FUNDS_DEPOSITED, fromBytes32, spokePoolAbi, toBytes32 } from '../common/contracts/across.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { type Network, publicClientFor } from '../common/network.ts';
import { devnetAccount } from '../devnet/accounts.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { type DevnetManifest, manifestToChain } from '../devnet/manifest.ts';
import { devnetTransport } from '../devnet/testing/clients.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { startTwoChainDevnet } from '../devnet/two-chains-on-free-ports.ts';
import { acrossBridge } from '../skills/across/bridge.ts';
import { buildSkillCalls } from '../skills/build.ts';
import { erc20Approve } from '../skills/erc20/approve.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { listContinuations, runContinuations, scheduleContinuation } from './bridge-continuations.ts';
import {
  type BridgeDeposit,
  followBridgeDeposits,
  listBridgeDeposits,
  recordBridgeDeposits,
} from './bridge-deposits.ts';
import { type ExecutionEnvironment, executionEnvironment } from './environment.ts';
import { bundlerClientFor, execute } from './execute.ts';
import { type Call, insertOrGetExecution, listExecutions, updateExecution } from './executions.ts';
import { unlockOwnerKey } from './keystore.ts';
import { migrateSmartAccounts } from './migrations.ts';
import { reconcileExecutions } from './reconcile.ts';
import { accountKindFor, smartAccountAddress } from './smart-account.ts';
import { devnetNetwork } from './testing/environment.ts';

/**
 * Hostile review of the bridge records (bridge-deposits.ts, bridge-continuations.ts, bridges-command.ts)
 * on a two-chain devnet with the real SpokePools, the devnet's relayer (it skips a deposit paying it no
 * fee, so such a deposit stays unfilled) and the refund stand-in started only when a test wants refunds.
 * Every test asserts on chain state (balances on both chains, what the SpokePools say) besides the records.
 */
const PASSPHRASE = 'a passphrase for tests';
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bridge-hostile-'));
const cli = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: PASSPHRASE, SEXTANT_USER: 'victim' };
let devnet: Devnet;
let l2: DevnetManifest;
let network: Network;
let env: ExecutionEnvironment;
let account: Address;
let there: PublicClient;

const networkOf = (manifest: DevnetManifest, others: Network[] = []): Network =>
  devnetNetwork(manifest, manifest.bundlerUrl, others);

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 100, minFeeBps: 10 }, dataDir });
  // Refunds only when a test runs them (startAcrossRefunds), so each expiry is seen before its refund.
  await devnet.refunds?.stop();
  l2 = devnet.l2?.manifest as DevnetManifest;
  network = networkOf(devnet.manifest, [networkOf(l2)]);
  expect((await sextantInProcess(['faucet'], cli)).code).toBe(0);
  expect((await sextantInProcess(['faucet'], { ...cli, SEXTANT_USER: 'attacker' })).code).toBe(0);
  const db = openDatabase(databasePath(dataDir));
  migrateSmartAccounts(db);
  env = executionEnvironment(db, network);
  const owner = await unlockOwnerKey(db, 'victim', PASSPHRASE);
  account = await smartAccountAddress(env.publicClient, env.chain, owner.address);
  there = publicClientFor(networkOf(l2));
  // Gas for the account's operations on devnet-l2 (no paymaster there by default).
  await jsonRpc(l2.rpcUrl, 'anvil_setBalance', [account, toHex(parseEther('1'))]);
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

const usdcOn = (manifest: DevnetManifest) => manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const usdcOf = (client: PublicClient, manifest: DevnetManifest, who: Address = account) =>
  client.readContract({ address: usdcOn(manifest), abi: erc20Abi, functionName: 'balanceOf', args: [who] });

/** Both clocks forward: the fill deadlines are read on the destination, the refunds on the origin. */
async function passTime(seconds: number) {
  for (const manifest of [devnet.manifest, l2]) {
    await jsonRpc(manifest.rpcUrl, 'evm_increaseTime', [seconds]);
    await jsonRpc(manifest.rpcUrl, 'evm_mine', []);
  }
}

const REFUND_LEAF = parseAbiParameters(
  '(uint256 amountToReturn, uint256 chainId, uint256[] refundAmounts, uint32 leafId, address l2TokenAddress, address[] refundAddresses)',
);
const RELAYED_ROOT_BUNDLE = parseAbiItem(
  'event RelayedRootBundle(uint32 indexed rootBundleId, bytes32 indexed relayerRefundRoot, bytes32 indexed slowRelayRoot)',
);

/**
 * Refunds one expired deposit on the origin exactly as the devnet's stand-in (devnet/across-refunds.ts)
 * does, in the HubPool's place: a root of one leaf paying the depositor its input, relayed and executed
 * by the SpokePool's owner. Done here deposit by deposit because a new stand-in scans from the first
 * block and would pay every expired deposit again.
 */
async function refund(deposit: BridgeDeposit) {
  const owner = devnetAccount('acrossOwner');
  const wallet = createWalletClient({ account: owner, transport: devnetTransport(devnet.manifest.rpcUrl) });
  const spokePool = env.chain.contracts.acrossSpokePool as Address;
  const leaf = {
    amountToReturn: 0n,
    chainId: BigInt(deposit.originChainId),
    refundAmounts: [deposit.deposit.inputAmount],
    leafId: 0,
    l2TokenAddress: fromBytes32(deposit.deposit.inputToken),
    refundAddresses: [fromBytes32(deposit.deposit.depositor)],
  };
  const root = keccak256(encodeAbiParameters(REFUND_LEAF, [leaf]));
  const relayed = await minedReceipt(
    env.publicClient,
    await wallet.writeContract({
      chain: null,
      address: spokePool,
      abi: spokePoolAbi,
      functionName: 'relayRootBundle',
      args: [root, zeroHash],
    }),
  );
  const [bundle] = parseEventLogs({ abi: [RELAYED_ROOT_BUNDLE], logs: relayed.logs });
  const executed = await minedReceipt(
    env.publicClient,
    await wallet.writeContract({
      chain: null,
      address: spokePool,
      abi: spokePoolAbi,
      functionName: 'executeRelayerRefundLeaf',
      args: [bundle?.args.rootBundleId as number, leaf, []],
    }),
  );
  expect(executed.status).toBe('success');
}

type DepositPatch = { noFee?: boolean; fillWithin?: number; depositor?: Address };

/**
 * The calls of an across/bridge of `amount` USDC to devnet-l2 built for `from`, with the deposit's
 * fields changed as a hostile caller would: no fee (the relayer skips it: it stays unfilled), another
 * fill deadline, another depositor (the SpokePool takes the funds from the caller and credits that one).
 */
async function bridgeCalls(amount: string, from: Address, patch: DepositPatch = {}): Promise<Call[]> {
  const ctx = createSkillContext({
    chain: env.chain,
    client: env.publicClient,
    account: from,
    otherChains: [manifestToChain(l2)],
    clientOn: () => there,
  });
  const build = await buildSkillCalls(acrossBridge, { token: 'USDC', amount, toChain: 'devnet-l2' }, ctx);
  const calls: Call[] = [];
  for (const approval of build.approvals) {
    const approve = await buildSkillCalls(
      erc20Approve,
      { token: approval.token, spender: approval.spender, amount: approval.amount.toString() },
      ctx,
    );
    calls.push(...approve.calls);
  }
  for (const call of build.calls) {
    const { args } = decodeFunctionData({ abi: spokePoolAbi, data: call.data as `0x${string}` });
    const a = [...(args as readonly unknown[])] as Parameters<typeof encodeDeposit>[0];
    if (patch.depositor) a[0] = toBytes32(patch.depositor);
    if (patch.noFee) a[5] = a[4];
    if (patch.fillWithin !== undefined) a[9] = a[8] + patch.fillWithin;
    calls.push({ ...call, data: encodeDeposit(a) });
  }
  return calls;
}
const encodeDeposit = (
  args: [
    `0x${string}`,
    `0x${string}`,
    `0x${string}`,
    `0x${string}`,
    bigint,
    bigint,
    bigint,
    `0x${string}`,
    number,
    number,
    number,
    `0x${string}`,
  ],
) => encodeFunctionData({ abi: spokePoolAbi, functionName: 'deposit', args });

async function run(key: string, calls: Call[], onRecordCreated?: Parameters<typeof execute>[3]) {
  const owner = await unlockOwnerKey(env.db, 'victim', PASSPHRASE);
  const record = await execute(env, owner, { userId: 'victim', idempotencyKey: key, calls }, onRecordCreated ?? {});
  expect(record.status, record.error ?? '').toBe('succeeded');
  const [deposit, ...more] = await recordBridgeDeposits(env, record);
  expect(more).toHaveLength(0);
  return { record, deposit: deposit as BridgeDeposit };
}

const statusOf = (depositId: bigint) =>
  listBridgeDeposits(env.db, 'victim').find((d) => d.depositId === depositId)?.status;

describe('bridge records, hostile', () => {
  it('FIXED: a refund is not given to a deposit whose deadline is still ahead; a deposit expiring later is not "refunded" with an earlier one\'s refund', async () => {
    const before = await usdcOf(env.publicClient, devnet.manifest);
    // Deposit B first (lower id, 30 USDC, the full hour), then C (50 USDC, 10 minutes); no fee: no relayer fills them.
    const b = (await run('order-b', await bridgeCalls('30', account, { noFee: true }))).deposit;
    const c = (await run('order-c', await bridgeCalls('50', account, { noFee: true, fillWithin: 600 }))).deposit;
    expect(b.depositId < c.depositId).toBe(true);
    await passTime(601);
    await refund(c);
    // On chain: C's 50 came back, B's 30 has not (its deadline is still ahead).
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before - parseUnits('30', 6));
    await followBridgeDeposits(env, 'victim');
    expect([statusOf(b.depositId), statusOf(c.depositId)]).toEqual(['pending', 'refunded']);

    // B's deadline passes; its refund is not paid. Before the fix, B (first in deposit order) took C's
    // 50 and read "refunded: 30 USDC came back" while nothing of it had.
    await passTime(3000);
    await followBridgeDeposits(env, 'victim');
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before - parseUnits('30', 6));
    expect([statusOf(b.depositId), statusOf(c.depositId)]).toEqual(['expired', 'refunded']);
    const shown = await sextantInProcess(['bridges'], cli);
    expect(shown.stdout).toMatch(/30 USDC → Sextant devnet L2; expired: not filled by/);

    // Its refund comes: now it is refunded, and the account has both back.
    await refund(b);
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before);
    await followBridgeDeposits(env, 'victim');
    expect([statusOf(b.depositId), statusOf(c.depositId)]).toEqual(['refunded', 'refunded']);
  });

  it('FIXED: a slower reader does not write "expired" over the "refunded" another reader wrote meanwhile', async () => {
    const { deposit } = await run('flip', await bridgeCalls('20', account, { noFee: true }));
    await passTime(3601);
    // Reader A: its refund logs are read now (none yet), its answer comes back late.
    let logsRead!: () => void;
    const readingLogs = new Promise<void>((resolve) => {
      logsRead = resolve;
    });
    const slow = createPublicClient({
      transport: custom({
        async request({ method, params }) {
          const result = await jsonRpc(devnet.manifest.rpcUrl, method, params as unknown[], 10_000);
          if (method === 'eth_getLogs') {
            logsRead();
            await new Promise((resolve) => setTimeout(resolve, 4000));
          }
          return result;
        },
      }),
    }) as PublicClient;
    const readerA = followBridgeDeposits({ ...env, publicClient: slow }, 'victim');
    await readingLogs;
    // Meanwhile the refund is paid and reader B sees it.
    const before = await usdcOf(env.publicClient, devnet.manifest);
    await refund(deposit);
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before + parseUnits('20', 6));
    await followBridgeDeposits(env, 'victim');
    expect(statusOf(deposit.depositId)).toBe('refunded');
    // A answers from what it read before the refund: before the fix it wrote `expired` over `refunded`.
    const seenByA = (await readerA).find((d) => d.depositId === deposit.depositId);
    expect(statusOf(deposit.depositId)).toBe('refunded');
    expect(seenByA?.status).toBe('refunded');
  });

  it('FIXED: a leg waits for every deposit its bridge made, not the first fill', async () => {
    const usdcThere = await usdcOf(there, l2);
    // One execution, two deposits: 100 USDC a relayer fills (99.9 arrive), 50 USDC it never fills.
    const calls = [
      ...(await bridgeCalls('100', account)),
      ...(await bridgeCalls('50', account, { noFee: true, fillWithin: 900 })),
    ];
    // The leg is built for what both bring there: 149.9 USDC, sent on to a fresh address.
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    const amount = usdcThere + parseUnits('149.9', 6);
    const leg: Call[] = [
      {
        to: usdcOn(l2),
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [sink, amount] }),
      },
    ];
    const owner = await unlockOwnerKey(env.db, 'victim', PASSPHRASE);
    const record = await execute(
      env,
      owner,
      { userId: 'victim', idempotencyKey: 'two-deposits', calls },
      {
        onRecordCreated: (db, executionId) => {
          scheduleContinuation(db, {
            userId: 'victim',
            account,
            afterExecutionId: executionId,
            destinationChainId: l2.chainId,
            calls: leg,
            spends: [{ token: usdcOn(l2), amount }],
          });
        },
      },
    );
    expect(record.status, record.error ?? '').toBe('succeeded');
    const made = await recordBridgeDeposits(env, record);
    expect(made.map((d) => d.deposit.inputAmount)).toEqual([parseUnits('100', 6), parseUnits('50', 6)]);
    // The first is filled there.
    await expect
      .poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 })
      .toBe(usdcThere + parseUnits('99.9', 6));
    const legsThere = () =>
      listExecutions(env.db, 'victim').filter((e) => e.idempotencyKey.startsWith('continuation:'));
    const sentBefore = legsThere().length;
    // Before the fix the leg ran on that first fill, failed its shortfall check and was dropped for good.
    let [waiting] = (await runContinuations(env, 'victim', owner)).filter((c) => c.afterExecutionId === record.id);
    expect(waiting).toMatchObject({ status: 'waiting', executionId: null });
    expect(legsThere()).toHaveLength(sentBefore);
    // The second expires unfilled: the leg is dropped for that reason, nothing sent there.
    await passTime(901);
    [waiting] = (await runContinuations(env, 'victim', owner)).filter((c) => c.afterExecutionId === record.id);
    expect(waiting?.status).toBe('abandoned');
    expect(waiting?.reason).toMatch(/expired/);
    expect(legsThere()).toHaveLength(sentBefore);
    expect(await usdcOf(there, l2, sink)).toBe(0n);
    expect(await usdcOf(there, l2)).toBe(usdcThere + parseUnits('99.9', 6));
  });

  it('FIXED: a leg whose execution is still pending (interrupted before sending, or another run sending it) is not marked executed; two concurrent runs send it once', async () => {
    const owner = await unlockOwnerKey(env.db, 'victim', PASSPHRASE);
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    const leg = (amount: bigint): Call[] => [
      { to: usdcOn(l2), data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [sink, amount] }) },
    ];
    const legIds: string[] = [];
    const schedule = (amount: bigint) => ({
      onRecordCreated: (db: typeof env.db, executionId: string) => {
        legIds.push(
          scheduleContinuation(db, {
            userId: 'victim',
            account,
            afterExecutionId: executionId,
            destinationChainId: l2.chainId,
            calls: leg(amount),
            spends: [{ token: usdcOn(l2), amount }],
          }),
        );
      },
    });
    const usdcThere = await usdcOf(there, l2);
    await run('interrupted-leg', await bridgeCalls('10', account), schedule(parseUnits('1', 6)));
    await run('concurrent-leg', await bridgeCalls('10', account), schedule(parseUnits('2', 6)));
    await expect
      .poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 })
      .toBe(usdcThere + 2n * parseUnits('9.99', 6));

    // A crash right after the first leg's record was written, before anything was signed.
    const l2Env = executionEnvironment(env.db, networkOf(l2));
    const interrupted = insertOrGetExecution(env.db, {
      userId: 'victim',
      idempotencyKey: `continuation:${legIds[0]}`,
      chainId: l2.chainId,
      account,
      calls: leg(parseUnits('1', 6)),
    }).record;
    // Two runs at once (the CLI twice): the second leg is sent once, the first is left waiting.
    const [one, two] = await Promise.all([
      runContinuations(env, 'victim', owner),
      runContinuations(env, 'victim', owner),
    ]);
    for (const legs of [one, two]) {
      // Before the fix the interrupted leg read `executed` here, pointing at a record that never sends.
      expect(legs.find((c) => c.id === legIds[0])).toMatchObject({ status: 'waiting', executionId: null });
    }
    const second = listContinuations(env.db, 'victim').find((c) => c.id === legIds[1]);
    expect(second?.status).toBe('executed');
    expect(listExecutions(env.db, 'victim').filter((e) => e.idempotencyKey === `continuation:${legIds[1]}`)).toEqual([
      expect.objectContaining({ id: second?.executionId, status: 'succeeded' }),
    ]);
    expect(await usdcOf(there, l2, sink)).toBe(parseUnits('2', 6));

    // Reconciliation closes the interrupted record (nothing was sent, certainly): the leg is tried again,
    // as a new execution, and runs once; the interrupted record stays failed.
    await reconcileExecutions(l2Env, { staleAfterMs: 0 });
    expect(listExecutions(env.db, 'victim').find((e) => e.id === interrupted.id)?.status).toBe('failed');
    const [retried] = (await runContinuations(env, 'victim', owner)).filter((c) => c.id === legIds[0]);
    expect(retried).toMatchObject({ status: 'waiting', attempts: 1 });
    expect(retried?.reason).toMatch(/attempt 1 could not be sent \(Interrupted before the operation was signed/);
    const [settled] = (await runContinuations(env, 'victim', owner)).filter((c) => c.id === legIds[0]);
    expect(settled?.status).toBe('executed');
    expect(settled?.executionId).not.toBe(interrupted.id);
    expect(await usdcOf(there, l2, sink)).toBe(parseUnits('3', 6));
    // The CLI says what each leg's execution did.
    const shown = await sextantInProcess(['bridges'], cli);
    expect(shown.stdout).toContain(`execution ${second?.executionId} (succeeded)`);
    expect(shown.stdout).toContain(`execution ${settled?.executionId} (succeeded)`);
  });

  it("FIXED: a deposit another account made in the same bundle, naming this account its depositor, is not recorded as this execution's", async () => {
    // Two operations in one handleOps (what any bundler may put together): the attacker's account
    // deposits 5 USDC naming the victim's account as depositor, then the victim's bridge of 10 USDC.
    const db = env.db;
    const victimOwner = await unlockOwnerKey(db, 'victim', PASSPHRASE);
    const attackerOwner = await unlockOwnerKey(db, 'attacker', PASSPHRASE);
    const victim = await accountKindFor(db, 'victim').create(env.publicClient, env.chain, victimOwner);
    const attacker = await accountKindFor(db, 'attacker').create(env.publicClient, env.chain, attackerOwner);
    const signed = async (smart: typeof victim, calls: Call[]) => {
      const op = (await bundlerClientFor(env, smart).prepareUserOperation({
        account: smart,
        calls,
      })) as unknown as UserOperation;
      op.callGasLimit += op.callGasLimit / 2n;
      op.signature = await smart.signUserOperation(op as never);
      return op;
    };
    const attackerOp = await signed(
      attacker,
      await bridgeCalls('5', attacker.address, { noFee: true, depositor: account }),
    );
    const victimCalls = await bridgeCalls('10', account);
    const victimOp = await signed(victim, victimCalls);
    const bundler = privateKeyToAccount(generatePrivateKey());
    await jsonRpc(devnet.manifest.rpcUrl, 'anvil_setBalance', [bundler.address, toHex(parseEther('10'))]);
    const wallet = createWalletClient({ account: bundler, transport: devnetTransport(devnet.manifest.rpcUrl) });
    const txHash = await wallet.writeContract({
      chain: null,
      address: victim.entryPoint.address,
      abi: victim.entryPoint.abi,
      functionName: 'handleOps',
      args: [[toPackedUserOperation(attackerOp), toPackedUserOperation(victimOp)], bundler.address],
    } as never);
    const receipt = await minedReceipt(env.publicClient, txHash);
    expect(receipt.status).toBe('success');
    const userOpHash = getUserOperationHash({
      chainId: env.chain.chainId,
      entryPointAddress: victim.entryPoint.address,
      entryPointVersion: victim.entryPoint.version,
      userOperation: victimOp,
    });
    // The victim's execution as reconciliation writes it from the chain.
    const { record } = insertOrGetExecution(db, {
      userId: 'victim',
      idempotencyKey: 'shared-bundle',
      chainId: env.chain.chainId,
      account,
      calls: victimCalls,
    });
    updateExecution(db, record.id, { status: 'succeeded', sent: 'yes', userOpHash, txHash });
    // On chain the transaction holds two deposits naming the victim as depositor: 5 (the attacker's) and 10.
    const deposits = await recordBridgeDeposits(env, { ...record, status: 'succeeded', userOpHash, txHash });
    // Before the fix both were recorded as this execution's, the attacker's first (a leg waiting on this
    // bridge followed the attacker's deposit, which never fills).
    expect(deposits.map((d) => d.deposit.inputAmount)).toEqual([parseUnits('10', 6)]);
    expect(listBridgeDeposits(db, 'victim').filter((d) => d.deposit.inputAmount === parseUnits('5', 6))).toHaveLength(
      0,
    );
  });

  it('FIXED (common/contracts/across.ts depositStatus): a refund paid to the account for a deposit not made through Sextant, before a Sextant deposit expired, is not taken for its refund', async () => {
    // Another account deposits 5 USDC naming the victim's account as depositor (the SpokePool allows
    // it: the funds come from the caller), with 10 minutes to fill and no fee: it expires unfilled.
    const attackerOwner = await unlockOwnerKey(env.db, 'attacker', PASSPHRASE);
    const attacker = await smartAccountAddress(env.publicClient, env.chain, attackerOwner.address);
    const foreign = await execute(env, attackerOwner, {
      userId: 'attacker',
      idempotencyKey: 'foreign-deposit',
      calls: await bridgeCalls('5', attacker, { noFee: true, depositor: account, fillWithin: 600 }),
    });
    expect(foreign.status, foreign.error ?? '').toBe('succeeded');
    const receipt = await env.publicClient.getTransactionReceipt({ hash: foreign.txHash as `0x${string}` });
    const [foreignLog] = parseEventLogs({ abi: [FUNDS_DEPOSITED], logs: receipt.logs });
    const foreignDeposit = depositFromLog(env.chain.chainId, foreignLog?.args ?? {});
    expect(fromBytes32(foreignDeposit.depositor)).toBe(account);
    // The victim's own deposit through Sextant: 5 USDC, the full hour, no fee (never filled).
    const { deposit: own } = await run('own-after-foreign', await bridgeCalls('5', account, { noFee: true }));
    const before = await usdcOf(env.publicClient, devnet.manifest);
    // The foreign deposit expires and is refunded, to the victim's account.
    await passTime(601);
    await refund({ originChainId: env.chain.chainId, deposit: foreignDeposit } as BridgeDeposit);
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before + parseUnits('5', 6));
    await followBridgeDeposits(env, 'victim');
    expect(statusOf(own.depositId)).toBe('pending');
    // The victim's deposit expires; no refund of it is paid (the balance does not move).
    await passTime(3000);
    await followBridgeDeposits(env, 'victim');
    expect(await usdcOf(env.publicClient, devnet.manifest)).toBe(before + parseUnits('5', 6));
    // Before the fix it read refunded ("5 USDC came back") on the strength of the foreign deposit's
    // refund, paid before it even expired. Only refunds executed after its deadline count now.
    expect(statusOf(own.depositId)).toBe('expired');
  });

  it("FIXED: a leg scheduled for another chain than its bridge's deposit goes to is dropped, saying so, and nothing runs anywhere", async () => {
    const owner = await unlockOwnerKey(env.db, 'victim', PASSPHRASE);
    const usdcThere = await usdcOf(there, l2);
    let legId = '';
    const { record } = await run('wrong-chain-leg', await bridgeCalls('10', account), {
      onRecordCreated: (db, executionId) => {
        legId = scheduleContinuation(db, {
          userId: 'victim',
          account,
          afterExecutionId: executionId,
          // The origin's chain id: the deposit goes to devnet-l2.
          destinationChainId: devnet.manifest.chainId,
          calls: [{ to: usdcOn(devnet.manifest), data: '0x' }],
          spends: [],
        });
      },
    });
    await expect
      .poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 })
      .toBe(usdcThere + parseUnits('9.99', 6));
    const executionsBefore = listExecutions(env.db, 'victim').length;
    // Even with the origin listed among the other networks, the leg does not run there.
    const both = { ...env, otherNetworks: [networkOf(l2), networkOf(devnet.manifest)] };
    const leg = (await runContinuations(both, 'victim', owner)).find((c) => c.id === legId);
    expect(leg).toMatchObject({ status: 'abandoned', executionId: null, afterExecutionId: record.id });
    expect(leg?.reason).toBe(`the bridge's deposit goes to chain ${l2.chainId}, not ${devnet.manifest.chainId}`);
    expect(listExecutions(env.db, 'victim')).toHaveLength(executionsBefore);
  });

  it("FIXED: a leg whose fill landed while the destination's bundler was down waits and is tried again when it is back: it runs once (was: dropped for good, the funds idle there)", async () => {
    const owner = await unlockOwnerKey(env.db, 'victim', PASSPHRASE);
    const usdcThere = await usdcOf(there, l2);
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    const amount = parseUnits('9.99', 6);
    let legId = '';
    await run('bundler-down-leg', await bridgeCalls('10', account), {
      onRecordCreated: (db, executionId) => {
        legId = scheduleContinuation(db, {
          userId: 'victim',
          account,
          afterExecutionId: executionId,
          destinationChainId: l2.chainId,
          calls: [
            {
              to: usdcOn(l2),
              data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [sink, amount] }),
            },
          ],
          spends: [{ token: usdcOn(l2), amount }],
        });
      },
    });
    await expect.poll(() => usdcOf(there, l2), { timeout: 20_000, interval: 50 }).toBe(usdcThere + amount);
    // The destination's bundler does not answer (a port nothing listens on).
    const down = { ...env, otherNetworks: [{ ...networkOf(l2), bundlerUrl: 'http://127.0.0.1:9' }] };
    const [waiting] = (await runContinuations(down, 'victim', owner)).filter((c) => c.id === legId);
    expect(waiting).toMatchObject({ status: 'waiting', attempts: 1 });
    expect(waiting?.reason).toMatch(
      /attempt 1 could not be sent \(.*Nothing was sent.*\); tried again on the next run/,
    );
    expect(await usdcOf(there, l2, sink)).toBe(0n);
    // The bundler is back: the leg runs, once, as a new execution.
    const [ran] = (await runContinuations(env, 'victim', owner)).filter((c) => c.id === legId);
    expect(ran?.status).toBe('executed');
    expect(await usdcOf(there, l2, sink)).toBe(amount);
    expect(await usdcOf(there, l2)).toBe(usdcThere);
    const [after] = (await runContinuations(env, 'victim', owner)).filter((c) => c.id === legId);
    expect(after?.executionId).toBe(ran?.executionId);
    expect(await usdcOf(there, l2, sink)).toBe(amount);
  });

  it('held: the CHECK constraints refuse a status the code does not know', () => {
    const { record } = insertOrGetExecution(env.db, {
      userId: 'victim',
      idempotencyKey: 'check-constraints',
      chainId: env.chain.chainId,
      account,
      calls: [],
    });
    const now = new Date().toISOString();
    expect(() =>
      env.db
        .prepare(
          `INSERT INTO bridge_deposits (origin_chain_id, deposit_id, execution_id, user_id, destination_chain_id, deposit, status, created_at, updated_at)
           VALUES (1, '1', ?, 'victim', 2, '{}', 'lost', ?, ?)`,
        )
        .run(record.id, now, now),
    ).toThrow(/CHECK constraint failed/);
    expect(() =>
      env.db
        .prepare(
          `INSERT INTO bridge_continuations (id, user_id, after_execution_id, destination_chain_id, calls, spends, status, created_at, updated_at)
           VALUES ('x', 'victim', ?, 2, '[]', '[]', 'running', ?, ?)`,
        )
        .run(record.id, now, now),
    ).toThrow(/CHECK constraint failed/);
    updateExecution(env.db, record.id, { status: 'failed', sent: 'no', error: 'test record' });
  });
});
