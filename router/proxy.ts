import type { Hex } from 'viem';
import { HopError, ModelNotFoundError, RouterError } from './errors.ts';
import { describeQuarantine } from './quarantine.ts';
import { checkClaims, checkSignature, type MeasuredHop, type ReceiptVerdict } from './receipt-check.ts';
import { recordReceipt } from './receipts.ts';
import { formatQuarantineLine, formatRouteLine } from './route-log.ts';
import { type Candidate, LOCAL_ID, type Router } from './router.ts';
import type { Scored } from './score.ts';
import { measuredCompletionTokens } from './tokens.ts';
import { openUpstream, type UpstreamChunk, type UpstreamMeasure } from './upstream.ts';
import {
  chunkText,
  type OllamaChunk,
  type OllamaEndpoint,
  type OllamaRequest,
  toolCallsOf,
  withChunkText,
} from './wire/ollama.ts';

/**
 * Routes one chat or generate request: tries the upstreams in score order, streams the reply back,
 * measures it, and settles the provider's receipt.
 *
 * Failover:
 * - Before the first token reaches the client (a refused connection, an error status, garbage, a
 *   broken time limit), the next upstream is tried transparently. A non-streaming client never sees
 *   a token before the reply is complete, so for it every failure is of this kind.
 * - After tokens have reached a streaming client, the request is restarted on the next upstream,
 *   and only what extends the text the client already has is forwarded: the restart's output must
 *   begin with exactly that text, which is then skipped. With deterministic sampling (temperature 0,
 *   or a fixed seed on the same model, as the agent's structured parsing uses) the client sees one
 *   seamless reply. If the restart says something else, the router cannot take back what was sent:
 *   it ends the stream with one error event (Ollama's `{"error": ...}` line, an SSE `error` event
 *   for OpenAI clients), which both clients raise as an error.
 * - A provider that is busy (429) is skipped without counting against it; a 4xx other than
 *   busy or unknown model is the request's own fault and goes back to the client as is.
 * - Every hop has its time limits (hop.ts), the whole request a total one, and at most
 *   `maxAttempts` upstreams are tried: the client gets a reply or an error, never a hang.
 */

export type RouteRequest = {
  endpoint: OllamaEndpoint;
  body: OllamaRequest;
  /** Hold the reply until complete (a non-streaming client): a failed attempt is discarded and retried. */
  buffered: boolean;
  /** The client went away. */
  signal: AbortSignal;
  /** The routers this request has passed through, this one last (upstream.ts VIA_HEADER). */
  via: string;
};

export type RouteEvent =
  | {
      /** Chunks that arrived together (hop.ts); the last chunk of the reply has `done: true`. */
      type: 'chunks';
      items: UpstreamChunk[];
      servedBy: string;
      requestId: Hex;
    }
  /** The stream cannot go on: the last event. */
  | { type: 'error'; message: string };

class ReplayDiverged extends Error {}

/** What the log line of a request needs to know of its attempts (route-log.ts). */
type Progress = {
  attempts: number;
  /** The upstream being tried, and its hop's request id. */
  provider: string | undefined;
  requestId: Hex | undefined;
  /** The reply was complete: its line is written when it settles (settleSuccess). */
  served: boolean;
  /** Why the request failed, when an error event ended it. */
  failure: string | undefined;
};

/**
 * Yields the reply's chunks in batches (the last chunk has `done: true`), or, once some were
 * yielded, at most one error event. Throws a RouterError with an HTTP status when nothing could be
 * served at all. Writes the request's log line (route-log.ts): a served request's once its receipt
 * is settled, a failed or abandoned one's here.
 */
export async function* routeRequest(router: Router, request: RouteRequest): AsyncGenerator<RouteEvent> {
  const progress: Progress = {
    attempts: 0,
    provider: undefined,
    requestId: undefined,
    served: false,
    failure: undefined,
  };
  try {
    yield* routeAttempts(router, request, progress);
  } catch (error) {
    progress.failure = (error as Error).message;
    throw error;
  } finally {
    if (!progress.served) {
      const failed = progress.failure !== undefined;
      router.log(
        formatRouteLine({
          request: progress.requestId,
          provider: failed ? undefined : progress.provider,
          model: request.body.model,
          status: failed ? 'failed' : 'aborted',
          attempts: progress.attempts,
          ttftMs: undefined,
          durationMs: undefined,
          tokens: undefined,
          claimed: undefined,
          receipt: 'none',
          reason: progress.failure ?? 'the client went away',
        }),
      );
    }
  }
}

