import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Address, encodeFunctionData, erc20Abi, type Hex, keccak256, parseEther, parseUnits, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { minedReceipt } from '../common/mined-receipt.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { bundlerClientFor, execute } from './execute.ts';
import {
  getExecution,
  insertOrGetExecution,
  listExecutions,
  nothingWasSent,
  unfinishedExecutions,
  updateExecution,
} from './executions.ts';
import { userOperationFees } from './fees.ts';
import { unlockOwnerKey } from './keystore.ts';
import { type ReconcileReport, reconcileExecutions, startReconciliation } from './reconcile.ts';
import { DEFAULT_ACCOUNT_KIND } from './smart-account.ts';
import { type BundlerProxy, type SendFault, startBundlerProxy } from './testing/bundler-proxy.ts';
import { newUser, TEST_PASSPHRASE, testEnvironment } from './testing/environment.ts';

const manifest = testDevnet();
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

  it('fails only unsigned records that are stale, and never calls a signed one "nothing was sent" or dropped', async () => {
    const { userId, account } = await newUser(env);
    const fields = { userId, chainId: manifest.chainId, account, calls: [{ to: account, value: 1n }] };
    const unsigned = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    // Signed and written ahead, then the process died: it may or may not have reached the bundler.
    const signedMaybeSent = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    updateExecution(env.db, signedMaybeSent.id, { userOpHash: keccak256(toHex(randomUUID())), sent: 'unknown' });
    const lost = insertOrGetExecution(env.db, { ...fields, idempotencyKey: randomUUID() }).record;
    updateExecution(env.db, lost.id, { status: 'submitted', sent: 'yes', userOpHash: keccak256(toHex(randomUUID())) });

    // A young unsigned record may be an execution still preparing: left alone.
    await reconcileExecutions(env, { waitMs: 0 });
    expect(getExecution(env.db, userId, unsigned.id).status).toBe('pending');

    await reconcileExecutions(env, { waitMs: 0, staleAfterMs: 0 });
    const failed = getExecution(env.db, userId, unsigned.id);
    expect(failed).toMatchObject({ status: 'failed', sent: 'no' });
    expect(failed.error).toBe('Interrupted before the operation was signed; nothing was sent.');
    expect(nothingWasSent(failed)).toBe(true);
    for (const id of [signedMaybeSent.id, lost.id]) {
      const record = getExecution(env.db, userId, id);
      expect(record.status).toBe('submitted');
      expect(nothingWasSent(record)).toBe(false);
      expect(record.error).toContain('could still land');
    }
  });
});

