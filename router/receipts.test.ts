import type { LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { computeContributions, listReceipts } from './receipts.ts';
import { PROVIDER_HEADER } from './server.ts';
import { type Cluster, chat, contentOf, MODEL, ndjson, REPLY, startCluster } from './testing/cluster.ts';
import { startTap } from './testing/tap.ts';
import { ReceiptJsonSchema, signReceipt, toJson, type UsageReceipt } from './typed-data.ts';

/**
 * A front for a provider node that rewrites the receipt in its final chunk: `change` edits the
 * message, and `signer()` (called at request time) re-signs it.
 */
function rewriteReceipt(change: (receipt: UsageReceipt) => UsageReceipt, signer: () => LocalAccount) {
  return (url: string) =>
    startTap(url, {
      line: async (line) => {
        const chunk = JSON.parse(line);
        if (!chunk.sextant_receipt) return line;
        const receipt = change(ReceiptJsonSchema.parse(chunk.sextant_receipt.message));
        chunk.sextant_receipt = { message: toJson(receipt), signature: await signReceipt(signer(), receipt) };
        return JSON.stringify(chunk);
      },
    });
}

describe('usage receipts', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('records an honest receipt as accepted: a compute contribution, with what the router measured beside it', async () => {
    cluster = await startCluster({ providers: [{ price: '2' }] });
    const [provider] = cluster.providers;
    for (let i = 0; i < 2; i++) expect(contentOf(await ndjson(await chat(cluster.router.url)))).toBe(REPLY);
    await cluster.router.router.settled();
    const receipts = listReceipts(cluster.db);
    expect(receipts).toHaveLength(2);
    const expectedTokens = Math.ceil(REPLY.length / 4);
    expect(receipts[0]).toMatchObject({
      provider: provider?.account.address,
      consumer: cluster.router.router.consumer,
      model: MODEL,
      completionTokens: expectedTokens,
      measured: { completionTokens: expectedTokens },
      accepted: true,
      reason: undefined,
      signature: expect.stringMatching(/^0x[0-9a-f]{130}$/),
    });
    expect(receipts[0]?.durationMs).toBeLessThanOrEqual((receipts[0]?.measured.durationMs ?? 0) + 25);
    const [contribution] = computeContributions(cluster.db);
    const tokens = (receipts[0]?.promptTokens ?? 0) * 2 + expectedTokens * 2;
    expect(contribution).toEqual({
      provider: provider?.account.address,
      requests: 2,
      promptTokens: (receipts[0]?.promptTokens ?? 0) * 2,
      completionTokens: expectedTokens * 2,
      value: (BigInt(tokens) * 2n * 10n ** 18n) / 1_000_000n,
    });
    const api = (await fetch(`${cluster.router.url}/router/receipts`).then((r) => r.json())) as { receipts: unknown[] };
    expect(api.receipts).toHaveLength(2);
    expect(api.receipts[0]).toMatchObject({ accepted: true, pricePerMTokens: String(2n * 10n ** 18n) });
  });

  it('rejects a forged receipt (signed by another key), and the client still gets its reply', async () => {
    const forger = privateKeyToAccount(generatePrivateKey());
    cluster = await startCluster({
      providers: [
        {
          front: rewriteReceipt(
            (r) => r,
            () => forger,
          ),
        },
      ],
    });
    expect(contentOf(await ndjson(await chat(cluster.router.url)))).toBe(REPLY);
    await cluster.router.router.settled();
    expect(listReceipts(cluster.db)).toEqual([
      expect.objectContaining({
        accepted: false,
        reason: `the receipt is signed by ${forger.address}, not the provider`,
      }),
    ]);
    expect(computeContributions(cluster.db)).toEqual([]);
  });

  it('rejects an inflated receipt (the provider’s own signature over more tokens than it streamed), and demotes it', async () => {
    let cheat: LocalAccount | undefined;
    cluster = await startCluster({
      providers: [
        {
          price: '0.9',
          front: rewriteReceipt(
            (r) => ({ ...r, completionTokens: r.completionTokens * 3n }),
            () => cheat as LocalAccount,
          ),
        },
        { price: '1' },
      ],
    });
    const [cheater, honest] = cluster.providers;
    cheat = cheater?.account;
    const first = await chat(cluster.router.url);
    expect(first.headers.get(PROVIDER_HEADER)).toBe(cheater?.account.address);
    expect(contentOf(await ndjson(first))).toBe(REPLY);
    await cluster.router.router.settled();
    const measured = Math.ceil(REPLY.length / 4);
    expect(listReceipts(cluster.db)[0]).toMatchObject({
      provider: cheater?.account.address,
      completionTokens: measured * 3,
      measured: { completionTokens: measured },
      accepted: false,
      reason: `the receipt claims ${measured * 3} completion tokens; the router counted ${measured} in the stream (at most ${Math.ceil(measured * 1.25) + 4} accepted)`,
    });
    // A rejected receipt counts as a failure: the honest provider, though dearer, serves next.
    const second = await chat(cluster.router.url);
    expect(second.headers.get(PROVIDER_HEADER)).toBe(honest?.account.address);
    await second.text();
    await cluster.router.router.settled();
    expect(computeContributions(cluster.db).map((c) => c.provider)).toEqual([honest?.account.address]);
  });

  it('rejects a reply with no receipt at all', async () => {
    cluster = await startCluster({
      providers: [
        {
          front: (url) =>
            startTap(url, {
              line: (line) => {
                const { sextant_receipt: _receipt, ...chunk } = JSON.parse(line);
                return JSON.stringify(chunk);
              },
            }),
        },
      ],
    });
    expect(contentOf(await ndjson(await chat(cluster.router.url)))).toBe(REPLY);
    await cluster.router.router.settled();
    expect(listReceipts(cluster.db)).toEqual([
      expect.objectContaining({ accepted: false, reason: 'the provider sent no receipt', signature: '' }),
    ]);
  });
});
