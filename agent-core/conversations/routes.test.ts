import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { erc20Abi } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { accessToken } from '../../app/access.ts';
import { listen } from '../../app/server.ts';
import { testAgentApp } from '../../app/testing/agent-app.ts';
import { findFreePort } from '../../common/ports.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import {
  ConversationListResponseSchema,
  ConversationResponseSchema,
  type ConversationSummary,
  type ConversationTurn,
} from './views.ts';

const manifest = testDevnet();

/** Server-sent events as [event, data] pairs. */
async function events(response: Response): Promise<[string, unknown][]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? 'null';
      return [event, JSON.parse(data)];
    });
}

describe('the conversation history over HTTP, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const bob = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [alice, bob]);
  const aliceToken = accessToken(dataDir, alice.userId);
  const bobToken = accessToken(dataDir, bob.userId);
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const get = (path: string, token = aliceToken) => app.request(path, { headers: headers(token) });
  const post = (path: string, body: unknown, token = aliceToken) =>
    app.request(path, { method: 'POST', headers: headers(token), body: JSON.stringify(body) });

  /** One chat turn: the plan event's data as sent, and the done event's. */
  async function chat(message: string, conversationId?: string) {
    const stream = await events(await post('/v1/chat', { message, ...(conversationId ? { conversationId } : {}) }));
    const done = stream.find(([event]) => event === 'done')?.[1] as { kind: string; conversationId: string };
    expect(done, JSON.stringify(stream)).toBeDefined();
    const plan = (stream.find(([event]) => event === 'plan')?.[1] as { plan: { id: string } } | undefined)?.plan;
    return { done, plan };
  }
  const list = async (token = aliceToken) => {
    const response = await get('/v1/conversations', token);
    expect(response.status).toBe(200);
    return ConversationListResponseSchema.parse(await response.json()).conversations;
  };
  const read = async (id: string) => {
    const response = await get(`/v1/conversations/${id}`);
    expect(response.status).toBe(200);
    return ConversationResponseSchema.parse(await response.json()).conversation;
  };

  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  it('lists the user’s conversations newest first, and reads one with its proposed plan, status and expiry', async () => {
    const wrap = await chat('wrap 1 ETH');
    expect(wrap.done.kind).toBe('plan');
    const asked = await chat('swap 100 USDC');
    expect(asked.done.kind).toBe('clarify');

    const conversations = await list();
    expect(conversations.map((c) => c.id).slice(0, 2)).toEqual([asked.done.conversationId, wrap.done.conversationId]);
    const [clarify, planned] = conversations as [ConversationSummary, ConversationSummary];
    expect(planned).toMatchObject({ title: 'wrap 1 ETH', awaitingConfirmation: true, pendingPlanId: wrap.plan?.id });
    expect(clarify).toMatchObject({ title: 'swap 100 USDC', awaitingConfirmation: false, pendingPlanId: null });
    expect(Date.parse(planned.updatedAt)).toBeGreaterThanOrEqual(Date.parse(planned.createdAt));

    const conversation = await read(wrap.done.conversationId);
    expect(conversation.turns.map((t) => [t.role, t.kind])).toEqual([
      ['user', null],
      ['assistant', 'plan'],
    ]);
    expect(conversation.turns[0]?.text).toBe('wrap 1 ETH');
    const [, answer] = conversation.turns as [ConversationTurn, ConversationTurn];
    // The plan exactly as POST /v1/chat sent it, so the page renders the same card.
    expect(answer.plan).toEqual(wrap.plan);
    expect(answer.plan?.status).toBe('proposed');
    const leftMs = Date.parse(answer.plan?.expiresAt ?? '') - Date.now();
    expect(leftMs).toBeGreaterThan(8 * 60_000);
    expect(leftMs).toBeLessThanOrEqual(10 * 60_000);
    expect(answer.execution).toBeNull();
    expect(answer.text).toMatch(/Confirm to execute it/);

    // The question asked is the last turn: the page knows the conversation waits for an answer.
    const waiting = await read(asked.done.conversationId);
    expect(waiting.turns.at(-1)).toMatchObject({ role: 'assistant', kind: 'clarify', plan: null });
  });

  it('keeps a conversation’s turns in order as it goes on, and shows a confirmed plan with its execution', async () => {
    const first = await chat('swap 100 USDC');
    const id = first.done.conversationId;
    const second = await chat('DAI', id);
    expect(second.done).toMatchObject({ kind: 'plan', conversationId: id });
    const planId = second.plan?.id as string;
    expect((await list()).find((c) => c.id === id)).toMatchObject({
      awaitingConfirmation: true,
      pendingPlanId: planId,
    });

    const daiBefore = await deps.env.publicClient.readContract({
      address: manifest.tokens.find((t) => t.symbol === 'DAI')?.address as `0x${string}`,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [alice.account],
    });
    const confirmed = await post(`/v1/plans/${planId}/confirm`, {});
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { execution: { status: string } }).execution.status).toBe('succeeded');
    const daiAfter = await deps.env.publicClient.readContract({
      address: manifest.tokens.find((t) => t.symbol === 'DAI')?.address as `0x${string}`,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [alice.account],
    });
    expect(daiAfter).toBeGreaterThan(daiBefore);

    const conversation = await read(id);
    expect(conversation.turns.map((t) => [t.role, t.kind, t.text.slice(0, 13)])).toEqual([
      ['user', null, 'swap 100 USDC'],
      ['assistant', 'clarify', expect.any(String)],
      ['user', null, 'DAI'],
      ['assistant', 'plan', 'Here is the p'],
    ]);
    const answer = conversation.turns.at(-1) as ConversationTurn;
    expect(answer.plan).toMatchObject({ id: planId, status: 'confirmed' });
    expect(answer.execution).toMatchObject({ id: answer.plan?.executionId, status: 'succeeded' });
    expect(answer.execution?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Nothing awaits any more, and the confirmation made it the most recently active.
    const after = await list();
    expect(after[0]).toMatchObject({ id, awaitingConfirmation: false, pendingPlanId: null });
  });

  it('does not count an expired plan as awaiting confirmation', async () => {
    const wrap = await chat('wrap 0.01 ETH');
    deps.db
      .prepare('UPDATE agent_plans SET expires_at = ? WHERE id = ?')
      .run(new Date(Date.now() - 1000).toISOString(), wrap.plan?.id);
    expect((await list()).find((c) => c.id === wrap.done.conversationId)).toMatchObject({
      awaitingConfirmation: false,
      pendingPlanId: null,
    });
    // The plan itself is as stored: the page shows it expired from its expiry.
    expect((await read(wrap.done.conversationId)).turns.at(-1)?.plan?.status).toBe('proposed');
  });

  it('answers another user’s conversation with a 404, exactly like a missing one, and lists none of it', async () => {
    const mine = await chat('wrap 0.02 ETH');
    const foreign = await get(`/v1/conversations/${mine.done.conversationId}`, bobToken);
    expect(foreign.status).toBe(404);
    const missing = await get('/v1/conversations/conv_does-not-exist', bobToken);
    expect(missing.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
    const bobs = await list(bobToken);
    expect(bobs.map((c) => c.id)).not.toContain(mine.done.conversationId);
    // Bob cannot continue it either.
    const stream = await events(
      await post('/v1/chat', { message: 'wrap 0.01 ETH', conversationId: mine.done.conversationId }, bobToken),
    );
    expect(stream.map(([event]) => event)).toContain('error');
    expect((await read(mine.done.conversationId)).turns).toHaveLength(2);
  });

  it('lists a plan an agent built over MCP among the user’s conversations, to be confirmed in the page', async () => {
    const server = await listen(app, '127.0.0.1', await findFreePort());
    closers.push(server.close);
    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${accessToken(dataDir, alice.userId, 'mcp')}` } },
      }),
    );
    closers.push(() => client.close());
    const result = (await client.callTool({
      name: 'build_plan',
      arguments: { message: 'wrap 0.5 ETH' },
    })) as CallToolResult;
    const built = JSON.parse(result.content.find((part) => part.type === 'text')?.text ?? 'null') as {
      kind: string;
      conversationId: string;
      plan: { id: string };
    };
    expect(built.kind).toBe('plan');

    const [newest] = await list();
    expect(newest).toMatchObject({
      id: built.conversationId,
      title: 'wrap 0.5 ETH',
      awaitingConfirmation: true,
      pendingPlanId: built.plan.id,
    });
    const answer = (await read(built.conversationId)).turns.at(-1) as ConversationTurn;
    expect(answer.plan).toEqual(built.plan);
    // The page confirms it with the user's session (here their own token), not the agent's.
    const confirmed = await post(`/v1/plans/${built.plan.id}/confirm`, {});
    expect(((await confirmed.json()) as { execution: { status: string } }).execution.status).toBe('succeeded');
    expect((await read(built.conversationId)).turns.at(-1)?.execution?.status).toBe('succeeded');
  });
});
