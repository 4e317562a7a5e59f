import { type Hex, zeroAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { checkReceipt, type MeasuredHop } from './receipt-check.ts';
import { DEFAULT_TOKEN_TOLERANCE } from './tokens.ts';
import { signReceipt, toJson, type UsageReceipt } from './typed-data.ts';

const provider = privateKeyToAccount(generatePrivateKey());
const hop: MeasuredHop = {
  requestId: `0x${'11'.repeat(32)}`,
  provider: provider.address,
  consumer: zeroAddress,
  model: 'qwen2.5:7b-instruct',
  // 40 chunks, 200 bytes: measured = max(40, 50) = 50; at most ceil(50 × 1.25) + 4 = 67 accepted.
  count: { chunks: 40, bytes: 200 },
  requestBytes: 1_000,
  ttftMs: 120,
  durationMs: 900,
};

const honest: UsageReceipt = {
  requestId: hop.requestId,
  provider: provider.address,
  consumer: zeroAddress,
  model: 'qwen2.5:7b-instruct',
  promptTokens: 300n,
  completionTokens: 50n,
  ttftMs: 100n,
  durationMs: 880n,
};

async function verdict(change: Partial<UsageReceipt>, signer = provider) {
  const receipt = { ...honest, ...change };
  const signature: Hex = await signReceipt(signer, receipt);
  return checkReceipt({ message: toJson(receipt), signature }, hop, DEFAULT_TOKEN_TOLERANCE);
}

describe('checking a receipt against what the router measured', () => {
  it('accepts an honest receipt, and the edge of the tolerance', async () => {
    expect(await verdict({})).toMatchObject({ accepted: true });
    expect(await verdict({ completionTokens: 67n })).toMatchObject({ accepted: true });
  });

  it('rejects one token past the tolerance', async () => {
    expect(await verdict({ completionTokens: 68n })).toMatchObject({
      accepted: false,
      reason: 'the receipt claims 68 completion tokens; the router counted 50 in the stream (at most 67 accepted)',
    });
  });

  it('rejects a prompt longer than the bytes sent could hold', async () => {
    expect(await verdict({ promptTokens: 3_049n })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/prompt tokens/),
    });
    expect(await verdict({ promptTokens: 3_048n })).toMatchObject({ accepted: true });
  });

  it('rejects impossible timings', async () => {
    expect(await verdict({ durationMs: 2_000n })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/router measured 900 ms/),
    });
    expect(await verdict({ ttftMs: 500n })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/first token/),
    });
    expect(await verdict({ ttftMs: 890n, durationMs: 880n })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/after the end/),
    });
  });

  it('rejects a receipt for another request, consumer or model, or signed by someone else', async () => {
    expect(await verdict({ requestId: `0x${'22'.repeat(32)}` })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/for request/),
    });
    expect(await verdict({ consumer: provider.address })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/consumer/),
    });
    expect(await verdict({ model: 'llama3:70b' })).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/model/),
    });
    const stranger = privateKeyToAccount(generatePrivateKey());
    expect(await verdict({}, stranger)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/not the provider/),
    });
  });

  it('rejects a missing or malformed receipt', async () => {
    expect(await checkReceipt(undefined, hop, DEFAULT_TOKEN_TOLERANCE)).toMatchObject({
      accepted: false,
      reason: 'the provider sent no receipt',
    });
    expect(
      await checkReceipt({ message: { requestId: 'x' }, signature: '0x' }, hop, DEFAULT_TOKEN_TOLERANCE),
    ).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/malformed/),
    });
  });
});
