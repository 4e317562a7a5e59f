/**
 * `npm run bench:crosschain [-- --runs N] [-- --deposits N] [-- --delay-ms MS]`: the devnet with both
 * chains and its Across relayer, as JSON.
 * - `devnet.start_s_two_chains`: startDevnet with both chains and the relayer, to ready (median of runs);
 * - `bridge.relayer_delay_ms`: the relayer's configured delay;
 * - `bridge.deposit_to_fill_ms_median`: from a USDC deposit's receipt on the devnet to the recipient's
 *   balance on the L2 (median of the deposits), beside the delay;
 * - `bridge.skill_to_destination_ms_median`: from building `across/bridge` (10 USDC to devnet-l2) to
 *   the amount on the account's balance there, through the user's smart account (a UserOperation
 *   through Alto: the exact approval and the deposit), median of the deposits;
 * - `bridge.message_to_destination_ms_median`: null while across/bridge awaits the maintainers'
 *   signature (the chat refuses an unsigned skill) and two-leg plans do not exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  http,
  type PublicClient,
  parseUnits,
  zeroAddress,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { spokePoolAbi, toBytes32 } from '../common/contracts/across.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { manifestToChain, spokePoolOf } from '../devnet/manifest.ts';
import { startTwoChainDevnet } from '../devnet/two-chains-on-free-ports.ts';
import { acrossBridge } from '../skills/across/bridge.ts';
import { buildSkillCalls } from '../skills/build.ts';
import { erc20Approve } from '../skills/erc20/approve.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { execute } from '../smart-accounts/execute.ts';
import { createOwnerKey, unlockOwnerKey } from '../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../smart-accounts/migrations.ts';
import { smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { ensureUser } from '../smart-accounts/users.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    deposits: { type: 'string', default: '10' },
    'delay-ms': { type: 'string', default: '2000' },
  },
});
const runs = Number(values.runs);
const deposits = Number(values.deposits);
const delayMs = Number(values['delay-ms']);
for (const [name, value] of [
  ['--runs', runs],
  ['--deposits', deposits],
  ['--delay-ms', delayMs],
] as const) {
  if (!Number.isInteger(value) || value < (name === '--delay-ms' ? 0 : 1))
    throw new Error(`${name} takes a whole number`);
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const log = (message: string) => process.stderr.write(`${message}\n`);

const start = (): Promise<Devnet> => startTwoChainDevnet({ relayer: { delayMs, minFeeBps: 10 } });

const starts: number[] = [];
let devnet: Devnet | undefined;
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const running = await start();
  starts.push(performance.now() - started);
  log(`start ${run + 1}/${runs}: ${(starts.at(-1) as number) / 1000} s`);
  if (run < runs - 1) await running.stop();
  else devnet = running;
}
if (!devnet?.l2) throw new Error('the devnet did not start its second chain');

const home = devnet.manifest;
const l2 = devnet.l2.manifest;
const user = privateKeyToAccount(generatePrivateKey());
const homeClient = createPublicClient({ transport: http(home.rpcUrl), pollingInterval: 50 });
const l2Client = createPublicClient({ transport: http(l2.rpcUrl), pollingInterval: 50 });
const wallet = createWalletClient({
  account: user,
  chain: toViemChain(home.chainId, home.rpcUrl),
  transport: http(home.rpcUrl),
});
await fundFromFaucet(homeClient, home.rpcUrl, home.tokens, user.address);
const usdc = home.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const l2Usdc = l2.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const spokePool = spokePoolOf(home);
await minedReceipt(
  homeClient,
  await wallet.sendTransaction({
    to: usdc.address,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spokePool, parseUnits('100000', 6)] }),
  }),
);

const latencies: number[] = [];
for (let i = 0; i < deposits; i++) {
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const now = Number((await homeClient.getBlock({ blockTag: 'latest' })).timestamp);
  const hash = await wallet.sendTransaction({
    to: spokePool,
    data: encodeFunctionData({
      abi: spokePoolAbi,
      functionName: 'deposit',
      args: [
        toBytes32(user.address),
        toBytes32(recipient),
        toBytes32(usdc.address),
        toBytes32(l2Usdc.address),
        parseUnits('10', 6),
        parseUnits('9.99', 6),
        BigInt(l2.chainId),
        toBytes32(zeroAddress),
        now,
        now + 3600,
        0,
        '0x',
      ],
    }),
  });
  await minedReceipt(homeClient, hash);
  const deposited = performance.now();
  for (;;) {
    const balance = await l2Client.readContract({
      address: l2Usdc.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [recipient],
    });
    if (balance === parseUnits('9.99', 6)) break;
    if (performance.now() - deposited > 60_000) throw new Error(`deposit ${i + 1} was not filled within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  latencies.push(performance.now() - deposited);
  log(`deposit ${i + 1}/${deposits}: filled after ${Math.round(latencies.at(-1) as number)} ms`);
}

// The same bridge as a user makes it: across/bridge built for their smart account, executed as one
// UserOperation (the exact approval, then the deposit), until the amount is theirs on the L2.
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bench-crosschain-'));
const db = openDatabase(databasePath(dataDir));
migrateSmartAccounts(db);
const homeEnv = executionEnvironment(db, {
  chain: manifestToChain(home),
  rpcUrl: home.rpcUrl,
  bundlerUrl: home.bundlerUrl,
  paymasterUrl: undefined,
  isDevnet: true,
});
ensureUser(db, 'bench');
const passphrase = 'bench passphrase, devnet only';
await createOwnerKey(db, 'bench', passphrase);
const owner = await unlockOwnerKey(db, 'bench', passphrase);
const account = await smartAccountAddress(homeEnv.publicClient, homeEnv.chain, owner.address);
await fundFromFaucet(homeClient, home.rpcUrl, home.tokens, account);
const ctx = createSkillContext({
  chain: homeEnv.chain,
  client: homeEnv.publicClient,
  account,
  otherChains: [manifestToChain(l2)],
  clientOn: () => l2Client as PublicClient,
});
const throughSkill: number[] = [];
for (let i = 0; i < deposits; i++) {
  const before = await l2Client.readContract({
    address: l2Usdc.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [account],
  });
  const started = performance.now();
  const build = await buildSkillCalls(acrossBridge, { token: 'USDC', amount: '10', toChain: l2.slug }, ctx);
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
  const record = await execute(homeEnv, owner, { userId: 'bench', idempotencyKey: `bench-bridge-${i}`, calls });
  if (record.status !== 'succeeded') throw new Error(`bridge ${i + 1} did not execute: ${record.error}`);
  const expected = before + (build.bounds.arrives?.[0]?.amount ?? 0n);
  for (;;) {
    const balance = await l2Client.readContract({
      address: l2Usdc.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account],
    });
    if (balance === expected) break;
    if (performance.now() - started > 60_000) throw new Error(`bridge ${i + 1} did not arrive within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throughSkill.push(performance.now() - started);
  log(
    `bridge ${i + 1}/${deposits} through across/bridge and the smart account: arrived after ${Math.round(throughSkill.at(-1) as number)} ms`,
  );
}
db.close();
rmSync(dataDir, { recursive: true, force: true });
await devnet.stop();

console.log(
  JSON.stringify(
    {
      benchmark: 'cross-chain on the devnet (two chains, Across relayer)',
      'devnet.start_s_two_chains': Math.round(median(starts)) / 1000,
      'bridge.relayer_delay_ms': delayMs,
      'bridge.deposit_to_fill_ms_median': Math.round(median(latencies)),
      'bridge.skill_to_destination_ms_median': Math.round(median(throughSkill)),
      'bridge.message_to_destination_ms_median': null,
      not_measured: {
        'bridge.message_to_destination_ms_median':
          "from a chat message: across/bridge awaits the maintainers' signature, so the chat refuses it; two-leg plans are not built",
      },
      runs,
      deposits,
      start_s_all: starts.map((ms) => Math.round(ms) / 1000),
      deposit_to_fill_ms_all: latencies.map(Math.round),
      skill_to_destination_ms_all: throughSkill.map(Math.round),
    },
    null,
    2,
  ),
);