async function* routeAttempts(router: Router, request: RouteRequest, progress: Progress): AsyncGenerator<RouteEvent> {
  const { model } = request.body;
  const candidates = router.candidates(model);
  if (candidates.length === 0) {
    const quarantined = router.quarantinedFor(model);
    if (quarantined.length > 0) {
      const why = quarantined.map((record) => `provider ${record.provider} is ${describeQuarantine(record)}`);
      throw new RouterError(`no upstream may serve model "${model}": ${why.join('; ')}`, {
        status: 503,
        code: 'providers-quarantined',
        hint: 'GET /router/providers shows each quarantine; a provider is tried again when its quarantine ends.',
      });
    }
    throw new ModelNotFoundError(`model "${model}" not found: neither the local Ollama nor any provider offers it`, {
      hint: 'See GET /api/tags for the models on offer.',
    });
  }
  const body = JSON.stringify({ ...request.body, stream: true });
  const deadline = AbortSignal.timeout(router.limits.totalMs);
  const signal = AbortSignal.any([request.signal, deadline]);
  // What the client already has, to skip when a restart replays it.
  const sent = { content: '', thinking: '', toolCalls: 0, chunks: 0 };
  const failures: { id: string; error: HopError }[] = [];

  for (const candidate of candidates.slice(0, router.limits.maxAttempts)) {
    // Tool calls cannot be matched against a replay: stop at the error below.
    if (sent.toolCalls > 0) break;
    const replaying = sent.chunks > 0;
    const skip = { content: sent.content, thinking: sent.thinking };
    const upstream = openUpstream({
      baseUrl: candidate.endpoint,
      endpoint: request.endpoint,
      body,
      consumer: router.consumer,
      limits: router.limits,
      signal,
      via: request.via,
    });
    progress.attempts += 1;
    progress.provider = candidate.id;
    progress.requestId = upstream.measure.requestId;
    const held: UpstreamChunk[] = [];
    const event = (items: UpstreamChunk[]): RouteEvent => ({
      type: 'chunks',
      items,
      servedBy: candidate.id,
      requestId: upstream.measure.requestId,
    });
    try {
      for await (const batch of upstream.chunks) {
        const items: UpstreamChunk[] = [];
        for (const { chunk, line } of batch) {
          const out = replaying ? skipReplayed(request.endpoint, chunk, skip) : chunk;
          if (out !== undefined) items.push({ chunk: out, line: out === chunk ? line : undefined });
        }
        if (request.buffered) {
          held.push(...items);
          continue;
        }
        if (items.length === 0) continue;
        for (const { chunk } of items) {
          const text = chunkText(request.endpoint, chunk);
          sent.content += text.content;
          sent.thinking += text.thinking;
          sent.toolCalls += toolCallsOf(chunk).length;
          sent.chunks += 1;
        }
        yield event(items);
      }
      progress.served = true;
      settleSuccess(router, candidate, model, upstream.measure, progress.attempts);
      if (held.length > 0) yield event(held);
      return;
    } catch (error) {
      // The client left: nobody to answer, and not the provider's fault.
      if (request.signal.aborted) return;
      if (error instanceof ReplayDiverged) {
        const failed = failures.at(-1);
        progress.failure = `${describe(failed?.id)} failed mid-stream (${failed?.error.message}); the restart on ${describe(candidate.id)} produced different text, so the reply cannot be completed. Retry the request.`;
        yield { type: 'error', message: progress.failure };
        return;
      }
      const hopError =
        error instanceof HopError ? error : new HopError((error as Error).message, { phase: 'stream', cause: error });
      if (deadline.aborted) {
        const message = `the request took longer than its ${router.limits.totalMs} ms limit`;
        progress.failure = message;
        if (sent.chunks > 0) yield { type: 'error', message };
        else throw new RouterError(message, { status: 504, code: 'request-timeout' });
        return;
      }
      if (hopError.isClientError) {
        progress.failure = hopError.message;
        if (sent.chunks > 0) yield { type: 'error', message: hopError.message };
        else
          throw new RouterError(hopError.message.replace(/^HTTP \d+: /, ''), { status: 400, code: 'upstream-refused' });
        return;
      }
      // Busy is not a failure; nor is the local Ollama not having a model (it was asked as a last resort).
      if (!hopError.isBusy && !(candidate.local && hopError.upstreamStatus === 404)) {
        router.stats.record(candidate.id, model, { ok: false, reason: hopError.message });
        if (hopError.phase === 'connect') router.health.markDown(candidate.id, hopError.message);
      }
      failures.push({ id: candidate.id, error: hopError });
    }
  }

  const summary = failures.map((failure) => `${describe(failure.id)}: ${failure.error.message}`).join('; ');
  const quarantined = router
    .quarantinedFor(model)
    .map((record) => `provider ${record.provider} is ${describeQuarantine(record)}`);
  const message = `no upstream could serve model "${model}" (${summary || 'the reply could not be continued'})${quarantined.length > 0 ? `; not tried: ${quarantined.join('; ')}` : ''}`;
  if (sent.chunks > 0) {
    progress.failure = `the reply broke off mid-stream and could not be continued: ${summary}`;
    yield { type: 'error', message: progress.failure };
    return;
  }
  if (failures.length > 0 && failures.every((failure) => failure.error.upstreamStatus === 404)) {
    throw new ModelNotFoundError(`model "${model}" not found: ${summary}`, {
      hint: 'See GET /api/tags for the models on offer.',
    });
  }
  const allBusy = failures.every((failure) => failure.error.isBusy);
  const allSlow = failures.every(
    (failure) => failure.error.phase === 'first-token' && /no first token/.test(failure.error.message),
  );
  throw new RouterError(message, {
    status: allBusy ? 503 : allSlow ? 504 : 502,
    code: allBusy ? 'upstreams-busy' : 'no-upstream',
    hint: allBusy
      ? 'Every provider is at its concurrency limit; retry shortly.'
      : 'See GET /router/providers for their health.',
  });
}

