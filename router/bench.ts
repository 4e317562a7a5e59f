/**
 * `npm run bench:router [-- --requests N --tokens N]`: what the router costs, as JSON on stdout.
 *
 * One backend speaking Ollama's API (common/testing/fake-ollama.ts, streaming a fixed reply one
 * token per chunk, no model behind it) and three ways to reach it, each served by its own process:
 * - direct: the backend itself (the floor);
 * - router: the router, with the backend as its local Ollama;
 * - router+provider: a router whose only upstream is a provider node in front of the backend
 *   (two extra hops, and a signed receipt per reply).
 * The client (this process) streams /api/chat over keep-alive connections and times the first
 * chunk (time to first token) and the last (the whole reply), at 1 and at 32 concurrent streams.
 * Modes are interleaved in rounds, so a noisy neighbour on the shared machine hits them alike.
 * "added" is the mode's percentile minus the direct one's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { openDatabase } from '../common/database.ts';
import { startFakeOllama } from '../common/testing/fake-ollama.ts';
import { ollamaBackend } from './provider/backend.ts';
import { startProviderNode } from './provider/serve.ts';
import { startRouter } from './server.ts';

const MODEL = 'bench:latest';

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    backend: { type: 'string' },
    router: { type: 'string' },
    requests: { type: 'string', default: '400' },
    tokens: { type: 'string', default: '128' },
  },
});

/** A child process: starts one server, prints READY <url>, runs until killed. */
async function serveRole(role: string): Promise<void> {
  let url: string;
  if (role === 'backend') {
    const reply = 'tok '.repeat(Number(values.tokens));
    // chunkSize 4 and "tok " tokens: one token per chunk, as Ollama streams.
    const fake = await startFakeOllama({ models: [MODEL], replies: () => reply, chunkSize: 4 });
    url = fake.host;
  } else if (role === 'router') {
    const running = await startRouter({
      db: openDatabase(':memory:'),
      port: 0,
      local: values.backend,
      probeIntervalMs: 3_600_000,
    });
    url = running.url;
  } else if (role === 'remote-router') {
    const running = await startRouter({ db: openDatabase(':memory:'), port: 0, probeIntervalMs: 3_600_000 });
    url = running.url;
  } else if (role === 'provider') {
    const node = await startProviderNode({
      account: privateKeyToAccount(generatePrivateKey()),
      backend: ollamaBackend(values.backend as string),
      pricePerMTokens: parseEther('1'),
      concurrency: 64,
      port: 0,
      router: values.router,
    });
    url = node.url;
  } else {
    throw new Error(`unknown role ${role}`);
  }
  process.stdout.write(`READY ${url}\n`);
  await new Promise(() => {});
}

function startChild(role: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', role, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (data: Buffer) => {
      out += data.toString();
      const match = out.match(/READY (\S+)/);
      if (match?.[1]) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before it was ready`)));
  });
}

type Sample = { ttftMs: number; totalMs: number; tokens: number };

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'benchmark' }], stream: true });

/** One streamed chat: time to the first chunk, to the end, and the tokens (content chunks) counted. */
function once(url: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttftMs = 0;
    let buffer = '';
    const req = request(
      `${url}/api/chat`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from ${url}`));
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          if (ttftMs === 0) ttftMs = performance.now() - started;
          buffer += text;
        });
        res.on('end', () => {
          const totalMs = performance.now() - started;
          const tokens = buffer.split('\n').filter((line) => line.includes('"content":"tok ')).length;
          resolve({ ttftMs, totalMs, tokens });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` requests on `concurrency` parallel streams; returns the samples and the wall time. */
async function batch(url: string, count: number, concurrency: number): Promise<{ samples: Sample[]; wallMs: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        samples.push(await once(url));
      }
    }),
  );
  return { samples, wallMs: performance.now() - started };
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const requests = Number(values.requests);
  const children: ChildProcess[] = [];
  try {
    log('starting the backend, the router, and a provider node behind a second router…');
    const backend = await startChild('backend', ['--tokens', values.tokens as string]);
    children.push(backend.child);
    const router = await startChild('router', ['--backend', backend.url]);
    children.push(router.child);
    const remote = await startChild('remote-router');
    children.push(remote.child);
    const provider = await startChild('provider', ['--backend', backend.url, '--router', remote.url]);
    children.push(provider.child);
    const modes = { direct: backend.url, router: router.url, 'router+provider': remote.url };

    const result: Record<string, unknown> = {
      machine: { cpus: availableParallelism(), node: process.version, loadavg_1m: round(loadavg()[0] ?? 0, 2) },
      reply_tokens: Number(values.tokens),
      requests_per_mode_and_concurrency: requests,
    };
    for (const concurrency of [1, 32]) {
      for (const url of Object.values(modes)) await batch(url, Math.min(100, requests), Math.min(concurrency, 8)); // warm up
      const samples: Record<string, Sample[]> = { direct: [], router: [], 'router+provider': [] };
      const wall: Record<string, number> = { direct: 0, router: 0, 'router+provider': 0 };
      const rounds = 10;
      for (let r = 0; r < rounds; r++) {
        for (const [mode, url] of Object.entries(modes)) {
          const { samples: got, wallMs } = await batch(url, Math.ceil(requests / rounds), concurrency);
          samples[mode]?.push(...got);
          wall[mode] = (wall[mode] ?? 0) + wallMs;
        }
      }
      const figures = (mode: string) => {
        const list = samples[mode] ?? [];
        const ttft = list.map((s) => s.ttftMs);
        const total = list.map((s) => s.totalMs);
        const tokens = list.reduce((sum, s) => sum + s.tokens, 0);
        return {
          ttft_p50_ms: round(quantile(ttft, 0.5)),
          ttft_p99_ms: round(quantile(ttft, 0.99)),
          total_p50_ms: round(quantile(total, 0.5)),
          total_p99_ms: round(quantile(total, 0.99)),
          streamed_tokens_per_second: Math.round(tokens / ((wall[mode] ?? 1) / 1000)),
        };
      };
      const direct = figures('direct');
      const block: Record<string, unknown> = { direct };
      for (const mode of ['router', 'router+provider']) {
        const own = figures(mode);
        block[mode] = {
          ...own,
          added_ttft_p50_ms: round(own.ttft_p50_ms - direct.ttft_p50_ms),
          added_ttft_p99_ms: round(own.ttft_p99_ms - direct.ttft_p99_ms),
          added_total_p50_ms: round(own.total_p50_ms - direct.total_p50_ms),
          added_total_p99_ms: round(own.total_p99_ms - direct.total_p99_ms),
        };
      }
      result[`concurrency_${concurrency}`] = block;
      log(`concurrency ${concurrency}: done`);
    }
    const at1 = (result.concurrency_1 as Record<string, Record<string, number>>).router;
    result.target = {
      added_p50_under_2ms: (at1?.added_ttft_p50_ms ?? 99) < 2 && (at1?.added_total_p50_ms ?? 99) < 2,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const child of children) child.kill();
    agent.destroy();
  }
}

// Last, so every declaration above is initialized first.
if (values.serve) await serveRole(values.serve);
else await main();
