import { Hono } from 'hono';
import { formatUnits, type PublicClient } from 'viem';
import { z } from 'zod';
import type { Db } from '../common/database.ts';
import { validate } from '../common/http-edge.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { claimProof } from './proof.ts';
import { epochReport } from './report.ts';
import { listEpochs } from './store.ts';
import type { ClaimProof, EpochListResponse } from './views.ts';

/**
 * The settled epochs over HTTP, for the chat page's chart: GET /v1/emissions/epochs (newest first)
 * GET /v1/emissions/epochs/:epoch?top=N (per bucket, the top N contributors; 5 by default), and
 * GET /v1/emissions/epochs/:epoch/claims/:address (any address's claim and proof; with a `client`,
 * whether its distributor has paid it). Settlements are public by nature (anyone can read the
 * distributor on chain), so every signed-in user sees the same reports and proofs.
 */
export function emissionsRoutes(deps: { db: Db; client?: PublicClient }): Hono {
  migrateEmissions(deps.db);
  const app = new Hono();
  app.get('/v1/emissions/epochs', (c) => {
    const body: EpochListResponse = {
      epochs: listEpochs(deps.db)
        .reverse()
        .map((e) => ({
          epoch: e.epoch,
          status: e.status,
          total: formatUnits(e.total, 18),
          claims: e.claimCount,
          settledAt: e.settledAt,
        })),
    };
    return c.json(body);
  });
  app.get(
    '/v1/emissions/epochs/:epoch',
    validate('param', ReportParamsSchema),
    validate('query', ReportQuerySchema),
    (c) => {
      const { epoch } = c.req.valid('param');
      const report = epochReport(deps.db, epoch, { top: c.req.valid('query').top });
      return report ? c.json(report) : c.json(notSettled(epoch), 404);
    },
  );
  app.get('/v1/emissions/epochs/:epoch/claims/:address', validate('param', ClaimParamsSchema), async (c) => {
    const { epoch, address } = c.req.valid('param');
    const body: ClaimProof = await claimProof(deps.db, epoch, address, deps.client);
    return c.json(body);
  });
  return app;
}

/** The epoch report's path: a settled epoch's number. */
export const ReportParamsSchema = z.object({
  epoch: z
    .string()
    .regex(/^\d+$/, { error: (issue) => `a number from 0, not "${String(issue.input)}"` })
    .transform(Number),
});

/** The claim's path: a settled epoch's number and any address. */
export const ClaimParamsSchema = ReportParamsSchema.extend({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: (issue) => `a 0x address, not "${String(issue.input)}"` }),
});

/** The epoch report's query: `top`, how many contributors per bucket (5 by default). */
export const ReportQuerySchema = z.object({
  top: z
    .string()
    .default('5')
    .refine((top) => /^\d+$/.test(top) && Number(top) >= 1 && Number(top) <= 100, 'a number from 1 to 100')
    .transform(Number),
});

/** The 404 body for an epoch that is not settled. */
export function notSettled(epoch: number): { error: string; hint: string } {
  return { error: `Epoch ${epoch} is not settled.`, hint: `Settle it: sextant emissions settle --epoch ${epoch}` };
}
