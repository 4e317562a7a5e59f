import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  type Abi,
  type Address,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  maxUint256,
  parseAbi,
  parseEther,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessControl, accessToken } from '../../app/access.ts';
import { resolveNetwork } from '../../app/network.ts';
import { serverRuntime } from '../../app/runtime.ts';
import { createApp, listen } from '../../app/server.ts';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { type Db, databasePath, openDatabase } from '../../common/database.ts';
import { findFreePort } from '../../common/ports.ts';
import { loadSettings } from '../../common/settings.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetTransport, fundedAccount } from '../../devnet/testing/clients.ts';
import { deployLookalikeToken } from '../../devnet/testing/fake-token.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { startTwoChainDevnet } from '../../devnet/two-chains-on-free-ports.ts';
import { TEST_TRUSTED_AUDITORS } from '../../skills/testing/endpoints.ts';
import { standInForBuiltinSignature } from '../../skills/testing/stand-in-signature.ts';
import { runContinuations, runWaitingLegs } from '../../smart-accounts/bridge-continuations.ts';
import { executionEnvironment } from '../../smart-accounts/environment.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { getExecution, listExecutions } from '../../smart-accounts/executions.ts';
import { unlockOwnerKey } from '../../smart-accounts/keystore.ts';
import { devnetNetwork } from '../../smart-accounts/testing/environment.ts';
import { getPlan } from '../plan/store.ts';
import { deployTwoFacedSwap } from '../testing/two-faced.ts';
import { twoChainCli } from './two-chain-cli.ts';

/**
 * Hostile cases for plans that continue on another chain after an Across bridge, second pass: what
 * agent-core/hostile/two-leg-plans.test.ts did not reach. The server as `sextant start` assembles it
 * (app/runtime.ts serverRuntime, app/server.ts createApp) on the two-chain devnet's data directory:
 * a two-leg plan made and confirmed over HTTP and MCP; words that put a step on the wrong chain; two
 * processes running the legs at once; a leg whose bundler is down; a pool moved between the preview
 * and the fill. Every case reads balances on both chains and the records. A case marked `it.fails`
 * shows a hole that is open now: its comment says what moved and where in the code.
 */
let devnet: Devnet;
let home: DevnetManifest;
let l2: DevnetManifest;
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-two-leg-hostile-2-'));
const PASSPHRASE = 'a passphrase for hostile tests';
let app: ReturnType<typeof createApp>;
let serverDb: Db;
let server: { url: string; close: () => Promise<void> } | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 200, minFeeBps: 10 }, dataDir });
  home = devnet.manifest;
  l2 = devnet.l2?.manifest as DevnetManifest;
  const db = openDatabase(databasePath(dataDir));
  await standInForBuiltinSignature(db, 'across/bridge');
  db.close();
  // The server, as `sextant start` puts it together, on its own connection to the same database.
  const settings = loadSettings(serverEnv());
  const network = resolveNetwork(settings);
  serverDb = openDatabase(databasePath(dataDir));
  const runtime = await serverRuntime(serverDb, network, settings, PASSPHRASE);
  app = createApp({
    chain: network.chain,
    rpcUrl: network.rpcUrl,
    bundlerUrl: network.bundlerUrl,
    llm: async () => ({ provider: 'embedded', model: 'embedded', reachable: false, host: 'http://127.0.0.1:1' }),
    access: accessControl(serverDb, dataDir),
    skills: runtime.skills,
    agent: runtime.agent,
    keys: runtime.keys,
  });
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await server?.close();
  await devnet?.stop();
});

function serverEnv(): NodeJS.ProcessEnv {
  return {
    DATA_DIR: dataDir,
    SKILL_AUDITORS: TEST_TRUSTED_AUDITORS.join(','),
    // No Ollama here: the embedded parser reads the messages, as in the CLI cases (--llm embedded).
    OLLAMA_HOST: 'http://127.0.0.1:1',
  };
}
const {
  envOf,
  clientOf,
  tokenOn,
  aTokenOn,
  erc20,
  usdc,
  newAddress,
  newUser,
  run,
  legs,
  settledLegs,
  continuationsOf,
  snapshot,
} = twoChainCli(dataDir, PASSPHRASE, () => ({ home, l2 }));

