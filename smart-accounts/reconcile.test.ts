import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { keccak256, parseEther, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { execute } from './execute.ts';
import { getExecution, insertOrGetExecution, listExecutions, updateExecution } from './executions.ts';
import { unlockOwnerKey } from './keystore.ts';
import { reconcileExecutions } from './reconcile.ts';
import { newUser, TEST_PASSPHRASE, testEnvironment } from './testing/environment.ts';

const manifest = inject('devnet');
const CRASHER = fileURLToPath(new URL('./testing/crash-after-submit.ts', import.meta.url));

describe('reconciliation', () => {
  const env = testEnvironment(manifest);

  it('settles a record left submitted by a process killed after submission: succeeded, sent once', async () => {
    const { userId, account } = await newUser(env);
    await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, account);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const idempotencyKey = randomUUID();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CRASHER,
        JSON.stringify({
          dbPath: env.dbPath,
          manifest,
          userId,
          passphrase: TEST_PASSPHRASE,
          recipient,
          idempotencyKey,
        }),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');

    const [left] = listExecutions(env.db, userId);
    expect(left?.status).toBe('submitted');
    expect(left?.userOpHash).toMatch(/^0x/);

    // "Restart": reconcile what the dead process left.
    const report = await reconcileExecutions(env);
    expect(report.settled).toContainEqual({ id: left?.id, status: 'succeeded' });
    const settled = getExecution(env.db, userId, left?.id as string);
    expect(settled.status).toBe('succeeded');
    expect(settled.txHash).toMatch(/^0x/);
    expect(settled.feePaid).toBeGreaterThan(0n);
    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.1'));

    // The same confirmation again sends nothing.
    const owner = await unlockOwnerKey(env.db, userId, TEST_PASSPHRASE);
    const again = await execute(env, owner, { userId, idempotencyKey, calls: [{ to: recipient, value: 10n ** 17n }] });
    expect(again.id).toBe(left?.id);
    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.1'));
  });

  it('marks records that never reached the bundler failed, and lost ones dropped, without sending anything', async () => {
    const { userId, account } = await newUser(env);
    const fields = { userId, chainId: manifest.chainId, account, calls: [{ to: account, value: 1n }] };
    const unsigned = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    const signedNotSent = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    updateExecution(env.db, signedNotSent.id, { userOpHash: keccak256(toHex(randomUUID())) });
    const lost = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    updateExecution(env.db, lost.id, { status: 'submitted', userOpHash: keccak256(toHex(randomUUID())) });

    await reconcileExecutions(env);
    expect(getExecution(env.db, userId, unsigned.id)).toMatchObject({
      status: 'failed',
      error: 'Interrupted before the operation was signed; nothing was sent.',
    });
    expect(getExecution(env.db, userId, signedNotSent.id)).toMatchObject({
      status: 'failed',
      error: 'Interrupted before the operation reached the bundler; nothing was sent.',
    });
    expect(getExecution(env.db, userId, lost.id).status).toBe('dropped');
  });
});
