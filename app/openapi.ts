import { z } from 'zod';
import { ChatEventSchema } from '../agent-core/chat-events.ts';
import { ConversationListResponseSchema, ConversationResponseSchema } from '../agent-core/conversations/views.ts';
import { OrderRequestSchema } from '../agent-core/orders/routes.ts';
import { OrderListResponseSchema, OrderResponseSchema } from '../agent-core/orders/view.ts';
import { PlanResponseSchema } from '../agent-core/plan/view.ts';
import { PolicyUpdateSchema } from '../agent-core/policy/policy.ts';
import { PolicyResponseSchema } from '../agent-core/policy/view.ts';
import { ChatRequestSchema, ConfirmRequestSchema } from '../agent-core/routes.ts';
import { ClaimProofSchema, EpochListResponseSchema, EpochReportSchema } from '../emissions/views.ts';
import {
  AttestationResponseSchema,
  PublishResponseSchema,
  SkillDetailResponseSchema,
  SkillListResponseSchema,
} from '../skills/registry/views.ts';
import { AttestBodySchema, PublishBodySchema } from '../skills/routes.ts';
import { AccountResponseSchema, ExecutionEventSchema, ExecutionResponseSchema } from '../smart-accounts/views.ts';
import { UnlockRequestSchema } from './unlock.ts';
import {
  FaucetResponseSchema,
  HealthResponseSchema,
  LockResponseSchema,
  SessionResponseSchema,
  UnlockResponseSchema,
} from './views.ts';

type Operation = {
  method: 'get' | 'post' | 'put';
  path: string;
  summary: string;
  body?: z.ZodType;
  /** What a success returns: 'json' or 'sse' (text/event-stream). */
  returns?: 'json' | 'sse';
  /**
   * What a success returns, the schema the route's answer is typed with: the JSON, or for 'sse' one
   * event ({event, data}: the `event:` name and the JSON of the `data:` line).
   */
  response: z.ZodType;
  /** A success's status: 200 unless the route creates something (201). */
  status?: 200 | 201;
  params?: string[];
};

/** Every API route, with the same zod schemas the handlers validate with. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'The chain, its block, the bundler and the LLM in use.',
    response: HealthResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/session',
    summary: 'Who is signed in, on which chain, with which LLM.',
    response: SessionResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/chat',
    summary:
      "The assistant's turn as server-sent events: status, intents, text (deltas), plan (with its simulated preview), done, or error.",
    body: ChatRequestSchema,
    returns: 'sse',
    response: ChatEventSchema,
  },
  {
    method: 'get',
    path: '/v1/plans/{id}',
    summary: 'A plan of the signed-in user.',
    params: ['id'],
    response: PlanResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/plans/{id}/confirm',
    summary:
      "Executes a proposed plan once (idempotent: a second confirm returns the same execution). 423 {code: 'passphrase-required'} when the server has no SEXTANT_PASSPHRASE and the owner key is locked: unlock it, then confirm again.",
    body: ConfirmRequestSchema,
    params: ['id'],
    response: ExecutionResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/plans/{id}/cancel',
    summary: 'Cancels a proposed plan.',
    params: ['id'],
    response: PlanResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/session/unlock',
    summary:
      "Opens the user's owner key into the server's memory (without SEXTANT_PASSPHRASE), until it goes unused for SEXTANT_UNLOCK_IDLE_MINUTES; a wrong passphrase is a 403 {code: 'wrong-passphrase'}. 10 tries a minute.",
    body: UnlockRequestSchema,
    response: UnlockResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/session/lock',
    summary: "Drops the user's unlocked owner key from memory now.",
    response: LockResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/faucet',
    summary: "Devnet only: funds the user's smart account with test ETH and tokens (what `sextant faucet` gives).",
    response: FaucetResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/executions/{id}',
    summary: 'An execution: status, userOpHash, tx hash, error.',
    params: ['id'],
    response: ExecutionResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/executions/{id}/events',
    summary: "The execution's status as server-sent events until it is final.",
    params: ['id'],
    returns: 'sse',
    response: ExecutionEventSchema,
  },
  {
    method: 'get',
    path: '/v1/conversations',
    summary:
      "The user's conversations, most recently active first: id, title (the first message), updated time, whether a plan awaits confirmation.",
    response: ConversationListResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/conversations/{id}',
    summary:
      'A conversation: its turns in order, each assistant turn with its kind, plan (as POST /v1/chat sent it, status now) and execution.',
    params: ['id'],
    response: ConversationResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/account',
    summary: "The user's smart account: address, deployment, balances with USD.",
    response: AccountResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/orders',
    summary:
      "The user's standing orders, newest first: each one's grant in words, terms, status (and why), next check, grant and revocation transactions, and runs with their transactions.",
    response: OrderListResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/orders',
    summary:
      "Proposes a standing order (a daily swap): the grant in words, stored as proposed; nothing is signed or sent until POST /v1/orders/{id}/confirm. Needs the user's address on MetaMask's EIP-7702 DeleGator (409 otherwise) and a server started with SEXTANT_PASSPHRASE, which seals the agent key that runs orders while the user is away (423 {code: 'server-passphrase-required'} otherwise).",
    body: OrderRequestSchema,
    status: 201,
    response: OrderResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/orders/{id}',
    summary: 'A standing order of the signed-in user, with its runs.',
    params: ['id'],
    response: OrderResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/orders/{id}/confirm',
    summary:
      "Grants a proposed order: the owner key signs each day's delegation, and the user's address sends the approval and the agent key's gas (idempotent). 423 {code: 'passphrase-required'} when the owner key is locked: unlock it, then confirm again.",
    params: ['id'],
    response: OrderResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/orders/{id}/pause',
    summary: 'Pauses an active order: the runner skips it; the grant stays on chain (cancel revokes it).',
    params: ['id'],
    response: OrderResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/orders/{id}/resume',
    summary: 'Resumes a paused order.',
    params: ['id'],
    response: OrderResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/orders/{id}/cancel',
    summary:
      "Cancels an order: a proposal is dropped; a grant is revoked on chain first (the router's allowance back to 0, every live day's delegation disabled), from the user's address. Cancelled once that landed.",
    params: ['id'],
    response: OrderResponseSchema,
  },
  { method: 'get', path: '/v1/policy', summary: "The user's limits.", response: PolicyResponseSchema },
  {
    method: 'put',
    path: '/v1/policy',
    summary: "Changes some of the user's limits.",
    body: PolicyUpdateSchema,
    response: PolicyResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/skills',
    summary: 'Every skill with its manifest and audit status.',
    response: SkillListResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/skills/{id}',
    summary: 'One skill, its attestations and versions.',
    params: ['id'],
    response: SkillDetailResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/skills',
    summary: 'Publishes a skill release.',
    body: PublishBodySchema,
    status: 201,
    response: PublishResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/skills/{id}/attestations',
    summary: "Records an auditor's signed attestation.",
    body: AttestBodySchema,
    params: ['id'],
    status: 201,
    response: AttestationResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/emissions/epochs',
    summary: 'The settled emission epochs, newest first.',
    response: EpochListResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/emissions/epochs/{epoch}',
    summary: 'A settled epoch per bucket, with its top contributors (?top=N, 5 by default).',
    params: ['epoch'],
    response: EpochReportSchema,
  },
  {
    method: 'get',
    path: '/v1/emissions/epochs/{epoch}/claims/{address}',
    summary:
      "What an address can claim from a settled epoch: its index, amount and Merkle proof for the distributor's claim.",
    params: ['epoch', 'address'],
    response: ClaimProofSchema,
  },
];

/** Every error answer: what went wrong, its machine code (a refusal's), what to do, and the bad field (a 400's). */
const ErrorSchema = z.object({
  error: z.string(),
  code: z.string().optional(),
  hint: z.string().optional(),
  field: z.string().optional(),
});

