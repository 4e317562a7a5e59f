import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';

type Limit = { limit: number; windowMs: number };

/** Counts per key in fixed windows, in memory. */
function fixedWindows({ limit, windowMs }: Limit) {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string, now: number) => {
    let window = windows.get(key);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      windows.set(key, window);
      // Keys are users and client addresses, never a value the client picks, so this stays small;
      // the bound is only a backstop.
      if (windows.size > 10_000) windows.clear();
    }
    return window;
  };
  return {
    /** Seconds until the key's window ends, when it has used up its limit; otherwise undefined. */
    exhausted(key: string, now = Date.now()): number | undefined {
      const window = current(key, now);
      return window.count >= limit ? Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)) : undefined;
    },
    count(key: string, now = Date.now()): void {
      current(key, now).count += 1;
    },
  };
}

function tooMany(c: Context, retryAfter: number) {
  c.header('Retry-After', String(retryAfter));
  return c.json({ error: 'too many requests', hint: `Wait ${retryAfter} s and try again.` }, 429);
}

/**
 * The address the request came from (the TCP peer); 'in-process' for requests built with app.request,
 * which never crossed a network. Never a header: a client can write any header it likes.
 */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'in-process';
}

/**
 * At most `limit` requests per `windowMs` per key, counted in fixed windows in memory. Enough to stop
 * a runaway client; a 429 says when to retry. The key must be something the client cannot choose
 * freely (the signed-in user, the client address), or each new value would open a fresh window.
 */
export function rateLimit(options: Limit & { key: (c: Context) => string }): MiddlewareHandler {
  const windows = fixedWindows(options);
  return async (c, next) => {
    const key = options.key(c);
    const retryAfter = windows.exhausted(key);
    if (retryAfter !== undefined) return tooMany(c, retryAfter);
    windows.count(key);
    return next();
  };
}

/**
 * Before sign-in: at most `limit` refused sign-ins (401 answers) per `windowMs` per client address;
 * past it, every request from that address is a 429 until the window ends, before any credential is
 * looked at, so guessing tokens or sessions is slow whatever headers and cookies each guess carries.
 * The server listens on loopback only, so every local client shares one address: a local program that
 * keeps failing delays the others by at most one window, which is the price of not letting it guess.
 */
export function failedSignInLimit(options: Limit): MiddlewareHandler {
  const windows = fixedWindows(options);
  return async (c, next) => {
    const key = clientAddress(c);
    const retryAfter = windows.exhausted(key);
    if (retryAfter !== undefined) return tooMany(c, retryAfter);
    await next();
    if (c.res.status === 401) windows.count(key);
    return undefined;
  };
}
