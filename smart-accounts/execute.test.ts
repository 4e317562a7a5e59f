import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { execute } from './execute.ts';
import { getExecution, listExecutions } from './executions.ts';
import { newUser, testEnvironment } from './testing/environment.ts';

const manifest = inject('devnet');
const token = (symbol: string) =>
  manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; decimals: number };
const usdc = token('USDC');

describe('execute', () => {
  const env = testEnvironment(manifest);
  const balanceOf = (tokenAddress: Address, holder: Address) =>
    env.publicClient.readContract({ address: tokenAddress, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const fund = (address: Address) => fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, address);

  it('deploys the account with its first operation, and a batched native + ERC-20 transfer moves balances exactly', async () => {
    const { userId, owner, account } = await newUser(env);
    expect(await env.publicClient.getCode({ address: account })).toBeUndefined();
    await fund(account);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const ethBefore = await env.publicClient.getBalance({ address: account });
    const usdcBefore = await balanceOf(usdc.address, account);

    const record = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      planId: 'plan-1',
      calls: [
        { to: recipient, value: parseEther('0.25') },
        {
          to: usdc.address,
          data: encodeFunctionData({
            abi: erc20Abi,
            functionName: 'transfer',
            args: [recipient, parseUnits('123.45', 6)],
          }),
        },
      ],
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(record.account).toBe(account);
    expect(record.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(record.gasUsed).toBeGreaterThan(100_000n);
    expect(record.feePaid).toBeGreaterThan(0n);
    expect((await env.publicClient.getCode({ address: account }))?.length).toBeGreaterThan(2);

    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.25'));
    expect(await balanceOf(usdc.address, recipient)).toBe(parseUnits('123.45', 6));
    expect(await balanceOf(usdc.address, account)).toBe(usdcBefore - parseUnits('123.45', 6));
    // The account paid the value and exactly the fee the receipt states. (It prefunds gas from its
    // balance; the EntryPoint keeps what the operation did not use as the account's deposit.)
    const deposit = await env.publicClient.readContract({
      address: manifest.contracts.entryPointV08,
      abi: parseAbi(['function balanceOf(address) view returns (uint256)']),
      functionName: 'balanceOf',
      args: [account],
    });
    const ethAfter = await env.publicClient.getBalance({ address: account });
    expect(ethAfter + deposit).toBe(ethBefore - parseEther('0.25') - (record.feePaid as bigint));
  });

  it('reports the inner revert reason of a failing batch, and moves nothing', async () => {
    const { userId, owner, account } = await newUser(env);
    await fund(account);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const before = {
      eth: await env.publicClient.getBalance({ address: account }),
      usdc: await balanceOf(usdc.address, account),
    };
    const record = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [
        { to: stranger, value: parseEther('0.1') },
        // Takes a stranger's USDC without an allowance: the token refuses.
        {
          to: usdc.address,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [stranger, account, 1n] }),
        },
      ],
    });
    expect(record.status).toBe('failed');
    expect(record.error).toContain(`call 2 of 2 (to ${usdc.address}) failed: ERC20: transfer amount exceeds`);
    expect(record.userOpHash).toBeNull();
    expect(await env.publicClient.getBalance({ address: stranger })).toBe(0n);
    expect(await env.publicClient.getBalance({ address: account })).toBe(before.eth);
    expect(await balanceOf(usdc.address, account)).toBe(before.usdc);
  });

  it('executes once per idempotency key: the second call returns the first record and sends nothing', async () => {
    const { userId, owner, account } = await newUser(env);
    await fund(account);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const request = { userId, idempotencyKey: randomUUID(), calls: [{ to: recipient, value: parseEther('1') }] };
    const [first, second] = await Promise.all([execute(env, owner, request), execute(env, owner, request)]);
    const third = await execute(env, owner, request);
    expect(second.id).toBe(first.id);
    expect(third.id).toBe(first.id);
    expect(third.status).toBe('succeeded');
    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('1'));
    expect(listExecutions(env.db, userId)).toHaveLength(1);
  });

  it('refuses a shortfall before signing, saying what is missing in human units', async () => {
    const { userId, owner } = await newUser(env);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const record = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [
        { to: recipient, value: parseEther('2') },
        {
          to: usdc.address,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, parseUnits('50', 6)] }),
        },
      ],
    });
    expect(record.status).toBe('failed');
    expect(record.error).toContain('ETH needs 2, has 0 (short 2)');
    expect(record.error).toContain('USDC needs 50, has 0 (short 50)');
  });

  it('refuses when the account can pay the value but not the gas', async () => {
    const { userId, owner, account } = await newUser(env);
    const testClient = env.publicClient as unknown as {
      request: (a: { method: string; params: unknown[] }) => Promise<unknown>;
    };
    await testClient.request({ method: 'anvil_setBalance', params: [account, `0x${parseEther('0.5').toString(16)}`] });
    const record = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: parseEther('0.5') }],
    });
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/ETH needs 0\.5\d* \(including gas\), has 0\.5 \(short 0\.\d+\)/);
  });

  it('records a clear failure when the bundler is down, and never sends it later', async () => {
    const down = testEnvironment(manifest, `http://127.0.0.1:${await findFreePort()}`);
    const { userId, owner, account } = await newUser(down);
    await fund(account);
    const record = await execute(down, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: 1n }],
    });
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(
      /The bundler at http:\/\/127\.0\.0\.1:\d+ failed while preparing the operation: connection refused/,
    );
    expect(record.error).toContain('Nothing was sent.');
    expect(record.userOpHash).toBeNull();
  });

  it('shows a user only their own executions', async () => {
    const alice = await newUser(env);
    const bob = await newUser(env);
    await fund(alice.account);
    const record = await execute(env, alice.owner, {
      userId: alice.userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: bob.account, value: 1n }],
    });
    expect(getExecution(env.db, alice.userId, record.id).id).toBe(record.id);
    expect(() => getExecution(env.db, bob.userId, record.id)).toThrow(
      `No execution ${record.id} for user ${bob.userId}`,
    );
    expect(listExecutions(env.db, bob.userId)).toEqual([]);
  });
});
