import type { Address, LocalAccount } from 'viem';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { type CommandContext, parseCommandArgs, UsageError, withDatabase } from '../common/command.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { publicClientFor } from '../common/network.ts';
import { readSigningKey } from '../common/signing-key.ts';
import { devnetAccount } from '../devnet/accounts.ts';
import { collectEpoch, migrateEmissionSources } from './collect.ts';
import { type EmissionsConfig, loadEmissionsConfig } from './config.ts';
import { distributeEpoch } from './distribute.ts';
import { epochReport, renderReport } from './report.ts';
import { dayStart, type Schedule } from './schedule.ts';
import { settleEpoch } from './settle.ts';
import { latestEpoch } from './store.ts';

export const settleHelp = `Usage: sextant emissions settle --epoch N|next|last [--no-distribute] [--allow-gap]
                                [--operator-key FILE|env:NAME] [--config FILE] [--json]

Settles one finished epoch (an interval of the schedule, a day by default, counted from its start):
collects every bucket's contributions into the ledger (code: succeeded executions by skill author;
compute: the router's accepted usage receipts by provider; capital: time-weighted shares of the
deposit pool; community: referred executions by referrer; protection: the treasury), splits each
bucket's emission exactly (what rounding leaves carries into the next epoch), builds the Merkle
distribution and stores its root and every proof. Then it deploys the epoch's MerkleDistributor and
mints the epoch's total of the reward token into it. Settling is final and resumable: running it
again shows the stored result, and finishes a distribution an interruption left half done without
sending any transaction twice.

Options:
  --epoch N|next|last  the epoch to settle ("next": the one after the last settled; "last": the last
                       one that has ended)
  --no-distribute      store the settlement only; distribute later by running settle again
  --allow-gap          settle although earlier epochs are not: those then pay nothing, for good
  --operator-key K     the reward token's owner key (a file, or env:NAME); the devnet's admin by default
  --config FILE        the emissions configuration (default: DATA_DIR/emissions.json, if present)
  --json               print the epoch's report as JSON
  -h, --help           show this help

On the devnet the reward token, the deposit pool and the treasury default to the devnet's own
(the admin account is the operator and the treasury).`;

export function parseEpoch(
  value: string | undefined,
  schedule: Schedule,
  now: number,
  lastSettled: number | undefined,
): number {
  if (value === undefined) {
    throw new UsageError('--epoch is required.', { hint: 'Give an epoch number, "next" or "last".' });
  }
  if (value === 'next') {
    if (lastSettled === undefined) {
      throw new UsageError(
        'No epoch is settled yet, so there is no "next": give the first epoch to settle, or "last".',
      );
    }
    return lastSettled + 1;
  }
  if (value === 'last') {
    const last = Math.floor((now - schedule.start) / schedule.interval) - 1;
    if (last < 0)
      throw new UsageError(
        `No epoch has ended yet: the schedule starts at ${new Date(schedule.start * 1000).toISOString()}.`,
      );
    return last;
  }
  const epoch = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(epoch)) {
    throw new UsageError(`--epoch takes an epoch number from 0, "next" or "last", not "${value}".`);
  }
  return epoch;
}

export async function settle(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('emissions settle', argv, {
    epoch: { type: 'string' },
    'no-distribute': { type: 'boolean' },
    'allow-gap': { type: 'boolean' },
    'operator-key': { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  const loaded = loadEmissionsConfig(values.config, context.settings.dataDir);
  const now = Math.floor(Date.now() / 1000);
  const network = context.network();
  const client = publicClientFor(network);
  const onChain = network.chain.contracts.emissions;
  const config: EmissionsConfig = {
    ...loaded,
    rewardToken: loaded.rewardToken ?? onChain?.rewardToken,
    depositPool: loaded.depositPool ?? onChain?.depositPool,
    treasury: loaded.treasury ?? (network.isDevnet ? devnetAccount('admin').address : undefined),
  };
  const progress = (line: string) => context.stderr(`${line}\n`);
  if (!config.treasury)
    progress('No treasury is configured: the protection fund’s share carries over (set "treasury").');
  if (!config.depositPool)
    progress('No deposit pool is configured: the capital bucket has no contributors (set "depositPool").');

  return withDatabase(context.settings.dataDir, async (db) => {
    migrateEmissionSources(db);
    const epoch = parseEpoch(values.epoch, loaded.schedule, now, latestEpoch(db)?.epoch);
    if (network.isDevnet && config.depositPool)
      await mineAfter(network.rpcUrl, client, dayStart(config.schedule, epoch + 1));
    const { record, created, contributionsAdded } = await settleEpoch(db, {
      schedule: config.schedule,
      epoch,
      now,
      collect: (e) => collectEpoch(db, config, e, client),
      allowGap: values['allow-gap'] === true,
      progress,
    });
    progress(
      created
        ? `epoch ${epoch}: settled (${contributionsAdded} contribution(s) recorded, ${record.claimCount} claim(s))`
        : `epoch ${epoch}: already settled on ${record.settledAt}; showing the stored settlement`,
    );
    if (record.status === 'settled' && !values['no-distribute']) {
      if (!config.rewardToken) {
        throw new UsageError('There is no reward token to distribute in on this network.', {
          hint: 'Set "rewardToken" in the emissions configuration, or pass --no-distribute.',
        });
      }
      const operator = operatorAccount(values['operator-key'], network.isDevnet);
      await distributeEpoch(
        db,
        epoch,
        {
          publicClient: client,
          chain: toViemChain(network.chain.chainId, network.rpcUrl, network.chain.name),
          rpcUrl: network.rpcUrl,
          operator,
          rewardToken: config.rewardToken as Address,
        },
        progress,
      );
      progress(`epoch ${epoch}: distributed; claims are open`);
    }
    const report = epochReport(db, epoch, values.json ? {} : { top: 5 });
    if (!report) throw new Error(`epoch ${epoch} vanished from the database`);
    context.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return 0;
  });
}

function operatorAccount(key: string | undefined, isDevnet: boolean): LocalAccount {
  if (key) return readSigningKey(key);
  if (isDevnet) return devnetAccount('admin');
  throw new UsageError('Distributing needs the reward token owner’s key.', {
    hint: 'Pass --operator-key FILE (or env:NAME), or --no-distribute to store the settlement only.',
  });
}

/**
 * On the devnet blocks are mined only when something is sent; the capital bucket needs a block after
 * the epoch's end to know nothing else can fall inside it, so mine one when there is none yet.
 */
async function mineAfter(rpcUrl: string, client: ReturnType<typeof publicClientFor>, end: number): Promise<void> {
  const latest = await client.getBlock({ blockTag: 'latest' });
  if (latest.timestamp < BigInt(end)) await jsonRpc(rpcUrl, 'evm_mine', []);
}
