import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { type AccessControl, SESSION_COOKIE } from './access.ts';

/**
 * How the request signed in: the page's session cookie, the user's access token, or the MCP token
 * (which may read and build plans, nothing more: see mcpTokenScope).
 */
export type Credential = 'session' | 'token' | 'mcp-token';

export type AuthVariables = { userId: string; credential: Credential };

/**
 * `/?token=…`: checks the token, opens a session, sets it as an HttpOnly, SameSite=Strict cookie and
 * redirects to `/` (so the token leaves the address bar and the history), keeping the rest of the query
 * (a front end's `?ref=`, chat-ui/public/js/referrer.js). A wrong token is a 401 page.
 */
export function tokenExchange(access: AccessControl): MiddlewareHandler {
  return async (c, next) => {
    const token = c.req.query('token');
    if (c.req.method !== 'GET' || c.req.path !== '/' || token === undefined) return next();
    const userId = access.userForToken(token);
    if (!userId) {
      return c.html(
        '<!doctype html><title>Sextant</title><p>That access link is not valid. Open the URL that <code>sextant start</code> printed.</p>',
        401,
      );
    }
    setCookie(c, SESSION_COOKIE, access.openSession(userId), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: 7 * 24 * 60 * 60,
    });
    const rest = new URL(c.req.url).searchParams;
    rest.delete('token');
    const query = rest.toString();
    return c.redirect(query ? `/?${query}` : '/', 302);
  };
}

/**
 * Every API route: `Authorization: Bearer <token>` (the access token or the MCP token), or the session
 * cookie; otherwise 401. A request that sends an Authorization header is judged by it alone: an explicit
 * credential is never upgraded by a cookie that happens to ride along. The user it names is the only
 * user the request can see or act for.
 */
export function requireUser(access: AccessControl): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    let signedIn: { userId: string; credential: Credential } | undefined;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      const user = bearer && access.userForToken(bearer);
      const mcp = bearer && !user ? access.userForMcpToken(bearer) : undefined;
      if (user) signedIn = { userId: user, credential: 'token' };
      else if (mcp) signedIn = { userId: mcp, credential: 'mcp-token' };
    } else {
      const session = getCookie(c, SESSION_COOKIE);
      const user = session && access.userForSession(session);
      if (user) signedIn = { userId: user, credential: 'session' };
    }
    if (!signedIn) {
      return c.json(
        {
          error: 'not signed in',
          hint: 'Open the URL `sextant start` printed (it carries the access token), or send Authorization: Bearer <token>.',
        },
        401,
      );
    }
    c.set('userId', signedIn.userId);
    c.set('credential', signedIn.credential);
    return next();
  };
}

/** What the MCP token may change: MCP itself (whose tools never execute) and a chat turn (which only builds a plan). */
const MCP_TOKEN_WRITES = new Set(['POST /mcp', 'POST /v1/chat']);

/**
 * The MCP token's limits, after requireUser: it may read anything the user can (GET) and build plans
 * (/mcp, POST /v1/chat), and nothing else. Confirming a plan, cancelling one, changing the policy,
 * publishing or attesting skills — every other state-changing request — is a 403: those need the user
 * (the page's session, the access token, or `sextant plans confirm` at their terminal). Deny by default,
 * so a route added later is closed to agents until it is listed here.
 */
export function mcpTokenScope(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const reads = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (c.get('credential') === 'mcp-token' && !reads && !MCP_TOKEN_WRITES.has(`${c.req.method} ${c.req.path}`)) {
      return c.json(
        {
          error:
            'The MCP token cannot do this: it can read and build plans, never confirm them or change anything else.',
          hint: 'Do it yourself: in the chat page (open the link `sextant start` printed), or at your terminal (`sextant plans confirm ID`, `sextant policy set …`).',
        },
        403,
      );
    }
    return next();
  };
}
