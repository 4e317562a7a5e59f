import { type Address, type Hex, isAddressEqual } from 'viem';
import {
  completionTokenLimit,
  measuredCompletionTokens,
  promptTokenLimit,
  type StreamCount,
  type TokenTolerance,
} from './tokens.ts';
import { ReceiptJsonSchema, receiptSigner, SignedJsonSchema, type UsageReceipt } from './typed-data.ts';
import { sameModel } from './wire/ollama.ts';

/**
 * The check of a provider's usage receipt against what the router saw itself. The receipt is
 * signed by the provider, but signing proves only who claims; the router accepts the claim only if
 * it fits its own measurements:
 * - it names the registered provider, this hop's request id, this consumer and the model asked for,
 *   and its signature recovers to that provider (checked last: it is the one costly step);
 * - the completion tokens are within the tolerance of the router's own count (tokens.ts), the
 *   prompt tokens within the bytes it sent;
 * - the provider's time to first token and duration are no longer than the router's own (the
 *   provider's interval lies inside the router's: it starts after the request left the router and
 *   ends before the receipt reached it), give or take TIMING_SLACK_MS of clock granularity, and the
 *   first token comes no later than the end.
 */

/** Timer granularity on both machines; durations are measured, not compared across clocks. */
export const TIMING_SLACK_MS = 25;

export type MeasuredHop = {
  requestId: Hex;
  provider: Address;
  consumer: Address;
  model: string;
  count: StreamCount;
  /** Bytes of the request body sent to the provider. */
  requestBytes: number;
  ttftMs: number;
  durationMs: number;
};

export type ReceiptVerdict =
  | { accepted: true; receipt: UsageReceipt; signature: Hex }
  | { accepted: false; reason: string; receipt: UsageReceipt | undefined; signature: Hex | undefined };

const SignedReceiptSchema = SignedJsonSchema(ReceiptJsonSchema);

/** A receipt whose claims fit the router's measurements; its signature is still to be recovered. */
export type FittingReceipt = { receipt: UsageReceipt; signature: Hex };

/**
 * The whole check: the claims first (checkClaims), then the signature (checkSignature). A receipt
 * that fails a claim is rejected without recovering its signature.
 */
export async function checkReceipt(raw: unknown, hop: MeasuredHop, tolerance: TokenTolerance): Promise<ReceiptVerdict> {
  const claims = checkClaims(raw, hop, tolerance);
  return 'rejected' in claims ? claims.rejected : checkSignature(claims, hop);
}

/**
 * Everything but the signature: synchronous and cheap (no elliptic-curve work), so the router can
 * settle a false claim before the reply ends and the next request already routes around it.
 */
export function checkClaims(
  raw: unknown,
  hop: MeasuredHop,
  tolerance: TokenTolerance,
): { rejected: ReceiptVerdict } | FittingReceipt {
  if (raw === undefined) return { rejected: reject('the provider sent no receipt') };
  const parsed = SignedReceiptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      rejected: reject(`the receipt is malformed (${issue?.path.join('.') || 'receipt'}: ${issue?.message})`),
    };
  }
  const { message: receipt, signature } = parsed.data;
  const rejected = (reason: string) => ({
    rejected: { accepted: false as const, reason, receipt, signature },
  });

  if (!isAddressEqual(receipt.provider, hop.provider)) return rejected(`the receipt names ${receipt.provider}`);
  if (receipt.requestId.toLowerCase() !== hop.requestId.toLowerCase()) {
    return rejected(`the receipt is for request ${receipt.requestId}, not ${hop.requestId}`);
  }
  if (!isAddressEqual(receipt.consumer, hop.consumer))
    return rejected(`the receipt names consumer ${receipt.consumer}`);
  if (!sameModel(receipt.model, hop.model))
    return rejected(`the receipt is for model ${receipt.model}, not ${hop.model}`);

  const completionLimit = completionTokenLimit(hop.count, tolerance);
  if (receipt.completionTokens > BigInt(completionLimit)) {
    return rejected(
      `the receipt claims ${receipt.completionTokens} completion tokens; the router counted ${measuredCompletionTokens(hop.count)} in the stream (at most ${completionLimit} accepted)`,
    );
  }
  const promptLimit = promptTokenLimit(hop.requestBytes);
  if (receipt.promptTokens > BigInt(promptLimit)) {
    return rejected(
      `the receipt claims ${receipt.promptTokens} prompt tokens for a ${hop.requestBytes}-byte request (at most ${promptLimit})`,
    );
  }
  if (receipt.ttftMs > receipt.durationMs) return rejected('the receipt puts the first token after the end');
  if (receipt.durationMs > BigInt(Math.ceil(hop.durationMs) + TIMING_SLACK_MS)) {
    return rejected(
      `the receipt claims ${receipt.durationMs} ms; the router measured ${Math.round(hop.durationMs)} ms`,
    );
  }
  if (receipt.ttftMs > BigInt(Math.ceil(hop.ttftMs) + TIMING_SLACK_MS)) {
    return rejected(
      `the receipt claims ${receipt.ttftMs} ms to the first token; the router measured ${Math.round(hop.ttftMs)} ms`,
    );
  }
  return { receipt, signature };
}

/** The signature over a receipt whose claims fit: it must recover to the registered provider (~1.7 ms of CPU). */
export async function checkSignature(
  { receipt, signature }: FittingReceipt,
  hop: MeasuredHop,
): Promise<ReceiptVerdict> {
  let signer: Address;
  try {
    signer = await receiptSigner(receipt, signature);
  } catch {
    return { accepted: false, reason: 'the receipt signature is not a valid signature', receipt, signature };
  }
  if (!isAddressEqual(signer, hop.provider)) {
    return { accepted: false, reason: `the receipt is signed by ${signer}, not the provider`, receipt, signature };
  }
  return { accepted: true, receipt, signature };
}

function reject(reason: string): ReceiptVerdict {
  return { accepted: false, reason, receipt: undefined, signature: undefined };
}
