import { Hono } from 'hono';
import { formatUnits } from 'viem';
import type { Db } from '../common/database.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { epochReport } from './report.ts';
import { listEpochs } from './store.ts';

/**
 * The settled epochs over HTTP, for the chat page's chart: GET /v1/emissions/epochs (newest first)
 * and GET /v1/emissions/epochs/:epoch?top=N (per bucket, the top N contributors; 5 by default).
 * Settlements are public by nature (anyone can read the distributor on chain), so every signed-in
 * user sees the same reports.
 */
export function emissionsRoutes(deps: { db: Db }): Hono {
  migrateEmissions(deps.db);
  const app = new Hono();
  app.get('/v1/emissions/epochs', (c) =>
    c.json({
      epochs: listEpochs(deps.db)
        .reverse()
        .map((e) => ({
          epoch: e.epoch,
          status: e.status,
          total: formatUnits(e.total, 18),
          claims: e.claimCount,
          settledAt: e.settledAt,
        })),
    }),
  );
  app.get('/v1/emissions/epochs/:epoch', (c) => {
    const query = readReportQuery(c.req.param('epoch'), c.req.query('top'));
    if ('error' in query) return c.json(query, 400);
    const report = epochReport(deps.db, query.epoch, { top: query.top });
    return report ? c.json(report) : c.json(notSettled(query.epoch), 404);
  });
  return app;
}

/** The epoch report's path and query, checked: `{epoch, top}`, or the error a 400 carries. */
export function readReportQuery(
  epoch: string,
  top = '5',
): { epoch: number; top: number } | { error: string; field: string } {
  if (!/^\d+$/.test(epoch)) return { error: `epoch: a number from 0, not "${epoch}"`, field: 'epoch' };
  if (!/^\d+$/.test(top) || Number(top) < 1 || Number(top) > 100) {
    return { error: 'top: a number from 1 to 100', field: 'top' };
  }
  return { epoch: Number(epoch), top: Number(top) };
}

/** The 404 body for an epoch that is not settled. */
export function notSettled(epoch: number): { error: string; hint: string } {
  return { error: `Epoch ${epoch} is not settled.`, hint: `Settle it: sextant emissions settle --epoch ${epoch}` };
}
