import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { conversationRoutes } from '../agent-core/conversations/routes.ts';
import { mcpRoutes } from '../agent-core/mcp/routes.ts';
import { orderRoutes } from '../agent-core/orders/routes.ts';
import { type AgentRoutesDependencies, agentRoutes } from '../agent-core/routes.ts';
import { isDevnetSlug } from '../common/chains/registry.ts';
import { SextantError } from '../common/errors.ts';
import { errorBody } from '../common/http-edge.ts';
import { assertPortFree } from '../common/ports.ts';
import { VERSION } from '../common/version.ts';
import { emissionsRoutes } from '../emissions/routes.ts';
import { type SkillRoutesDependencies, skillRoutes } from '../skills/routes.ts';
import { executionRoutes } from '../smart-accounts/routes.ts';
import type { UnlockedKeys } from '../smart-accounts/unlocked-keys.ts';
import type { AccessControl } from './access.ts';
import { type AuthVariables, mcpTokenScope, requireUser, tokenExchange } from './auth.ts';
import { csrfGuard } from './csrf.ts';
import { faucetRoutes } from './faucet.ts';
import { type HealthDependencies, healthRoutes } from './health.ts';
import { loopbackHostOnly } from './loopback-host-only.ts';
import { openApiDocument } from './openapi.ts';
import { failedSignInLimit, rateLimit } from './rate-limit.ts';
import { unlockRoutes } from './unlock.ts';
import type { SessionResponse } from './views.ts';

export type AppDependencies = HealthDependencies & {
  /** Who may use the API: every route but the page itself needs a session or the access token. */
  access: AccessControl;
  skills?: SkillRoutesDependencies;
  agent?: AgentRoutesDependencies;
  /** The chat page (chat-ui/routes.ts): served without a session, so it can show the locked state. */
  page?: Hono;
  /** The owner keys unlocked in memory (POST /v1/session/unlock): given when the server signs with them. */
  keys?: UnlockedKeys;
};

/**
 * Every body limit of the API, in this one place: JSON bodies are small; a skill package
 * (POST /v1/skills: at most 512 KiB of source, and the JSON around it) is the largest.
 */
const BODY_LIMITS = { json: 64 * 1024, skillPackage: 1024 * 1024 } as const;

/** The limit of one request's body. */
const bodyLimitOf = (method: string, path: string) =>
  method === 'POST' && path === '/v1/skills' ? BODY_LIMITS.skillPackage : BODY_LIMITS.json;

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);

/** The HTTP API and the page: each module's routes, composed behind one access check. */
export function createApp(deps: AppDependencies): Hono {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(loopbackHostOnly());
  // Before anything looks at a credential: an address that keeps failing to sign in waits.
  app.use(failedSignInLimit({ limit: 30, windowMs: 60_000 }));
  app.use(tokenExchange(deps.access));

  const signedIn = requireUser(deps.access);
  for (const path of ['/health', '/openapi.json', '/v1/*', '/mcp']) app.use(path, signedIn);
  // Per signed-in user, whichever credential or junk cookie a request carries: nothing mints a fresh window.
  const byUser = (c: Context) => `user:${c.get('userId')}`;
  app.use('/v1/chat', rateLimit({ limit: 30, windowMs: 60_000, key: byUser }));
  // Each try runs scrypt: a few a minute is plenty for a person, and slows guessing to a crawl.
  app.use('/v1/session/unlock', rateLimit({ limit: 10, windowMs: 60_000, key: byUser }));
  app.use('/v1/*', rateLimit({ limit: 600, windowMs: 60_000, key: byUser }));
  app.use('/mcp', rateLimit({ limit: 600, windowMs: 60_000, key: byUser }));
  for (const path of ['/v1/*', '/mcp']) {
    app.use(path, csrfGuard());
    app.use(path, mcpTokenScope());
  }
  for (const path of ['/v1/*', '/mcp']) {
    app.use(path, async (c, next) => {
      const maxSize = bodyLimitOf(c.req.method, c.req.path);
      return bodyLimit({ maxSize, onError: (c) => c.json({ error: `The body is over ${sizeText(maxSize)}.` }, 413) })(
        c,
        next,
      );
    });
  }

  if (deps.page) app.route('/', deps.page);
  app.route('/', healthRoutes(deps));
  app.get('/openapi.json', (c) => c.json(openApiDocument(VERSION)));
  app.get('/v1/session', async (c) => {
    const body: SessionResponse = {
      user: c.get('userId'),
      chain: { slug: deps.chain.slug, name: deps.chain.name, chainId: deps.chain.chainId },
      llm: await deps.llm(),
    };
    return c.json(body);
  });
  if (deps.skills) app.route('/', skillRoutes(deps.skills));
  if (deps.agent) {
    app.route('/', agentRoutes(deps.agent));
    app.route('/', executionRoutes({ db: deps.agent.agent.db }));
    app.route('/', conversationRoutes({ db: deps.agent.agent.db }));
    app.route('/', orderRoutes(deps.agent));
    app.route('/', emissionsRoutes({ db: deps.agent.agent.db, client: deps.agent.agent.env.publicClient }));
    app.route(
      '/',
      faucetRoutes({
        isDevnet: isDevnetSlug(deps.chain.slug),
        rpcUrl: deps.rpcUrl,
        env: deps.agent.agent.env,
        userAccount: deps.agent.userAccount,
      }),
    );
    // The same runtime over MCP, behind the same access check; it never executes without the user (agent-core/mcp/).
    app.route('/', mcpRoutes(deps.agent));
  }
  if (deps.keys) app.route('/', unlockRoutes(deps.keys));
  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  app.onError((error, c) => {
    // A refusal a person can act on (a locked key, a plan no longer confirmable, a skill's error): its
    // message, hint and code, with the status the error carries (409 unless its class says otherwise).
    if (error instanceof SextantError) return c.json(errorBody(error), error.status);
    // Anything else: the details go to the server's log, not to the client.
    console.error(error);
    return c.json({ error: 'internal error', hint: 'See the server log.' }, 500);
  });
  return app as unknown as Hono;
}

/** Listens on host:port; resolves once listening, with a function that closes the server. */
export async function listen(
  app: Hono,
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  await assertPortFree(host, port, 'the Sextant server', 'PORT');
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        url: `http://${host}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
