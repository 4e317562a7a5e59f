import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { cancelOperation } from './cancel.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import {
  closeInterrupted,
  getExecution,
  insertOrGetExecution,
  otherUnfinished,
  updateExecution,
} from './executions.ts';
import { reconcileExecutions } from './reconcile.ts';
import { newUser, testEnvironment } from './testing/environment.ts';

const manifest = testDevnet();
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;

describe('cancelling an operation that was signed and never landed', () => {
  const env = testEnvironment(manifest);
  const client = env.publicClient;
  const usdcOf = (holder: Address) =>
    client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

  it('uses its nonce with an operation that does nothing: it can never land, it is settled as dropped, and nothing waits on it', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, account);
    const payee0 = privateKeyToAccount(generatePrivateKey()).address;
    const deployed = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: payee0, value: 1n }],
    });
    expect(deployed.status, deployed.error ?? '').toBe('succeeded');
    const payee = privateKeyToAccount(generatePrivateKey()).address;
    // Signed and written down, then the process died before it was sent (it runs alone: an unvetted plan's).
    const key = randomUUID();
    await expect(
      execute(
        env,
        owner,
        {
          userId,
          idempotencyKey: key,
          calls: [
            {
              to: usdc,
              data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payee, parseUnits('5', 6)] }),
            },
          ],
          runsAlone: true,
        },
        {
          beforeSend: async () => {
            throw new Error('killed before sending');
          },
        },
      ),
    ).rejects.toThrow('killed before sending');
    await reconcileExecutions(env, { staleAfterMs: 0, waitMs: 0 });
    const stuck = otherUnfinished(env.db, env.chain.chainId, account, { runsAlone: true });
    expect(stuck).toMatchObject({ status: 'submitted' });
    const nonceBefore = await client.readContract({
      address: manifest.contracts.entryPointV08,
      abi: parseAbi(['function getNonce(address sender, uint192 key) view returns (uint256)']),
      functionName: 'getNonce',
      args: [account, 0n],
    });

    const { cancellation, operation } = await cancelOperation(env, owner, userId, stuck?.id as string);
    expect(cancellation.status, cancellation.error ?? '').toBe('succeeded');
    expect(operation.status).toBe('dropped');
    expect(operation.error).toMatch(/its nonce was used by another operation/);
    expect(
      await client.readContract({
        address: manifest.contracts.entryPointV08,
        abi: parseAbi(['function getNonce(address sender, uint192 key) view returns (uint256)']),
        functionName: 'getNonce',
        args: [account, 0n],
      }),
    ).toBe(nonceBefore + 1n);
    expect(await usdcOf(payee)).toBe(0n);
    expect(otherUnfinished(env.db, env.chain.chainId, account, { runsAlone: true })).toBeUndefined();
    await expect(cancelOperation(env, owner, userId, stuck?.id as string)).rejects.toThrow(
      /is dropped already; there is nothing to cancel/,
    );
    expect(getExecution(env.db, userId, cancellation.id).calls).toEqual([{ to: owner.address, value: 0n, data: '0x' }]);
  });

  it('settles only its own two records, and is tried again after a cancellation that certainly sent nothing', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, account);
    const deployed = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: 1n }],
    });
    expect(deployed.status, deployed.error ?? '').toBe('succeeded');
    await expect(
      execute(
        env,
        owner,
        {
          userId,
          idempotencyKey: randomUUID(),
          calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: 1n }],
        },
        { beforeSend: () => Promise.reject(new Error('killed before sending')) },
      ),
    ).rejects.toThrow('killed before sending');
    const stuck = otherUnfinished(env.db, env.chain.chainId, account);
    expect(stuck).toBeDefined();
    // Another user's record, just created and in the middle of its preparation: not this cancellation's to close.
    const other = await newUser(env);
    const { record: preparing } = insertOrGetExecution(env.db, {
      userId: other.userId,
      idempotencyKey: randomUUID(),
      chainId: env.chain.chainId,
      account: other.account,
      calls: [],
    });

    // The bundler is down: the cancellation certainly sent nothing.
    const down: ExecutionEnvironment = { ...env, bundlerUrl: `http://127.0.0.1:${await findFreePort()}` };
    const first = await cancelOperation(down, owner, userId, stuck?.id as string);
    expect(first.cancellation).toMatchObject({ status: 'failed', sent: 'no' });
    expect(first.operation.status).not.toBe('dropped');
    // Asked again with the bundler back: a new cancellation, which takes the nonce.
    const second = await cancelOperation(env, owner, userId, stuck?.id as string);
    expect(second.cancellation.id).not.toBe(first.cancellation.id);
    expect(second.cancellation.status, second.cancellation.error ?? '').toBe('succeeded');
    expect(second.operation.status).toBe('dropped');
    expect(getExecution(env.db, other.userId, preparing.id).status).toBe('pending');
  });
});

describe('closing a record interrupted before signing', () => {
  const env = testEnvironment(manifest);
  it('closes one with nothing written ahead, and never one whose signed operation was written (it may have been sent)', async () => {
    const { userId, account } = await newUser(env);
    const record = (sent: boolean) => {
      const { record: created } = insertOrGetExecution(env.db, {
        userId,
        idempotencyKey: randomUUID(),
        chainId: env.chain.chainId,
        account,
        calls: [],
      });
      if (sent)
        updateExecution(env.db, created.id, { userOpHash: `0x${'ab'.repeat(32)}`, sent: 'unknown' }, ['pending']);
      return created.id;
    };
    const interrupted = record(false);
    const writtenAhead = record(true);
    expect(closeInterrupted(env.db, interrupted)).toBe(true);
    expect(getExecution(env.db, userId, interrupted)).toMatchObject({ status: 'failed', sent: 'no' });
    expect(closeInterrupted(env.db, writtenAhead)).toBe(false);
    expect(getExecution(env.db, userId, writtenAhead)).toMatchObject({ status: 'pending', sent: 'unknown' });
  });
});
