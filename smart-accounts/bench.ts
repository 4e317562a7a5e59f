/**
 * `npm run bench:accounts [-- --runs N]`: gas and latency of executing through smart-accounts, as JSON.
 * Gas: first operation (deploys the account + native transfer), a native transfer, an ERC-20
 * transfer, and a 3-call batch (approve + Uniswap swap + Aave supply) against the same three calls
 * sent as three EOA transactions, and what the bundle guard adds to that batch. Latency: `execute` to receipt, next to a bare permissionless
 * sendUserOperation + wait of the same call, interleaved in one run (medians; the machine is noisy).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSmartAccountClient } from 'permissionless';
import { createPimlicoClient } from 'permissionless/clients/pimlico';
import {
  type Abi,
  type Address,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  formatUnits,
  type Hex,
  http,
  parseAbi,
  parseEther,
  parseUnits,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { forwardReceivedCall, type GuardRead, guardCalls, guardReads } from '../common/contracts/bundle-guard-calls.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { findFreePort } from '../common/ports.ts';
import { startDevnet } from '../devnet/devnet.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { devnetTransport } from '../devnet/testing/clients.ts';
import { executionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import type { Call } from './executions.ts';
import { createOwnerKey, unlockOwnerKey } from './keystore.ts';
import { migrateSmartAccounts } from './migrations.ts';
import { simulateAccountCalls } from './simulate.ts';
import { DEFAULT_ACCOUNT_KIND } from './smart-account.ts';
import { benchEip7702 } from './testing/eip7702-bench.ts';
import { devnetNetwork } from './testing/environment.ts';
import { ensureUser } from './users.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const log = (message: string) => process.stderr.write(`${message}\n`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bench-accounts-'));
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
  const env = executionEnvironment(db, devnetNetwork(manifest));
  const token = (symbol: string) =>
    manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; decimals: number };
  const usdc = token('USDC');
  const passphrase = 'benchmark passphrase';
  ensureUser(db, 'bench');
  await createOwnerKey(db, 'bench', passphrase);
  const owner = await unlockOwnerKey(db, 'bench', passphrase);
  const account = await DEFAULT_ACCOUNT_KIND.create(env.publicClient, env.chain, owner);
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, account.address);
  const someone = () => privateKeyToAccount(generatePrivateKey()).address;
  const run = async (calls: Call[]) => {
    const record = await execute(env, owner, { userId: 'bench', idempotencyKey: randomUUID(), calls });
    if (record.status !== 'succeeded') throw new Error(`benchmark operation ${record.status}: ${record.error}`);
    return record;
  };
  const transfer = (to: Address, amount: bigint): Call => ({
    to: usdc.address,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
  });

  // Gas.
  const first = await run([{ to: someone(), value: parseEther('0.01') }]);
  const native = await run([{ to: someone(), value: parseEther('0.01') }]);
  const erc20 = await run([transfer(someone(), parseUnits('10', 6))]);
  const router = manifest.contracts.uniswapV3.swapRouter02;
  const pool = manifest.contracts.aaveV3.pool;
  const routerAbi = loadArtifact(
    '@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json',
  ).abi;
  const poolAbi = loadArtifact('@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json').abi;
  const threeCalls = (
    who: Address,
  ): { to: Address; abi: Abi; functionName: string; args: unknown[]; value?: bigint }[] => [
    { to: usdc.address, abi: erc20Abi, functionName: 'approve', args: [pool, parseUnits('500', 6)] },
    {
      to: router,
      abi: routerAbi,
      functionName: 'exactInputSingle',
      args: [
        {
          tokenIn: manifest.contracts.weth,
          tokenOut: usdc.address,
          fee: 500,
          recipient: who,
          amountIn: parseEther('0.1'),
          amountOutMinimum: parseUnits('290', 6),
          sqrtPriceLimitX96: 0n,
        },
      ],
      value: parseEther('0.1'),
    },
    { to: pool, abi: poolAbi, functionName: 'supply', args: [usdc.address, parseUnits('500', 6), who, 0] },
  ];
  const batch = await run(
    threeCalls(account.address).map((c) => ({
      to: c.to,
      value: c.value,
      data: encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
    })),
  );
  // The guard's cost: the same batch again unguarded (the first supply also sets up the account's Aave
  // position, so compare two later ones), then inside the guard's snapshot and check, with the reads the
  // planner makes for it (agent-core/plan/guard.ts): the tokens the calls move (USDC and the supply
  // token; ETH only leaves as the calls' own value), and the allowance the batch sets.
  const batchCalls = threeCalls(account.address).map(
    (c): Call => ({
      to: c.to,
      value: c.value ?? 0n,
      data: encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
    }),
  );
  const unguarded = await run(batchCalls);
  const aUsdc = (
    (await env.publicClient.readContract({
      address: pool,
      abi: poolAbi,
      functionName: 'getReserveData',
      args: [usdc.address],
    })) as { aTokenAddress: Address }
  ).aTokenAddress;
  // A supply is read in Aave's scaled units, as the planner reads it.
  const snapshotReads: GuardRead[] = [guardReads.balanceOf(usdc.address), guardReads.scaledBalanceOf(aUsdc)];
  const allowanceRead = guardReads.allowance(usdc.address, pool);
  // The bounds the planner would set (agent-core/plan/guard.ts): USDC changes by at least the swap's
  // minimum less the supply (-210), the supply grows by at least 500 USDC in scaled units less a
  // hundred-thousandth, the pool's allowance ends at exactly 0; no maximum on the first two.
  const income = (await env.publicClient.readContract({
    address: pool,
    abi: parseAbi(['function getReserveNormalizedIncome(address asset) view returns (uint256)']),
    functionName: 'getReserveNormalizedIncome',
    args: [usdc.address],
  })) as bigint;
  const suppliedScaled = (parseUnits('500', 6) * 10n ** 27n) / income;
  const noMax = 2n ** 255n - 1n;
  const guardCallsFor = guardCalls(manifest.contracts.bundleGuard, {
    snapshotReads,
    reads: [...snapshotReads, allowanceRead],
    bounds: [
      { read: 0n, relative: true, min: parseUnits('290', 6) - parseUnits('500', 6), max: noMax },
      { read: 1n, relative: true, min: suppliedScaled - suppliedScaled / 100_000n - 2n, max: noMax },
      { read: 2n, relative: false, min: 0n, max: 0n },
    ],
  });
  const guardedCalls = [guardCallsFor.snapshot, ...batchCalls, guardCallsFor.check];
  // The same two batches simulated as the EntryPoint runs them, from the same state: the batch's own
  // gas, its calldata included, without the bundler's limits (the EntryPoint charges 10% of unused
  // execution gas, so two operations' receipts also differ by how generously each was estimated).
  const [plainSimulated, guardedSimulated] = await Promise.all([
    simulateAccountCalls(env, owner.address, batchCalls),
    simulateAccountCalls(env, owner.address, guardedCalls),
  ]);
  if (!plainSimulated.ok || !guardedSimulated.ok) throw new Error('the benchmark batch would revert in simulation');
  const guarded = await run(guardedCalls);
  // BENCH_TRACE_GUARD=1 prints the guard's own call frames (gas, calldata), to see where its gas goes.
  if (process.env.BENCH_TRACE_GUARD) {
    type Frame = { to: string; input: string; gasUsed: string; calls?: Frame[] };
    const trace = (await env.publicClient.request({
      method: 'debug_traceTransaction' as never,
      params: [guarded.txHash, { tracer: 'callTracer' }] as never,
    })) as Frame;
    const frames = (frame: Frame): Frame[] => [frame, ...(frame.calls ?? []).flatMap(frames)];
    for (const frame of frames(trace).filter(
      (f) => f.to.toLowerCase() === manifest.contracts.bundleGuard.toLowerCase(),
    )) {
      log(
        `guard frame ${frame.input.slice(0, 10)} gas ${Number(frame.gasUsed)} calldata ${(frame.input.length - 2) / 2} bytes`,
      );
      for (const read of frame.calls ?? []) {
        log(`  read ${read.to} ${read.input.slice(0, 10)} gas ${Number(read.gasUsed)}`);
      }
    }
  }
  // Chaining: "swap 0.1 ETH to USDC and supply it to Aave". The swap promises its quote less 0.5%;
  // supplying that minimum leaves the rest idle in the account, supplying through the guard's
  // forwardReceived supplies what arrived. Idle USDC is the account's USDC change, read on chain.
  const minimumOut = (parseUnits('300', 6) * 995n) / 1000n;
  const swapToAccount: Call = {
    to: router,
    value: parseEther('0.1'),
    data: encodeFunctionData({
      abi: routerAbi,
      functionName: 'exactInputSingle',
      args: [
        {
          tokenIn: manifest.contracts.weth,
          tokenOut: usdc.address,
          fee: 500,
          recipient: account.address,
          amountIn: parseEther('0.1'),
          amountOutMinimum: minimumOut,
          sqrtPriceLimitX96: 0n,
        },
      ],
    } as never),
  };
  const supplyData = encodeFunctionData({
    abi: poolAbi,
    functionName: 'supply',
    args: [usdc.address, minimumOut, account.address, 0],
  } as never);
  const approve = (spender: Address, amount: bigint): Call => ({
    to: usdc.address,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
  });
  const usdcOf = () =>
    env.publicClient.readContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account.address],
    });
  const idleAfter = async (calls: Call[]) => {
    const before = await usdcOf();
    const record = await run(calls);
    return { idle: (await usdcOf()) - before, gas: record.gasUsed ?? 0n };
  };
  const atMinimum = await idleAfter([swapToAccount, approve(pool, minimumOut), { to: pool, data: supplyData }]);
  const guard = manifest.contracts.bundleGuard;
  const usdcRead = [guardReads.balanceOf(usdc.address)];
  const chainedGuard = guardCalls(guard, {
    snapshotReads: usdcRead,
    reads: usdcRead,
    bounds: [{ read: 0n, relative: true, min: 0n, max: 2n ** 255n - 1n }],
  });
  const chained = await idleAfter([
    chainedGuard.snapshot,
    swapToAccount,
    approve(guard, minimumOut * 2n),
    forwardReceivedCall(guard, {
      read: 0n,
      token: usdc.address,
      call: { to: pool, data: supplyData },
      // supply(asset, amount, onBehalfOf, referralCode): the amount is the second word.
      offset: 36n,
      atMost: minimumOut * 2n,
    }),
    approve(guard, 0n),
    chainedGuard.check,
  ]);
  const eoa = privateKeyToAccount(generatePrivateKey());
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, eoa.address);
  const wallet = createWalletClient({
    account: eoa,
    chain: toViemChain(manifest.chainId, manifest.rpcUrl),
    transport: devnetTransport(manifest.rpcUrl),
  });
  let eoaGas = 0n;
  for (const c of threeCalls(eoa.address)) {
    const hash: Hex = await wallet.writeContract({
      address: c.to,
      abi: c.abi,
      functionName: c.functionName,
      args: c.args,
      value: c.value,
    } as never);
    eoaGas += (await env.publicClient.waitForTransactionReceipt({ hash })).gasUsed;
  }

  // The user's own address as the account (EIP-7702): through the bundler, and sending its own batch.
  const eip7702 = await benchEip7702(
    env,
    manifest,
    (who) =>
      threeCalls(who).map(
        (c): Call => ({
          to: c.to,
          value: c.value ?? 0n,
          data: encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
        }),
      ),
    eoaGas,
  );

  // Latency: ours and bare permissionless, interleaved, same call shape, same polling interval.
  const bareOwner = privateKeyToAccount(generatePrivateKey());
  const bareAccount = await DEFAULT_ACCOUNT_KIND.create(env.publicClient, env.chain, bareOwner);
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, bareAccount.address);
  const pimlico = createPimlicoClient({
    chain: env.publicClient.chain,
    transport: http(manifest.bundlerUrl),
    entryPoint: bareAccount.entryPoint,
  });
  const bare = createSmartAccountClient({
    account: bareAccount,
    chain: env.publicClient.chain,
    bundlerTransport: http(manifest.bundlerUrl),
    userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).standard },
  });
  await bare
    .sendUserOperation({ calls: [{ to: someone(), value: 1n }] })
    .then((hash) => pimlico.waitForUserOperationReceipt({ hash, pollingInterval: env.pollingIntervalMs })); // deploys the bare account, outside the measurement
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursGas: number[] = [];
  const theirsGas: number[] = [];
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    const record = await run([{ to: someone(), value: 1n }]);
    ours.push(performance.now() - started);
    oursGas.push(Number(record.gasUsed));
    started = performance.now();
    const hash = await bare.sendUserOperation({ calls: [{ to: someone(), value: 1n }] });
    const receipt = await pimlico.waitForUserOperationReceipt({ hash, pollingInterval: env.pollingIntervalMs });
    if (!receipt.success) throw new Error('bare operation failed');
    theirs.push(performance.now() - started);
    theirsGas.push(Number(receipt.actualGasUsed));
    log(`latency run ${i + 1}/${runs}: execute ${ours.at(-1)?.toFixed(0)} ms, bare ${theirs.at(-1)?.toFixed(0)} ms`);
  }
  const oursMedian = median(ours);
  const theirsMedian = median(theirs);
  console.log(
    JSON.stringify(
      {
        benchmark: 'smart-accounts',
        account: DEFAULT_ACCOUNT_KIND.name,
        gas_used: {
          first_operation_deploy_and_native_transfer: Number(first.gasUsed),
          native_transfer: Number(native.gasUsed),
          erc20_transfer: Number(erc20.gasUsed),
          batch_approve_swap_supply: Number(batch.gasUsed),
          same_three_calls_as_eoa_transactions: Number(eoaGas),
          batch_to_eoa_ratio: Number((Number(batch.gasUsed) / Number(eoaGas)).toFixed(3)),
          // The same native transfer sent by bare permissionless in this run: what our layer adds to gas.
          native_transfer_median_execute: median(oursGas),
          native_transfer_median_bare_permissionless: median(theirsGas),
        },
        guard: {
          batch_approve_swap_supply_unguarded: Number(unguarded.gasUsed),
          batch_approve_swap_supply_guarded: Number(guarded.gasUsed),
          reads: snapshotReads.length + 1,
          // The batch executed with and without the guard, simulated from the same state.
          added_gas_3_call_bundle: Number(guardedSimulated.gas.execution - plainSimulated.gas.execution),
          // The same, as two mined operations' receipts (the second with the EntryPoint's unused-gas penalty).
          added_gas_user_operation_receipts: Number((guarded.gasUsed ?? 0n) - (unguarded.gasUsed ?? 0n)),
        },
        chaining: {
          swap_minimum_usdc: Number(formatUnits(minimumOut, 6)),
          // USDC left idle in the account by swap-then-supply, supplying the swap's minimum / what arrived.
          idle_dust_usdc_supplying_minimum: Number(formatUnits(atMinimum.idle, 6)),
          idle_dust_usdc: Number(formatUnits(chained.idle, 6)),
          gas_supplying_minimum: Number(atMinimum.gas),
          gas_chained_through_guard: Number(chained.gas),
        },
        eip7702,
        latency_ms: {
          runs,
          polling_interval_ms: env.pollingIntervalMs,
          execute_to_receipt_median: Math.round(oursMedian),
          bare_permissionless_median: Math.round(theirsMedian),
          overhead_ratio: Number((oursMedian / theirsMedian).toFixed(3)),
          target_overhead_ratio_below: 1.1,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await devnet.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
