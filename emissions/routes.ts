import { Hono } from 'hono';
import { formatUnits } from 'viem';
import type { Db } from '../common/database.ts';
import { migrateEmissions } from './ledger/schema.ts';
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
    const raw = c.req.param('epoch');
    const top = c.req.query('top') ?? '5';
    if (!/^\d+$/.test(raw)) return c.json({ error: `epoch: a number from 0, not "${raw}"`, field: 'epoch' }, 400);
    if (!/^\d+$/.test(top) || Number(top) < 1 || Number(top) > 100) {
      return c.json({ error: 'top: a number from 1 to 100', field: 'top' }, 400);
    }
    const report = epochReport(deps.db, Number(raw), { top: Number(top) });
    if (!report) {
      return c.json(
        { error: `Epoch ${raw} is not settled.`, hint: `Settle it: sextant emissions settle --epoch ${raw}` },
        404,
      );
    }
    return c.json(report);
  });
  return app;
}
