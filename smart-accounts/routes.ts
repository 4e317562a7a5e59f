import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Db } from '../common/database.ts';
import { type ExecutionRecord, type ExecutionStatus, FINAL_EXECUTION_STATUSES, getExecution } from './executions.ts';
import type { ExecutionEvent, ExecutionView } from './views.ts';

/** The user's execution, or undefined (another user's id is not found, as a missing one). */
function findExecution(db: Db, userId: string, id: string): ExecutionRecord | undefined {
  try {
    return getExecution(db, userId, id);
  } catch {
    return undefined;
  }
}

type Env = { Variables: { userId: string } };

/** An execution record as JSON (bigints as strings): its schema is ExecutionViewSchema (views.ts). */
export function executionJson(record: ExecutionRecord): ExecutionView {
  return {
    id: record.id,
    planId: record.planId,
    status: record.status,
    sent: record.sent,
    userOpHash: record.userOpHash,
    txHash: record.txHash,
    gasUsed: record.gasUsed?.toString() ?? null,
    feePaid: record.feePaid?.toString() ?? null,
    error: record.error,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * Executions over HTTP: GET /v1/executions/:id, and GET /v1/executions/:id/events, a server-sent
 * stream of its status until it is final. The signed-in user's only; another's id is a 404.
 */
export function executionRoutes(deps: { db: Db; pollMs?: number; timeoutMs?: number }): Hono<Env> {
  const app = new Hono<Env>();
  app.get('/v1/executions/:id', (c) => {
    const record = findExecution(deps.db, c.get('userId'), c.req.param('id'));
    return record
      ? c.json({ execution: executionJson(record) })
      : c.json({ error: 'There is no such execution.' }, 404);
  });
  app.get('/v1/executions/:id/events', (c) => {
    const userId = c.get('userId');
    const id = c.req.param('id');
    if (!findExecution(deps.db, userId, id)) return c.json({ error: 'There is no such execution.' }, 404);
    return streamSSE(c, async (stream) => {
      const send = <E extends ExecutionEvent['event']>(event: E, data: Extract<ExecutionEvent, { event: E }>['data']) =>
        stream.writeSSE({ event, data: JSON.stringify(data) });
      const deadline = Date.now() + (deps.timeoutMs ?? 120_000);
      let last: ExecutionStatus | '' = '';
      for (;;) {
        const record = findExecution(deps.db, userId, id);
        if (!record) break;
        if (record.status !== last) {
          last = record.status;
          await send('status', { execution: executionJson(record) });
        }
        if (FINAL_EXECUTION_STATUSES.has(record.status) || Date.now() > deadline || stream.aborted) break;
        await stream.sleep(deps.pollMs ?? 250);
      }
      await send('done', { status: last });
    });
  });
  return app;
}
