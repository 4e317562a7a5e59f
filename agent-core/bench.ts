/**
 * `npm run bench:agent [-- --runs N]`: the agent's speed, as JSON.
 * - the embedded parser over the dev set (../shared/eval/intents-dev.jsonl): messages per second and
 *   the per-message p50/p99;
 * - on an in-process devnet: message → preview (parse, plan with the audited skills, simulate the
 *   bundle, policy), and message → receipt (the same, confirmed and executed), next to the bare
 *   bundler floor measured in the same run: the plan's own calls sent by bare permissionless
 *   (sendUserOperation + wait), interleaved. Medians; the machine is shared and noisy.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSmartAccountClient } from 'permissionless';
import { createPimlicoClient } from 'permissionless/clients/pimlico';
import { http } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { findFreePort } from '../common/ports.ts';
import { startDevnet } from '../devnet/devnet.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { accountKindFor } from '../smart-accounts/smart-account.ts';
import { newUser } from '../smart-accounts/testing/environment.ts';
import { confirmPlan, handleMessage } from './agent.ts';
import { parseEmbedded } from './parse/embedded/parse.ts';
import { getPlan } from './plan/store.ts';
import { testAgent } from './testing/agent.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    dev: { type: 'string', default: '../shared/eval/intents-dev.jsonl' },
  },
});
const runs = Number(values.runs);
const log = (message: string) => process.stderr.write(`${message}\n`);
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const median = (xs: number[]) => quantile(xs, 0.5);

// 1. The embedded parser.
const prompts = readFileSync(values.dev, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
// Warm up to the JIT's steady state (one pass left the larger rule set half in the interpreter):
// ten passes over the set, not timed.
const warmupPasses = 10;
for (let pass = 0; pass < warmupPasses; pass++) for (const prompt of prompts) parseEmbedded(prompt);
const perMessage: number[] = [];
const passes = 50;
const parseStarted = performance.now();
for (let pass = 0; pass < passes; pass++) {
  for (const prompt of prompts) {
    const started = performance.now();
    parseEmbedded(prompt);
    perMessage.push(performance.now() - started);
  }
}
const parseSeconds = (performance.now() - parseStarted) / 1000;
log(`embedded parser: ${perMessage.length} messages in ${parseSeconds.toFixed(2)} s`);

// 2. On the devnet: message → preview, message → receipt, and the bare bundler floor.
log('starting a devnet for the benchmark…');
const devnet = await startDevnet({
  anvilPort: await findFreePort(),
  bundlerPort: await findFreePort(),
  paymasterPort: await findFreePort(),
  dataDir: mkdtempSync(join(tmpdir(), 'sextant-bench-agent-')),
});
try {
  const { manifest } = devnet;
  const deps = await testAgent(manifest);
  const user = await newUser(deps.env);
  await fundFromFaucet(deps.env.publicClient, manifest.rpcUrl, manifest.tokens, user.account);
  const message = 'swap 10 USDC for DAI';
  // The first operation deploys the account: outside the measurement, for both.
  const first = await handleMessage(deps, {
    userId: user.userId,
    owner: user.owner.address,
    account: user.account,
    text: 'wrap 0.01 ETH',
  });
  await confirmPlan(deps, { userId: user.userId, planId: first.plan?.id as string, owner: user.owner });

  const bareOwner = privateKeyToAccount(generatePrivateKey());
  // The same kind of account as the user's, so the two differ only in what Sextant adds.
  const bareAccount = await accountKindFor(deps.env.db, user.userId).create(
    deps.env.publicClient,
    deps.env.chain,
    bareOwner,
  );
  await fundFromFaucet(deps.env.publicClient, manifest.rpcUrl, manifest.tokens, bareAccount.address);
  const pimlico = createPimlicoClient({
    chain: deps.env.publicClient.chain,
    transport: http(manifest.bundlerUrl),
    entryPoint: bareAccount.entryPoint,
  });
  const bare = createSmartAccountClient({
    account: bareAccount,
    chain: deps.env.publicClient.chain,
    bundlerTransport: http(manifest.bundlerUrl),
    userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).standard },
  });
  await bare
    .sendUserOperation({ calls: [{ to: bareOwner.address, value: 1n }] })
    .then((hash) => pimlico.waitForUserOperationReceipt({ hash, pollingInterval: deps.env.pollingIntervalMs }));

  const toPreview: number[] = [];
  const toReceipt: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const reply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.owner.address,
      account: user.account,
      text: message,
    });
    toPreview.push(performance.now() - started);
    if (reply.kind !== 'plan' || !reply.plan) throw new Error(`no plan: ${reply.text}`);
    const record = await confirmPlan(deps, { userId: user.userId, planId: reply.plan.id, owner: user.owner });
    if (record.status !== 'succeeded') throw new Error(`execution ${record.status}: ${record.error}`);
    toReceipt.push(performance.now() - started);

    // The same calls (the approval and the swap, re-targeted to the bare account) through bare permissionless.
    const bareReply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.owner.address,
      account: user.account,
      text: message,
    });
    const calls = (bareReply.plan?.steps ?? []).length > 0 ? await callsFor(bareReply.plan?.id as string) : [];
    const bareStarted = performance.now();
    const hash = await bare.sendUserOperation({ calls });
    const receipt = await pimlico.waitForUserOperationReceipt({ hash, pollingInterval: deps.env.pollingIntervalMs });
    if (!receipt.success) throw new Error('bare operation failed');
    floor.push(performance.now() - bareStarted);
    log(
      `run ${i + 1}/${runs}: preview ${toPreview.at(-1)?.toFixed(0)} ms, receipt ${toReceipt.at(-1)?.toFixed(0)} ms, bare ${floor.at(-1)?.toFixed(0)} ms`,
    );
  }

  /**
   * The plan's steps' own calls, without the bundle guard's snapshot and check: the guard's bounds are
   * the user's account's, and the floor is what the protocol calls alone cost to land.
   */
  async function callsFor(planId: string) {
    const plan = getPlan(deps.db, user.userId, planId);
    return (plan?.steps ?? []).flatMap((step) =>
      step.calls.map((call) => ({ to: call.to, value: call.value, data: call.data })),
    );
  }

  const ms = (value: number) => Math.round(value);
  console.log(
    JSON.stringify(
      {
        embedded_parser: {
          warmup_messages: warmupPasses * prompts.length,
          messages: perMessage.length,
          messages_per_second: Math.round(perMessage.length / parseSeconds),
          p50_ms: Number(median(perMessage).toFixed(4)),
          p99_ms: Number(quantile(perMessage, 0.99).toFixed(4)),
        },
        devnet: {
          message: message,
          runs,
          message_to_preview_median_ms: ms(median(toPreview)),
          message_to_receipt_median_ms: ms(median(toReceipt)),
          bare_bundler_send_to_receipt_median_ms: ms(median(floor)),
          receipt_over_bare_ratio: Number((median(toReceipt) / median(floor)).toFixed(2)),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await devnet.stop();
}
