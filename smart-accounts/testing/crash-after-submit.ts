/**
 * A process that executes one transfer and is killed (SIGKILL, no clean-up possible) the moment the
 * bundler has accepted the operation: what a power cut at the worst time looks like. Used by
 * reconcile.test.ts. Argument: JSON {dbPath, manifest, userId, passphrase, recipient, idempotencyKey}.
 */
import type { Address } from 'viem';
import { openDatabase } from '../../common/database.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { executionEnvironment } from '../environment.ts';
import { execute } from '../execute.ts';
import { unlockOwnerKey } from '../keystore.ts';
import { devnetNetwork } from './environment.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  dbPath: string;
  manifest: DevnetManifest;
  userId: string;
  passphrase: string;
  recipient: Address;
  idempotencyKey: string;
};
const env = executionEnvironment(openDatabase(input.dbPath), devnetNetwork(input.manifest));
const owner = await unlockOwnerKey(env.db, input.userId, input.passphrase);
await execute(
  env,
  owner,
  { userId: input.userId, idempotencyKey: input.idempotencyKey, calls: [{ to: input.recipient, value: 10n ** 17n }] },
  { afterSubmit: () => process.kill(process.pid, 'SIGKILL') },
);
// Not reached: the process dies inside execute.
process.exit(3);