/** A response schema as JSON Schema: what the route sends (zod's output side). */
const RESPONSE = { io: 'output', unrepresentable: 'any' } as const;

/** The OpenAPI 3.1 document of the API, generated from the handlers' own zod schemas. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: z.toJSONSchema(ErrorSchema) } } };
  for (const op of OPERATIONS) {
    const entry: Record<string, unknown> = {
      summary: op.summary,
      security: [{ session: [] }, { bearer: [] }],
      responses: {
        [op.status ?? 200]:
          op.returns === 'sse'
            ? {
                description:
                  'Server-sent events, each one of this schema: `event` is its `event:` line, `data` the JSON of its `data:` line.',
                content: { 'text/event-stream': { schema: z.toJSONSchema(op.response, RESPONSE) } },
              }
            : {
                description: op.status === 201 ? 'Created' : 'OK',
                content: { 'application/json': { schema: z.toJSONSchema(op.response, RESPONSE) } },
              },
        400: { description: 'A bad body: the field and the reason.', ...error },
        401: { description: 'Not signed in.', ...error },
        404: { description: 'Not found (or not yours).', ...error },
        429: { description: 'Too many requests.', ...error },
        ...(op.method === 'get'
          ? {}
          : {
              403: {
                description:
                  'Refused: a foreign Origin (or, with the session cookie, none: only the page itself may), or the MCP token on a route it may not use (it may only POST /v1/chat and /mcp).',
                ...error,
              },
              415: { description: 'The body is not sent as Content-Type: application/json.', ...error },
            }),
      },
    };
    if (op.params) {
      entry.parameters = op.params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    }
    if (op.body) {
      entry.requestBody = {
        required: true,
        content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) } },
      };
    }
    paths[op.path] = { ...paths[op.path], [op.method]: entry };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sextant',
      version,
      description:
        'The Sextant runtime API. Open the URL `sextant start` prints (it carries the access token) to get a session cookie, or send Authorization: Bearer <token>. The MCP token (`sextant token --mcp`) may read and build plans (GET, POST /v1/chat, /mcp), never confirm or change anything else. Every POST/PUT sends JSON as application/json; with the session cookie it must come from the page (its own Origin).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'sextant_session' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    paths,
  };
}
