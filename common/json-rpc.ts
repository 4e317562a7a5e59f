/** One JSON-RPC call over HTTP, for probes (before a viem client is worth building). */
export async function jsonRpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 2000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${method} at ${redactUrl(url)}: ${networkReason(error, timeoutMs)}`, { cause: error });
  }
  if (!response.ok) throw new Error(`${method} at ${redactUrl(url)} answered HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} at ${redactUrl(url)} failed: ${body.error.message}`);
  return body.result as T;
}

/** What went wrong with a fetch, in words: "connection refused", "no answer within 2 s", ... */
export function networkReason(error: unknown, timeoutMs?: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'timed out';
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  return err.cause?.message ?? err.message ?? String(error);
}

/**
 * A URL fit to print or return: RPC and bundler URLs often carry an API key in the path, query or
 * user info, so only the scheme, host and port are kept (and whether anything was cut).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.username || parsed.password || parsed.search || (parsed.pathname && parsed.pathname !== '/');
    return `${parsed.protocol}//${parsed.host}${hidden ? '/…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
