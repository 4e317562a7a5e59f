import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { type FakeOllama, startFakeOllama } from '../common/testing/fake-ollama.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { eventually, runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { PROVIDER_HEADER } from './server.ts';
import { chat, contentOf, MODEL, ndjson, REPLY } from './testing/cluster.ts';

/**
 * The compute provider's journey, with the README's own commands as real processes: `sextant router
 * serve`, two `sextant provider serve` nodes in front of fake Ollama backends (one of which reports
 * 5000 tokens for a one-line reply, at a fifth of the honest price), `sextant router providers`,
 * `sextant emissions settle` on the devnet, and `sextant provider earnings`.
 */

const manifest = testDevnet();
const FORGED = 5000;
const WEI = 10n ** 18n;

type Run = ReturnType<typeof runSextant>;
const running: Run[] = [];
const fakes: FakeOllama[] = [];

afterAll(async () => {
  for (const run of running) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  for (const fake of fakes) await fake.close();
});

/**
 * The short commands in process (devnet/testing/in-process.ts), without a child's start-up each; the
 * router and the providers below run as real `sextant` processes.
 */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', ...env });

/** Starts a long-running command and waits for the line that says it is up. */
async function serve(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<Run> {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', ...env });
  running.push(run);
  await eventually(
    () => run.stdout().includes(ready) || run.child.exitCode !== null,
    30_000,
    `sextant ${args.slice(0, 2).join(' ')} is up`,
  );
  expect(run.child.exitCode, run.stderr()).toBe(null);
  return run;
}

describe('a compute provider, from the README: serve, get routed to, get paid', () => {
  it('a cheap forger is demoted after its first reply, quarantined after 3, and the honest provider earns the compute bucket', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-provider-journey-'));
    writeManifest(dataDir, manifest);
    const env = { DATA_DIR: dataDir };
    const startedAt = Math.floor(Date.now() / 1000) - 1;

    const routerPort = await findFreePort();
    const routerUrl = `http://127.0.0.1:${routerPort}`;
    const router = await serve(
      ['router', 'serve', '--no-local', '--port', String(routerPort), '--quarantine-after', '3'],
      env,
      'Press Ctrl-C to stop.',
    );
    expect(router.stdout()).toContain('quarantine  after 3 rejected receipts in a row, for 900000 ms');

    const node = async (name: string, price: string, evalCount?: number) => {
      const key = generatePrivateKey();
      const keyFile = join(dataDir, `${name}.key`);
      writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
      const fake = await startFakeOllama({
        models: [MODEL],
        replies: () => REPLY,
        ...(evalCount ? { evalCount } : {}),
      });
      fakes.push(fake);
      const port = await findFreePort();
      const run = await serve(
        [
          'provider',
          'serve',
          '--key',
          keyFile,
          '--price',
          price,
          '--router',
          routerUrl,
          '--backend',
          fake.host,
          '--port',
          String(port),
        ],
        env,
        'Press Ctrl-C to stop',
      );
      return { address: privateKeyToAccount(key).address, keyFile, fake, run };
    };
    const forger = await node('forger', '0.1', FORGED);
    const honest = await node('honest', '0.5');

    // Demoted within 2 requests: the first goes to the cheaper, unmeasured forger; the rest to the honest one.
    const served: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await chat(routerUrl);
      expect(response.status).toBe(200);
      expect(contentOf(await ndjson(response))).toBe(REPLY);
      served.push(response.headers.get(PROVIDER_HEADER));
    }
    expect(served).toEqual([forger.address, honest.address, honest.address]);
    await eventually(
      () =>
        router
          .stdout()
          .split('\n')
          .filter((line) => line.startsWith('route ')).length === 3,
      10_000,
      'the router logged the 3 requests',
    );

    type Ranked = { id: string; score: number; trust: number; stats: { samples: number; failures: number } };
    const view = (await (await fetch(`${routerUrl}/router/providers`)).json()) as {
      ranking: Record<string, Ranked[]>;
    };
    const [first, second] = view.ranking[MODEL] ?? [];
    expect(first).toMatchObject({ id: honest.address, trust: 1, stats: { samples: 2, failures: 0 } });
    expect(second).toMatchObject({ id: forger.address, score: 0, trust: 0, stats: { samples: 1, failures: 1 } });
    expect(first?.score).toBeGreaterThan(0.5);

    // The honest node stops (Ctrl-C deregisters it): the forger is the last resort until 3 rejections in a row.
    honest.run.child.kill('SIGINT');
    expect(await honest.run.exited).toBe(0);
    for (let i = 0; i < 2; i++) {
      const response = await chat(routerUrl);
      expect(response.headers.get(PROVIDER_HEADER)).toBe(forger.address);
      await response.text();
    }
    const refused = await chat(routerUrl);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('providers-quarantined');
    expect(forger.fake.modelRequests).toHaveLength(3);
    expect(honest.fake.modelRequests).toHaveLength(2);

    // The router's log: one line per request, with the verdict; one for the quarantine.
    await eventually(() => router.stdout().includes('\nquarantine '), 10_000, 'the quarantine is logged');
    const routes = router
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('route '));
    expect(routes.map((line) => line.match(/ provider=(\S+) .* receipt=(\S+)/)?.slice(1))).toEqual([
      [forger.address, 'rejected'],
      [honest.address, 'accepted'],
      [honest.address, 'accepted'],
      [forger.address, 'rejected'],
      [forger.address, 'rejected'],
      ['none', 'none'],
    ]);
    for (const line of routes.slice(0, 5))
      expect(line).toMatch(/ status=served attempts=1 ttft_ms=\d+ duration_ms=\d+ /);
    expect(routes[0]).toMatch(new RegExp(` claimed=\\d+\\+${FORGED} `));
    expect(router.stdout()).toMatch(
      new RegExp(`\\nquarantine at=\\S+ provider=${forger.address} status=started rejections=3 until=\\S+ reason=`),
    );

    // `sextant router providers` shows the quarantine and its reason, and the receipts behind it.
    const listed = await sextant(['router', 'providers', '--all'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${forger.address}  `);
    expect(listed.stdout).toMatch(/QUARANTINED\n/);
    expect(listed.stdout).toContain('receipts 0 accepted, 3 rejected');
    expect(listed.stdout).toContain('receipts 2 accepted, 0 rejected');
    expect(listed.stdout).toContain(
      `3 receipts in a row rejected (last: the receipt claims ${FORGED} completion tokens; the router counted`,
    );
    const listedJson = await sextant(['router', 'providers', '--all', '--json'], env);
    const rows = JSON.parse(listedJson.stdout).providers as {
      address: string;
      receipts: { accepted: number; rejected: number };
      quarantine: { rejections: number } | null;
    }[];
    expect(rows.find((p) => p.address === forger.address)).toMatchObject({
      receipts: { accepted: 0, rejected: 3 },
      quarantine: { rejections: 3 },
    });
    expect(rows.find((p) => p.address === honest.address)).toMatchObject({
      receipts: { accepted: 2, rejected: 0 },
      quarantine: null,
    });

    // What the honest provider served, from the router's own receipts.
    const receipts = await sextant(['router', 'receipts', '--json'], env);
    const contributions = JSON.parse(receipts.stdout).contributions as {
      provider: string;
      requests: number;
      promptTokens: number;
      completionTokens: number;
    }[];
    expect(contributions.map((c) => c.provider)).toEqual([honest.address]);
    const tokens = (contributions[0]?.promptTokens ?? 0) + (contributions[0]?.completionTokens ?? 0);
    expect(tokens).toBeGreaterThan(0);

    // Earnings before any settlement: the accepted tokens, the whole of the compute bucket's share.
    const before = await sextant(['provider', 'earnings', '--key', honest.keyFile, '--json'], env);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({
      source: `the router database ${join(dataDir, 'sextant.db')}`,
      report: {
        provider: honest.address,
        settled: [],
        unsettled: { from: null, requests: 2, tokens, allTokens: tokens, share: 1 },
        rejectedReceipts: 0,
      },
    });
    const text = await sextant(['provider', 'earnings', '--key', honest.keyFile], env);
    expect(text.stdout).toContain(`${tokens} accepted tokens`);
    expect(text.stdout).toContain('100.0% of the');
    // The forger's, from the running router over HTTP: nothing accepted, 3 rejected.
    const forgerEarnings = await sextant(
      ['provider', 'earnings', '--address', forger.address, '--router', routerUrl, '--json'],
      env,
    );
    expect(JSON.parse(forgerEarnings.stdout).report).toMatchObject({
      unsettled: { requests: 0, tokens: 0, allTokens: tokens, share: 0 },
      rejectedReceipts: 3,
    });

    // Settle epoch 0 (a schedule whose epoch 0 holds every receipt above, all stored already, and ends
    // a second from now).
    const interval = Math.ceil(Date.now() / 1000) - startedAt + 1;
    const bucket = (name: string, initial: string) => ({ bucket: name, initial, decrease: '0' });
    writeFileSync(
      join(dataDir, 'emissions.json'),
      JSON.stringify({
        schedule: {
          start: startedAt,
          intervalSeconds: interval,
          buckets: [
            bucket('capital', '3456'),
            bucket('code', '3456'),
            bucket('compute', '3456'),
            bucket('community', '3456'),
            bucket('protection', '576'),
          ],
          cap: '42000000',
        },
        treasury: privateKeyToAccount(generatePrivateKey()).address,
      }),
    );
    await sleep(Math.max(0, (startedAt + interval) * 1000 - Date.now()) + 1000);
    const settled = await sextant(['emissions', 'settle', '--epoch', '0', '--no-distribute', '--json'], env);
    expect(settled.code, settled.stderr).toBe(0);

    const after = await sextant(['provider', 'earnings', '--key', honest.keyFile, '--json'], env);
    const report = JSON.parse(after.stdout).report;
    // The honest provider is the compute bucket's one contributor: it is paid the whole epoch's 3456.
    expect(report.settled).toEqual([
      {
        epoch: 0,
        from: new Date(startedAt * 1000).toISOString(),
        until: new Date((startedAt + interval) * 1000).toISOString(),
        requests: 2,
        promptTokens: contributions[0]?.promptTokens,
        completionTokens: contributions[0]?.completionTokens,
        tokens,
        allTokens: tokens,
        share: 1,
        bucket: { emitted: String(3456n * WEI), carriedIn: '0', paid: String(3456n * WEI) },
        payout: String(3456n * WEI),
      },
    ]);
    expect(report.unsettled).toMatchObject({ requests: 0, tokens: 0 });
    const afterText = await sextant(['provider', 'earnings', '--key', honest.keyFile], env);
    expect(afterText.stdout).toMatch(
      new RegExp(
        `epoch 0 .* ${tokens} tokens in 2 request\\(s\\), 100\\.0% of ${tokens}; paid 3456 of the bucket's 3456`,
      ),
    );

    router.child.kill('SIGINT');
    forger.run.child.kill('SIGINT');
    expect(await router.exited).toBe(0);
    await forger.run.exited;
  }, 180_000);
});
