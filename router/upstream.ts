import { randomBytes } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { HopError } from './errors.ts';
import { type HopLimits, hopLines } from './hop.ts';
import { countOllamaChunk, emptyCount, type StreamCount } from './tokens.ts';
import { type OllamaChunk, type OllamaEndpoint, RECEIPT_FIELD, withoutReceipt } from './wire/ollama.ts';

/**
 * One routed request to one upstream (the local Ollama or a provider node), read as Ollama chunks,
 * measured as it passes: time to first token, duration, the text it carried (tokens.ts), and the
 * provider's receipt from the final chunk, which the client never sees.
 */

/** Headers the router sends a provider node. */
export const REQUEST_ID_HEADER = 'x-sextant-request-id';
export const CONSUMER_HEADER = 'x-sextant-consumer';
/**
 * The ids of the routers a request passed through, comma-separated; each router adds its own, and
 * refuses a request that already carries it (a loop: its local Ollama or a provider points back at it).
 */
export const VIA_HEADER = 'x-sextant-via';

export type UpstreamMeasure = {
  /** Fresh per hop: what the provider's receipt must be for. */
  requestId: Hex;
  requestBytes: number;
  ttftMs: number | undefined;
  durationMs: number | undefined;
  count: StreamCount;
  /** The final chunk's receipt field, unread (receipt-check.ts reads it). */
  receipt: unknown;
};

export type UpstreamChunk = {
  chunk: OllamaChunk;
  /** The line as received, when the chunk is unchanged (forwarded as is, without serializing again). */
  line: string | undefined;
};

/** The chunks in batches, as they arrived (hop.ts). */
export type Upstream = { measure: UpstreamMeasure; chunks: AsyncGenerator<UpstreamChunk[]> };

export function openUpstream(args: {
  baseUrl: string;
  endpoint: OllamaEndpoint;
  /** The JSON body, with `stream: true`. */
  body: string;
  consumer: Address;
  limits: HopLimits;
  signal: AbortSignal;
  /** The VIA_HEADER value to send. */
  via: string;
}): Upstream {
  const measure: UpstreamMeasure = {
    requestId: `0x${randomBytes(32).toString('hex')}`,
    requestBytes: Buffer.byteLength(args.body),
    ttftMs: undefined,
    durationMs: undefined,
    count: emptyCount(),
    receipt: undefined,
  };
  return { measure, chunks: readChunks(args, measure) };
}

async function* readChunks(
  args: Parameters<typeof openUpstream>[0],
  measure: UpstreamMeasure,
): AsyncGenerator<UpstreamChunk[]> {
  let done = false;
  const started = performance.now();
  const lines = hopLines({
    url: `${args.baseUrl}/api/${args.endpoint}`,
    method: 'POST',
    body: args.body,
    headers: {
      [REQUEST_ID_HEADER]: measure.requestId,
      [CONSUMER_HEADER]: args.consumer,
      [VIA_HEADER]: args.via,
      accept: 'application/x-ndjson',
    },
    limits: args.limits,
    signal: args.signal,
    complete: () => done,
  });
  for await (const batch of lines) {
    const out: UpstreamChunk[] = [];
    for (const line of batch) {
      const first = measure.ttftMs === undefined;
      const chunk = parseChunkLine(line, first);
      if (first) measure.ttftMs = performance.now() - started;
      countOllamaChunk(measure.count, args.endpoint, chunk);
      if (chunk.done !== true) {
        out.push({ chunk, line });
        continue;
      }
      done = true;
      measure.durationMs = performance.now() - started;
      if (RECEIPT_FIELD in chunk) {
        measure.receipt = chunk[RECEIPT_FIELD];
        out.push({ chunk: withoutReceipt(chunk), line: undefined });
      } else {
        out.push({ chunk, line });
      }
      yield out;
      return;
    }
    yield out;
  }
  throw new HopError('the stream ended without its final chunk', {
    phase: measure.ttftMs === undefined ? 'first-token' : 'stream',
  });
}

/** One NDJSON line as an Ollama chunk; garbage, or Ollama's `{"error": ...}` line, is a HopError. */
export function parseChunkLine(line: string, first: boolean): OllamaChunk {
  const phase = first ? 'first-token' : 'stream';
  let chunk: OllamaChunk;
  try {
    chunk = JSON.parse(line) as OllamaChunk;
  } catch {
    throw new HopError(`the reply is not Ollama's NDJSON (it sent ${JSON.stringify(line.slice(0, 60))})`, { phase });
  }
  if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
    throw new HopError("the reply is not Ollama's NDJSON (a line is not an object)", { phase });
  }
  if (typeof chunk.error === 'string') throw new HopError(`the upstream reported: ${chunk.error}`, { phase });
  return chunk;
}
