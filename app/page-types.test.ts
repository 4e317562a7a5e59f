import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { PageTypes } from '../chat-ui/public/js/api-types.d.ts';
import { OPERATIONS } from './openapi.ts';
import { PAGE_TYPES } from './page-types.ts';
import { typeFromJsonSchema } from './typescript-from-json-schema.ts';

/**
 * The page's generated types (chat-ui/public/js/api-types.d.ts) are the output types of the schemas
 * they come from, each way: what the server sends fits the page's type exactly, and what the fake API
 * builds with the page's type is what the server sends — but for addresses and hashes, which a few
 * schemas (the skill manifest's author, an attestation's hashes) cast to viem's `0x${string}` without
 * a pattern their JSON Schema could carry: there the page's type is a plain string. Checked by the
 * type check (`npm run check`).
 */
type Widened<T> = T extends `0x${string}`
  ? string
  : T extends (infer Item)[]
    ? Widened<Item>[]
    : T extends object
      ? { [Key in keyof T]: Widened<T[Key]> }
      : T;
type Fits<A, B> = [A] extends [B] ? true : false;
type Matches = {
  [Name in keyof typeof PAGE_TYPES]: [
    Fits<z.output<(typeof PAGE_TYPES)[Name]['schema']>, PageTypes[Name]>,
    Fits<PageTypes[Name], Widened<z.output<(typeof PAGE_TYPES)[Name]['schema']>>>,
  ] extends [true, true]
    ? true
    : false;
};

const asText = (schema: z.ZodType) =>
  typeFromJsonSchema(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as never, (ref) => ref);

describe("the page's API types", () => {
  it("has a type for every answer the API publishes, each its schema's output type", () => {
    // Checked by the type check: a page type that differs from its schema's output is `false` here, by name.
    expectTypeOf<Matches>().toEqualTypeOf<{ [Name in keyof typeof PAGE_TYPES]: true }>();
    const typed = new Set<z.ZodType>(Object.values(PAGE_TYPES).map((entry) => entry.schema));
    const untyped = OPERATIONS.filter((operation) => !typed.has(operation.response));
    expect(untyped.map((operation) => `${operation.method} ${operation.path}`)).toEqual([]);
  });

  it('writes each kind of schema the API uses as its TypeScript type', () => {
    const schema = z.object({
      address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      kind: z.enum(['a', 'b']),
      exact: z.literal(true),
      count: z.number().int().nullable(),
      note: z.string().describe('Says */ safely.').optional(),
      either: z.array(z.union([z.string(), z.number()])),
      byName: z.record(z.string(), z.boolean()),
      anything: z.unknown(),
      pair: z.tuple([z.string()], z.number()),
      'odd-key': z.string(),
    });
    expect(asText(schema).replace(/\s+/g, ' ')).toBe(
      `{ address: \`0x\${string}\`; kind: "a" | "b"; exact: true; count: number | null; /** Says *\\/ safely. */ note?: string; ` +
        'either: (string | number)[]; byName: Record<string, boolean>; anything: unknown; ' +
        'pair: [string, ...number[]]; "odd-key": string; }',
    );
  });

  it('names what it cannot write, rather than writing unknown', () => {
    expect(() => asText(z.object({ a: z.string() }).catchall(z.number()))).toThrow(
      "#: an object with both properties and a record's values.",
    );
    expect(() =>
      typeFromJsonSchema({ type: 'object', properties: { a: { type: 'string', if: {} } } }, (ref) => ref, 'Plan'),
    ).toThrow('Plan/properties/a: the JSON Schema keyword(s) if have no TypeScript type here.');
  });
});
