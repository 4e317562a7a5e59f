import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDER_HEADER } from './server.ts';
import { type Cluster, chat, contentOf, MODEL, ndjson, REPLY, startCluster } from './testing/cluster.ts';
import { CUT, startTap, type TapOptions } from './testing/tap.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A front for a provider node that lets `line` tamper with its streamed reply. */
const tapped = (line: TapOptions['line']) => (url: string) => startTap(url, { line });

describe('failover', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('a provider killed mid-stream: the restart on the next one continues the same text, and the client sees one seamless reply', async () => {
    cluster = await startCluster({
      providers: [
        // The cheaper one streams slowly (its backend behind a tap that delays each line), so it can be killed mid-reply.
        {
          price: '0.5',
          behind: (url) =>
            startTap(url, {
              line: async (line) => {
                await sleep(40);
                return line;
              },
            }),
        },
        { price: '1' },
      ],
    });
    const [victim, survivor] = cluster.providers;
    const response = await chat(cluster.router.url);
    expect(response.headers.get(PROVIDER_HEADER)).toBe(victim?.account.address);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (text.split('\n').length < 3) text += decoder.decode((await reader.read()).value);
    await victim?.node.kill();
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value);
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(contentOf(lines)).toBe(REPLY);
    expect(lines.filter((line) => line.done)).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ done: true });
    expect(lines.some((line) => 'error' in line)).toBe(false);
    expect(survivor?.fake.modelRequests).toHaveLength(1);
    await cluster.router.router.settled();
    expect(cluster.router.router.stats.summary(victim?.account.address as string, MODEL)).toMatchObject({
      failures: 1,
    });
  });

  it('a provider whose connection drops mid-stream, restarted on one that says something else: the partial reply ends with one clear error line', async () => {
    cluster = await startCluster({
      providers: [
        { price: '0.5', front: tapped((line, index) => (index === 2 ? CUT : line)) },
        { price: '1', fake: { replies: () => 'An entirely different answer.' } },
      ],
    });
    const lines = await ndjson(await chat(cluster.router.url));
    expect(contentOf(lines)).toBe(REPLY.slice(0, 16));
    expect(lines.at(-1)).toEqual({ error: expect.stringMatching(/failed mid-stream .* produced different text/) });
    expect(lines.some((line) => line.done)).toBe(false);
  });

  it('a non-streaming client never sees a failed attempt: a provider dying mid-reply is retried from scratch', async () => {
    cluster = await startCluster({
      providers: [
        { price: '0.5', front: tapped((line, index) => (index === 2 ? CUT : line)) },
        { price: '1', fake: { replies: () => 'An entirely different answer.' } },
      ],
    });
    const response = await chat(cluster.router.url, { stream: false });
    expect(response.status).toBe(200);
    expect(response.headers.get(PROVIDER_HEADER)).toBe(cluster.providers[1]?.account.address);
    expect(await response.json()).toMatchObject({
      message: { role: 'assistant', content: 'An entirely different answer.' },
      done: true,
    });
  });

  it('a provider that answers garbage is skipped; alone, it gives a clean 502', async () => {
    cluster = await startCluster({
      providers: [{ price: '0.5', front: tapped(() => '<html>502 Bad Gateway</html>') }, { price: '1' }],
    });
    const lines = await ndjson(await chat(cluster.router.url));
    expect(contentOf(lines)).toBe(REPLY);
    await cluster.close();

    cluster = await startCluster({ providers: [{ front: tapped(() => 'not json at all') }] });
    const response = await chat(cluster.router.url);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/no upstream could serve .* the reply is not Ollama's NDJSON/),
      code: 'no-upstream',
      hint: expect.any(String),
    });
  });

  it('a provider that closes the socket is skipped; alone, it gives a clean 502', async () => {
    const refuse = (url: string) => startTap(url, { refuse: true });
    cluster = await startCluster({ providers: [{ price: '0.5', front: refuse }, { price: '1' }] });
    expect(contentOf(await ndjson(await chat(cluster.router.url)))).toBe(REPLY);
    await cluster.close();

    cluster = await startCluster({ providers: [{ front: refuse }] });
    const response = await chat(cluster.router.url, { stream: false });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(/no upstream could serve .* (reset|closed)/);
  });

  it('a provider that stalls mid-stream is cut at the idle limit and the reply continues elsewhere, never a hang', async () => {
    cluster = await startCluster({
      providers: [
        {
          price: '0.5',
          front: tapped(async (line, index) => {
            if (index === 3) await sleep(5_000);
            return line;
          }),
        },
        { price: '1' },
      ],
      router: { limits: { idleMs: 300 } },
    });
    const started = performance.now();
    const lines = await ndjson(await chat(cluster.router.url));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(contentOf(lines)).toBe(REPLY);
    await cluster.router.router.settled();
    const stats = cluster.router.router.stats.summary(cluster.providers[0]?.account.address as string, MODEL);
    expect(stats.lastFailure).toMatch(/no data for 300 ms/);
  });

  it('when every provider breaks mid-stream, the stream ends with one error line', async () => {
    const cut = tapped((line, index) => (index === 2 ? CUT : line));
    cluster = await startCluster({ providers: [{ front: cut }, { front: cut }] });
    const lines = await ndjson(await chat(cluster.router.url));
    expect(contentOf(lines)).toBe(REPLY.slice(0, 16));
    expect(lines.at(-1)).toEqual({ error: expect.stringMatching(/broke off mid-stream and could not be continued/) });
  });
});
