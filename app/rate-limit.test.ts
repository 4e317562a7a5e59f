import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from './rate-limit.ts';

describe('rateLimit', () => {
  it('answers 429 with Retry-After past the limit, per client', async () => {
    const app = new Hono();
    app.use(rateLimit({ limit: 3, windowMs: 60_000, key: (c) => c.req.header('x-client') ?? '' }));
    app.get('/', (c) => c.text('ok'));
    const hit = (client: string) => app.request('/', { headers: { 'x-client': client } });
    for (let i = 0; i < 3; i++) expect((await hit('a')).status).toBe(200);
    const refused = await hit('a');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'too many requests' });
    expect((await hit('b')).status).toBe(200);
  });
});