type PlanJson = {
  id: string;
  status: string;
  newRecipients: string[];
  steps: { skillId: string; chainId?: number }[];
};
/** The same, gas aside (a refused confirm may still have sent nothing; only chain state is compared). */
const withoutGas = (s: Awaited<ReturnType<typeof snapshot>>) => ({
  account: { ...s.account, homeEth: 0n, l2Eth: 0n },
  others: s.others.map((o) => ({ ...o, homeEth: 0n, l2Eth: 0n })),
});

/** Waits until the relayer has filled `amount` to the account on devnet-l2 (the leg has not run yet). */
async function filled(account: Address, before: bigint, amount: bigint) {
  await expect
    .poll(() => erc20(l2, tokenOn(l2, 'USDC'), account), { timeout: 20_000, interval: 100 })
    .toBe(before + amount);
}

// --- over HTTP ---------------------------------------------------------------------------------------

const bearer = (user: string, kind: 'user' | 'mcp' = 'user') => ({
  authorization: `Bearer ${accessToken(dataDir, user, kind)}`,
  'content-type': 'application/json',
});
/** POST /v1/chat (in `conversationId`, if given), its plan (from the server-sent events) and conversation, or the words it said instead. */
async function chat(
  user: string,
  message: string,
  conversationId?: string,
): Promise<{ plan: PlanJson | undefined; said: string; conversationId: string | undefined }> {
  const response = await app.request('/v1/chat', {
    method: 'POST',
    headers: bearer(user),
    body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
  });
  const text = await response.text();
  const frames = text
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => [/^event: (.*)$/m.exec(frame)?.[1], JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null')]);
  const plan = frames.find(([event]) => event === 'plan')?.[1] as { plan: PlanJson } | undefined;
  const done = frames.find(([event]) => event === 'done')?.[1] as { conversationId?: string } | undefined;
  return { plan: plan?.plan, said: text, conversationId: done?.conversationId };
}
async function confirmOverHttp(user: string, planId: string, body: unknown, kind: 'user' | 'mcp' = 'user') {
  const response = await app.request(`/v1/plans/${planId}/confirm`, {
    method: 'POST',
    headers: bearer(user, kind),
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { execution?: { id: string; status: string } } };
}

describe('hostile, second pass: two-leg plans over HTTP and MCP, words, concurrency and crashes', () => {
  it('over HTTP: another user cannot confirm or cancel the plan or run its leg; the destination payee needs the yes; two confirms send one bridge and schedule one leg, which pays exactly what arrived', async () => {
    const alice = await newUser('http-alice');
    const mallory = await newUser('http-mallory');
    const carol = newAddress();
    const { plan, said } = await chat(alice.name, `bridge 100 USDC to devnet-l2 and send it to ${carol} there`);
    expect(plan, said).toBeDefined();
    const planId = (plan as PlanJson).id;
    expect(plan?.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['erc20/transfer', l2.chainId],
    ]);
    expect(plan?.newRecipients.map((a) => a.toLowerCase())).toContain(carol.toLowerCase());
    const before = await snapshot(alice.account, [carol, mallory.account]);

    // Mallory, signed in as herself: alice's plan does not exist for her, whatever she sends.
    for (const body of [{}, { allowNewRecipients: true, allowUnlistedTokens: true }]) {
      expect((await confirmOverHttp(mallory.name, planId, body)).status).toBe(404);
    }
    const cancel = await app.request(`/v1/plans/${planId}/cancel`, { method: 'POST', headers: bearer(mallory.name) });
    expect(cancel.status).toBe(404);
    expect((await app.request(`/v1/plans/${planId}`, { headers: bearer(mallory.name) })).status).toBe(404);
    // Alice without the yes for carol: refused, nothing reserved, nothing scheduled.
    const refused = await confirmOverHttp(alice.name, planId, {});
    expect(refused.status).toBe(400);
    expect(getPlan(serverDb, alice.name, planId)?.status).toBe('proposed');
    expect(continuationsOf(alice.name)).toEqual([]);
    expect(withoutGas(await snapshot(alice.account, [carol, mallory.account]))).toEqual(withoutGas(before));

    // With it, twice at once (a double click): one execution, one leg, written for alice's account.
    const [first, second] = await Promise.all([
      confirmOverHttp(alice.name, planId, { allowNewRecipients: true }),
      confirmOverHttp(alice.name, planId, { allowNewRecipients: true }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.execution?.id).toBe(first.body.execution?.id);
    const executionId = first.body.execution?.id as string;
    await expect
      .poll(() => getExecution(serverDb, alice.name, executionId).status, { timeout: 20_000, interval: 100 })
      .toBe('succeeded');
    const scheduled = continuationsOf(alice.name);
    expect(scheduled.map((c) => [c.status, c.afterExecutionId, c.planId, c.account])).toEqual([
      ['waiting', executionId, planId, alice.account],
    ]);
    expect(listExecutions(serverDb, alice.name)).toHaveLength(1);

    // Once filled, Mallory's own passes (`sextant bridges`, and the runner over every user with her
    // key only) run nothing of alice's: her legs list is empty, alice's leg still waits.
    await filled(alice.account, before.account.l2Usdc, usdc('99.9'));
    expect(await legs(mallory.name)).toEqual([]);
    expect(continuationsOf(alice.name).map((c) => c.status)).toEqual(['waiting']);
    const db = openDatabase(databasePath(dataDir));
    try {
      const env = executionEnvironment(db, resolveNetwork(loadSettings(serverEnv())));
      const malloryKey = await unlockOwnerKey(db, mallory.name, PASSPHRASE);
      // A runner that can open only Mallory's key: alice's leg is not run with it.
      const report = await runWaitingLegs(env, async (userId) => (userId === mallory.name ? malloryKey : undefined));
      expect(report.find((r) => r.userId === alice.name)?.legs).toBeUndefined();
      expect(continuationsOf(alice.name).map((c) => [c.status, c.executionId])).toEqual([['waiting', null]]);
    } finally {
      db.close();
    }
    // Alice's own `sextant bridges` runs it, once: carol gets exactly what arrived, on devnet-l2 only.
    expect((await settledLegs(alice.name)).map((l) => [l.status, l.executionStatus])).toEqual([
      ['executed', 'succeeded'],
    ]);
    await legs(alice.name);
    const after = await snapshot(alice.account, [carol, mallory.account]);
    expect(after.others[0]?.l2Usdc).toBe(usdc('99.9'));
    expect(after.others[0]?.homeUsdc).toBe(0n);
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(withoutGas(after).others[1]).toEqual(withoutGas(before).others[1]);
  });

  it('over HTTP: an unlisted token paid on the destination leg needs allowUnlistedTokens; an expired two-leg plan is refused; nothing moves on either chain, nothing is scheduled', async () => {
    const u = await newUser('http-unlisted');
    const fake = await deployLookalikeToken(l2, 'USDC', 6, u.account);
    const dave = newAddress();
    const unlisted = await chat(u.name, `bridge 10 USDC to devnet-l2 and send 5 ${fake} to ${dave} there`);
    expect(
      unlisted.plan?.steps.map((s) => [s.skillId, s.chainId]),
      unlisted.said,
    ).toEqual([
      ['across/bridge', undefined],
      ['erc20/transfer', l2.chainId],
    ]);
    const supplied = await chat(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there');
    expect(supplied.plan, supplied.said).toBeDefined();
    const before = await snapshot(u.account, [dave]);

    const refused = await confirmOverHttp(u.name, unlisted.plan?.id as string, { allowNewRecipients: true });
    expect(refused.status).toBe(400);
    expect(getPlan(serverDb, u.name, unlisted.plan?.id as string)?.status).toBe('proposed');

    // Eleven minutes later (plans live ten): the clock alone moves.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 11 * 60_000);
      const expired = await confirmOverHttp(u.name, supplied.plan?.id as string, {});
      expect(expired.status).toBe(409);
    } finally {
      vi.useRealTimers();
    }
    expect(getPlan(serverDb, u.name, supplied.plan?.id as string)?.status).toBe('expired');
    // Expired stays expired, even back in time.
    expect((await confirmOverHttp(u.name, supplied.plan?.id as string, {})).status).toBe(409);

    expect(withoutGas(await snapshot(u.account, [dave]))).toEqual(withoutGas(before));
    expect(await erc20(l2, fake, dave)).toBe(0n);
    expect(continuationsOf(u.name)).toEqual([]);
    expect(listExecutions(serverDb, u.name)).toEqual([]);
  });

  it('confirmed at once over HTTP (the server connection) and with `sextant plans confirm` (its own): one bridge, one leg, run once', async () => {
    const u = await newUser('http-and-cli');
    const { plan, said } = await chat(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there');
    expect(plan, said).toBeDefined();
    const planId = (plan as PlanJson).id;
    const before = await snapshot(u.account);
    const [overHttp, atTerminal] = await Promise.all([
      confirmOverHttp(u.name, planId, {}),
      sextantInProcess(['plans', 'confirm', planId, '--yes', '--json'], envOf(u.name)),
    ]);
    expect(overHttp.status).toBe(200);
    // Whichever comes second gets the same execution as it stands then (the CLI exits 1 while it is
    // still in flight: "submitted").
    const fromTerminal = JSON.parse(atTerminal.stdout) as { execution: { id: string } };
    expect(fromTerminal.execution.id, atTerminal.stdout + atTerminal.stderr).toBe(overHttp.body.execution?.id);
    await expect
      .poll(() => getExecution(serverDb, u.name, fromTerminal.execution.id).status, { timeout: 20_000, interval: 100 })
      .toBe('succeeded');
    expect(continuationsOf(u.name)).toHaveLength(1);
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
    expect(
      listExecutions(serverDb, u.name)
        .map((e) => e.chainId)
        .sort(),
    ).toEqual([home.chainId, l2.chainId]);
  });

  it('over MCP: build_plan makes a two-leg plan, but neither execute_plan nor the MCP token over REST confirms it; nothing moves, nothing is scheduled', async () => {
    const u = await newUser('mcp-user');
    server ??= await listen(app, '127.0.0.1', await findFreePort());
    const client = new Client({ name: 'sextant-hostile', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${accessToken(dataDir, u.name, 'mcp')}` } },
      }),
    );
    closers.push(() => client.close());
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const part = result.content.find((p) => p.type === 'text');
      return { isError: result.isError === true, body: JSON.parse(part?.type === 'text' ? part.text : 'null') };
    };
    const bob = newAddress();
    const built = await call('build_plan', { message: `bridge 50 USDC to devnet-l2 and send it to ${bob} there` });
    expect(built.body.kind, JSON.stringify(built.body)).toBe('plan');
    const planId = built.body.plan.id as string;
    expect(getPlan(serverDb, u.name, planId)?.destination?.chainId).toBe(l2.chainId);
    const before = await snapshot(u.account, [bob]);

    expect((await call('execute_plan', { planId, waitSeconds: 1 })).isError).toBe(true);
    for (const body of [{}, { allowNewRecipients: true, allowUnlistedTokens: true }]) {
      expect((await confirmOverHttp(u.name, planId, body, 'mcp')).status).toBe(403);
    }
    expect(getPlan(serverDb, u.name, planId)?.status).toBe('proposed');
    expect(continuationsOf(u.name)).toEqual([]);
    expect(listExecutions(serverDb, u.name)).toEqual([]);
    expect(await snapshot(u.account, [bob])).toEqual(before);
  });

  // --- words ----------------------------------------------------------------------------------------

  it('words that cannot be placed on one chain are not run: nothing moves on either chain, nothing is scheduled', async () => {
    const u = await newUser('words-refused');
    const bob = newAddress();
    const before = await snapshot(u.account, [bob]);
    for (const text of [
      // The third step names no chain after a step there: asked about, not guessed.
      `bridge 100 USDC to devnet-l2 and supply 50 USDC to aave and send 10 USDC to ${bob}`,
      // "…back": a bridge from devnet-l2 to the devnet is not offered in one plan.
      'bridge 100 USDC to devnet-l2 and bridge 50 USDC back to devnet',
      'bridge 100 USDC to devnet-l2 and then bridge it back',
      'bridge 100 USDC to devnet-l2 and also swap 1 ETH for USDC',
    ]) {
      const reply = await run(u.name, text, ['--yes', '--allow-new-recipient']);
      expect(reply.execution ?? null, `${text}: ${reply.text}`).toBeNull();
    }
    expect(await snapshot(u.account, [bob])).toEqual(before);
    expect(continuationsOf(u.name)).toEqual([]);
  });

  it('"bridge … from devnet to devnet-l2 and supply 50 there and send 10 to X": the send is a step of the home chain, shown there, and what moves on each chain is what the preview showed', async () => {
    const u = await newUser('words-from-devnet');
    const bob = newAddress();
    const before = await snapshot(u.account, [bob]);
    const reply = await run(
      u.name,
      `bridge 100 USDC from devnet to devnet-l2 and supply 50 USDC to aave there and send 10 USDC to ${bob}`,
      ['--yes', '--allow-new-recipient'],
    );
    // Without "from devnet" the same words are asked about (case above); with it, the send takes the
    // chain the message named last before it, and the plan lists it on the home chain, before the leg.
    expect(reply.plan?.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['erc20/transfer', undefined],
      ['aave-v3/supply', l2.chainId],
    ]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account, [bob]);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('110'));
    expect(after.others[0]?.homeUsdc).toBe(usdc('10'));
    expect(after.others[0]?.l2Usdc).toBe(0n);
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('50'));
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeLessThan(usdc('50.01'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('49.9'));
  });

  // Was a hole (now asked about, agent-core/parse/embedded/chain-doubt.ts): "here" was not read as a chain. The embedded parser has no word for the session's own chain
  // ("here" is a common word: agent-core/parse/embedded/common-words.ts), so shareChains
  // (agent-core/parse/embedded/parse.ts) gives the step after a bridge the bridge's toChain, and the
  // planner (agent-core/plan/build-plan.ts legOf) builds it on devnet-l2. Message:
  // `bridge 20 USDC to devnet-l2 and send 5 USDC to <bob> here` with --yes --allow-new-recipient.
  // What moved: 5 USDC from the account to bob on devnet-l2 (chain 31338), the chain the words said
  // it was not to happen on; bob has nothing on the devnet. The plan lists the send under "then on
  // Sextant devnet L2": the chain is shown, but the word that named the other one is dropped without
  // a question. The same for "…on the home chain" and "…and supply 100 USDC to aave here".
  it('"…and send 5 USDC to X here" after a bridge is asked about: never paid on the destination, nothing moves', async () => {
    const u = await newUser('words-here');
    const bob = newAddress();
    const before = await snapshot(u.account, [bob]);
    const reply = await run(u.name, `bridge 20 USDC to devnet-l2 and send 5 USDC to ${bob} here`, [
      '--yes',
      '--allow-new-recipient',
    ]);
    expect(reply.execution ?? null).toBeNull();
    expect(reply.text).toMatch(/Where should the steps after the bridge happen/);
    const after = await snapshot(u.account, [bob]);
    expect(after.others[0]?.l2Usdc).toBe(0n);
    expect(after).toEqual(before);
  });

  // Was a hole (now asked about, agent-core/parse/embedded/chain-doubt.ts): in a conversation, "there"
  // after a bridge was read as the home chain. Over the chat (POST
  // /v1/chat with its conversationId): "bridge 100 USDC to devnet-l2" (confirmed: the USDC goes
  // there), then "supply 50 USDC to aave there". The second message's plan is one of the home chain:
  // the parser has no word for "there" (agent-core/parse/embedded/common-words.ts) and nothing carries
  // the conversation's last destination into it (agent-core/parse/embedded/parse.ts shareChains works
  // within one message), so agent-core/plan/build-plan.ts legOf puts a step that names no chain on the
  // home chain; the reply names no chain at all ("1. Supply 50 USDC to Aave V3"). Confirmed with no
  // flag (a supply needs none): what moved is 50 USDC of the account's on the devnet (chain 31337) into
  // Aave there, and nothing on devnet-l2, where the words put it. "send 5 USDC to X there" in the same
  // conversation is planned the same way, as a send on the devnet (seen, not run here): to a payee paid
  // before on the devnet, it needs no explicit yes.
  it('in a conversation, "…there" after a bridge never acts on the home chain: "supply 50 USDC to aave there" is asked about', async () => {
    const u = await newUser('words-there-later');
    const first = await chat(u.name, 'bridge 100 USDC to devnet-l2');
    expect(
      first.plan?.steps.map((s) => s.skillId),
      first.said,
    ).toEqual(['across/bridge']);
    expect((await confirmOverHttp(u.name, first.plan?.id as string, {})).status).toBe(200);
    const before = await snapshot(u.account);
    const then = await chat(u.name, 'supply 50 USDC to aave there', first.conversationId);
    expect(then.plan ?? null).toBeNull();
    // What the assistant wrote: the text events' deltas, in order.
    const words = [...then.said.matchAll(/event: text\ndata: (.*)\n/g)]
      .map((m) => (JSON.parse(m[1] as string) as { delta: string }).delta)
      .join('');
    expect(words).toMatch(/Which chain do you mean by "there"/);
    const after = await snapshot(u.account);
    // Nothing of the account's went into Aave on the devnet.
    expect(after.account.homeaUsdc).toBe(before.account.homeaUsdc);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc);
  });

  // --- two processes, a bundler down, a pool moved --------------------------------------------------

  it('two processes running the legs at once (runContinuations and runWaitingLegs, each on its own connection to the same database) run a filled leg once', async () => {
    const u = await newUser('race');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there', ['--yes']);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    await filled(u.account, before.account.l2Usdc, usdc('99.9'));
    const dbs = [openDatabase(databasePath(dataDir)), openDatabase(databasePath(dataDir))] as const;
    try {
      const network = resolveNetwork(loadSettings(serverEnv()));
      const a = executionEnvironment(dbs[0], network);
      const b = executionEnvironment(dbs[1], network);
      const owner = await unlockOwnerKey(dbs[0], u.name, PASSPHRASE);
      await Promise.all([
        runContinuations(a, u.name, owner),
        runWaitingLegs(b, async () => owner),
        runContinuations(a, u.name, owner),
      ]);
      // And again, once everything has settled.
      await runWaitingLegs(b, async () => owner);
      await runContinuations(a, u.name, owner);
    } finally {
      for (const db of dbs) db.close();
    }
    const settled = continuationsOf(u.name);
    expect(settled.map((c) => c.status)).toEqual(['executed']);
    const onL2 = listExecutions(serverDb, u.name).filter((e) => e.chainId === l2.chainId);
    expect(onL2.map((e) => e.status)).toEqual(['succeeded']);
    const after = await snapshot(u.account);
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc - before.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
  });

  it('a leg that runs unvetted code does not run once the account holds on devnet-l2 a token its guard does not watch: refused at confirmation, dropped at the fill; the token stays', async () => {
    const u = await newUser('unwatched-leg');
    const { walletClient: admin, account: adminAccount } = await fundedAccount(l2);
    const l2Client = clientOf(l2);
    const write = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) =>
      expect(
        (
          await l2Client.waitForTransactionReceipt({
            hash: await admin.writeContract({
              account: adminAccount,
              chain: admin.chain,
              address,
              abi,
              functionName,
              args,
            } as never),
          })
        ).status,
      ).toBe('success');
    // On devnet-l2, long before: the account allowed a router with the arbitrary-`from` flaw its aUSDC and
    // aWBTC (holding neither), and holds a token whose transfer, once mined, has that router take the loot.
    const puller = await deployTwoFacedSwap(l2, 'LeakyPuller');
    const hop = await deployTwoFacedSwap(l2, 'HopToken');
    const hopAbi = parseAbi([
      'function mint(address to, uint256 amount)',
      'function aim(address victim, address puller, address loot)',
    ]);
    await write(hop, hopAbi, 'mint', [u.account, parseEther('100')]);
    const aUsdc = aTokenOn(l2, 'USDC');
    const aWbtc = aTokenOn(l2, 'WBTC');
    const owner = await unlockOwnerKey(serverDb, u.name, PASSPHRASE);
    const there = executionEnvironment(serverDb, devnetNetwork(l2));
    const allowed = await execute(there, owner, {
      userId: u.name,
      idempotencyKey: `allow-puller-${u.name}`,
      calls: [aUsdc, aWbtc].map((aToken) => ({
        to: aToken,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [puller, maxUint256] }),
      })),
    });
    expect(allowed.status, allowed.error ?? '').toBe('succeeded');
    const dave = newAddress();
    const ask = async () => {
      const reply = await run(u.name, `bridge 10 USDC to devnet-l2 and send 5 ${hop} to ${dave} there`);
      expect(reply.plan?.status, reply.text).toBe('proposed');
      const plan = getPlan(serverDb, u.name, reply.plan?.id as string);
      // The leg moves a token the chain does not list: unvetted, so its guard watches what is held there.
      expect(plan?.preview.destination?.preview.guard?.watchesHoldings).toBeDefined();
      return plan?.id as string;
    };
    const confirm = (planId: string) =>
      sextantInProcess(
        ['plans', 'confirm', planId, '--yes', '--json', '--allow-new-recipient', '--allow-unlisted-token'],
        envOf(u.name),
      );

    // At confirmation: aUSDC arrived on devnet-l2 after the preview (the user's own supply there).
    await write(hop, hopAbi, 'aim', [u.account, puller, aUsdc]);
    const first = await ask();
    expect((await run(u.name, 'supply 50 USDC to aave', ['--yes'], 'devnet-l2')).execution?.status).toBe('succeeded');
    const beforeFirst = await snapshot(u.account, [dave]);
    const refused = await confirm(first);
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(
      /now holds aDevUSDC on chain \d+, which it did not hold when this plan was previewed/,
    );
    expect(withoutGas(await snapshot(u.account, [dave]))).toEqual(withoutGas(beforeFirst));
    expect(continuationsOf(u.name)).toEqual([]);

    // At the fill: confirmed with nothing new there; aWBTC arrives before the fill; the leg does not run.
    await write(hop, hopAbi, 'aim', [u.account, puller, aWbtc]);
    const second = await ask();
    const beforeSecond = await snapshot(u.account, [dave]);
    const confirmed = await confirm(second);
    expect(confirmed.code, `${confirmed.stdout}${confirmed.stderr}`).toBe(0);
    expect((await run(u.name, 'supply 0.01 WBTC to aave', ['--yes'], 'devnet-l2')).execution?.status).toBe('succeeded');
    const aWbtcHeld = await erc20(l2, aWbtc, u.account);
    expect(aWbtcHeld).toBeGreaterThan(0n);
    const settled = await settledLegs(u.name);
    expect(settled.map((leg) => leg.status)).toEqual(['abandoned']);
    expect(settled[0]?.reason).toMatch(
      /the account now holds aDevWBTC there, which it did not hold when the leg was previewed/,
    );
    expect(await erc20(l2, aWbtc, u.account)).toBeGreaterThanOrEqual(aWbtcHeld);
    expect(await erc20(l2, hop, dave)).toBe(0n);
    expect(await erc20(l2, aWbtc, hop)).toBe(0n);
    const after = await snapshot(u.account, [dave]);
    expect(after.account.homeUsdc).toBe(beforeSecond.account.homeUsdc - usdc('10'));
    expect(after.account.l2aUsdc).toBeGreaterThanOrEqual(beforeSecond.account.l2aUsdc);
  });

  it('a pool moved on devnet-l2 between the preview and the fill: the leg is refused before it is sent (it would revert), its records say why, and what the bridge brought stays in the account', async () => {
    const u = await newUser('moved-pool');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and swap it for WETH there', ['--yes']);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    await filled(u.account, before.account.l2Usdc, usdc('99.9'));
    // Someone buys WETH with USDC on every USDC/WETH pool there: the leg's swap now gets less than previewed.
    await buyWethOnEveryPool(usdc('40000'));
    const settled = await settledLegs(u.name);
    // Refused before it was sent (the bundle is simulated first), tried a bounded number of times, then
    // dropped with the reason; every try is its own execution there, none of them sent.
    expect(settled.map((l) => [l.status, l.executionStatus])).toEqual([['abandoned', 'failed']]);
    expect(settled[0]?.reason).toMatch(/less than the minimum it promised/);
    await legs(u.name);
    const tries = listExecutions(serverDb, u.name).filter((e) => e.chainId === l2.chainId);
    expect(tries.length).toBeGreaterThan(0);
    expect(tries.length).toBeLessThanOrEqual(3);
    expect(tries.map((e) => [e.status, e.sent, e.userOpHash])).toEqual(tries.map(() => ['failed', 'no', null]));
    const after = await snapshot(u.account);
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('99.9'));
    expect(after.account.l2Weth).toBe(before.account.l2Weth);
    expect(after.account.l2Eth).toBe(before.account.l2Eth);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
  });

  // Last: it stops devnet-l2's bundler for good.
  it('a leg whose destination bundler is down waits, is tried a bounded number of times, and is dropped with the reason; the bridged funds stay in the account', async () => {
    const u = await newUser('bundler-down');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there', ['--yes']);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    await filled(u.account, before.account.l2Usdc, usdc('99.9'));
    await devnet.l2?.alto?.process.stop();
    const first = await legs(u.name);
    expect(first.map((l) => l.status)).toEqual(['waiting']);
    expect(continuationsOf(u.name)[0]?.attempts).toBe(1);
    await legs(u.name);
    const last = await legs(u.name);
    expect(last.map((l) => l.status)).toEqual(['abandoned']);
    expect(last[0]?.reason).toMatch(/could not be sent/);
    await legs(u.name);
    const after = await snapshot(u.account);
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('99.9'));
    expect(after.account.l2aUsdc).toBe(before.account.l2aUsdc);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(
      listExecutions(serverDb, u.name).filter((e) => e.chainId === l2.chainId && e.status === 'succeeded'),
    ).toEqual([]);
  });
});

const routerAbi = parseAbi([
  'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
]);

/** An outsider on devnet-l2 buys WETH with `amount` USDC on each USDC/WETH pool (the price of WETH goes up). */
async function buyWethOnEveryPool(amount: bigint) {
  const whale = privateKeyToAccount(generatePrivateKey());
  const client = clientOf(l2);
  const usdcToken = tokenOn(l2, 'USDC');
  const weth = tokenOn(l2, 'WETH');
  const pools = l2.uniswapV3Pools.filter(
    (p) => p.symbols.includes('USDC') && (p.symbols.includes('WETH') || p.symbols.includes('ETH')),
  );
  expect(pools.length).toBeGreaterThan(0);
  const rounds = Number((amount * BigInt(pools.length)) / usdc('10000')) + 1;
  for (let i = 0; i < rounds; i++) await fundFromFaucet(client, l2.rpcUrl, l2.tokens, whale.address);
  const wallet = createWalletClient({
    account: whale,
    chain: toViemChain(l2.chainId, l2.rpcUrl),
    transport: devnetTransport(l2.rpcUrl),
  });
  const router = l2.contracts.uniswapV3.swapRouter02;
  await client.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: usdcToken,
      abi: erc20Abi,
      functionName: 'approve',
      args: [router, maxUint256],
    }),
  });
  for (const pool of pools) {
    const receipt = await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: router,
        abi: routerAbi,
        functionName: 'exactInputSingle',
        args: [
          {
            tokenIn: usdcToken,
            tokenOut: weth,
            fee: pool.fee,
            recipient: whale.address,
            amountIn: amount,
            amountOutMinimum: 0n,
            sqrtPriceLimitX96: 0n,
          },
        ],
      }),
    });
    expect(receipt.status).toBe('success');
  }
  expect(await erc20(l2, weth, whale.address)).toBeGreaterThan(parseEther('0'));
}
