import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { SextantError } from '../common/errors.ts';
import { type ErrorBody, errorBody, validate } from '../common/http-edge.ts';
import { InvalidRequestError, ModelNotFoundError, RouterError } from './errors.ts';
import { openAiError } from './wire/openai.ts';

/**
 * The router's HTTP edge, shared by the router (server.ts) and the provider node (provider/node.ts),
 * built on the app's (common/http-edge.ts): bodies and queries checked by zod schemas, one body
 * limit, and one error handler that answers any thrown error in the protocol the client speaks. A
 * route throws; it does not answer errors itself.
 */

/** The limit of a request's body, on every route of the router and the provider node: images travel base64 inside the JSON. */
export const BODY_LIMIT = 32 * 1024 * 1024;

/** The error bodies the router speaks: Ollama's `{error, code, hint?, field?}` (the app's ErrorBody), or OpenAI's `{error: {message, type, param, code}}`. */
export type ErrorShape = 'ollama' | 'openai';

/**
 * Refuses a body over `maxSize` with a 413. The declared Content-Length is checked without touching
 * the body: under @hono/node-server, hono's bodyLimit reads `c.req.raw.body`, which builds the Web
 * Request's body stream, and that costs more than the rest of the router's work on a request (its
 * budget is a couple of milliseconds); `c.req.json()` then reads Node's request directly. Only a
 * body sent without a length (chunked) is counted as it is read, by hono's bodyLimit.
 */
export function limitBody(maxSize = BODY_LIMIT): MiddlewareHandler {
  const tooLarge = (): never => {
    const size = maxSize >= 1024 * 1024 ? `${maxSize / 1024 / 1024} MiB` : `${maxSize / 1024} KiB`;
    throw new RouterError(`The body is over ${size}.`, { status: 413, code: 'body-too-large' });
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    if (Number(length) > maxSize) tooLarge();
    return next();
  };
}

/** A schema failure as an error, for the error handler to answer in the client's protocol. */
const throwInvalid = (problem: { error: string; field: string }): never => {
  throw new InvalidRequestError(problem.error, problem.field);
};

/** The JSON body, checked by `schema` (read with `c.req.valid('json')`); a failure is a 400 naming the field. */
export const validateJson = <S extends z.ZodType>(schema: S) => validate('json', schema, { onInvalid: throwInvalid });

/** The query string, checked by `schema` (read with `c.req.valid('query')`); a failure is a 400 naming the field. */
export const validateQuery = <S extends z.ZodType>(schema: S) => validate('query', schema, { onInvalid: throwInvalid });

/**
 * The answer to any error: a SextantError with its status, message, code and hint; anything else a
 * 500 that says only where to look (`server` names the server: "the router"), its details logged.
 */
export function errorResponse(c: Context, error: unknown, shape: ErrorShape, server: string): Response {
  const known =
    error instanceof SextantError
      ? error
      : new SextantError(`internal error in ${server}`, {
          code: 'internal',
          status: 500,
          hint: `See ${server}’s log.`,
        });
  if (known !== error) console.error(error);
  const field = known instanceof InvalidRequestError ? known.field : undefined;
  const headers: Record<string, string> =
    known instanceof RouterError && known.retryAfterSeconds !== undefined
      ? { 'retry-after': String(known.retryAfterSeconds) }
      : {};
  if (shape === 'openai') {
    const code = known instanceof ModelNotFoundError ? 'model_not_found' : undefined;
    return c.json(openAiError(known.message, known.status, { param: field, code }), known.status, headers);
  }
  const body: ErrorBody = { ...errorBody(known), ...(field ? { field } : {}) };
  return c.json(body, known.status, headers);
}

/** The one onError and notFound of a server of the router's: `shapeOf` picks the protocol of a request's errors. */
export function errorHandlers(
  server: string,
  shapeOf: (c: Context) => ErrorShape = () => 'ollama',
): { onError: ErrorHandler; notFound: NotFoundHandler } {
  return {
    onError: (error, c) => errorResponse(c, error, shapeOf(c), server),
    notFound: (c) =>
      errorResponse(
        c,
        new RouterError(`not found: ${c.req.method} ${c.req.path}`, { status: 404, code: 'not-found' }),
        shapeOf(c),
        server,
      ),
  };
}
