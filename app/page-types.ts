import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ChatEventSchema } from '../agent-core/chat-events.ts';
import {
  ConversationListResponseSchema,
  ConversationResponseSchema,
  ConversationSummarySchema,
  ConversationTurnSchema,
} from '../agent-core/conversations/views.ts';
import { IntentSchema, ParseResultSchema } from '../agent-core/intents/schema.ts';
import { LlmStatusSchema } from '../agent-core/llm-status.ts';
import {
  OrderListResponseSchema,
  OrderResponseSchema,
  OrderRunViewSchema,
  OrderViewSchema,
} from '../agent-core/orders/view.ts';
import { PlanResponseSchema, PlanViewSchema } from '../agent-core/plan/view.ts';
import { PolicyResponseSchema, PolicySchema } from '../agent-core/policy/view.ts';
import { ClaimProofSchema, EpochListResponseSchema, EpochReportSchema } from '../emissions/views.ts';
import {
  AttestationResponseSchema,
  PublishResponseSchema,
  SkillDetailResponseSchema,
  SkillListResponseSchema,
  SkillViewSchema,
} from '../skills/registry/views.ts';
import {
  AccountResponseSchema,
  ExecutionEventSchema,
  ExecutionResponseSchema,
  ExecutionViewSchema,
} from '../smart-accounts/views.ts';
import { type JsonSchema, typeFromJsonSchema } from './typescript-from-json-schema.ts';
import {
  FaucetResponseSchema,
  HealthResponseSchema,
  LockResponseSchema,
  SessionResponseSchema,
  UnlockResponseSchema,
} from './views.ts';

/**
 * The API's answers as the page's JavaScript reads them: each a type of
 * chat-ui/public/js/api-types.d.ts, generated from the zod schema the route answers with, so the
 * page's JSDoc and the fake API (chat-ui/testing/fake-api.ts) are typed by what the server sends.
 * `npm run page:types` writes the file; `npm run check` fails when it is stale. A schema used inside
 * another is named there by its type, not copied.
 */
export const PAGE_TYPES = {
  SessionResponse: {
    schema: SessionResponseSchema,
    doc: 'GET /v1/session: who is signed in, on which chain, with which LLM.',
  },
  HealthResponse: {
    schema: HealthResponseSchema,
    doc: 'GET /health: the chain, its block, the bundler and the LLM in use.',
  },
  LlmStatus: { schema: LlmStatusSchema, doc: 'Which LLM parses messages, and what to do when Ollama is not in use.' },
  ParseResult: { schema: ParseResultSchema, doc: 'What the parser understood of a message.' },
  Intent: { schema: IntentSchema, doc: 'One thing the message asks for, as the parser read it.' },
  ChatEvent: {
    schema: ChatEventSchema,
    doc: 'One event of POST /v1/chat: `event` is its name, `data` its JSON.',
  },
  PlanView: { schema: PlanViewSchema, doc: 'A plan: its steps, the simulated preview, and what confirming it needs.' },
  PlanResponse: { schema: PlanResponseSchema, doc: 'GET /v1/plans/:id, POST /v1/plans/:id/cancel.' },
  ExecutionView: { schema: ExecutionViewSchema, doc: "A plan's execution." },
  ExecutionResponse: { schema: ExecutionResponseSchema, doc: 'POST /v1/plans/:id/confirm, GET /v1/executions/:id.' },
  ExecutionEvent: {
    schema: ExecutionEventSchema,
    doc: 'One event of GET /v1/executions/:id/events: `event` is its name, `data` its JSON.',
  },
  AccountResponse: { schema: AccountResponseSchema, doc: 'GET /v1/account: the smart account and what it holds.' },
  Policy: { schema: PolicySchema, doc: "The user's limits." },
  PolicyResponse: { schema: PolicyResponseSchema, doc: 'GET /v1/policy, PUT /v1/policy.' },
  SkillView: { schema: SkillViewSchema, doc: 'A skill: its manifest, and whether it may run and why.' },
  SkillListResponse: { schema: SkillListResponseSchema, doc: 'GET /v1/skills.' },
  SkillDetailResponse: { schema: SkillDetailResponseSchema, doc: 'GET /v1/skills/:id.' },
  PublishResponse: { schema: PublishResponseSchema, doc: 'POST /v1/skills (201).' },
  AttestationResponse: { schema: AttestationResponseSchema, doc: 'POST /v1/skills/:id/attestations (201).' },
  ConversationSummary: { schema: ConversationSummarySchema, doc: 'A conversation as the list shows it.' },
  ConversationTurn: { schema: ConversationTurnSchema, doc: 'A turn of a conversation, with its plan and execution.' },
  ConversationListResponse: { schema: ConversationListResponseSchema, doc: 'GET /v1/conversations.' },
  ConversationResponse: { schema: ConversationResponseSchema, doc: 'GET /v1/conversations/:id.' },
  OrderRunView: { schema: OrderRunViewSchema, doc: "One attempt at a standing order's day: its transaction." },
  OrderView: {
    schema: OrderViewSchema,
    doc: 'A standing order: its grant in words, terms, status, next check and runs.',
  },
  OrderListResponse: { schema: OrderListResponseSchema, doc: 'GET /v1/orders.' },
  OrderResponse: {
    schema: OrderResponseSchema,
    doc: 'GET /v1/orders/:id, POST /v1/orders (201) and /v1/orders/:id/confirm|pause|resume|cancel.',
  },
  EpochListResponse: { schema: EpochListResponseSchema, doc: 'GET /v1/emissions/epochs.' },
  EpochReport: { schema: EpochReportSchema, doc: 'GET /v1/emissions/epochs/:epoch.' },
  ClaimProof: { schema: ClaimProofSchema, doc: 'GET /v1/emissions/epochs/:epoch/claims/:address.' },
  FaucetResponse: { schema: FaucetResponseSchema, doc: 'POST /v1/faucet (devnet only).' },
  UnlockResponse: { schema: UnlockResponseSchema, doc: 'POST /v1/session/unlock.' },
  LockResponse: { schema: LockResponseSchema, doc: 'POST /v1/session/lock.' },
} satisfies Record<string, { schema: z.ZodType; doc: string }>;

