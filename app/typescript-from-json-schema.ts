/**
 * TypeScript type text from the JSON Schema (2020-12) that zod's toJSONSchema writes for the API's
 * response schemas, for the page's generated types (page-types.ts). It reads the subset zod emits
 * for those schemas; anything else is an error naming where, so a new kind of schema is noticed when
 * the types are generated, not shipped as `unknown`.
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  description?: string;
  pattern?: string;
  [keyword: string]: unknown;
};

/** Keywords that only narrow a value the type already describes (a TypeScript type cannot say them). */
const NARROWING = new Set([
  '$schema',
  '$id',
  'description',
  'title',
  'default',
  'examples',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'readOnly',
]);

/** A type's text, and whether it is a union or intersection (then `[]` needs parentheses around it). */
type Rendered = { text: string; compound: boolean };

const plain = (text: string): Rendered => ({ text, compound: false });

/**
 * The TypeScript type of `schema`. `refName` turns a `$ref` into the name of a type declared beside
 * it; `at` says where the schema is, for errors.
 */
export function typeFromJsonSchema(schema: JsonSchema, refName: (ref: string) => string, at = '#'): string {
  return render(schema, refName, at).text;
}

function render(schema: JsonSchema, refName: (ref: string) => string, at: string): Rendered {
  const unknownKeywords = Object.keys(schema).filter(
    (keyword) =>
      !NARROWING.has(keyword) &&
      ![
        'type',
        'properties',
        'required',
        'additionalProperties',
        'propertyNames',
        'items',
        'prefixItems',
        'enum',
        'const',
        'anyOf',
        'oneOf',
        'allOf',
        '$ref',
      ].includes(keyword),
  );
  if (unknownKeywords.length > 0) {
    throw new Error(`${at}: the JSON Schema keyword(s) ${unknownKeywords.join(', ')} have no TypeScript type here.`);
  }
  if (schema.$ref !== undefined) return plain(refName(schema.$ref));
  if (schema.const !== undefined) return plain(literal(schema.const));
  if (schema.enum) return union(schema.enum.map((value) => literal(value)));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return union(alternatives.map((option, i) => render(option, refName, `${at}/anyOf/${i}`).text));
  if (schema.allOf) {
    const parts = schema.allOf.map((part, i) => render(part, refName, `${at}/allOf/${i}`));
    return { text: parts.map((part) => (part.compound ? `(${part.text})` : part.text)).join(' & '), compound: true };
  }
  if (Array.isArray(schema.type)) {
    return union(schema.type.map((type, i) => render({ ...schema, type }, refName, `${at}/type/${i}`).text));
  }
  switch (schema.type) {
    case undefined:
      // `{}`: zod's unknown (and what `unrepresentable: 'any'` writes).
      return plain('unknown');
    case 'string':
      // An address or hash (common/json-schemas.ts): viem's template type, as the zod type says.
      return plain(schema.pattern?.startsWith('^0x') ? `\`0x\${string}\`` : 'string');
    case 'number':
    case 'integer':
      return plain('number');
    case 'boolean':
      return plain('boolean');
    case 'null':
      return plain('null');
    case 'array':
      return plain(arrayType(schema, refName, at));
    case 'object':
      return plain(objectType(schema, refName, at));
    default:
      throw new Error(`${at}: the JSON Schema type ${schema.type} has no TypeScript type here.`);
  }
}

function arrayType(schema: JsonSchema, refName: (ref: string) => string, at: string): string {
  if (schema.prefixItems) {
    const items = schema.prefixItems.map((item, i) => render(item, refName, `${at}/prefixItems/${i}`).text);
    // A tuple's rest (z.tuple([…], rest)).
    if (schema.items) items.push(`...${arrayType({ type: 'array', items: schema.items }, refName, at)}`);
    return `[${items.join(', ')}]`;
  }
  const item = schema.items ? render(schema.items, refName, `${at}/items`) : plain('unknown');
  return item.compound ? `(${item.text})[]` : `${item.text}[]`;
}

function objectType(schema: JsonSchema, refName: (ref: string) => string, at: string): string {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    // A record (z.record): its keys are strings in JSON, whatever their schema narrows.
    const value = typeof extra === 'object' ? render(extra, refName, `${at}/additionalProperties`).text : 'unknown';
    return extra === false ? 'Record<string, never>' : `Record<string, ${value}>`;
  }
  if (typeof extra === 'object') throw new Error(`${at}: an object with both properties and a record's values.`);
  const required = new Set(schema.required ?? []);
  const lines = properties.map(([key, property]) => {
    const doc = property.description ? `/** ${property.description.replaceAll('*/', '*\\/')} */\n` : '';
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    const type = render(property, refName, `${at}/properties/${key}`).text;
    return `${doc}${name}${required.has(key) ? '' : '?'}: ${type};`;
  });
  return `{\n${lines.join('\n')}\n}`;
}

function literal(value: unknown): string {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return JSON.stringify(value);
  throw new Error(`A constant of type ${typeof value} has no TypeScript literal type here.`);
}

function union(members: string[]): Rendered {
  const distinct = [...new Set(members)];
  return { text: distinct.join(' | '), compound: distinct.length > 1 };
}
