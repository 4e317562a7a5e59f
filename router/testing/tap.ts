import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy that passes requests to `target` and lets a test tamper with the streamed
 * reply line by line: delay a line (a slow backend), rewrite it (garbage, a forged receipt), or cut
 * the connection there (a crash mid-stream). Replies with an error status pass through untouched.
 */

/** Returned by a line hook: drop the connection before this line. */
export const CUT = Symbol('cut');

export type TapOptions = {
  /** Called per body line (without its newline), with its index; returns the line to send instead, or CUT. */
  line?: (line: string, index: number) => string | typeof CUT | Promise<string | typeof CUT>;
  /** Drop every connection as soon as its request arrives (before any response). */
  refuse?: boolean;
};

export type Tap = { url: string; requests: number; close: () => Promise<void> };

export async function startTap(target: string, options: TapOptions = {}): Promise<Tap> {
  const state = { requests: 0 };
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    state.requests += 1;
    if (options.refuse && incoming.method === 'POST') {
      incoming.socket.destroy();
      return;
    }
    const upstream = request(
      new URL(incoming.url ?? '/', target),
      { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
      (response) => {
        const status = response.statusCode ?? 502;
        const headers = { ...response.headers };
        delete headers['content-length'];
        if (status !== 200 || !options.line) {
          outgoing.writeHead(status, headers);
          response.pipe(outgoing);
          return;
        }
        outgoing.writeHead(status, headers);
        void relayLines(response, outgoing, options.line);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function relayLines(
  response: IncomingMessage,
  outgoing: ServerResponse,
  hook: NonNullable<TapOptions['line']>,
): Promise<void> {
  let buffer = '';
  let index = 0;
  response.setEncoding('utf8');
  for await (const text of response as AsyncIterable<string>) {
    buffer += text;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) {
        const out = await hook(line, index++);
        if (out === CUT) {
          // What was written reaches the reader first; then the connection drops, as in a crash.
          await new Promise((resolve) => setTimeout(resolve, 20));
          outgoing.destroy();
          response.destroy();
          return;
        }
        if (outgoing.destroyed) return;
        await new Promise((resolve) => outgoing.write(`${out}\n`, resolve));
      } else {
        outgoing.write('\n');
      }
      newline = buffer.indexOf('\n');
    }
  }
  outgoing.end(buffer);
}