/** Where the page's types live, from the project's root. */
export const PAGE_TYPES_PATH = 'chat-ui/public/js/api-types.d.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The text of api-types.d.ts as the schemas say it now, formatted as Biome formats the file. */
export function pageTypesSource(): string {
  const registry = z.registry<{ id: string }>();
  for (const [name, { schema }] of Object.entries(PAGE_TYPES)) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => id });
  const refName = (ref: string) => {
    if (!(ref in PAGE_TYPES)) throw new Error(`A reference to ${ref}, which is not one of the page's types.`);
    return ref;
  };
  const declarations = Object.entries(PAGE_TYPES).map(([name, { doc }]) => {
    const schema = schemas[name] as JsonSchema;
    return `/** ${doc} */\nexport type ${name} = ${typeFromJsonSchema(schema, refName, name)};`;
  });
  const names = Object.keys(PAGE_TYPES).map((name) => `${name}: ${name};`);
  const text = [
    '// The API answers the page reads, generated by `npm run page:types` (app/page-types.ts) from the',
    "// routes' zod schemas: do not edit. `npm run check` fails when it is stale.",
    '',
    ...declarations.flatMap((declaration) => [declaration, '']),
    "/** Every type above by name (app/page-types.test.ts checks each is its schema's output type). */",
    `export type PageTypes = {\n${names.join('\n')}\n};`,
    '',
  ].join('\n');
  return formatted(text);
}

/** Biome's formatting of the file, so the generated text is what `biome check` accepts. */
function formatted(text: string): string {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  return execFileSync(process.execPath, [biome, 'format', `--stdin-file-path=${PAGE_TYPES_PATH}`], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
}

/** `npm run page:types` writes the file; with `--check`, says whether it is stale (exit 1) and writes nothing. */
function main(args: string[]): number {
  const path = `${ROOT}${PAGE_TYPES_PATH}`;
  const wanted = pageTypesSource();
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: stale
    }
    if (current === wanted) return 0;
    console.error(`${PAGE_TYPES_PATH} is stale: the API's response schemas changed. Run npm run page:types.`);
    return 1;
  }
  writeFileSync(path, wanted);
  console.log(`wrote ${PAGE_TYPES_PATH} (${Object.keys(PAGE_TYPES).length} types)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
