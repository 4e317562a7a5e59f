import type { MiddlewareHandler } from 'hono';

export const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Refuses requests whose Host header is not a loopback name. The server binds 127.0.0.1, but a web
 * page can still reach it through DNS rebinding (evil.example resolving to 127.0.0.1); such requests
 * carry the attacker's host name, and are refused here.
 */
export function loopbackHostOnly(): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    // Requests built in-process (app.request in tests) carry no Host header and never crossed a network.
    if (host !== '' && !LOOPBACK_HOSTS.has(name ?? '')) {
      return c.json({ error: 'forbidden host', message: 'Open Sextant at http://127.0.0.1 (or localhost).' }, 403);
    }
    return next();
  };
}
