import { getAddress, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatEventSchema } from '../agent-core/chat-events.ts';
import { ConversationListResponseSchema, ConversationResponseSchema } from '../agent-core/conversations/views.ts';
import { getPlan } from '../agent-core/plan/store.ts';
import { PlanResponseSchema } from '../agent-core/plan/view.ts';
import { PolicyResponseSchema } from '../agent-core/policy/view.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { findFreePort } from '../common/ports.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { AccountResponseSchema, ExecutionEventSchema, ExecutionResponseSchema } from '../smart-accounts/views.ts';
import { accessToken } from './access.ts';
import { listen } from './server.ts';
import { testAgentApp } from './testing/agent-app.ts';
import { HealthResponseSchema, SessionResponseSchema } from './views.ts';

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

describe('the API, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const bob = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [alice, bob]);
  const bobToken = accessToken(dataDir, bob.userId);
  const aliceToken = accessToken(dataDir, alice.userId);
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const post = (path: string, token: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: as(token),
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('exchanges the token for an HttpOnly session cookie, and the cookie signs the page in', async () => {
    const exchanged = await app.request(`/?token=${aliceToken}`);
    expect(exchanged.status).toBe(302);
    expect(exchanged.headers.get('location')).toBe('/');
    const cookie = exchanged.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/sextant_session=[\w-]+/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = await app.request('/v1/session', { headers: { cookie: cookie.split(';')[0] as string } });
    expect(await session.json()).toMatchObject({
      user: alice.userId,
      chain: { chainId: 31337 },
      llm: { provider: 'embedded' },
    });
    // The rest of the query (a front end's referrer) stays for the page; the token does not.
    const referred = await app.request(`/?token=${aliceToken}&ref=0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90`);
    expect(referred.headers.get('location')).toBe('/?ref=0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect((await app.request('/?token=wrong')).status).toBe(401);
    expect((await app.request('/v1/session')).status).toBe(401);
  });

  it('streams a turn as server-sent events, confirms once, and streams the execution', async () => {
    const response = await post('/v1/chat', aliceToken, { message: 'wrap 1 ETH' });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const stream = await events(response);
    const names = stream.map(([event]) => event);
    expect(names.slice(0, 3)).toEqual(['status', 'status', 'status']);
    expect(names).toContain('intents');
    expect(names).toContain('text');
    expect(names.at(-2)).toBe('plan');
    expect(names.at(-1)).toBe('done');
    const plan = (
      (stream.find(([e]) => e === 'plan') ?? [])[1] as {
        plan: { id: string; preview: { changes: { symbol: string; amount: string }[] } };
      }
    ).plan;
    expect(plan.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'WETH', amount: '1' }));

    const [first, second] = await Promise.all([
      post(`/v1/plans/${plan.id}/confirm`, aliceToken, {}),
      post(`/v1/plans/${plan.id}/confirm`, aliceToken, {}),
    ]);
    type Confirmed = { execution: { id: string; status: string; txHash: string } };
    // Whichever request comes second gets the same execution, as it stands then (it may still be running).
    const replies = [(await first.json()) as Confirmed, (await second.json()) as Confirmed];
    const a = replies.find((r) => r.execution.status === 'succeeded') as Confirmed;
    expect(a, JSON.stringify(replies)).toBeDefined();
    expect(a.execution.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(replies.map((r) => r.execution.id)).toEqual([a.execution.id, a.execution.id]);

    const shown = await app.request(`/v1/executions/${a.execution.id}`, { headers: as(aliceToken) });
    expect(await shown.json()).toMatchObject({ execution: { status: 'succeeded' } });
    const statusStream = await events(
      await app.request(`/v1/executions/${a.execution.id}/events`, { headers: as(aliceToken) }),
    );
    expect(statusStream.map(([e]) => e)).toEqual(['status', 'done']);

    const account = (await (await app.request('/v1/account', { headers: as(aliceToken) })).json()) as {
      address: string;
      balances: { symbol: string; amount: string; usd: number | null }[];
    };
    expect(account.address).toBe(alice.account);
    expect(account.balances.find((b) => b.symbol === 'WETH')).toMatchObject({ amount: '6' });
    expect(account.balances.find((b) => b.symbol === 'WETH')?.usd).toBeGreaterThan(15_000);
    // WBTC has no USDC pool: priced through WETH (0.5 WBTC at about $60,000).
    expect(account.balances.find((b) => b.symbol === 'WBTC')?.usd).toBeGreaterThan(25_000);

    // Bob sees none of it: a foreign id is a 404, exactly like a missing one.
    expect((await app.request(`/v1/plans/${plan.id}`, { headers: as(bobToken) })).status).toBe(404);
    expect((await post(`/v1/plans/${plan.id}/confirm`, bobToken, {})).status).toBe(404);
    expect((await post(`/v1/plans/${plan.id}/cancel`, bobToken, {})).status).toBe(404);
    expect((await app.request(`/v1/executions/${a.execution.id}`, { headers: as(bobToken) })).status).toBe(404);
    const bobsAccount = (await (await app.request('/v1/account', { headers: as(bobToken) })).json()) as {
      address: string;
    };
    expect(bobsAccount.address).toBe(bob.account);
  });

  it('answers a bad body with a 400 naming the field, and a big one with a 413', async () => {
    const empty = await post('/v1/chat', aliceToken, { message: '' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ field: 'message' });
    expect((await post('/v1/chat', aliceToken, 'not json')).status).toBe(400);
    const policy = await app.request('/v1/policy', {
      method: 'PUT',
      headers: as(aliceToken),
      body: JSON.stringify({ maxSlippageBps: 900 }),
    });
    expect(policy.status).toBe(400);
    expect(await policy.json()).toMatchObject({ field: 'maxSlippageBps' });
    const huge = await post('/v1/chat', aliceToken, { message: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
  });

  it('keeps the referrer a chat request carries on its plan, and answers one that is not an address with a 400', async () => {
    const bad = await post('/v1/chat', aliceToken, { message: 'wrap 0.01 ETH', referrer: 'my-frontend' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'referrer', error: expect.stringMatching(/^referrer: not an/) });

    const referrer = '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const stream = await events(await post('/v1/chat', aliceToken, { message: 'wrap 0.01 ETH', referrer }));
    const planId = ((stream.at(-1) ?? [])[1] as { planId: string }).planId;
    expect(getPlan(deps.db, alice.userId, planId)?.referrer).toBe(getAddress(referrer));
  });

  it("keeps each user's policy, refuses a plan over it with the rule, and cancels a proposed plan", async () => {
    const updated = await app.request('/v1/policy', {
      method: 'PUT',
      headers: as(bobToken),
      body: JSON.stringify({ maxPlanUsd: 100 }),
    });
    expect(await updated.json()).toMatchObject({ policy: { maxPlanUsd: 100 } });
    expect(await (await app.request('/v1/policy', { headers: as(aliceToken) })).json()).toMatchObject({
      policy: { maxPlanUsd: 10_000 },
    });
    const refused = await events(await post('/v1/chat', bobToken, { message: 'wrap 1 ETH' }));
    expect(refused.at(-1)).toEqual(['done', expect.objectContaining({ kind: 'refused' })]);
    const proposed = await events(await post('/v1/chat', bobToken, { message: 'wrap 0.01 ETH' }));
    const planId = ((proposed.at(-1) ?? [])[1] as { planId: string }).planId;
    const cancelled = await post(`/v1/plans/${planId}/cancel`, bobToken, {});
    expect(await cancelled.json()).toMatchObject({ plan: { status: 'cancelled' } });
    expect((await post(`/v1/plans/${planId}/confirm`, bobToken, {})).status).toBe(409);
    expect(await deps.env.publicClient.getBalance({ address: bob.account })).toBeGreaterThan(parseEther('9'));
  });

  it('refuses a state change with the session cookie from another origin, or a body that is not JSON, and changes nothing', async () => {
    const exchanged = await app.request(`/?token=${bobToken}`);
    const cookie = (exchanged.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const maxPlanUsd = async () =>
      (
        (await (await app.request('/v1/policy', { headers: as(bobToken) })).json()) as {
          policy: { maxPlanUsd: number };
        }
      ).policy.maxPlanUsd;
    const before = await maxPlanUsd();
    const put = (headers: Record<string, string>, body = JSON.stringify({ maxPlanUsd: before + 1 })) =>
      app.request('/v1/policy', { method: 'PUT', headers, body });
    const json = { 'content-type': 'application/json' };

    // What a page elsewhere can make the browser send along with the cookie: refused.
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3000', 'https://localhost']) {
      const refused = await put({ cookie, origin, ...json });
      expect(refused.status, origin).toBe(403);
      expect(await refused.json()).toMatchObject({ error: expect.stringContaining(`another origin (${origin})`) });
    }
    // The cookie alone does not say the page sent it.
    expect((await put({ cookie, ...json })).status).toBe(403);
    // A foreign page with the token is refused too; the token from a script (no Origin) is fine.
    expect((await put({ ...as(bobToken), origin: 'http://evil.example' })).status).toBe(403);
    // JSON sent as text/plain or a form (no CORS preflight for those): 415, whoever sends it.
    const asText = await put({ cookie, origin: 'http://localhost', 'content-type': 'text/plain' });
    expect(asText.status).toBe(415);
    expect(await asText.json()).toMatchObject({ hint: expect.stringContaining('Content-Type: application/json') });
    expect((await put({ authorization: `Bearer ${bobToken}` })).status).toBe(415); // a string body is text/plain
    expect(
      (await put({ ...as(bobToken), 'content-type': 'application/x-www-form-urlencoded' }, 'maxPlanUsd=1')).status,
    ).toBe(415);
    const confirmAsText = await app.request('/v1/plans/plan_none/confirm', {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(confirmAsText.status).toBe(415);
    expect(await maxPlanUsd()).toBe(before);

    // The page itself: its own origin, JSON. Accepted.
    const fromPage = await put({
      cookie,
      origin: 'http://localhost',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(fromPage.status).toBe(200);
    expect(await maxPlanUsd()).toBe(before + 1);
  });

  it('over the network, accepts only the origin the page was loaded from (loopback name and port)', async () => {
    const server = await listen(app, '127.0.0.1', await findFreePort());
    try {
      const exchanged = await fetch(`${server.url}/?token=${bobToken}`, { redirect: 'manual' });
      const cookie = (exchanged.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const policy = (headers: Record<string, string>) =>
        fetch(`${server.url}/v1/policy`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ maxSlippageBps: 60 }),
        });
      const otherPort = `http://127.0.0.1:${Number(new URL(server.url).port) + 1}`;
      expect((await policy({ cookie, origin: otherPort })).status).toBe(403);
      expect((await policy({ cookie, origin: server.url.replace('127.0.0.1', 'localhost') })).status).toBe(403);
      expect((await policy({ cookie, origin: server.url })).status).toBe(200);
      // What scripts send: Node's fetch adds no Origin, and a POST without a body needs no Content-Type.
      expect((await policy({ authorization: `Bearer ${bobToken}` })).status).toBe(200);
      const bodyless = await fetch(`${server.url}/v1/plans/plan_none/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bobToken}` },
      });
      expect(bodyless.status).toBe(404);
      // A body with no Content-Type at all (what fetch with a Blob sends, no preflight) is refused.
      const untyped = await fetch(`${server.url}/v1/policy`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${bobToken}` },
        body: new Blob([JSON.stringify({ maxSlippageBps: 70 })]),
      });
      expect(untyped.status).toBe(415);
      expect(await (await fetch(`${server.url}/v1/policy`, { headers: as(bobToken) })).json()).toMatchObject({
        policy: { maxSlippageBps: 60 },
      });
    } finally {
      await server.close();
    }
  });

  it('serves its OpenAPI document', async () => {
    const document = (await (await app.request('/openapi.json', { headers: as(aliceToken) })).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/chat', '/v1/plans/{id}/confirm', '/v1/policy']),
    );
    expect(JSON.stringify(document.paths['/v1/chat']?.post?.requestBody)).toContain('"message"');
    expect(JSON.stringify(document.paths['/v1/chat']?.post?.requestBody)).toContain('"referrer"');
  });

  it('answers every route as the success schema of its OpenAPI document says', async () => {
    const document = (await (await app.request('/openapi.json', { headers: as(aliceToken) })).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>>;
    };
    /** What the document publishes for a route's success, which must be that schema. */
    const published = (path: string, method: string, media: string, schema: z.ZodType) =>
      expect(document.paths[path]?.[method]?.responses[200]?.content[media], `${method} ${path}`).toEqual({
        schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }),
      });
    /** The route's answer, checked against the schema the document publishes for it (which is that schema). */
    const checked = async <S extends z.ZodType>(response: Response, path: string, method: string, schema: S) => {
      expect(response.status, path).toBe(200);
      published(path, method, 'application/json', schema);
      const parsed = schema.safeParse(await response.json());
      expect(parsed.error?.issues ?? [], `${method} ${path}`).toEqual([]);
      return parsed.data as z.output<S>;
    };
    /** A stream's events, each checked against the event schema the document publishes. */
    const checkedEvents = async <S extends z.ZodType>(response: Response, path: string, method: string, schema: S) => {
      expect(response.status, path).toBe(200);
      published(path, method, 'text/event-stream', schema);
      return (await events(response)).map(([event, data]) => {
        const parsed = schema.safeParse({ event, data });
        expect(parsed.error?.issues ?? [], `${method} ${path}: ${event}`).toEqual([]);
        return parsed.data as z.output<S>;
      });
    };
    const get = (path: string) => app.request(path, { headers: as(aliceToken) });
    const planOf = async (message: string) => {
      const stream = await checkedEvents(
        await post('/v1/chat', aliceToken, { message }),
        '/v1/chat',
        'post',
        ChatEventSchema,
      );
      expect(stream.map((e) => e.event)).toEqual(expect.arrayContaining(['status', 'intents', 'text', 'plan', 'done']));
      const done = stream.at(-1);
      return done?.event === 'done' ? (done.data.planId as string) : '';
    };

    const planId = await planOf('wrap 0.01 ETH');
    const shown = await get(`/v1/plans/${planId}`);
    expect((await checked(shown, '/v1/plans/{id}', 'get', PlanResponseSchema)).plan.id).toBe(planId);
    const confirmed = await post(`/v1/plans/${planId}/confirm`, aliceToken, {});
    const { execution } = await checked(confirmed, '/v1/plans/{id}/confirm', 'post', ExecutionResponseSchema);
    await checked(await get(`/v1/executions/${execution.id}`), '/v1/executions/{id}', 'get', ExecutionResponseSchema);
    const followed = await checkedEvents(
      await get(`/v1/executions/${execution.id}/events`),
      '/v1/executions/{id}/events',
      'get',
      ExecutionEventSchema,
    );
    expect(followed.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });

    const cancelled = await post(`/v1/plans/${await planOf('wrap 0.01 ETH')}/cancel`, aliceToken, {});
    expect((await checked(cancelled, '/v1/plans/{id}/cancel', 'post', PlanResponseSchema)).plan.status).toBe(
      'cancelled',
    );

    await checked(await get('/v1/account'), '/v1/account', 'get', AccountResponseSchema);
    await checked(await get('/v1/session'), '/v1/session', 'get', SessionResponseSchema);
    await checked(await get('/health'), '/health', 'get', HealthResponseSchema);
    await checked(await get('/v1/policy'), '/v1/policy', 'get', PolicyResponseSchema);
    const policy = await app.request('/v1/policy', {
      method: 'PUT',
      headers: as(aliceToken),
      body: JSON.stringify({ maxSlippageBps: 100 }),
    });
    await checked(policy, '/v1/policy', 'put', PolicyResponseSchema);
    const { conversations } = await checked(
      await get('/v1/conversations'),
      '/v1/conversations',
      'get',
      ConversationListResponseSchema,
    );
    const conversationId = conversations[0]?.id ?? '';
    const { conversation } = await checked(
      await get(`/v1/conversations/${conversationId}`),
      '/v1/conversations/{id}',
      'get',
      ConversationResponseSchema,
    );
    expect(conversation.turns.some((turn) => turn.plan !== null)).toBe(true);
  });
});
