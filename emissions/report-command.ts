import { formatUnits } from 'viem';
import { type CommandContext, parseCommandArgs, UsageError, withDatabase } from '../common/command.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { epochReport, renderReport } from './report.ts';
import { listEpochs } from './store.ts';

export const reportHelp = `Usage: sextant emissions report [--epoch N] [--top N] [--json]

A settled epoch per bucket (emitted, carried in, paid, carried out, contributors) and per
contributor (largest first). Without --epoch, the settled epochs. The chat page draws the same
report as a chart.

Options:
  --epoch N   the epoch to show
  --top N     contributors shown per bucket (default 10 in the table; all in --json)
  --json      print it as JSON
  -h, --help  show this help`;

export async function report(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('emissions report', argv, {
    epoch: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean' },
  });
  const top = values.top === undefined ? undefined : Number(values.top);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) {
    throw new UsageError(`--top takes a number from 1, not "${values.top}".`);
  }
  return withDatabase(context.settings.dataDir, (db) => {
    migrateEmissions(db);
    if (values.epoch === undefined) {
      const epochs = listEpochs(db).map((e) => ({
        epoch: e.epoch,
        status: e.status,
        total: formatUnits(e.total, 18),
        claims: e.claimCount,
        distributor: e.distributor,
        settledAt: e.settledAt,
      }));
      if (values.json) context.stdout(`${JSON.stringify({ epochs }, null, 2)}\n`);
      else if (epochs.length === 0)
        context.stdout('No epoch is settled yet. Settle one: sextant emissions settle --epoch last\n');
      else
        context.stdout(
          `${epochs.map((e) => `epoch ${e.epoch}  ${e.status}  ${e.total} in ${e.claims} claim(s)  settled ${e.settledAt}`).join('\n')}\n`,
        );
      return 0;
    }
    if (!/^\d+$/.test(values.epoch)) throw new UsageError(`--epoch takes an epoch number, not "${values.epoch}".`);
    const epoch = Number(values.epoch);
    const found = epochReport(db, epoch, top !== undefined ? { top } : values.json ? {} : { top: 10 });
    if (!found) {
      throw new UsageError(`Epoch ${epoch} is not settled.`, {
        hint: `Settle it first: sextant emissions settle --epoch ${epoch}`,
      });
    }
    context.stdout(values.json ? `${JSON.stringify(found, null, 2)}\n` : renderReport(found));
    return 0;
  });
}
