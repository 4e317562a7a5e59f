/**
 * Sextant's HTTP API from a script: get a token, send a message, read the plan's simulated preview,
 * and confirm it. With a server running (`npm start`, another terminal):
 *
 *   npx tsx examples/http-api.ts "wrap 0.1 ETH"            # shows the plan, confirms nothing
 *   npx tsx examples/http-api.ts "wrap 0.1 ETH" --confirm  # and executes it
 *
 * The token comes from `sextant token --json` (or SEXTANT_TOKEN, with SEXTANT_URL for the server).
 * A script sends it as `Authorization: Bearer <token>` and its bodies as JSON; it sends no Origin
 * (the server refuses a foreign one). The API is described at /openapi.json.
 */
import { pathToFileURL } from 'node:url';
import { sextantToken } from './sextant-token.ts';

/** A plan as the API shows it (GET /v1/plans/:id, and the `plan` event of POST /v1/chat); the fields used here. */
export type Plan = {
  id: string;
  status: string;
  steps: { skillId: string; title: string; summary: string }[];
  preview: {
    ok: boolean;
    problem?: string;
    changes: { symbol: string; amount: string; usd?: number; description: string }[];
    approvals: { symbol: string; spender: string; amount: string; remaining: string }[];
    gas: { fee: string; feeUsd?: number; sponsored: boolean };
    valueOutUsd: number;
  };
  refusal?: string;
  expiresAt: string;
};

/** An execution (POST /v1/plans/:id/confirm, GET /v1/executions/:id); the fields used here. */
export type Execution = { id: string; status: string; txHash: string | null; error: string | null };

export type HttpExampleResult = {
  /** What the assistant answered: plan, answer, clarify, unsupported, refused or not-offered. */
  kind: string;
  text: string;
  plan: Plan | undefined;
  execution: Execution | undefined;
};

const FINAL = ['succeeded', 'reverted', 'failed', 'dropped'];

/** Server-sent events as [event, data] pairs, read to the end of the stream. */
async function readEvents(response: Response): Promise<[string, unknown][]> {
  const text = await response.text();
  return text
    .split(/\r?\n\r?\n/)
    .filter((frame) => frame.trim())
    .map((frame) => {
      const event = /^event: ?(.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = [...frame.matchAll(/^data: ?(.*)$/gm)].map((line) => line[1]).join('\n');
      return [event, JSON.parse(data || 'null')];
    });
}

export async function main(options: {
  /** The server, e.g. http://127.0.0.1:8787. */
  url: string;
  /** The user's access token (`sextant token`). The MCP token cannot confirm. */
  token: string;
  message: string;
  confirm?: boolean;
  log?: (line: string) => void;
}): Promise<HttpExampleResult> {
  const log = options.log ?? console.log;
  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(new URL(path, options.url), {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };

  // 1. The message: the assistant's turn comes back as server-sent events.
  const events = await readEvents(await api('POST', '/v1/chat', { message: options.message }));
  const failed = events.find(([event]) => event === 'error')?.[1] as { error: string; hint?: string } | undefined;
  if (failed) throw new Error(`${failed.error}${failed.hint ? ` (${failed.hint})` : ''}`);
  const done = events.find(([event]) => event === 'done')?.[1] as { kind: string; planId: string | null };
  const text = events
    .filter(([event]) => event === 'text')
    .map(([, data]) => (data as { delta: string }).delta)
    .join('');
  log(`Sextant (${done.kind}): ${text}`);
  if (!done.planId) return { kind: done.kind, text, plan: undefined, execution: undefined };

  // 2. The plan and its simulated preview, as it stands now.
  const { plan } = (await (await api('GET', `/v1/plans/${done.planId}`)).json()) as { plan: Plan };
  log(`plan ${plan.id} (${plan.status}, confirmable until ${plan.expiresAt})`);
  for (const step of plan.steps) log(`  step: ${step.title}: ${step.summary}`);
  for (const change of plan.preview.changes) log(`  change: ${change.description}`);
  for (const approval of plan.preview.approvals)
    log(`  approval: ${approval.amount} ${approval.symbol} to ${approval.spender}, ${approval.remaining} left after`);
  log(`  gas: ${plan.preview.gas.sponsored ? 'sponsored' : `${plan.preview.gas.fee} wei`}`);
  if (plan.status !== 'proposed') {
    log(`Not offered: ${plan.refusal ?? plan.preview.problem ?? plan.status}`);
    return { kind: done.kind, text, plan, execution: undefined };
  }
  if (!options.confirm) {
    log(`Not confirmed. To execute it: POST /v1/plans/${plan.id}/confirm (or run this with --confirm).`);
    return { kind: done.kind, text, plan, execution: undefined };
  }

  // 3. Confirm: the plan runs once (a second confirm returns the same execution).
  let { execution } = (await (await api('POST', `/v1/plans/${plan.id}/confirm`, {})).json()) as {
    execution: Execution;
  };
  if (!FINAL.includes(execution.status)) {
    // The execution's status as server-sent events, until it is final.
    await readEvents(await api('GET', `/v1/executions/${execution.id}/events`));
    ({ execution } = (await (await api('GET', `/v1/executions/${execution.id}`)).json()) as { execution: Execution });
  }
  log(`execution ${execution.id}: ${execution.status}${execution.txHash ? ` in ${execution.txHash}` : ''}`);
  if (execution.error) log(`  ${execution.error}`);
  return { kind: done.kind, text, plan, execution };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const message = args.filter((arg) => arg !== '--confirm').join(' ') || 'wrap 0.1 ETH';
  const signIn = process.env.SEXTANT_TOKEN ? undefined : await sextantToken();
  const token = process.env.SEXTANT_TOKEN ?? signIn?.token ?? '';
  const url = process.env.SEXTANT_URL ?? new URL(signIn?.url ?? 'http://127.0.0.1:8787').origin;
  const result = await main({ url, token, message, confirm: args.includes('--confirm') });
  process.exitCode = result.execution && result.execution.status !== 'succeeded' ? 1 : 0;
}
