import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { HopError } from './errors.ts';

/**
 * One HTTP exchange with an upstream (a provider node, or a backend behind one), streamed line by
 * line, under a time limit for each of its phases. node:http rather than fetch: it lets each phase
 * have its own clock, and its keep-alive pool costs less per request (the router's budget is a
 * couple of milliseconds).
 */

export type HopLimits = {
  /** To open the TCP connection (a pooled connection is already open). */
  connectMs: number;
  /** From sending the request to the first complete line of the body: queueing, model load, prompt. */
  firstTokenMs: number;
  /** Between two reads once the body flows. */
  idleMs: number;
};

export type HopRequest = {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  limits: HopLimits;
  /** Aborts the exchange (the client went away). */
  signal?: AbortSignal;
  /**
   * Asked when the reader stops before the body ended: true means it has all it needs (the final
   * chunk came), so the rest is drained in the background and the connection kept for reuse; false
   * aborts the exchange, so the upstream stops generating.
   */
  complete?: () => boolean;
};

/** One body line can be no longer than this (in characters): an upstream that sends garbage without newlines is cut off. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** How much of an error body is read for its message. */
const MAX_ERROR_BYTES = 64 * 1024;
/** Lines buffered ahead of the reader before the socket is paused. */
const HIGH_WATER_LINES = 256;

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * Sends the request and yields the response body's lines as they arrive (empty lines skipped), in
 * batches: the lines that arrived together travel on together, never waiting for more (one pass
 * through the pipeline and one write to the client per batch, not per token). An error status
 * becomes a HopError carrying the upstream's message; so does every broken time limit, a reset
 * connection, or a body that ends in the middle of a line. Stopping the iteration early aborts the
 * exchange, so the upstream stops generating.
 */
export async function* hopLines(request: HopRequest): AsyncGenerator<string[]> {
  const url = new URL(request.url);
  const secure = url.protocol === 'https:';
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string | number> = { ...request.headers };
  if (body) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = body.length;
  }

  const lines: string[] = [];
  let partial = '';
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let response: IncomingMessage | undefined;
  let gotLine = false;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const fail = (error: Error) => {
    if (failure || ended) return;
    failure = error;
    req.destroy();
    notify();
  };

  const req: ClientRequest = (secure ? httpsRequest : httpRequest)(url, {
    method: request.method ?? (body ? 'POST' : 'GET'),
    headers,
    agent: secure ? agents.https : agents.http,
  });

  // One timer: the first-token limit until the first line, then the idle limit, refreshed on each read.
  const idleError = () =>
    new HopError(`no data for ${request.limits.idleMs} ms in the middle of the response`, { phase: 'stream' });
  let timer = setTimeout(
    () =>
      fail(
        new HopError(`no first token within ${request.limits.firstTokenMs} ms`, {
          phase: 'first-token',
          hint: 'The provider is overloaded, loading the model, or stuck.',
        }),
      ),
    request.limits.firstTokenMs,
  );
  const startIdleClock = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(idleError()), request.limits.idleMs);
  };
  let connectTimer: NodeJS.Timeout | undefined;
  req.on('socket', (socket) => {
    if (!socket.connecting) return;
    connectTimer = setTimeout(
      () => fail(new HopError(`could not connect within ${request.limits.connectMs} ms`, { phase: 'connect' })),
      request.limits.connectMs,
    );
    socket.once('connect', () => clearTimeout(connectTimer));
  });
  req.on('error', (error: NodeJS.ErrnoException) => {
    const phase = gotLine ? 'stream' : response ? 'first-token' : 'connect';
    fail(new HopError(describeNetworkError(error), { phase, cause: error }));
  });
  const onAbort = () => fail(new HopError('the client went away', { phase: gotLine ? 'stream' : 'first-token' }));
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener('abort', onAbort, { once: true });

  req.on('response', (res) => {
    response = res;
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      readErrorBody(res).then(
        (text) => fail(new HopError(upstreamMessage(status, text), { phase: 'status', status })),
        (error: Error) => fail(new HopError(`HTTP ${status}: ${error.message}`, { phase: 'status', status })),
      );
      return;
    }
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      if (gotLine) timer.refresh();
      partial += text;
      let newline = partial.indexOf('\n');
      if (newline === -1) {
        if (partial.length > MAX_LINE_BYTES)
          fail(new HopError('a line of the response is over 4 MiB', { phase: gotLine ? 'stream' : 'first-token' }));
        return;
      }
      let start = 0;
      while (newline !== -1) {
        const line = partial.slice(start, newline).trim();
        if (line) lines.push(line);
        start = newline + 1;
        newline = partial.indexOf('\n', start);
      }
      partial = partial.slice(start);
      if (!gotLine && lines.length > 0) {
        gotLine = true;
        startIdleClock();
      }
      if (lines.length > HIGH_WATER_LINES) res.pause();
      notify();
    });
    res.on('end', () => {
      const line = partial.trim();
      if (line) lines.push(line);
      partial = '';
      ended = true;
      notify();
    });
    res.on('error', (error) =>
      fail(new HopError(describeNetworkError(error), { phase: gotLine ? 'stream' : 'first-token', cause: error })),
    );
    res.on('close', () => {
      if (!ended)
        fail(
          new HopError('the connection closed before the response ended', {
            phase: gotLine ? 'stream' : 'first-token',
          }),
        );
    });
  });
  req.end(body);
  try {
    while (true) {
      if (lines.length > 0) {
        const batch = lines.splice(0);
        if (response?.isPaused()) response.resume();
        yield batch;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    clearTimeout(timer);
    clearTimeout(connectTimer);
    request.signal?.removeEventListener('abort', onAbort);
    if (!ended && !failure && response && request.complete?.()) drain(response, request.limits.idleMs);
    else if (!ended) req.destroy();
  }
}

/** Reads what is left of a body the reader no longer needs, so its connection returns to the pool. */
function drain(response: IncomingMessage, idleMs: number): void {
  const timer = setTimeout(() => response.destroy(), idleMs);
  response.removeAllListeners('data');
  response.once('end', () => clearTimeout(timer));
  response.once('close', () => clearTimeout(timer));
  response.resume();
}

function readErrorBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (text.length < MAX_ERROR_BYTES) text += chunk;
    });
    res.on('end', () => resolve(text.slice(0, MAX_ERROR_BYTES)));
    res.on('error', reject);
  });
}

/** The message in Ollama's `{"error": "..."}`, OpenAI's `{"error": {"message": "..."}}`, or the text itself. */
export function upstreamMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string } };
    const message = typeof body.error === 'string' ? body.error : body.error?.message;
    if (message) return `HTTP ${status}: ${message}`;
  } catch {
    // Not JSON: the text itself, shortened.
  }
  const plain = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return plain ? `HTTP ${status}: ${plain}` : `HTTP ${status}`;
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ENOTFOUND':
      return 'the host name does not resolve';
    case 'EPIPE':
      return 'the connection broke while sending';
    default:
      return error.message || String(error.code);
  }
}
