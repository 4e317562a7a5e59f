import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { SextantError } from './errors.ts';

/**
 * What every module's routes share at the HTTP edge: the error body, and one validator for bodies,
 * queries and path parameters. The app (app/server.ts) answers any SextantError with its status and
 * this body in one onError; a route throws, it does not map errors itself.
 */

/** The body of an error answer: the message, what to do about it, its machine code (and the bad field, for a 400). */
export type ErrorBody = { error: string; code?: string; hint?: string; field?: string };

/** A SextantError as the edge answers it. */
export function errorBody(error: SextantError): ErrorBody {
  return { error: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) };
}

/** A bad body, query or parameter: a 400 naming the (first) field and the reason. */
export function badRequest(issues: readonly z.core.$ZodIssue[], whole = 'body'): { error: string; field: string } {
  const issue = issues[0];
  const field = issue?.path.join('.') || whole;
  return { error: `${field}: ${issue?.message ?? 'invalid'}`, field };
}

type Target = 'json' | 'query' | 'param';

/**
 * What `validate` does with a failure instead of answering the 400 itself: a module whose clients
 * expect another error shape (the router's OpenAI routes) throws an error here for its own onError.
 */
export type OnInvalid = (problem: { error: string; field: string }, c: Context) => Response | Promise<Response>;

/** What hono's `c.req.valid(target)` gives after `validate(target, schema)`. */
type Validated<T extends Target, S extends z.ZodType> = {
  in: { [K in T]: z.input<S> };
  out: { [K in T]: z.output<S> };
};

/** The JSON body, or undefined when there is none or it is not JSON (the schema then says what is missing). */
async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

/**
 * Validates the JSON body (`json`), the query string (`query`) or the path parameters (`param`)
 * with a zod schema; a failure is a 400 `{error: "field: reason", field}`, or what `onInvalid`
 * makes of it. The route reads the result with `c.req.valid(target)`. `whenEmpty` stands in for a
 * missing body (a body that may be left out, as a confirm's options).
 */
export function validate<T extends Target, S extends z.ZodType>(
  target: T,
  schema: S,
  options: { whenEmpty?: z.input<S>; onInvalid?: OnInvalid } = {},
  // biome-ignore lint/suspicious/noExplicitAny: any Env: the middleware only reads the request.
): MiddlewareHandler<any, string, Validated<T, S>> {
  return async (c, next) => {
    const raw =
      target === 'json'
        ? ((await readJson(c)) ?? options.whenEmpty)
        : target === 'query'
          ? c.req.query()
          : c.req.param();
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const problem = badRequest(parsed.error.issues, target === 'json' ? 'body' : target);
      return options.onInvalid ? options.onInvalid(problem, c) : c.json(problem, 400);
    }
    c.req.addValidatedData(target, parsed.data as object);
    return next();
  };
}
