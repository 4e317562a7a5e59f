import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress, failedSignInLimit, rateLimit } from './rate-limit.ts';

/** What @hono/node-server passes as the env: the Node request, whose socket has the peer's address. */
const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

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

describe('failedSignInLimit', () => {
  // A stand-in for requireUser: the right password signs in, anything else is a 401.
  const app = new Hono();
  app.use(failedSignInLimit({ limit: 3, windowMs: 60_000 }));
  app.get('/', (c) => (c.req.header('x-password') === 'right' ? c.text('ok') : c.text('no', 401)));
  const attempt = (address: string, password: string) =>
    app.request('/', { headers: { 'x-password': password } }, from(address));

  it('counts refused sign-ins per client address; past the limit the address waits, whatever it sends', async () => {
    // Successes do not count.
    for (let i = 0; i < 5; i++) expect((await attempt('10.0.0.1', 'right')).status).toBe(200);
    // Each guess carries different junk: the address is the key, so they all count.
    for (let i = 0; i < 3; i++) expect((await attempt('10.0.0.1', `guess-${i}`)).status).toBe(401);
    const refused = await attempt('10.0.0.1', 'guess-3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before the credential is looked at: even the right one waits out the window.
    expect((await attempt('10.0.0.1', 'right')).status).toBe(429);
    // Another address is not affected.
    expect((await attempt('10.0.0.2', 'right')).status).toBe(200);
    expect((await attempt('10.0.0.2', 'wrong')).status).toBe(401);
  });
});

describe('clientAddress', () => {
  it('is the TCP peer, never a header', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(clientAddress(c)));
    const spoofed = { headers: { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '1.2.3.4' } };
    expect(await (await app.request('/', spoofed, from('127.0.0.1'))).text()).toBe('127.0.0.1');
    expect(await (await app.request('/', spoofed)).text()).toBe('in-process');
  });
});
