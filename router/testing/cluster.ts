import { type LocalAccount, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type Db, openDatabase } from '../../common/database.ts';
import { type FakeOllama, type FakeOllamaOptions, startFakeOllama } from '../../common/testing/fake-ollama.ts';
import { ollamaBackend } from '../provider/backend.ts';
import { type RunningProviderNode, startProviderNode } from '../provider/serve.ts';
import type { RouterOptions } from '../router.ts';
import { type RunningRouter, startRouter } from '../server.ts';
import { signRegistration } from '../typed-data.ts';

/**
 * A router with provider nodes in front of fake Ollama backends (common/testing/fake-ollama.ts),
 * all on loopback, for the router's tests. Each provider has its own key and backend; the router
 * may also have a local fake Ollama.
 */

export const MODEL = 'qwen2.5:7b-instruct';
export const REPLY = 'The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps again.';

export type ProviderSpec = {
  /** Whole tokens per 1M tokens (18 decimals). */
  price?: string;
  stake?: string;
  concurrency?: number;
  fake?: FakeOllamaOptions;
  /**
   * Put something between the router and the node (a tap.ts proxy): returns the URL to register.
   * The node itself still listens at its own URL.
   */
  front?: (nodeUrl: string) => Promise<{ url: string; close: () => Promise<void> }>;
  /** Put something between the node and its backend. */
  behind?: (backendUrl: string) => Promise<{ url: string; close: () => Promise<void> }>;
};

export type TestProvider = {
  account: LocalAccount;
  fake: FakeOllama;
  node: RunningProviderNode;
  /** The URL the router sends to (the node's, or its front's). */
  endpoint: string;
};

export type Cluster = {
  db: Db;
  router: RunningRouter;
  providers: TestProvider[];
  local: FakeOllama | undefined;
  close: () => Promise<void>;
};

export function fakeOptions(options: FakeOllamaOptions = {}): FakeOllamaOptions {
  return { models: [MODEL], replies: () => REPLY, ...options };
}

export async function startCluster(options: {
  providers: ProviderSpec[];
  /** A local fake Ollama for the router (none by default). */
  local?: FakeOllamaOptions;
  router?: Partial<RouterOptions>;
}): Promise<Cluster> {
  const closers: (() => Promise<void>)[] = [];
  const db = openDatabase(':memory:');
  const local = options.local ? await startFakeOllama(fakeOptions(options.local)) : undefined;
  if (local) closers.push(local.close);
  const router = await startRouter({
    db,
    port: 0,
    local: local?.host,
    // Probes only when a test asks (router.health.probeAll()).
    probeIntervalMs: 3_600_000,
    ...options.router,
  });
  closers.push(router.close);
  const providers: TestProvider[] = [];
  for (const spec of options.providers) {
    const account = privateKeyToAccount(generatePrivateKey());
    const fake = await startFakeOllama(fakeOptions(spec.fake));
    closers.push(fake.close);
    const behind = spec.behind ? await spec.behind(fake.host) : undefined;
    if (behind) closers.push(behind.close);
    const node = await startProviderNode({
      account,
      backend: ollamaBackend(behind?.url ?? fake.host),
      pricePerMTokens: parseEther(spec.price ?? '1'),
      stake: parseEther(spec.stake ?? '0'),
      concurrency: spec.concurrency ?? 8,
      port: 0,
      // Registered by the test below, so a front can stand in for the node.
    });
    closers.push(node.kill);
    const front = spec.front ? await spec.front(node.url) : undefined;
    if (front) closers.push(front.close);
    const endpoint = front?.url ?? node.url;
    await router.router.register(...(await signedRegistration(account, endpoint, spec)));
    providers.push({ account, fake, node, endpoint });
  }
  await router.router.settled();
  return {
    db,
    router,
    providers,
    local,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      db.close();
    },
  };
}

async function signedRegistration(account: LocalAccount, endpoint: string, spec: ProviderSpec) {
  const registration = {
    provider: account.address,
    endpoint,
    models: [MODEL],
    pricePerMTokens: parseEther(spec.price ?? '1'),
    stake: parseEther(spec.stake ?? '0'),
    registeredAt: BigInt(Date.now()),
  };
  return [registration, await signRegistration(account, registration)] as const;
}

/** POSTs an Ollama chat request to the router. */
export function chat(
  routerUrl: string,
  body: { content?: string; stream?: boolean; model?: string; options?: Record<string, unknown> } = {},
): Promise<Response> {
  return fetch(`${routerUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: body.model ?? MODEL,
      messages: [{ role: 'user', content: body.content ?? 'say something' }],
      stream: body.stream ?? true,
      ...(body.options ? { options: body.options } : {}),
    }),
  });
}

/** The NDJSON lines of a response, parsed. */
export async function ndjson(response: Response): Promise<Record<string, unknown>[]> {
  return (await response.text())
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The text of a chat stream's chunks. */
export function contentOf(lines: Record<string, unknown>[]): string {
  return lines.map((line) => (line.message as { content?: string } | undefined)?.content ?? '').join('');
}
