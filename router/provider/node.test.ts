import { parseEther, zeroAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeOllama, startFakeOllama } from '../../common/testing/fake-ollama.ts';
import { PROVIDER_HEADER } from '../server.ts';
import { type Cluster, chat, contentOf, fakeOptions, MODEL, ndjson, REPLY, startCluster } from '../testing/cluster.ts';
import { ReceiptJsonSchema, receiptSigner } from '../typed-data.ts';
import { CONSUMER_HEADER, REQUEST_ID_HEADER } from '../upstream.ts';
import { ollamaBackend } from './backend.ts';
import { type RunningProviderNode, startProviderNode } from './serve.ts';

/** Waits until `condition` holds (polling), so a test acts once a request is really in flight. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the provider node', () => {
  const account = privateKeyToAccount(generatePrivateKey());
  let fake: FakeOllama | undefined;
  let node: RunningProviderNode | undefined;
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await node?.kill();
    await fake?.close();
    await cluster?.close();
    node = fake = cluster = undefined;
  });

  async function start(options: { delayMs?: number; concurrency?: number } = {}) {
    fake = await startFakeOllama(fakeOptions({ delayMs: options.delayMs ?? 0 }));
    node = await startProviderNode({
      account,
      backend: ollamaBackend(fake.host),
      pricePerMTokens: parseEther('1'),
      concurrency: options.concurrency ?? 4,
      port: 0,
    });
    return node;
  }

  const post = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  it('refuses a request beyond its concurrency with a clear 429', async () => {
    const { url } = await start({ delayMs: 400, concurrency: 1 });
    const first = post(url, {});
    await until(() => fake?.modelRequests.length === 1);
    const second = await post(url, {});
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await second.json()).toEqual({
      error: 'provider busy: 1 requests in flight, its limit is 1; retry shortly',
      code: 'provider-busy',
    });
    expect(contentOf(await ndjson(await first))).toBe(REPLY);
    // The slot is free again once the stream has ended.
    expect((await post(url, { stream: false })).status).toBe(200);
  });

  it('signs a receipt over the router’s request id and consumer, in the last chunk or the one reply', async () => {
    const { url } = await start();
    const requestId = `0x${'ab'.repeat(32)}` as const;
    const consumer = privateKeyToAccount(generatePrivateKey()).address;
    const streamed = await ndjson(await post(url, {}, { [REQUEST_ID_HEADER]: requestId, [CONSUMER_HEADER]: consumer }));
    const signed = streamed.at(-1)?.sextant_receipt as { message: unknown; signature: `0x${string}` };
    const receipt = ReceiptJsonSchema.parse(signed.message);
    expect(receipt).toMatchObject({ requestId, consumer, provider: account.address, model: MODEL });
    expect(receipt.completionTokens).toBe(BigInt(Math.ceil(REPLY.length / 4)));
    expect(await receiptSigner(receipt, signed.signature)).toBe(account.address);

    const whole = (await (await post(url, { stream: false })).json()) as Record<string, unknown>;
    expect(whole).toMatchObject({ message: { content: REPLY }, done: true });
    const wholeReceipt = ReceiptJsonSchema.parse((whole.sextant_receipt as { message: unknown }).message);
    // Called directly, without a router: a fresh request id, and no consumer.
    expect(wholeReceipt.consumer).toBe(zeroAddress);
    expect(wholeReceipt.requestId).not.toBe(requestId);
  });

  it('answers only for the models it offers, and its health probe follows its backend', async () => {
    const { url } = await start();
    const unknown = await post(url, { model: 'llama3:70b' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(
      /model "llama3:70b" not found: this provider offers qwen2.5/,
    );
    expect(await fetch(`${url}/api/tags`).then((r) => r.json())).toMatchObject({ models: [{ name: MODEL }] });
    await fake?.close();
    fake = undefined;
    const down = await fetch(`${url}/api/tags`);
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: string }).error).toMatch(/the backend at .* does not answer/);
  });

  it('refuses to start when its backend does not have the models it is to offer', async () => {
    fake = await startFakeOllama(fakeOptions());
    await expect(
      startProviderNode({
        account,
        backend: ollamaBackend(fake.host),
        models: ['llama3:8b'],
        pricePerMTokens: 1n,
        port: 0,
      }),
    ).rejects.toThrow(/has no llama3:8b/);
  });

  it('through a router: a busy provider is skipped without counting against it; alone, the router answers 503', async () => {
    cluster = await startCluster({
      providers: [{ price: '0.5', concurrency: 1, fake: { delayMs: 400 } }, { price: '1' }],
    });
    const [busy, other] = cluster.providers;
    const occupying = post(busy?.node.url as string, {});
    await until(() => busy?.fake.modelRequests.length === 1);
    const response = await chat(cluster.router.url);
    expect(response.headers.get(PROVIDER_HEADER)).toBe(other?.account.address);
    await response.text();
    await occupying.then((r) => r.text());
    await cluster.router.router.settled();
    expect(cluster.router.router.stats.summary(busy?.account.address as string, MODEL)).toMatchObject({
      samples: 0,
      failures: 0,
    });
    await cluster.close();

    cluster = await startCluster({ providers: [{ concurrency: 1, fake: { delayMs: 400 } }] });
    const only = cluster.providers[0]?.node.url as string;
    const occupied = post(only, {});
    await until(() => cluster?.providers[0]?.fake.modelRequests.length === 1);
    const refused = await chat(cluster.router.url);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      error: expect.stringMatching(/provider busy/),
      hint: expect.stringMatching(/concurrency limit/),
    });
    await occupied.then((r) => r.text());
  });
});
