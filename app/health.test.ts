import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { manifestToChain } from '../devnet/manifest.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { createApp } from './server.ts';
import { testAccess } from './testing/access.ts';
import { HealthResponseSchema } from './views.ts';

const manifest = testDevnet();
const embedded = async () =>
  ({ provider: 'embedded', model: 'embedded', reachable: false, host: 'http://127.0.0.1:1' }) as const;

/** The app on the shared devnet, with the pieces a test changes. */
const signedIn = testAccess();
const appWith = (changes: { bundlerUrl?: string | undefined; chainId?: number } = {}) =>
  createApp({
    access: signedIn.access,
    chain: { ...manifestToChain(manifest), chainId: changes.chainId ?? manifest.chainId },
    rpcUrl: manifest.rpcUrl,
    bundlerUrl: 'bundlerUrl' in changes ? changes.bundlerUrl : manifest.bundlerUrl,
    llm: embedded,
  });

describe('GET /health', () => {
  it('reports the chain, its block, the bundler and the LLM in use', async () => {
    const app = appWith();
    const response = await app.request('/health', { headers: signedIn.headers });
    expect(response.status).toBe(200);
    const health = HealthResponseSchema.parse(await response.json());
    expect(health.status).toBe('ok');
    expect(health.chain).toMatchObject({ slug: 'devnet', chainId: 31337, reachable: true });
    expect(health.chain.blockNumber).toBeGreaterThan(100);
    expect(health.bundler.reachable).toBe(true);
    expect(health.bundler.entryPoints).toContain(manifest.contracts.entryPointV08);
    expect(health.llm).toMatchObject({ provider: 'embedded', model: 'embedded', reachable: false });
  });

  it('says "degraded", and why, when the bundler does not answer', async () => {
    const nowhere = `http://127.0.0.1:${await findFreePort()}`;
    const app = appWith({ bundlerUrl: nowhere });
    const health = HealthResponseSchema.parse(
      await (await app.request('/health', { headers: signedIn.headers })).json(),
    );
    expect(health.status).toBe('degraded');
    expect(health.chain.reachable).toBe(true);
    expect(health.bundler).toMatchObject({ url: nowhere, reachable: false });
    expect(health.bundler.error).toBeTruthy();
  });

  it('notices an RPC that serves another chain than the one configured', async () => {
    const app = appWith({ chainId: 1 });
    const health = HealthResponseSchema.parse(
      await (await app.request('/health', { headers: signedIn.headers })).json(),
    );
    expect(health.status).toBe('degraded');
    expect(health.chain.error).toContain('serves chain 31337, not 1');
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
    const app = appWith({ bundlerUrl: undefined });
    expect((await app.request('/health', { headers: { host: 'evil.example:8787', ...signedIn.headers } })).status).toBe(
      403,
    );
    expect((await app.request('/health', { headers: { host: '127.0.0.1:8787', ...signedIn.headers } })).status).toBe(
      200,
    );
    expect((await app.request('/health', { headers: { host: 'localhost:8787', ...signedIn.headers } })).status).toBe(
      200,
    );
    expect((await app.request('/health', { headers: { host: '[::1]:8787', ...signedIn.headers } })).status).toBe(200);
  });

  it('answers 401 without a session or the token', async () => {
    const app = appWith({ bundlerUrl: undefined });
    expect((await app.request('/health')).status).toBe(401);
    expect((await app.request('/health', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const app = appWith({ bundlerUrl: undefined });
    const response = await app.request('/v1/nothing', { headers: signedIn.headers });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found', path: '/v1/nothing' });
  });
});
