/**
 * A process that makes one runner pass and is killed (SIGKILL, no clean-up possible) at one of the
 * two worst moments of a run: once its signed transaction is written but before it is sent
 * ('before-send'), or once the node has taken it but before its receipt ('after-send'). Used by
 * lifecycle.test.ts. Argument: JSON {dbPath, manifest, userId, passphrase, at}.
 */
import { openDatabase } from '../../../common/database.ts';
import type { DevnetManifest } from '../../../devnet/manifest.ts';
import { executionEnvironment } from '../../../smart-accounts/environment.ts';
import { devnetNetwork } from '../../../smart-accounts/testing/environment.ts';
import { unlockAgentKey } from '../agent-key.ts';
import { runOrders } from '../runner.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  dbPath: string;
  manifest: DevnetManifest;
  userId: string;
  passphrase: string;
  at: 'before-send' | 'after-send';
};
const db = openDatabase(input.dbPath);
const kill = async () => {
  process.kill(process.pid, 'SIGKILL');
};
await runOrders({
  // Without the bundler, as the file that runs this (devnet/testing/chain-snapshot.ts says why).
  ...executionEnvironment(db, devnetNetwork(input.manifest)),
  bundlerUrl: undefined,
  agentKey: () => unlockAgentKey(db, input.userId, input.passphrase),
  ...(input.at === 'before-send' ? { beforeSend: kill } : { afterSend: kill }),
});
// Not reached: the process dies inside the pass.
process.exit(3);
