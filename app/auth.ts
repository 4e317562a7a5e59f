import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { type AccessControl, SESSION_COOKIE } from './access.ts';

export type AuthVariables = { userId: string };

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
 * Every API route: the session cookie, or `Authorization: Bearer <token>`; otherwise 401. The user it
 * names is the only user the request can see or act for.
 */
export function requireUser(access: AccessControl): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const session = getCookie(c, SESSION_COOKIE);
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const userId = (session && access.userForSession(session)) || (bearer && access.userForToken(bearer)) || undefined;
    if (!userId) {
      return c.json(
        {
          error: 'not signed in',
          hint: 'Open the URL `sextant start` printed (it carries the access token), or send Authorization: Bearer <token>.',
        },
        401,
      );
    }
    c.set('userId', userId);
    await next();
  };
}
