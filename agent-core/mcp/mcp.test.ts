import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { getAddress } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { accessToken } from '../../app/access.ts';
import { listen } from '../../app/server.ts';
import { testAgentApp } from '../../app/testing/agent-app.ts';
import { findFreePort } from '../../common/ports.ts';
import { writeManifest } from '../../devnet/manifest.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { runSextant, SEXTANT_BIN } from '../../devnet/testing/processes.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { listExecutions } from '../../smart-accounts/executions.ts';
import { TEST_PASSPHRASE } from '../../smart-accounts/testing/environment.ts';
import { delegatorUser } from '../orders/testing/delegator-user.ts';
import { getPlan } from '../plan/store.ts';
import { getPolicy } from '../policy/policy.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';

const manifest = testDevnet();
const TOOLS = [
  'build_plan',
  'execute_plan',
  'get_balances',
  'get_plan',
  'list_orders',
  'list_skills',
  'parse_request',
  'propose_order',
];

/** A tool's answer, parsed from its JSON text, with whether it is an error. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.find((part) => part.type === 'text')?.text ?? 'null';
  return { isError: result.isError === true, body: JSON.parse(text) };
}

describe('Sextant as an MCP server', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  it('over HTTP with the Bearer token: lists the tools, previews a plan, and cannot execute it until the user confirms', async () => {
    const deps = await testAgent(manifest);
    const alice = await fundedAgentUser(deps, manifest);
    const bob = await fundedAgentUser(deps, manifest);
    const { app, dataDir } = testAgentApp(manifest, deps, [alice, bob]);
    const server = await listen(app, '127.0.0.1', await findFreePort());
    closers.push(server.close);
    const connect = async (token: string | undefined) => {
      const client = new Client({ name: 'sextant-test', version: '1.0.0' });
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }),
      );
      closers.push(() => client.close());
      return client;
    };

    // The same access check as the API: no token, no MCP.
    await expect(connect(undefined)).rejects.toThrow(/401|not signed in/);
    const client = await connect(accessToken(dataDir, alice.userId));
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
    expect(client.getInstructions()).toMatch(/runs only after the\s+user confirms it in Sextant itself/);

    const parsed = await call(client, 'parse_request', { text: 'swap 100 USDC for ETH' });
    expect(parsed.body.intents).toEqual([{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH' }]);
    const skills = await call(client, 'list_skills');
    expect(skills.body.note).toMatch(/third parties: data, not instructions/);
    expect(skills.body.skills).toContainEqual(
      expect.objectContaining({ id: 'uniswap-v3/swap', origin: 'builtin', status: 'audited' }),
    );
    const balances = await call(client, 'get_balances');
    expect(balances.body.account).toBe(alice.account);
    expect(balances.body.balances).toContainEqual(expect.objectContaining({ symbol: 'USDC', amount: '10000' }));

    const built = await call(client, 'build_plan', { message: 'wrap 1 ETH' });
    expect(built.isError).toBe(false);
    expect(built.body.kind).toBe('plan');
    const planId = built.body.plan.id as string;
    expect(built.body.plan.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'WETH', amount: '1' }));
    expect(built.body.toExecute).toContain(`sextant plans confirm ${planId}`);
    expect(getPlan(deps.db, alice.userId, planId)?.referrer).toBeNull();
    // A front end or protocol endpoint passes its referrer id through; anything but an address is refused.
    const referrer = '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const referred = await call(client, 'build_plan', { message: 'wrap 0.1 ETH', referrer });
    expect(referred.body.kind).toBe('plan');
    expect(getPlan(deps.db, alice.userId, referred.body.plan.id)?.referrer).toBe(getAddress(referrer));
    const badReferrer = await client.callTool({
      name: 'build_plan',
      arguments: { message: 'wrap 0.1 ETH', referrer: 'x' },
    });
    expect(badReferrer.isError).toBe(true);
    expect(JSON.stringify(badReferrer.content)).toMatch(/referrer/);

    // The agent's word is not a confirmation: refused, and nothing ran.
    const refused = await call(client, 'execute_plan', { planId, waitSeconds: 1 });
    expect(refused.isError).toBe(true);
    expect(refused.body.error).toBe(
      `Plan ${planId} has not been confirmed by the user, so it was not executed. A tool call cannot confirm it.`,
    );
    expect(refused.body.hint).toContain(`sextant plans confirm ${planId}`);
    expect((await call(client, 'get_plan', { planId })).body).toMatchObject({
      plan: { status: 'proposed' },
      execution: null,
    });
    // Nor can another user's agent reach it.
    const bobs = await connect(accessToken(dataDir, bob.userId));
    expect((await call(bobs, 'execute_plan', { planId })).body.error).toBe(`There is no plan ${planId}.`);

    // The user confirms in Sextant (what the chat page sends); then the agent can follow the execution.
    const confirmed = await fetch(`${server.url}/v1/plans/${planId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken(dataDir, alice.userId)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(confirmed.status).toBe(200);
    const executed = await call(client, 'execute_plan', { planId, waitSeconds: 30 });
    expect(executed.isError).toBe(false);
    expect(executed.body).toMatchObject({ planId, status: 'confirmed', execution: { status: 'succeeded' } });
  });

  it('with the MCP token (`sextant token --mcp`): builds and reads plans, and can never confirm one, cancel it or change the policy', async () => {
    const deps = await testAgent(manifest);
    const alice = await fundedAgentUser(deps, manifest);
    const { app, dataDir } = testAgentApp(manifest, deps, [alice]);
    const server = await listen(app, '127.0.0.1', await findFreePort());
    closers.push(server.close);

    // The token the user hands an agent, from the CLI; not the sign-in link's token.
    const env = { DATA_DIR: dataDir, SEXTANT_USER: alice.userId, SEXTANT_PASSPHRASE: 'a passphrase for tests' };
    const printed = runSextant(['token', '--mcp', '--json'], env);
    expect(await printed.exited, printed.stderr()).toBe(0);
    const { token: mcpToken, user, url } = JSON.parse(printed.stdout()) as { token: string; user: string; url: string };
    expect(user).toBe(alice.userId);
    expect(url).toMatch(/\/mcp$/);
    expect(mcpToken).not.toBe(accessToken(dataDir, alice.userId));
    // The rest of the commands in process (devnet/testing/in-process.ts), without a child's start-up each.
    const bare = await sextantInProcess(['token', '--mcp'], env);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(`${mcpToken}\n`);

    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${mcpToken}` } },
      }),
    );
    closers.push(() => client.close());
    const built = await call(client, 'build_plan', { message: 'wrap 1 ETH' });
    expect(built.body.kind, JSON.stringify(built.body)).toBe('plan');
    const planId = built.body.plan.id as string;

    const rest = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // Reading is allowed, and so is building a plan over the REST chat.
    expect((await rest('GET', `/v1/plans/${planId}`, mcpToken)).status).toBe(200);
    const chat = await rest('POST', '/v1/chat', mcpToken, { message: 'wrap 0.1 ETH' });
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain('event: plan');

    // Confirming over REST is the user's: 403, and nothing ran.
    const confirm = await rest('POST', `/v1/plans/${planId}/confirm`, mcpToken, { allowNewRecipients: true });
    expect(confirm.status).toBe(403);
    expect(await confirm.json()).toMatchObject({ hint: expect.stringContaining('sextant plans confirm') });
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');
    expect(getPlan(deps.db, alice.userId, planId)?.executionId).toBeUndefined();
    expect(listExecutions(deps.db, alice.userId)).toEqual([]);
    expect((await call(client, 'execute_plan', { planId })).isError).toBe(true);
    // Nor may it cancel the plan, loosen the policy or trust a skill.
    expect((await rest('POST', `/v1/plans/${planId}/cancel`, mcpToken, {})).status).toBe(403);
    const policyBefore = getPolicy(deps.db, alice.userId);
    const loosen = await rest('PUT', '/v1/policy', mcpToken, { maxPlanUsd: 1_000_000, confirmNewRecipients: false });
    expect(loosen.status).toBe(403);
    expect(getPolicy(deps.db, alice.userId)).toEqual(policyBefore);
    expect((await rest('POST', '/v1/skills', mcpToken, {})).status).toBe(403);
    expect((await rest('POST', '/v1/skills/tip-jar/wrap/attestations', mcpToken, {})).status).toBe(403);
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');

    // The user's own token confirms it; the agent then follows the execution.
    const confirmed = await rest('POST', `/v1/plans/${planId}/confirm`, accessToken(dataDir, alice.userId), {});
    expect(confirmed.status).toBe(200);
    const executed = await call(client, 'execute_plan', { planId, waitSeconds: 30 });
    expect(executed.body).toMatchObject({ planId, status: 'confirmed', execution: { status: 'succeeded' } });
    expect(listExecutions(deps.db, alice.userId)).toHaveLength(1);
  });

  it('proposes a standing order and lists it, and can never grant it: the grant stays the user’s to confirm', async () => {
    const deps = await testAgent(manifest);
    const alice = await delegatorUser(deps.env, manifest);
    const agent = {
      agent: deps,
      userAccount: async () => ({ owner: alice.ownerAddress, account: alice.account }),
      unlock: async () => alice.owner,
    };
    const { app, dataDir } = testAgentApp(manifest, deps, [alice], {
      agent: { ...agent, passphrase: TEST_PASSPHRASE },
    });
    const server = await listen(app, '127.0.0.1', await findFreePort());
    closers.push(server.close);
    // In process: the test above gets its MCP token from the real binary.
    const printed = await sextantInProcess(['token', '--mcp', '--json'], {
      DATA_DIR: dataDir,
      SEXTANT_USER: alice.userId,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
    });
    expect(printed.code, printed.stderr).toBe(0);
    const mcpToken = (JSON.parse(printed.stdout) as { token: string }).token;
    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${mcpToken}` } },
      }),
    );
    closers.push(() => client.close());

    const bad = await client.callTool({
      name: 'propose_order',
      arguments: { kind: 'daily-swap', amount: '50', spend: 'USDC', buy: 'ETH', days: 90 },
    });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/days/);
    const proposed = await call(client, 'propose_order', {
      kind: 'daily-swap',
      amount: '50',
      spend: 'USDC',
      buy: 'ETH',
      days: 3,
    });
    expect(proposed.isError, JSON.stringify(proposed.body)).toBe(false);
    const orderId = proposed.body.orderId as string;
    expect(proposed.body).toMatchObject({
      status: 'proposed',
      words: expect.stringMatching(/^Sextant may swap 50 USDC/),
    });
    expect(proposed.body.toGrant).toContain(`/v1/orders/${orderId}/confirm`);
    const listed = await call(client, 'list_orders');
    expect(listed.body.orders).toEqual([
      expect.objectContaining({ id: orderId, status: 'proposed', words: proposed.body.words, runs: [] }),
    ]);

    // The MCP token cannot grant it over REST either: 403, and nothing was signed or sent.
    const confirm = await fetch(`${server.url}/v1/orders/${orderId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpToken}`, 'content-type': 'application/json' },
    });
    expect(confirm.status).toBe(403);
    expect(listExecutions(deps.db, alice.userId)).toEqual([]);
    expect((await call(client, 'list_orders')).body.orders[0].status).toBe('proposed');

    // Without the passphrase on the server, proposing is refused with how to set it.
    const unsealed = testAgentApp(manifest, deps, [alice], { agent });
    const plain = await listen(unsealed.app, '127.0.0.1', await findFreePort());
    closers.push(plain.close);
    const other = new Client({ name: 'sextant-test', version: '1.0.0' });
    await other.connect(
      new StreamableHTTPClientTransport(new URL(`${plain.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${unsealed.token}` } },
      }),
    );
    closers.push(() => other.close());
    const refused = await call(other, 'propose_order', {
      kind: 'daily-swap',
      amount: '5',
      spend: 'USDC',
      buy: 'DAI',
      days: 1,
    });
    expect(refused).toMatchObject({ isError: true, body: { hint: expect.stringMatching(/SEXTANT_PASSPHRASE/) } });
  });

  it('over stdio (`sextant mcp`): previews a plan, refuses to execute it, and reports it once confirmed with `sextant plans confirm`', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-mcp-'));
    writeManifest(dataDir, manifest);
    const env = {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'ada',
      RPC_URL: '',
      BUNDLER_URL: '',
    };
    // In process (devnet/testing/in-process.ts); `sextant mcp` and the confirmation below are real processes.
    const faucet = await sextantInProcess(['faucet'], env);
    expect(faucet.code, faucet.stderr).toBe(0);

    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [SEXTANT_BIN, 'mcp', '--llm', 'embedded'],
        env: { ...process.env, ...env } as Record<string, string>,
        stderr: 'pipe',
      }),
    );
    closers.push(() => client.close());
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
    const built = await call(client, 'build_plan', { message: 'wrap 1 ETH' });
    expect(built.body.kind, JSON.stringify(built.body)).toBe('plan');
    const planId = built.body.plan.id as string;
    expect((await call(client, 'execute_plan', { planId })).isError).toBe(true);

    // Without a terminal and without --yes, `plans confirm` executes nothing either.
    const unasked = await sextantInProcess(['plans', 'confirm', planId], env);
    expect(unasked.code).toBe(1);
    expect(unasked.stdout).toContain('Not executed: there is no terminal to confirm in');
    const confirm = runSextant(['plans', 'confirm', planId, '--yes', '--json'], env);
    expect(await confirm.exited, confirm.stderr()).toBe(0);
    expect(JSON.parse(confirm.stdout())).toMatchObject({
      plan: { id: planId, status: 'confirmed' },
      execution: { status: 'succeeded' },
    });

    const executed = await call(client, 'execute_plan', { planId });
    expect(executed.body).toMatchObject({ status: 'confirmed', execution: { status: 'succeeded' } });
  });
});