function describe(id: string | undefined): string {
  return id === LOCAL_ID ? 'the local Ollama' : `provider ${id}`;
}

/**
 * A restarted stream's chunk without the text the client already has (`skip`, consumed as it
 * matches): undefined when nothing new is left in it; throws ReplayDiverged when the restart says
 * something else, or ends before it has caught up.
 */
function skipReplayed(
  endpoint: OllamaEndpoint,
  chunk: OllamaChunk,
  skip: { content: string; thinking: string },
): OllamaChunk | undefined {
  const text = chunkText(endpoint, chunk);
  const rest = { ...text };
  for (const field of ['thinking', 'content'] as const) {
    const expected = skip[field];
    const got = text[field];
    if (!expected || !got) continue;
    if (got.length <= expected.length) {
      if (!expected.startsWith(got)) throw new ReplayDiverged();
      skip[field] = expected.slice(got.length);
      rest[field] = '';
    } else {
      if (!got.startsWith(expected)) throw new ReplayDiverged();
      skip[field] = '';
      rest[field] = got.slice(expected.length);
    }
  }
  // New content while the thinking the client has is not yet replayed, or an end before catching up.
  if ((rest.content && skip.thinking) || (chunk.done && (skip.content || skip.thinking))) throw new ReplayDiverged();
  if (rest.content === text.content && rest.thinking === text.thinking) return chunk;
  if (!rest.content && !rest.thinking && !chunk.done && toolCallsOf(chunk).length === 0) return undefined;
  return withChunkText(endpoint, chunk, rest);
}

/**
 * A complete reply: the local Ollama's counts at once; a provider's once its receipt is checked, as
 * a failure if rejected. The claims are checked here, before the reply ends (cheap, synchronous), so a
 * false claim already counts against the provider when the client sends its next request; the
 * signature is recovered off the response's path (it takes milliseconds). Then the request's log
 * line, and the provider's quarantine (quarantine.ts).
 */
function settleSuccess(
  router: Router,
  candidate: Scored<Candidate>,
  model: string,
  measure: UpstreamMeasure,
  attempts: number,
): void {
  const ttftMs = measure.ttftMs ?? 0;
  const durationMs = measure.durationMs ?? ttftMs;
  const tokens = measuredCompletionTokens(measure.count);
  const success = { ok: true as const, ttftMs, completionTokens: tokens, generationMs: durationMs - ttftMs };
  const line = {
    request: measure.requestId,
    provider: candidate.id,
    model,
    status: 'served' as const,
    attempts,
    ttftMs,
    durationMs,
    tokens,
  };
  const provider = candidate.provider;
  if (!provider) {
    router.stats.record(candidate.id, model, success);
    router.log(formatRouteLine({ ...line, claimed: undefined, receipt: 'none', reason: undefined }));
    return;
  }
  const hop: MeasuredHop = {
    requestId: measure.requestId,
    provider: provider.address,
    consumer: router.consumer,
    model,
    count: measure.count,
    requestBytes: measure.requestBytes,
    ttftMs,
    durationMs,
  };
  const settle = (verdict: ReceiptVerdict) => {
    recordReceipt(router.db, hop, verdict, provider.pricePerMTokens);
    router.stats.record(
      candidate.id,
      model,
      verdict.accepted ? success : { ok: false, reason: `receipt rejected: ${verdict.reason}`, receiptRejected: true },
    );
    const change = router.quarantines.afterVerdict(provider.address, verdict);
    const claimed = verdict.receipt
      ? { prompt: Number(verdict.receipt.promptTokens), completion: Number(verdict.receipt.completionTokens) }
      : undefined;
    router.log(
      formatRouteLine({
        ...line,
        claimed,
        receipt: verdict.accepted ? 'accepted' : 'rejected',
        reason: verdict.accepted ? undefined : verdict.reason,
      }),
    );
    if (change) {
      const { record } = change;
      router.log(
        formatQuarantineLine({
          provider: record.provider,
          status: change.kind,
          rejections: record.rejections,
          until: record.until,
          reason: record.reason,
        }),
      );
    }
  };
  const failed = (error: unknown) => console.error('router: could not record a receipt:', error);
  const claims = checkClaims(measure.receipt, hop, router.tolerance);
  if ('rejected' in claims) {
    try {
      settle(claims.rejected);
    } catch (error) {
      failed(error);
    }
    return;
  }
  router.track(checkSignature(claims, hop).then(settle).catch(failed));
}
