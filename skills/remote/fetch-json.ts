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
      const failure = connectionFailure(error);
      throw new EndpointError(
        endpoint,
        'unreachable',
        `${endpoint} could not be reached for ${what} (${url}): ${failure.what}.`,
        { hint: failure.check, cause: error },
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
      throw new EndpointError(
        endpoint,
        'unreachable',
        `${endpoint} broke off ${what} (${url}): ${connectionFailure(error).what}.`,
        {
          hint: 'The endpoint may have restarted or failed mid-answer; try again, and check its logs if it persists.',
          cause: error,
        },
      );
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

/** Node's and undici's codes for a connection that failed, in words a person can act on. */
const FAILURES: readonly { codes: readonly string[]; what: string; check: string }[] = [
  {
    codes: ['ECONNREFUSED'],
    what: 'nothing is listening there (connection refused)',
    check: 'Check that the endpoint is running, and that the URL’s host and port are the ones it listens on.',
  },
  {
    codes: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'],
    what: 'its host name does not resolve',
    check: 'Check the host name in the URL, and this machine’s network and DNS.',
  },
  {
    codes: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'],
    what: 'the connection was closed before it answered',
    check:
      'The endpoint may have stopped or restarted, or a proxy in between dropped the connection; check that it is up and try again.',
  },
  {
    codes: ['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'],
    what: 'the connection timed out',
    check: 'Check that the host is up and that no firewall drops the connection.',
  },
  {
    codes: ['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'],
    what: 'the network cannot reach its host',
    check: 'Check this machine’s network connection and the host in the URL.',
  },
  {
    codes: [
      'CERT_HAS_EXPIRED',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    what: 'its TLS certificate is not valid for it',
    check: 'The endpoint must serve a valid HTTPS certificate for its host name; tell its operator.',
  },
];

/**
 * Why a connection failed, in words (never a bare ECONNREFUSED or UND_ERR_SOCKET), and what to check.
 * fetch wraps the reason in `cause`, sometimes twice (a socket error inside undici's own).
 */
export function connectionFailure(error: unknown): { what: string; check: string } {
  const codes: string[] = [];
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof message === 'string') messages.push(message);
    current = cause;
  }
  const known = FAILURES.find((failure) => failure.codes.some((code) => codes.includes(code)));
  if (known) return { what: known.what, check: known.check };
  if (messages.some((message) => /redirect/i.test(message))) {
    return {
      what: 'it answered with a redirect, which is not followed',
      check: 'Add the endpoint by the URL it redirects to: the URL you add is the only one Sextant talks to.',
    };
  }
  return {
    what: 'the connection failed',
    check: 'Check the URL, that the endpoint is up, and this machine’s network.',
  };
}
