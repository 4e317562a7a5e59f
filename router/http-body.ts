import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { RouterError } from './errors.ts';

/** Images travel base64 inside the JSON. */
export const BODY_LIMIT = 32 * 1024 * 1024;

/**
 * A request's JSON body, at most `limit` bytes. Under @hono/node-server it is read straight from
 * Node's request: building the Web Request's body stream first costs more than the rest of the
 * router's work on a request (the router's budget is a couple of milliseconds).
 */
export async function readJsonBody(c: Context, limit = BODY_LIMIT): Promise<unknown> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const tooLarge = () => new RouterError(`The body is over ${limit / 1024 / 1024} MiB.`, { status: 413 });
  let text: string;
  if (incoming) {
    if (Number(incoming.headers['content-length'] ?? 0) > limit) throw tooLarge();
    text = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      incoming.on('data', (part: Buffer) => {
        size += part.length;
        if (size > limit) {
          incoming.removeAllListeners('data');
          incoming.resume();
          reject(tooLarge());
          return;
        }
        parts.push(part);
      });
      incoming.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      incoming.once('error', reject);
    });
  } else {
    // Not behind Node's server (app.request in a test): the Web Request's own body.
    text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw tooLarge();
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RouterError('The body is not JSON.');
  }
}
