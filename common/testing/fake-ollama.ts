import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that speaks enough of Ollama's API for ChatOllama (@langchain/ollama) and
 * `detectLlm`: GET /api/tags, GET /api/version, POST /api/chat and POST /api/generate, streaming
 * (NDJSON, a last chunk with `done: true` and eval counts) or not. No model runs: each reply is
 * scripted by the test, and every request is recorded so the test can read what was sent.
 */

/** What a chat or generate request gets back. */
export type FakeReply =
  | string
  /** `content` after `delayMs` (before any byte of the response is written). */
  | { content: string; delayMs?: number }
  /** An HTTP error, as Ollama sends one: `{"error": message}`. */
  | { status: number; error: string; delayMs?: number };

export type FakeChatMessage = { role: string; content: string; images?: string[]; tool_calls?: unknown[] };

/** The body of a POST /api/chat or /api/generate, as received. */
export type FakeModelRequest = {
  endpoint: 'chat' | 'generate';
  model: string;
  messages: FakeChatMessage[];
  prompt?: string;
  system?: string;
  format?: unknown;
  stream: boolean;
  options?: Record<string, unknown>;
  body: Record<string, unknown>;
};

export type RecordedRequest = { method: string; path: string; body: unknown };

export type FakeOllamaOptions = {
  /** The models GET /api/tags lists, and the only ones chat/generate accept (404 otherwise, as Ollama). */
  models?: string[];
  /** The replies, in order, or a function of the request. An empty queue answers 500. */
  replies?: FakeReply[] | ((request: FakeModelRequest) => FakeReply | Promise<FakeReply>);
  /** A delay before every chat/generate reply, in ms (a reply's own `delayMs` wins). */
  delayMs?: number;
  /** How many characters each streamed chunk carries (default 8), to exercise reassembly. */
  chunkSize?: number;
  /**
   * The eval_count every reply reports, whatever its length (default: about a token per four
   * characters): a backend that inflates its usage, so a provider node in front of it signs for more.
   */
  evalCount?: number;
};

export type FakeOllama = {
  /** http://127.0.0.1:PORT */
  host: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The chat and generate requests received, in order. */
  modelRequests: FakeModelRequest[];
  /** Appends replies to the queue. */
  enqueue: (...replies: FakeReply[]) => void;
  setDelay: (delayMs: number) => void;
  close: () => Promise<void>;
};

const VERSION = '0.12.0';

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const models = options.models ?? ['qwen2.5:7b-instruct'];
  const queue: FakeReply[] = Array.isArray(options.replies) ? [...options.replies] : [];
  const script = typeof options.replies === 'function' ? options.replies : undefined;
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  let delayMs = options.delayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const modelRequests: FakeModelRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number, response: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(true);
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!response.destroyed);
      }, ms);
      timers.add(timer);
      // The client gave up (a timeout or an abort): stop waiting.
      response.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      });
    });

  const nextReply = async (request: FakeModelRequest): Promise<FakeReply> => {
    if (script) return script(request);
    return queue.shift() ?? { status: 500, error: 'fake-ollama: no scripted reply left' };
  };

  const handleModel = async (
    endpoint: 'chat' | 'generate',
    body: Record<string, unknown>,
    response: ServerResponse,
  ): Promise<void> => {
    const model = String(body.model ?? '');
    const request: FakeModelRequest = {
      endpoint,
      model,
      messages: Array.isArray(body.messages) ? (body.messages as FakeChatMessage[]) : [],
      ...(typeof body.prompt === 'string' ? { prompt: body.prompt } : {}),
      ...(typeof body.system === 'string' ? { system: body.system } : {}),
      ...(body.format !== undefined ? { format: body.format } : {}),
      // Ollama streams unless told not to.
      stream: body.stream !== false,
      ...(body.options && typeof body.options === 'object' ? { options: body.options as Record<string, unknown> } : {}),
      body,
    };
    modelRequests.push(request);
    if (!models.some((name) => withTag(name) === withTag(model))) {
      return sendJson(response, 404, { error: `model "${model}" not found, try pulling it first` });
    }
    const reply = await nextReply(request);
    const scripted = typeof reply === 'string' ? { content: reply } : reply;
    if (!(await wait(scripted.delayMs ?? delayMs, response))) return;
    if ('error' in scripted) return sendJson(response, scripted.status, { error: scripted.error });

    const content = scripted.content;
    const createdAt = () => new Date().toISOString();
    const piece = (text: string) =>
      endpoint === 'chat'
        ? { model, created_at: createdAt(), message: { role: 'assistant', content: text }, done: false }
        : { model, created_at: createdAt(), response: text, done: false };
    const final = {
      ...piece(''),
      done: true,
      done_reason: 'stop',
      total_duration: 1_000_000,
      load_duration: 100_000,
      prompt_eval_count: countTokens(JSON.stringify(request.messages ?? request.prompt ?? '')),
      prompt_eval_duration: 200_000,
      eval_count: options.evalCount ?? countTokens(content),
      eval_duration: 700_000,
    };
    if (!request.stream) {
      const whole = endpoint === 'chat' ? { message: { role: 'assistant', content } } : { response: content };
      return sendJson(response, 200, { ...final, ...whole });
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (let start = 0; start < content.length; start += chunkSize) {
      response.write(`${JSON.stringify(piece(content.slice(start, start + chunkSize)))}\n`);
    }
    response.end(`${JSON.stringify(final)}\n`);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    readBody(request)
      .then(async (raw) => {
        let body: unknown;
        if (raw) {
          try {
            body = JSON.parse(raw);
          } catch {
            requests.push({ method: request.method ?? '', path, body: raw });
            return sendJson(response, 400, { error: 'invalid JSON body' });
          }
        }
        requests.push({ method: request.method ?? '', path, body });
        if (request.method === 'GET' && path === '/api/tags') {
          return sendJson(response, 200, {
            models: models.map((name) => ({
              name: withTag(name),
              model: withTag(name),
              modified_at: '2025-01-01T00:00:00Z',
              size: 1,
              digest: 'fake',
              details: { format: 'gguf', family: 'fake', parameter_size: '0B', quantization_level: 'none' },
            })),
          });
        }
        if (request.method === 'GET' && path === '/api/version') return sendJson(response, 200, { version: VERSION });
        if (request.method === 'GET' && path === '/') return sendText(response, 200, 'Ollama is running');
        if (request.method === 'POST' && (path === '/api/chat' || path === '/api/generate')) {
          if (!body || typeof body !== 'object') return sendJson(response, 400, { error: 'missing request body' });
          return handleModel(path === '/api/chat' ? 'chat' : 'generate', body as Record<string, unknown>, response);
        }
        return sendText(response, 404, '404 page not found');
      })
      .catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: `fake-ollama: ${(error as Error).message}` });
        else response.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    modelRequests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

/** Ollama treats "llama3.1" and "llama3.1:latest" as one model. */
function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** A rough token count for the eval counts (about four characters a token). */
function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
