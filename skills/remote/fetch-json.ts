import { EndpointError } from './errors.ts';

export type FetchJsonOptions = {
  /** The endpoint's base URL, for messages. */
  endpoint: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  timeoutMs: number;
  maxBytes: number;
  /** What is being fetched, for messages: "the manifest", "the build". */
  what: string;
};

/**
 * Fetches JSON from an agent endpoint with a deadline (connection and body together), a size limit
 * read as the body streams in (an endpoint cannot make us hold more than `maxBytes`), no redirects
 * (the URL the user added is the one we talk to), and a clear error for each way it can fail.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<{ status: number; json: unknown }> {
  const { endpoint, what, timeoutMs, maxBytes } = options;
  const seconds = `${timeoutMs / 1000} s`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const timeout = () =>
    new EndpointError(endpoint, 'timeout', `${endpoint} did not answer ${what} within ${seconds}.`, {
      hint: 'The endpoint may be down or overloaded; try again later, or remove it (`sextant endpoints remove`).',
    });
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        redirect: 'error',
        signal: controller.signal,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      if (controller.signal.aborted) throw timeout();
      throw new EndpointError(
        endpoint,
        'unreachable',
        `${endpoint} cannot be reached for ${what}: ${causeOf(error)}.`,
        {
          hint: 'Check the URL (redirects are not followed) and that the endpoint is up.',
          cause: error,
        },
      );
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(endpoint, what, maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const reader = response.body?.getReader();
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => {});
          throw tooLarge(endpoint, what, maxBytes);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof EndpointError) throw error;
      if (controller.signal.aborted) throw timeout();
      throw new EndpointError(endpoint, 'unreachable', `${endpoint} broke off ${what}: ${causeOf(error)}.`, {
        cause: error,
      });
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EndpointError(
        endpoint,
        'malformed',
        `${endpoint} answered ${what} with something that is not JSON (HTTP ${response.status}).`,
        { hint: 'The endpoint does not speak the agent endpoint format (skills/remote/README.md).' },
      );
    }
    return { status: response.status, json };
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(endpoint: string, what: string, maxBytes: number): EndpointError {
  return new EndpointError(
    endpoint,
    'too-large',
    `${endpoint} answered ${what} with more than ${maxBytes / 1024} KiB.`,
    {
      hint: 'An agent endpoint answers small JSON documents; this one is refused unread.',
    },
  );
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
