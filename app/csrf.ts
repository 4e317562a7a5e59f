import type { MiddlewareHandler } from 'hono';
import type { AuthVariables } from './auth.ts';
import { LOOPBACK_HOSTS } from './loopback-host-only.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request's own origin as a browser on this server's page would send it: its scheme and Host. */
function ownOrigin(request: Request, host: string | undefined): { scheme: string; host: string } {
  const url = new URL(request.url);
  return { scheme: url.protocol, host: (host ?? url.host).toLowerCase() };
}

/** Whether `origin` (the Origin header) is this server's page: a loopback name and the very host and port asked. */
function isOwnOrigin(origin: string, request: Request, host: string | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file, a redirect across sites) and anything garbled
  }
  const own = ownOrigin(request, host);
  return parsed.protocol === own.scheme && LOOPBACK_HOSTS.has(parsed.hostname) && parsed.host === own.host;
}

/** application/json, with or without parameters (charset), in any case. */
function isJson(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * Cross-site request forgery, refused on every state-changing request (POST, PUT, PATCH, DELETE),
 * after requireUser:
 *
 * - A foreign `Origin` is a 403: only this server's own page (its loopback origin, same port) may
 *   send one. A script using `Authorization: Bearer` sends no Origin and is fine; a request signed in
 *   by the session cookie must carry the page's own Origin (browsers send it on every such request), so
 *   a missing or `null` Origin is a 403 too: the cookie alone never proves the page sent it.
 * - A body must be `application/json` (415 otherwise): a page elsewhere can post text/plain or a form
 *   without asking first (no CORS preflight), but not JSON. A request with no body at all may omit
 *   the header.
 */
export function csrfGuard(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (!STATE_CHANGING.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    const host = c.req.header('host');
    const cookie = c.get('credential') === 'session';
    if (origin !== undefined ? !isOwnOrigin(origin, c.req.raw, host) : cookie) {
      const own = ownOrigin(c.req.raw, host);
      return c.json(
        {
          error: `Refused: this request comes from ${origin === undefined ? 'no page (no Origin header)' : `another origin (${origin})`}, and only Sextant's own page may change anything with the session cookie.`,
          hint: `Use the page at ${own.scheme}//${own.host}/, or call the API from a script with Authorization: Bearer <token> (and no Origin header).`,
        },
        403,
      );
    }
    const contentType = c.req.header('content-type');
    const length = c.req.header('content-length');
    // Over the network a body is announced by Content-Length or Transfer-Encoding (the Request hono
    // builds always has a stream); a Request built in-process has a body or not.
    const fromNetwork = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    const hasBody =
      c.req.header('transfer-encoding') !== undefined ||
      (length !== undefined ? Number(length) > 0 : !fromNetwork && c.req.raw.body !== null);
    if (contentType !== undefined ? !isJson(contentType) : hasBody) {
      return c.json(
        {
          error: `Refused: the body is ${contentType === undefined ? 'sent without a Content-Type' : `sent as ${contentType}`}; this API accepts JSON only.`,
          hint: 'Send the body as JSON with the header Content-Type: application/json.',
        },
        415,
      );
    }
    await next();
  };
}