describe('an operation the bundler took while its answer was lost', () => {
  const env = testEnvironment(manifest);
  const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
  const balanceOf = (holder: Address) =>
    env.publicClient.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const proxies: BundlerProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  const proxied = async (onSend: SendFault, forget = false) => {
    const proxy = await startBundlerProxy(manifest.bundlerUrl, { chainId: manifest.chainId, onSend, forget });
    proxies.push(proxy);
    return { proxy, via: { ...env, bundlerUrl: proxy.url } };
  };
  /** A funded user and a request paying a fresh address 0.1 ETH and 12.5 USDC. */
  const paying = async () => {
    const user = await newUser(env);
    await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, user.account);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const request = {
      userId: user.userId,
      idempotencyKey: randomUUID(),
      calls: [
        { to: recipient, value: parseEther('0.1') },
        {
          to: usdc.address,
          data: encodeFunctionData({
            abi: erc20Abi,
            functionName: 'transfer',
            args: [recipient, parseUnits('12.5', 6)],
          }),
        },
      ],
    };
    return { ...user, recipient, request, usdcBefore: await balanceOf(user.account) };
  };
  /** The payment happened exactly once, on chain. */
  const paidOnce = async (payment: Awaited<ReturnType<typeof paying>>) => {
    expect(await env.publicClient.getBalance({ address: payment.recipient })).toBe(parseEther('0.1'));
    expect(await balanceOf(payment.recipient)).toBe(parseUnits('12.5', 6));
    expect(await balanceOf(payment.account)).toBe(payment.usdcBefore - parseUnits('12.5', 6));
  };

  it.each([
    ['the proxy closes the socket', 'destroy'],
    ['the proxy answers HTTP 502', 'http-502'],
    ['the answer does not parse', 'garbage'],
    ['no answer comes before the timeout', 'hang'],
  ] as const)(
    '%s: submitted (not failed), settled succeeded once by reconciliation, never sent twice',
    async (_, fault) => {
      const { proxy, via } = await proxied(fault);
      const payment = await paying();

      const record = await execute(via, payment.owner, payment.request, { bundlerTimeoutMs: 3_000 });
      expect(record.status, record.error ?? '').toBe('submitted');
      expect(record.sent).toBe('unknown');
      expect(nothingWasSent(record)).toBe(false);
      expect(record.error).toContain('gave no clear answer after the operation was sent');
      expect(record.error).not.toMatch(/nothing was sent/i);
      expect(proxy.sends()).toBe(1);

      const report = await reconcileExecutions(via, { waitMs: 30_000 });
      expect(report.settled).toContainEqual({ id: record.id, status: 'succeeded' });
      const settled = getExecution(env.db, payment.userId, record.id);
      expect(settled).toMatchObject({ status: 'succeeded', sent: 'yes', error: null });
      const receipt = await bundlerClientFor(env).getUserOperationReceipt({ hash: record.userOpHash as Hex });
      expect(settled.txHash).toBe(receipt.receipt.transactionHash);
      expect((await env.publicClient.getTransactionReceipt({ hash: settled.txHash as Hex })).status).toBe('success');
      await paidOnce(payment);

      // Settled once: a second pass leaves it; the same confirmation again returns it and sends nothing.
      const again = await reconcileExecutions(via, { waitMs: 0 });
      expect(again.settled.map((s) => s.id)).not.toContain(record.id);
      const second = await execute(via, payment.owner, payment.request, { bundlerTimeoutMs: 3_000 });
      expect(second.id).toBe(record.id);
      expect(second.status).toBe('succeeded');
      expect(proxy.sends()).toBe(1);
      await paidOnce(payment);
    },
  );

  it.each([
    ['accepted it, then forgot it', 'pass'],
    ['lost the answer, then forgot it', 'destroy'],
  ] as const)(
    "a bundler that %s while it landed: settled from the EntryPoint's UserOperationEvent",
    async (_, fault) => {
      const { proxy, via } = await proxied(fault, true);
      const payment = await paying();

      const record = await execute(via, payment.owner, payment.request, {
        bundlerTimeoutMs: 3_000,
        receiptTimeoutMs: 500,
      });
      expect(record.status, record.error ?? '').toBe('submitted');
      expect(record.sent).toBe(fault === 'pass' ? 'yes' : 'unknown');
      // It lands (the real bundler has it), while the proxy says it knows nothing of it.
      const real = await bundlerClientFor(env).waitForUserOperationReceipt({
        hash: record.userOpHash as Hex,
        pollingInterval: 100,
        timeout: 30_000,
      });
      await expect(bundlerClientFor(via).getUserOperationReceipt({ hash: record.userOpHash as Hex })).rejects.toThrow();

      const report = await reconcileExecutions(via, { waitMs: 0 });
      expect(report.settled).toContainEqual({ id: record.id, status: 'succeeded' });
      expect(getExecution(env.db, payment.userId, record.id)).toMatchObject({
        status: 'succeeded',
        txHash: real.receipt.transactionHash,
        gasUsed: real.actualGasUsed,
        feePaid: real.actualGasCost,
      });
      await paidOnce(payment);
      expect((await reconcileExecutions(via, { waitMs: 0 })).settled.map((s) => s.id)).not.toContain(record.id);
      expect((await execute(via, payment.owner, payment.request)).id).toBe(record.id);
      expect(proxy.sends()).toBe(1);
      await paidOnce(payment);
    },
  );

  it('one that reverted on chain while the bundler forgot it: reverted from the logs, with the reason', async () => {
    const { via } = await proxied('pass', true);
    const payment = await paying();
    // Deployed first: an address that sent a transaction can no longer be deployed to.
    const deployed = await execute(env, payment.owner, {
      userId: payment.userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: payment.account, value: 0n }],
    });
    expect(deployed.status, deployed.error ?? '').toBe('succeeded');
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    const record = await execute(via, payment.owner, payment.request, {
      receiptTimeoutMs: 500,
      // After simulation, the account's USDC leaves (anvil impersonation): the transfer reverts on chain.
      beforeSend: async () => {
        const anvil = env.publicClient.request as unknown as (a: { method: string; params: unknown[] }) => Promise<Hex>;
        await anvil({ method: 'anvil_impersonateAccount', params: [payment.account] });
        const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [sink, payment.usdcBefore] });
        const hash = await anvil({
          method: 'eth_sendTransaction',
          params: [{ from: payment.account, to: usdc.address, data }],
        });
        await minedReceipt(env.publicClient, hash);
        await anvil({ method: 'anvil_stopImpersonatingAccount', params: [payment.account] });
      },
    });
    expect(record.status, record.error ?? '').toBe('submitted');
    const real = await bundlerClientFor(env).waitForUserOperationReceipt({
      hash: record.userOpHash as Hex,
      pollingInterval: 100,
      timeout: 30_000,
    });
    expect(real.success).toBe(false);

    const report = await reconcileExecutions(via, { waitMs: 0 });
    expect(report.settled).toContainEqual({ id: record.id, status: 'reverted' });
    const settled = getExecution(env.db, payment.userId, record.id);
    expect(settled).toMatchObject({
      status: 'reverted',
      txHash: real.receipt.transactionHash,
      gasUsed: real.actualGasUsed,
      feePaid: real.actualGasCost,
    });
    expect(settled.error).toContain(`call 2 of 2 (to ${usdc.address}) failed: the token balance is too small`);
    expect(settled.error).toContain('ERC20: transfer amount exceeds balance');
    // The batch is atomic: the ETH transfer was undone with it.
    expect(await env.publicClient.getBalance({ address: payment.recipient })).toBe(0n);
  });

  it('an operation lost after acceptance stays submitted while it could land; dropped once its nonce is used', async () => {
    const { via } = await proxied('swallow');
    const payment = await paying();
    const record = await execute(via, payment.owner, payment.request, { receiptTimeoutMs: 300 });
    expect(record).toMatchObject({ status: 'submitted', sent: 'yes' });

    await reconcileExecutions(via, { waitMs: 0 });
    const open = getExecution(env.db, payment.userId, record.id);
    expect(open.status).toBe('submitted');
    expect(open.error).toContain('no longer has this operation');
    expect(nothingWasSent(open)).toBe(false);

    // Another operation with the same nonce (what a cancellation sends) lands: this one never can now.
    const stored = unfinishedExecutions(env.db).find((r) => r.id === record.id)?.userOperation as string;
    const account = await DEFAULT_ACCOUNT_KIND.create(env.publicClient, env.chain, payment.owner);
    const bundler = bundlerClientFor(env, account);
    const other = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await bundler.sendUserOperation({
      account,
      calls: [{ to: other, value: 1n }],
      nonce: BigInt((JSON.parse(stored) as { nonce: Hex }).nonce),
      ...(await userOperationFees(env)),
    });
    await bundler.waitForUserOperationReceipt({ hash, pollingInterval: 100, timeout: 30_000 });

    const report = await reconcileExecutions(via, { waitMs: 0 });
    expect(report.settled).toContainEqual({ id: record.id, status: 'dropped' });
    expect(getExecution(env.db, payment.userId, record.id).error).toContain('its nonce was used by another operation');
    expect(await env.publicClient.getBalance({ address: payment.recipient })).toBe(0n);
    expect(await balanceOf(payment.recipient)).toBe(0n);
    expect(await env.publicClient.getBalance({ address: other })).toBe(1n);
  });

  it('a refusal from the bundler is failed, but not "nothing was sent"', async () => {
    const payment = await paying();
    // Another operation takes the nonce between signing and sending: the bundler refuses this one.
    const refused = await execute(env, payment.owner, payment.request, {
      beforeSend: async () => {
        const account = await DEFAULT_ACCOUNT_KIND.create(env.publicClient, env.chain, payment.owner);
        const stored = unfinishedExecutions(env.db).find((r) => r.idempotencyKey === payment.request.idempotencyKey);
        const bundler = bundlerClientFor(env, account);
        const hash = await bundler.sendUserOperation({
          account,
          calls: [{ to: payment.account, value: 0n }],
          nonce: BigInt((JSON.parse(stored?.userOperation as string) as { nonce: Hex }).nonce),
          ...(await userOperationFees(env)),
        });
        await bundler.waitForUserOperationReceipt({ hash, pollingInterval: 100, timeout: 30_000 });
      },
    });
    expect(refused).toMatchObject({ status: 'failed', sent: 'yes' });
    expect(refused.error).toMatch(/^The bundler refused the operation: .*AA\d\d /);
    expect(nothingWasSent(refused)).toBe(false);
    expect(await env.publicClient.getBalance({ address: payment.recipient })).toBe(0n);
  });

  it('a send whose connection is refused is failed and certainly sent nothing', async () => {
    const { proxy, via } = await proxied('pass');
    const payment = await paying();
    // The bundler goes away after the preparation: the send cannot connect, so not a byte left.
    const record = await execute(via, payment.owner, payment.request, {
      beforeSend: async () => {
        await proxy.close();
        // Until the client has seen its kept-alive connection close, a request on it would meet a
        // socket closed under it: "unknown", rightly, not this case.
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
    });
    expect(record).toMatchObject({ status: 'failed', sent: 'no' });
    expect(record.error).toMatch(/failed while sending: connection refused.*Nothing was sent\.$/);
    expect(nothingWasSent(record)).toBe(true);
    expect(proxy.sends()).toBe(0);
    await reconcileExecutions(env, { waitMs: 0, staleAfterMs: 0 });
    expect(getExecution(env.db, payment.userId, record.id).status).toBe('failed');
    expect(await env.publicClient.getBalance({ address: payment.recipient })).toBe(0n);
  });

  it('is settled by the periodic reconciliation while the server runs, which then stops cleanly', async () => {
    const { via } = await proxied('http-502');
    const payment = await paying();
    const record = await execute(via, payment.owner, payment.request);
    expect(record.status).toBe('submitted');

    const reports: ReconcileReport[] = [];
    const reconciler = startReconciliation(via, { intervalMs: 200, onReport: (report) => reports.push(report) });
    try {
      const deadline = Date.now() + 30_000;
      while (getExecution(env.db, payment.userId, record.id).status === 'submitted' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await reconciler.stop();
    }
    expect(getExecution(env.db, payment.userId, record.id).status).toBe('succeeded');
    expect(reports.flatMap((r) => r.settled).filter((s) => s.id === record.id)).toEqual([
      { id: record.id, status: 'succeeded' },
    ]);
    await paidOnce(payment);
    const passes = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reports.length).toBe(passes);
  });
});
