import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { findFreePort } from '../common/ports.ts';
import { LOCAL_ID } from './router.ts';
import { PROVIDER_HEADER, type RunningRouter, startRouter } from './server.ts';
import { type Cluster, chat, contentOf, MODEL, ndjson, REPLY, startCluster } from './testing/cluster.ts';

type Ranking = {
  ranking: Record<string, { id: string; parts: { ttft: number }; stats: unknown }[]>;
};

/** Sends one chat and returns who served it, after the router has settled its receipt. */
async function servedBy(cluster: Cluster): Promise<string | null> {
  const response = await chat(cluster.router.url);
  expect(response.status).toBe(200);
  expect(contentOf(await ndjson(response))).toBe(REPLY);
  await cluster.router.router.settled();
  return response.headers.get(PROVIDER_HEADER);
}

describe('routing through provider nodes (real HTTP on loopback)', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('streams a reply end to end: client → router → provider node → backend, and back', async () => {
    cluster = await startCluster({ providers: [{}] });
    const [provider] = cluster.providers;
    const response = await chat(cluster.router.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get(PROVIDER_HEADER)).toBe(provider?.account.address);
    const lines = await ndjson(response);
    expect(lines.length).toBeGreaterThan(3);
    expect(contentOf(lines)).toBe(REPLY);
    expect(lines.slice(0, -1).every((line) => line.done === false)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: expect.any(Number) });
    // The receipt is for the router, not the client.
    expect(lines.at(-1)).not.toHaveProperty('sextant_receipt');
    expect(provider?.fake.modelRequests[0]).toMatchObject({
      model: MODEL,
      stream: true,
      messages: [{ content: 'say something' }],
    });
  });

  it('sends to the cheaper provider when the others are equal', async () => {
    cluster = await startCluster({ providers: [{ price: '2' }, { price: '1.5' }, { price: '1' }] });
    const cheapest = cluster.providers[2]?.account.address;
    for (let i = 0; i < 3; i++) expect(await servedBy(cluster)).toBe(cheapest);
    expect(cluster.providers.map((p) => p.fake.modelRequests.length)).toEqual([0, 0, 3]);
  });

  it('sends to the faster provider when the others are equal, once both are measured', async () => {
    cluster = await startCluster({ providers: [{ fake: { delayMs: 1000 } }, {}] });
    const fast = cluster.providers[1]?.account.address;
    await servedBy(cluster);
    // Whoever went first, the fast one serves from the second request on: a measured 1 s to first
    // token scores below the neutral prior of an unmeasured provider, a measured instant one above.
    expect(await servedBy(cluster)).toBe(fast);
    expect(await servedBy(cluster)).toBe(fast);
    const ranking = (await fetch(`${cluster.router.url}/router/providers`).then((r) => r.json())) as Ranking;
    expect(ranking.ranking[MODEL]?.map((c) => c.id)).toEqual([fast, cluster.providers[0]?.account.address]);
    // Measured at ~1 s (if it went first), or not measured at all: either way below the fast one.
    expect(ranking.ranking[MODEL]?.[1]?.parts.ttft).toBeLessThanOrEqual(0.5);
    expect(ranking.ranking[MODEL]?.[0]?.parts.ttft).toBeGreaterThan(0.9);
  });

  it('demotes a provider that turns slow: past the first-token limit the request fails over, and it loses its place', async () => {
    cluster = await startCluster({
      providers: [{ price: '0.9' }, { price: '1' }],
      router: { limits: { firstTokenMs: 800 } },
    });
    const [cheap, other] = cluster.providers;
    expect(await servedBy(cluster)).toBe(cheap?.account.address);
    cheap?.fake.setDelay(3_000);
    const started = performance.now();
    // Transparent: the client gets the whole reply from the other provider, within the limit.
    expect(await servedBy(cluster)).toBe(other?.account.address);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(await servedBy(cluster)).toBe(other?.account.address);
    const { ranking } = (await fetch(`${cluster.router.url}/router/providers`).then((r) => r.json())) as Ranking;
    expect(ranking[MODEL]?.map((c) => c.id)).toEqual([other?.account.address, cheap?.account.address]);
    expect(ranking[MODEL]?.[1]?.stats).toMatchObject({
      failures: 1,
      lastFailure: expect.stringMatching(/no first token within 800 ms/),
    });
  });

  it('prefers the local Ollama, and fails over to a provider when it is down', async () => {
    cluster = await startCluster({ providers: [{ price: '0.1' }], local: { delayMs: 300 } });
    expect(await servedBy(cluster)).toBe(LOCAL_ID);
    expect(await servedBy(cluster)).toBe(LOCAL_ID);
    await cluster.local?.close();
    expect(await servedBy(cluster)).toBe(cluster.providers[0]?.account.address);
    // The refused connection marked it down at once.
    expect(cluster.router.router.health.state(LOCAL_ID)).toMatchObject({ up: false });
  });

  it('answers an unknown model with 404 in Ollama’s shape', async () => {
    cluster = await startCluster({ providers: [{}] });
    const response = await chat(cluster.router.url, { model: 'llama9:405b' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: expect.stringContaining('model "llama9:405b" not found'),
      code: 'model-not-found',
      hint: expect.any(String),
    });
  });

  it('asks the local Ollama for a model nobody offers (pulled since the last probe?), and passes on its 404', async () => {
    cluster = await startCluster({ providers: [{}], local: {} });
    const response = await chat(cluster.router.url, { model: 'llama9:405b' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /model "llama9:405b" not found: the local Ollama: HTTP 404: model "llama9:405b" not found, try pulling it first/,
    );
    expect(cluster.local?.modelRequests.map((r) => r.model)).toEqual(['llama9:405b']);
    expect(cluster.router.router.stats.summary(LOCAL_ID, 'llama9:405b')).toMatchObject({ failures: 0 });
  });
});

describe('the router’s own guards', () => {
  let running: RunningRouter | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('refuses a routing loop (its local Ollama pointing back at itself) with 508, not a hang', async () => {
    const port = await findFreePort();
    running = await startRouter({
      db: openDatabase(':memory:'),
      port,
      local: `http://127.0.0.1:${port}`,
      probeIntervalMs: 3_600_000,
    });
    const response = await chat(running.url);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(/HTTP 508: routing loop/);
  });

  it('refuses requests for another host name or from another origin (DNS rebinding, web pages)', async () => {
    running = await startRouter({ db: openDatabase(':memory:'), port: 0, probeIntervalMs: 3_600_000 });
    const fromPage = await fetch(`${running.url}/api/tags`, { headers: { origin: 'https://evil.example' } });
    expect(fromPage.status).toBe(403);
    const ok = await fetch(`${running.url}/api/tags`, { headers: { origin: 'http://localhost:3000' } });
    expect(ok.status).toBe(200);
  });
});
