import type { Context, MiddlewareHandler } from 'hono';

/**
 * A simple rate limit: at most `limit` requests per `windowMs` per key (the session or token, else the
 * address), counted in fixed windows in memory. Enough to stop a runaway client; a 429 says when to retry.
 */
export function rateLimit(options: {
  limit: number;
  windowMs: number;
  key: (c: Context) => string;
}): MiddlewareHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const now = Date.now();
    const key = options.key(c);
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      window = { start: now, count: 0 };
      windows.set(key, window);
      if (windows.size > 10_000) windows.clear();
    }
    window.count += 1;
    if (window.count > options.limit) {
      const retryAfter = Math.ceil((window.start + options.windowMs - now) / 1000);
      c.header('Retry-After', String(retryAfter));
      return c.json({ error: 'too many requests', hint: `Wait ${retryAfter} s and try again.` }, 429);
    }
    await next();
  };
}
