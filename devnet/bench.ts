/**
 * `npm run bench:devnet [-- --runs N]`: how long the devnet takes from nothing to ready, as JSON.
 * - cli: `sextant devnet` as a fresh process, both chains (the second, L2-like one too, as `npm start`
 *   runs it), from spawn to its "ready" line (what a person waits for): `devnet.start_s_two_chains`;
 * - stages: the same start in-process, split into anvil, deployment, Alto and the mock paymaster;
 * - rejoin: pointing at a chain that already has everything (deployment finds it all, sends nothing).
 * Medians, since this machine is shared and noisy; every run's figure is printed too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findFreePort } from '../common/ports.ts';
import { startDevnet } from './devnet.ts';
import { eventually, runSextant } from './testing/processes.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of runs, 1 or more');

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const seconds = (ms: number) => Math.round(ms) / 1000;
const log = (message: string) => process.stderr.write(`${message}\n`);

const cli: number[] = [];
for (let run = 0; run < runs; run++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-bench-'));
  const started = performance.now();
  const child = runSextant(
    [
      'devnet',
      '--anvil-port',
      String(await findFreePort()),
      '--bundler-port',
      String(await findFreePort()),
      '--paymaster-port',
      String(await findFreePort()),
    ],
    {
      DATA_DIR: dataDir,
      RPC_URL: '',
      BUNDLER_URL: '',
      DEVNET_L2: '1',
      DEVNET_L2_ANVIL_PORT: String(await findFreePort()),
      DEVNET_L2_BUNDLER_PORT: String(await findFreePort()),
      DEVNET_L2_PAYMASTER_PORT: String(await findFreePort()),
    },
  );
  await eventually(() => child.stderr().includes('Press Ctrl-C'), 120_000, 'the devnet is ready');
  cli.push(performance.now() - started);
  child.child.kill('SIGTERM');
  await child.exited;
  rmSync(dataDir, { recursive: true, force: true });
  log(`cli run ${run + 1}/${runs}: ${seconds(cli.at(-1) as number)} s`);
}

const stages = {
  anvil: [] as number[],
  deployment: [] as number[],
  alto: [] as number[],
  paymaster: [] as number[],
  total: [] as number[],
};
const rejoin: number[] = [];
let transactions = 0;
let contracts = 0;
for (let run = 0; run < runs; run++) {
  const marks: Record<string, number> = {};
  const started = performance.now();
  const devnet = await startDevnet({
    anvilPort: await findFreePort(),
    bundlerPort: await findFreePort(),
    paymasterPort: await findFreePort(),
    progress: (message) => {
      if (message.startsWith('ERC-4337')) marks.anvil = performance.now();
      if (message.startsWith('alto')) marks.deployed = performance.now();
      if (message.startsWith('paymaster')) marks.altoReady = performance.now();
    },
  });
  const ready = performance.now();
  stages.anvil.push((marks.anvil as number) - started);
  stages.deployment.push((marks.deployed as number) - (marks.anvil as number));
  stages.alto.push((marks.altoReady as number) - (marks.deployed as number));
  stages.paymaster.push(ready - (marks.altoReady as number));
  stages.total.push(ready - started);
  transactions = devnet.deployment.transactions;
  contracts = devnet.deployment.deployed;

  const rejoinStarted = performance.now();
  const again = await startDevnet({
    anvilPort: 0,
    bundlerPort: 0,
    paymasterPort: 0,
    rpcUrl: devnet.manifest.rpcUrl,
    bundlerUrl: devnet.manifest.bundlerUrl,
  });
  rejoin.push(performance.now() - rejoinStarted);
  if (again.deployment.transactions !== 0) throw new Error('rejoining sent transactions; deployment is not idempotent');
  await devnet.stop();
  log(`in-process run ${run + 1}/${runs}: ${seconds(stages.total.at(-1) as number)} s`);
}

console.log(
  JSON.stringify(
    {
      benchmark: 'devnet cold start',
      runs,
      target_seconds: 20,
      'devnet.start_s_two_chains': seconds(median(cli)),
      cli_spawn_to_ready_s: { chains: 2, median: seconds(median(cli)), all: cli.map(seconds) },
      in_process_s: {
        anvil_ready: seconds(median(stages.anvil)),
        deployment: seconds(median(stages.deployment)),
        alto_ready: seconds(median(stages.alto)),
        mock_paymaster_ready: seconds(median(stages.paymaster)),
        chains: 1,
        total: seconds(median(stages.total)),
        all_totals: stages.total.map(seconds),
      },
      rejoin_existing_chain_s: { median: seconds(median(rejoin)), transactions_sent: 0 },
      deployment: { contracts, transactions },
    },
    null,
    2,
  ),
);
