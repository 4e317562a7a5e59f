import type { Address, LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { migrateRouter } from './migrations.ts';
import { listQuarantines, Quarantines } from './quarantine.ts';
import type { ReceiptVerdict } from './receipt-check.ts';
import { listReceipts } from './receipts.ts';
import { PROVIDER_HEADER } from './server.ts';
import { type Cluster, chat, contentOf, MODEL, ndjson, REPLY, startCluster } from './testing/cluster.ts';
import { recordTestReceipt } from './testing/receipts.ts';
import { signDeregistration } from './typed-data.ts';

const FORGED = 5000;
const measured = Math.ceil(REPLY.length / 4);
const forgedReason = `the receipt claims ${FORGED} completion tokens; the router counted ${measured} in the stream (at most ${Math.ceil(measured * 1.25) + 4} accepted)`;

type ProvidersView = {
  providers: { address: string; quarantine: { rejections: number; reason: string; description: string } | null }[];
  ranking: Record<string, { id: string; score: number; trust: number; stats: { samples: number; failures: number } }[]>;
};

describe('a provider whose receipts are rejected: demoted at once, quarantined after a run (real HTTP)', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('a cheap forger serves once, then the honest one; alone it is quarantined after 3 and refused with the reason', async () => {
    const log: string[] = [];
    cluster = await startCluster({
      providers: [
        // A backend that reports 5000 tokens for a one-line reply, at a fifth of the honest price.
        { price: '0.1', fake: { evalCount: FORGED } },
        { price: '0.5' },
      ],
      router: { log: (line) => log.push(line) },
    });
    const [forger, honest] = cluster.providers;
    const url = cluster.router.url;
    const served: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await chat(url);
      expect(contentOf(await ndjson(response))).toBe(REPLY);
      served.push(response.headers.get(PROVIDER_HEADER));
    }
    // The first goes to the cheaper, unmeasured forger; from the second on, the honest one.
    expect(served).toEqual([forger?.account.address, ...Array(3).fill(honest?.account.address)]);
    await cluster.router.router.settled();

    const view = (await (await fetch(`${url}/router/providers`)).json()) as ProvidersView;
    const ranking = view.ranking[MODEL] ?? [];
    expect(ranking.map((c) => c.id)).toEqual([honest?.account.address, forger?.account.address]);
    // One rejected receipt in one sample: trust 0, so the score is 0 whatever the price.
    expect(ranking[1]).toMatchObject({ score: 0, trust: 0, stats: { samples: 1, failures: 1 } });
    expect(ranking[0]).toMatchObject({ trust: 1, stats: { samples: 3, failures: 0 } });
    expect(ranking[0]?.score).toBeGreaterThan(0.5);

    // The honest one withdraws (as Ctrl-C on its node does): the forger is the last resort, until 3 rejections in a row.
    const withdrawal = { provider: honest?.account.address as Address, deregisteredAt: BigInt(Date.now()) };
    await cluster.router.router.deregister(
      withdrawal,
      await signDeregistration(honest?.account as LocalAccount, withdrawal),
    );
    for (let i = 0; i < 2; i++) {
      const response = await chat(url);
      expect(response.headers.get(PROVIDER_HEADER)).toBe(forger?.account.address);
      await response.text();
    }
    const refused = await chat(url);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { code: string; error: string };
    expect(body.code).toBe('providers-quarantined');
    expect(body.error).toContain(`provider ${forger?.account.address} is quarantined until`);
    expect(body.error).toContain(`3 receipts in a row rejected (last: ${forgedReason})`);
    expect(forger?.fake.modelRequests).toHaveLength(3);

    const after = (await (await fetch(`${url}/router/providers`)).json()) as ProvidersView;
    expect(after.providers.find((p) => p.address === forger?.account.address)?.quarantine).toMatchObject({
      rejections: 3,
      reason: forgedReason,
    });
    expect(after.ranking[MODEL]).toEqual([]);
    expect(listQuarantines(cluster.db)).toEqual([
      expect.objectContaining({ provider: forger?.account.address, rejections: 3, liftedAt: undefined }),
    ]);
    const receipts = listReceipts(cluster.db);
    expect(receipts.filter((r) => !r.accepted).map((r) => r.completionTokens)).toEqual([FORGED, FORGED, FORGED]);
    expect(receipts.filter((r) => r.accepted)).toHaveLength(3);

    // The log: one route line per request, in a fixed field order, and one for the quarantine.
    const routes = log.filter((line) => line.startsWith('route '));
    expect(routes).toHaveLength(7);
    expect(routes[0]).toMatch(
      new RegExp(
        `^route at=\\S+Z request=0x[0-9a-f]{64} provider=${forger?.account.address} model=${MODEL} status=served attempts=1 ttft_ms=\\d+ duration_ms=\\d+ tokens=${measured} claimed=\\d+\\+${FORGED} receipt=rejected reason="the receipt claims ${FORGED} completion tokens;`,
      ),
    );
    expect(routes[1]).toMatch(
      new RegExp(
        `^route at=\\S+ request=0x[0-9a-f]{64} provider=${honest?.account.address} model=${MODEL} status=served attempts=1 ttft_ms=\\d+ duration_ms=\\d+ tokens=${measured} claimed=\\d+\\+${measured} receipt=accepted$`,
      ),
    );
    expect(routes[6]).toMatch(
      /^route at=\S+ request=- provider=none model=\S+ status=failed attempts=0 ttft_ms=- duration_ms=- tokens=- claimed=- receipt=none reason="no upstream may serve/,
    );
    const quarantines = log.filter((line) => line.startsWith('quarantine '));
    expect(quarantines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantine at=\\S+ provider=${forger?.account.address} status=started rejections=3 until=\\S+Z reason=`,
        ),
      ),
    ]);
  });
});

describe('Quarantines (real SQLite)', () => {
  const provider = privateKeyToAccount(`0x${'11'.repeat(32)}`).address;

  it('starts after N rejections in a row, ends after its period on probation, and an accepted receipt lifts it', () => {
    const db = openDatabase(':memory:');
    migrateRouter(db);
    let now = Date.parse('2026-12-06T10:00:00Z');
    const quarantines = new Quarantines(db, { after: 3, forMs: 60_000 }, () => now);
    const rejected: ReceiptVerdict = { accepted: false, reason: 'inflated', receipt: undefined, signature: undefined };
    const accepted: ReceiptVerdict = {
      accepted: true,
      receipt: {
        requestId: `0x${'00'.repeat(32)}`,
        provider,
        consumer: provider,
        model: 'm',
        promptTokens: 10n,
        completionTokens: 10n,
        ttftMs: 5n,
        durationMs: 50n,
      },
      signature: '0x01',
    };
    let n = 0;
    const receipt = (accepted: boolean) => recordTestReceipt(db, n++, provider, [10, 10], accepted, new Date(now + n));

    // An accepted receipt between rejections resets the run.
    for (const ok of [false, false, true, false, false]) {
      receipt(ok);
      expect(quarantines.afterVerdict(provider, ok ? accepted : rejected)).toBe(undefined);
    }
    receipt(false);
    expect(quarantines.afterVerdict(provider, rejected)).toMatchObject({
      kind: 'started',
      record: { rejections: 3, until: '2026-12-06T10:01:00.000Z', reason: 'inflated' },
    });
    expect(quarantines.active(provider)).toBeDefined();
    // A restarted router reads it back.
    expect(new Quarantines(db, { after: 3, forMs: 60_000 }, () => now).active(provider)?.rejections).toBe(3);

    // After the period: on probation (routed to); one more rejection puts it back at once.
    now += 60_001;
    expect(quarantines.active(provider)).toBeUndefined();
    receipt(false);
    expect(quarantines.afterVerdict(provider, rejected)?.kind).toBe('started');
    expect(quarantines.active(provider)?.until).toBe(new Date(now + 60_000).toISOString());

    // After the next period, an accepted receipt lifts it for good.
    now += 60_001;
    receipt(true);
    // Named in another case than it was stored in: lifted in the database too, not only in memory.
    const lifted = quarantines.afterVerdict(provider.toLowerCase() as typeof provider, accepted);
    expect(lifted).toMatchObject({ kind: 'lifted', record: { liftedAt: new Date(now).toISOString() } });
    expect(listQuarantines(db)[0]?.liftedAt).toBe(new Date(now).toISOString());
    expect(new Quarantines(db, { after: 3, forMs: 60_000 }, () => now).active(provider)).toBeUndefined();
    db.close();
  });
});
