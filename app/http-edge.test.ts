import { describe, expect, it, vi } from 'vitest';
import type { LlmStatus } from '../agent-core/llm-status.ts';
import { SextantError } from '../common/errors.ts';
import { accessToken } from './access.ts';
import { createApp } from './server.ts';
import { testAccess } from './testing/access.ts';

/** The server without a chain behind it: enough for what happens before any route runs. */
function edgeApp(
  llm: () => Promise<LlmStatus> = async () => ({ provider: 'embedded', model: 'embedded', reachable: false, host: '' }),
) {
  const signedIn = testAccess('ada');
  const app = createApp({
    access: signedIn.access,
    chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337 },
    rpcUrl: 'http://127.0.0.1:1',
    bundlerUrl: undefined,
    llm,
  });
  return { app, ...signedIn };
}

/** The session cookie the page gets for a token (`/?token=…`), as a Cookie header. */
async function sessionCookie(app: ReturnType<typeof edgeApp>['app'], token: string): Promise<string> {
  const exchanged = await app.request(`/?token=${token}`);
  expect(exchanged.status).toBe(302);
  return (exchanged.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

describe('the rate limit, at the edge of the server', () => {
  it('counts per signed-in user: a valid token with a fresh junk cookie on every request is still limited', async () => {
    const { app, token, dataDir } = edgeApp();
    const statuses: number[] = [];
    for (let i = 0; i < 601; i++) {
      const response = await app.request('/v1/session', {
        headers: { authorization: `Bearer ${token}`, cookie: `sextant_session=junk-${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 600).every((status) => status === 200)).toBe(true);
    expect(statuses[600]).toBe(429);
    // The page's session is the same user, so the same window.
    const cookie = await sessionCookie(app, token);
    expect((await app.request('/v1/session', { headers: { cookie } })).status).toBe(429);
    // Another user has a window of their own.
    const other = accessToken(dataDir, 'grace');
    const answer = await app.request('/v1/session', { headers: { authorization: `Bearer ${other}` } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ user: 'grace' });
  });

  it('counts refused sign-ins by client address: new junk tokens and cookies on each guess do not open new windows', async () => {
    const { app, token } = edgeApp();
    for (let i = 0; i < 30; i++) {
      const guess: Record<string, string> =
        i % 2 === 0 ? { authorization: `Bearer guess-${i}` } : { cookie: `sextant_session=guess-${i}` };
      expect((await app.request('/v1/session', { headers: guess })).status).toBe(401);
    }
    expect((await app.request('/?token=guess-30')).status).toBe(429);
    const refused = await app.request('/v1/session', { headers: { authorization: 'Bearer guess-31' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address waits out the window whatever it sends: guessing right late does not get through.
    expect((await app.request('/v1/session', { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
  });
});

describe('the MCP token, at the edge of the server', () => {
  it('reads as its user, never opens a session, and is told apart from the access token', async () => {
    const { app, token, dataDir } = edgeApp();
    const mcpToken = accessToken(dataDir, 'ada', 'mcp');
    expect(mcpToken).not.toBe(token);
    expect(accessToken(dataDir, 'ada', 'mcp')).toBe(mcpToken);
    const session = await app.request('/v1/session', { headers: { authorization: `Bearer ${mcpToken}` } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: 'ada' });
    // It cannot be exchanged for the page's session cookie (which could confirm).
    const exchanged = await app.request(`/?token=${mcpToken}`);
    expect(exchanged.status).toBe(401);
    expect(exchanged.headers.get('set-cookie')).toBeNull();
    // An Authorization header decides alone: a valid session cookie riding along does not lift the MCP token.
    const cookie = await sessionCookie(app, token);
    const withCookie = await app.request('/v1/plans/plan_x/cancel', {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpToken}`, cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(withCookie.status).toBe(403);
  });
});

describe('errors, at the edge of the server', () => {
  it('answers a SextantError with its status, code, message and hint', async () => {
    const { app, token } = edgeApp(async () => {
      throw new SextantError('The model is busy.', { code: 'llm-busy', status: 503, hint: 'Try again.' });
    });
    const answer = await app.request('/v1/session', { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ error: 'The model is busy.', code: 'llm-busy', hint: 'Try again.' });
  });

  it('answers any other error with a 500 that shows nothing of it (the details go to the log)', async () => {
    const { app, token } = edgeApp(async () => {
      throw new TypeError('cannot read /home/secret/.sextant/keystore.json: token abc123');
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const answer = await app.request('/v1/session', { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(500);
      const text = await answer.text();
      expect(JSON.parse(text)).toEqual({ error: 'internal error', hint: 'See the server log.' });
      expect(text).not.toMatch(/secret|abc123|TypeError|keystore/);
      expect(logged).toHaveBeenCalledOnce();
    } finally {
      logged.mockRestore();
    }
  });
});

describe('the OpenAPI document', () => {
  type JsonSchema = {
    type?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    oneOf?: JsonSchema[];
    const?: unknown;
  };
  type Operation = { responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> };

  it('publishes a real success schema for every route: a JSON object, or each event of a stream', async () => {
    const { app, token } = edgeApp();
    const answer = await app.request('/openapi.json', { headers: { authorization: `Bearer ${token}` } });
    const document = (await answer.json()) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(22);
    for (const { route, operation } of operations) {
      // A publish, an attestation and an order create something: their success is a 201, every other route's a 200.
      const created = ['post /v1/skills', 'post /v1/skills/{id}/attestations', 'post /v1/orders'].includes(route);
      const content = Object.entries(operation.responses[created ? 201 : 200]?.content ?? {});
      expect(content, route).toHaveLength(1);
      const [media, { schema }] = content[0] as [string, { schema?: JsonSchema }];
      if (media === 'text/event-stream') {
        // Each event its own object: its name as a constant, its data an object with fields.
        expect(schema?.oneOf?.length, route).toBeGreaterThan(0);
        for (const event of schema?.oneOf ?? []) {
          expect(event.properties?.event?.const, route).toEqual(expect.any(String));
          expect(event.properties?.data?.type, route).toBe('object');
          expect(Object.keys(event.properties?.data?.properties ?? {}).length, route).toBeGreaterThan(0);
        }
      } else {
        expect(media, route).toBe('application/json');
        expect(schema?.type, route).toBe('object');
        expect(schema?.required?.length, route).toBeGreaterThan(0);
      }
    }
    // A few answers by what they must carry.
    const routes: [string, string, string][] = [
      ['/v1/plans/{id}', 'get', 'plan'],
      ['/v1/plans/{id}/confirm', 'post', 'execution'],
      ['/v1/plans/{id}/cancel', 'post', 'plan'],
      ['/v1/executions/{id}', 'get', 'execution'],
      ['/v1/account', 'get', 'balances'],
      ['/v1/skills', 'get', 'skills'],
      ['/v1/skills/{id}', 'get', 'attestations'],
      ['/v1/session', 'get', 'llm'],
      ['/health', 'get', 'bundler'],
      ['/v1/policy', 'put', 'policy'],
      ['/v1/conversations/{id}', 'get', 'conversation'],
      ['/v1/emissions/epochs/{epoch}', 'get', 'buckets'],
      ['/v1/faucet', 'post', 'given'],
    ];
    for (const [path, method, property] of routes) {
      const json = document.paths[path]?.[method]?.responses[200]?.content?.['application/json'];
      expect(json?.schema?.required, `${method} ${path}`).toContain(property);
    }
  });
});
