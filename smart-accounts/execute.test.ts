import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { minedReceipt } from '../common/mined-receipt.ts';
import { findFreePort } from '../common/ports.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { bundlerClientFor, execute } from './execute.ts';
import { getExecution, insertOrGetExecution, listExecutions, updateExecution } from './executions.ts';
import { newUser, testEnvironment } from './testing/environment.ts';
import { depositAtEntryPoint, entryPointDeposit } from './testing/gas-deposit.ts';
import { operationCallGas } from './testing/operation-call-gas.ts';

const manifest = testDevnet();
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
    // Named by call, in words, with the token's own reason kept.
    expect(record.error).toContain(`call 2 of 2 (to ${usdc.address}) failed: the token balance is too small`);
    expect(record.error).toContain('ERC20: transfer amount exceeds balance');
    expect(record.userOpHash).toBeNull();
    expect(await env.publicClient.getBalance({ address: stranger })).toBe(0n);
    expect(await env.publicClient.getBalance({ address: account })).toBe(before.eth);
    expect(await balanceOf(usdc.address, account)).toBe(before.usdc);
  });

  it('records an operation that reverts on chain as reverted, with the reason, when the market moved after simulation', async () => {
    const { userId, owner, account } = await newUser(env);
    await fund(account);
    const weth = manifest.contracts.weth;
    const dai = token('DAI');
    const router = manifest.contracts.uniswapV3.swapRouter02;
    const routerAbi = parseAbi([
      'struct Params { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
      'function exactInputSingle(Params params) payable returns (uint256)',
    ]);
    const swap = (recipient: Address, amountIn: bigint, amountOutMinimum: bigint) =>
      encodeFunctionData({
        abi: routerAbi,
        functionName: 'exactInputSingle',
        args: [
          {
            tokenIn: dai.address,
            tokenOut: weth,
            fee: 500,
            recipient,
            amountIn,
            amountOutMinimum,
            sqrtPriceLimitX96: 0n,
          },
        ],
      });
    const amountIn = parseUnits('1000', 18);
    // Ask for what the pool gives now, less 0.1%: fine in simulation, too much after a big trade.
    const quoted = (
      await env.publicClient.simulateContract({
        address: manifest.contracts.uniswapV3.quoterV2,
        abi: parseAbi([
          'struct QuoteParams { address tokenIn; address tokenOut; uint256 amountIn; uint24 fee; uint160 sqrtPriceLimitX96; }',
          'function quoteExactInputSingle(QuoteParams params) returns (uint256 amountOut, uint160, uint32, uint256)',
        ]),
        functionName: 'quoteExactInputSingle',
        args: [{ tokenIn: dai.address, tokenOut: weth, amountIn, fee: 500, sqrtPriceLimitX96: 0n }],
      })
    ).result[0];
    const daiBefore = await balanceOf(dai.address, account);
    const trader = await fundedAccount(manifest);
    const mintAbi = parseAbi(['function mint(address account, uint256 value) returns (bool)']);

    const record = await execute(
      env,
      owner,
      {
        userId,
        idempotencyKey: randomUUID(),
        calls: [
          {
            to: dai.address,
            data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, amountIn] }),
          },
          { to: router, data: swap(account, amountIn, (quoted * 999n) / 1000n) },
        ],
      },
      {
        // Between simulation and inclusion, someone sells 50,000 DAI into the same pool (one no other test prices).
        beforeSend: async () => {
          const big = parseUnits('50000', 18);
          for (const data of [
            encodeFunctionData({ abi: mintAbi, functionName: 'mint', args: [trader.account.address, big] }),
            encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, big] }),
          ]) {
            const hash = await trader.walletClient.sendTransaction({
              account: trader.account,
              chain: trader.walletClient.chain,
              to: dai.address,
              data,
            });
            await minedReceipt(env.publicClient, hash);
          }
          const hash = await trader.walletClient.sendTransaction({
            account: trader.account,
            chain: trader.walletClient.chain,
            to: router,
            data: swap(trader.account.address, big, 0n),
          });
          await minedReceipt(env.publicClient, hash);
        },
      },
    );
    expect(record.status).toBe('reverted');
    expect(record.error).toContain(`call 2 of 2 (to ${router}) failed: the swap would return less than the minimum`);
    expect(record.error).toContain('(Too little received)');
    expect(record.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(record.feePaid).toBeGreaterThan(0n);
    // The batch is atomic: the approval was undone with the swap, and no DAI left the account.
    expect(await balanceOf(dai.address, account)).toBe(daiBefore);
    const allowance = await env.publicClient.readContract({
      address: dai.address,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [account, router],
    });
    expect(allowance).toBe(0n);
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

  it("pays the gas from the account's deposit at the EntryPoint: an account that holds only the value it sends still sends it", async () => {
    const { userId, owner, account } = await newUser(env);
    const testClient = env.publicClient as unknown as {
      request: (a: { method: string; params: unknown[] }) => Promise<unknown>;
    };
    await testClient.request({ method: 'anvil_setBalance', params: [account, `0x${parseEther('0.5').toString(16)}`] });
    // Someone deposits 0.1 ETH at the EntryPoint for the account (anyone may): its gas deposit.
    await depositAtEntryPoint(manifest, account, parseEther('0.1'));
    const depositOf = () => entryPointDeposit(env.publicClient, manifest, account);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const record = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: recipient, value: parseEther('0.5') }],
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.5'));
    expect(await env.publicClient.getBalance({ address: account })).toBe(0n);
    expect(await depositOf()).toBe(parseEther('0.1') - (record.feePaid as bigint));
  });

  it('is sponsored by the paymaster when PAYMASTER_URL is set: an account with no ETH pays no gas', async () => {
    expect(manifest.paymasterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sponsored = { ...env, paymasterUrl: manifest.paymasterUrl ?? undefined };
    const { userId, owner, account } = await newUser(sponsored);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const record = await execute(sponsored, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [
        {
          to: usdc.address,
          data: encodeFunctionData({
            abi: parseAbi(['function mint(address account, uint256 value) returns (bool)']),
            functionName: 'mint',
            args: [recipient, parseUnits('5', 6)],
          }),
        },
      ],
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await balanceOf(usdc.address, recipient)).toBe(parseUnits('5', 6));
    // The account never held ETH, deployed itself on this operation, and still holds none.
    expect(await env.publicClient.getBalance({ address: account })).toBe(0n);
    expect((await env.publicClient.getCode({ address: account }))?.length).toBeGreaterThan(2);
    const landed = await bundlerClientFor(sponsored).getUserOperation({ hash: record.userOpHash as `0x${string}` });
    expect(landed.userOperation.paymaster).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(BigInt(landed.userOperation.paymaster as string)).not.toBe(0n);
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

  it("takes the account's sequential nonce (key 0) when nothing else of it may land, and a fresh key beside an unfinished one", async () => {
    const { userId, owner, account } = await newUser(env);
    await fund(account);
    const nonceOf = (key: bigint) =>
      env.publicClient.readContract({
        address: manifest.contracts.entryPointV08,
        abi: parseAbi(['function getNonce(address sender, uint192 key) view returns (uint256)']),
        functionName: 'getNonce',
        args: [account, key],
      });
    const sentNonce = (id: string) => {
      const row = env.db.prepare('SELECT user_operation FROM executions WHERE id = ?').get(id) as {
        user_operation: string;
      };
      return BigInt((JSON.parse(row.user_operation) as { nonce: string }).nonce);
    };
    const pay = () =>
      execute(env, owner, {
        userId,
        idempotencyKey: randomUUID(),
        calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: 1n }],
      });
    // Deploying, then again: key 0, its sequence 0 then 1, both used on chain.
    for (const sequence of [0n, 1n]) {
      const record = await pay();
      expect(record.status, record.error ?? '').toBe('succeeded');
      expect(sentNonce(record.id)).toBe(sequence);
    }
    expect(await nonceOf(0n)).toBe(2n);
    // An operation of the account that may still land (a record not settled): the next takes a fresh key.
    const { record: unsettled } = insertOrGetExecution(env.db, {
      userId,
      idempotencyKey: randomUUID(),
      chainId: env.chain.chainId,
      account,
      calls: [],
    });
    const beside = await pay();
    expect(beside.status, beside.error ?? '').toBe('succeeded');
    const key = sentNonce(beside.id) >> 64n;
    expect(key).not.toBe(0n);
    expect(await nonceOf(key)).toBe((key << 64n) | 1n);
    expect(await nonceOf(0n)).toBe(2n);
    updateExecution(env.db, unsettled.id, { status: 'failed', sent: 'no', error: 'test record' });
    expect(sentNonce((await pay()).id)).toBe(2n);
  });

  it("sets the call gas limit from the node's measure of the calls, leaving under the 40,000 unused that the EntryPoint penalises", async () => {
    const { userId, owner, account } = await newUser(env);
    await fund(account);
    const pay = (recipient: Address) =>
      execute(env, owner, {
        userId,
        idempotencyKey: randomUUID(),
        calls: [
          {
            to: usdc.address,
            data: encodeFunctionData({
              abi: erc20Abi,
              functionName: 'transfer',
              args: [recipient, parseUnits('10', 6)],
            }),
          },
        ],
      });
    // The first operation deploys the account: with no code to measure, the bundler's estimate is used.
    expect((await pay(privateKeyToAccount(generatePrivateKey()).address)).status).toBe('succeeded');
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const record = await pay(recipient);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await balanceOf(usdc.address, recipient)).toBe(parseUnits('10', 6));

    // The EntryPoint's call into the account's execute: what the call gas limit is for.
    const { limit, used } = await operationCallGas(
      manifest.rpcUrl,
      env.db,
      record,
      manifest.contracts.entryPointV08,
      account,
    );
    expect(used).toBeGreaterThan(20_000n);
    expect(limit).toBeGreaterThan(used);
    expect(limit - used).toBeLessThan(40_000n);
  });
});
