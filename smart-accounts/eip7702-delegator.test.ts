import { randomUUID } from 'node:crypto';
import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  parseEther,
  parseUnits,
  toFunctionSelector,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { devnetTransport } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { caveatTerms, type Delegation, delegationTypedData, ROOT_AUTHORITY, redeemCalldata } from './delegations.ts';
import { applyDelegationChange, delegationCode, previewDelegationChange } from './eip7702.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { bundlerClientFor, execute } from './execute.ts';
import { listExecutions } from './executions.ts';
import { importOwnerKey, unlockOwnerKey } from './keystore.ts';
import { reconcileExecutions } from './reconcile.ts';
import { simulateAccountCalls } from './simulate.ts';
import { accountKindFor, deleGator7702, smartAccountAddress } from './smart-account.ts';
import { TEST_PASSPHRASE, testEnvironment } from './testing/environment.ts';
import { accountChoiceOf, type Eip7702Implementation, ensureUser } from './users.ts';

/**
 * The user's own address delegated (EIP-7702) to MetaMask's EIP-7702 DeleGator instead of
 * Simple7702Account, on the shared devnet: Sextant's batches run from it as transactions the address
 * sends itself (no bundler) or as UserOperations of EntryPoint v0.7 through the bundler, it grants
 * delegations with caveats that an agent key redeems, and it switches back and forth with
 * Simple7702Account.
 */
const manifest = testDevnet();
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const dai = manifest.tokens.find((t) => t.symbol === 'DAI') as { address: Address; decimals: number };
const deleGator = manifest.contracts.delegation.eip7702StatelessDeleGator;
const simple7702 = manifest.contracts.simple7702Account;
const transfer = (token: Address, to: Address, amount: bigint) => ({
  to: token,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
});
const stranger = () => privateKeyToAccount(generatePrivateKey()).address;

describe("the user's own address delegated to MetaMask's EIP-7702 DeleGator", () => {
  const env = testEnvironment(manifest);
  const selfSending: ExecutionEnvironment = { ...env, bundlerUrl: undefined };
  const client = env.publicClient;
  const balanceOf = (token: Address, holder: Address) =>
    client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const codeOf = async (address: Address) => (await client.getCode({ address }))?.toLowerCase();

  /** A funded address whose key is imported for a new user: the user's funds are already there. */
  async function importedUser() {
    const userId = `user-${randomUUID().slice(0, 8)}`;
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    ensureUser(env.db, userId);
    expect(await importOwnerKey(env.db, userId, TEST_PASSPHRASE, privateKey)).toBe(address);
    return { userId, address, owner: await unlockOwnerKey(env.db, userId, TEST_PASSPHRASE) };
  }

  async function upgrade(
    user: Awaited<ReturnType<typeof importedUser>>,
    implementation: Eip7702Implementation,
    via: 'transaction' | 'first-operation' = 'transaction',
  ) {
    const change = await previewDelegationChange(env, user.userId, user.address, 'upgrade', { implementation, via });
    return { change, result: await applyDelegationChange(env, user.owner, change) };
  }

  it('upgrades to the DeleGator, runs a transfer and a 2-call batch as its own transactions (no bundler), and switches back to Simple7702Account', async () => {
    const user = await importedUser();
    const { userId, address, owner } = user;

    const preview = await previewDelegationChange(env, userId, address, 'upgrade', { implementation: 'delegator' });
    expect(preview).toMatchObject({
      current: null,
      target: deleGator,
      modeBefore: 'simple-account',
      modeAfter: 'eip7702',
      implementationBefore: null,
      implementationAfter: 'delegator',
      sendsAuthorization: true,
    });
    const words = preview.summary.join(' ');
    expect(words).toContain(`it delegates to MetaMask's EIP-7702 DeleGator ${deleGator}`);
    expect(words).toContain('it can hold delegations with caveats, which standing orders need');
    expect(await client.getCode({ address })).toBeUndefined();

    const upgraded = await applyDelegationChange(env, owner, preview);
    expect(upgraded).toMatchObject({ mode: 'eip7702', implementation: 'delegator', delegatedTo: deleGator });
    expect(await codeOf(address)).toBe(delegationCode(deleGator).toLowerCase());
    expect(accountChoiceOf(env.db, userId)).toEqual({ mode: 'eip7702', implementation: 'delegator' });
    expect(accountKindFor(env.db, userId)).toBe(deleGator7702);
    expect(await smartAccountAddress(client, env.chain, address, accountKindFor(env.db, userId))).toBe(address);

    // One ERC-20 transfer, simulated through the DeleGator's batch, then run.
    const to = stranger();
    const simulation = await simulateAccountCalls(selfSending, address, [
      transfer(usdc.address, to, parseUnits('12.5', 6)),
    ]);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    expect(simulation).toMatchObject({ account: address, deployed: true });
    expect(simulation.assetChanges.find((c) => c.token === usdc.address)?.diff).toBe(-parseUnits('12.5', 6));

    const usdcBefore = await balanceOf(usdc.address, address);
    const single = await execute(selfSending, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [transfer(usdc.address, to, parseUnits('12.5', 6))],
    });
    expect(single.status, single.error ?? '').toBe('succeeded');
    expect(single).toMatchObject({ account: address, userOpHash: null });
    const singleReceipt = await client.getTransactionReceipt({ hash: single.txHash as Hex });
    expect(singleReceipt.from).toBe(address.toLowerCase());
    expect(singleReceipt.to).toBe(address.toLowerCase());
    // The DeleGator's ERC-7579 execute(bytes32,bytes), not Simple7702Account's executeBatch.
    const singleTx = await client.getTransaction({ hash: single.txHash as Hex });
    expect(singleTx.input.slice(0, 10)).toBe(toFunctionSelector('execute(bytes32,bytes)'));
    expect(singleTx.type).toBe('eip1559');
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('12.5', 6));
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('12.5', 6));

    // Two calls in one transaction: ETH and DAI to the same stranger.
    const eth = await client.getBalance({ address });
    const daiBefore = await balanceOf(dai.address, address);
    const batch = await execute(selfSending, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to, value: parseEther('0.25') }, transfer(dai.address, to, parseUnits('3', dai.decimals))],
    });
    expect(batch.status, batch.error ?? '').toBe('succeeded');
    expect(batch.userOpHash).toBeNull();
    expect(await client.getBalance({ address: to })).toBe(parseEther('0.25'));
    expect(await balanceOf(dai.address, to)).toBe(parseUnits('3', dai.decimals));
    expect(await balanceOf(dai.address, address)).toBe(daiBefore - parseUnits('3', dai.decimals));
    expect(await client.getBalance({ address })).toBe(eth - parseEther('0.25') - (batch.feePaid as bigint));

    // Back to Simple7702Account: one type-4 transaction replaces the delegation.
    const back = await previewDelegationChange(env, userId, address, 'upgrade');
    expect(back).toMatchObject({
      current: deleGator,
      target: simple7702,
      modeBefore: 'eip7702',
      implementationBefore: 'delegator',
      implementationAfter: 'simple7702',
      sendsAuthorization: true,
    });
    expect(back.summary.join(' ')).toContain(
      `This replaces its delegation to MetaMask's EIP-7702 DeleGator ${deleGator}.`,
    );
    expect(back.summary.join(' ')).toContain('Delegations it granted as the DeleGator cannot be redeemed');
    await applyDelegationChange(env, owner, back);
    expect(await codeOf(address)).toBe(delegationCode(simple7702).toLowerCase());
    expect(accountChoiceOf(env.db, userId)).toEqual({ mode: 'eip7702', implementation: 'simple7702' });
    const viaBundler = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [transfer(usdc.address, to, parseUnits('1', 6))],
    });
    expect(viaBundler.status, viaBundler.error ?? '').toBe('succeeded');
    expect(viaBundler.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('13.5', 6));
  });

  it('runs batches through the bundler (EntryPoint v0.7): the first carries the delegation, the paymaster sponsors it', async () => {
    const user = await importedUser();
    const { userId, address, owner } = user;
    await upgrade(user, 'delegator', 'first-operation');
    expect(await client.getCode({ address })).toBeUndefined();
    const to = stranger();
    const sponsored: ExecutionEnvironment = { ...env, paymasterUrl: manifest.paymasterUrl ?? undefined };
    const eth = await client.getBalance({ address });
    const first = await execute(sponsored, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [transfer(usdc.address, to, parseUnits('5', 6)), { to, value: parseEther('0.1') }],
    });
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect(first.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await codeOf(address)).toBe(delegationCode(deleGator).toLowerCase());
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('5', 6));
    expect(await client.getBalance({ address })).toBe(eth - parseEther('0.1'));

    const second = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [transfer(usdc.address, to, parseUnits('1', 6))],
    });
    expect(second.status, second.error ?? '').toBe('succeeded');
    expect(second.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('6', 6));

    // Sent, then a crash; reconciled with no bundler to ask, from the EntryPoint v0.7's nonce and logs.
    const crash = new Error('crashed after sending');
    await expect(
      execute(
        env,
        owner,
        { userId, idempotencyKey: randomUUID(), calls: [transfer(usdc.address, to, parseUnits('2', 6))] },
        {
          afterSubmit: () => {
            throw crash;
          },
        },
      ),
    ).rejects.toBe(crash);
    const [left] = listExecutions(env.db, userId).filter((r) => r.status === 'submitted');
    expect(left?.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    await bundlerClientFor(env).waitForUserOperationReceipt({ hash: left?.userOpHash as Hex, pollingInterval: 100 });
    const report = await reconcileExecutions(selfSending, { waitMs: 0 });
    expect(report.settled).toContainEqual({ id: left?.id, status: 'succeeded' });
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('8', 6));
  });

  it('grants a delegation with caveats that the agent key redeems, refused while the address delegates to Simple7702Account', async () => {
    const user = await importedUser();
    const { address, owner } = user;
    await upgrade(user, 'delegator');
    const agent = privateKeyToAccount(generatePrivateKey());
    await fundFromFaucet(client, manifest.rpcUrl, [], agent.address);
    const { delegationManager, enforcers } = manifest.contracts.delegation;

    // USDC.transfer only, redeemed by the agent key only: signed with the user's owner key.
    const unsigned: Omit<Delegation, 'signature'> = {
      delegate: agent.address,
      delegator: address,
      authority: ROOT_AUTHORITY,
      caveats: [
        { enforcer: enforcers.AllowedTargetsEnforcer, terms: caveatTerms.allowedTargets([usdc.address]), args: '0x' },
        {
          enforcer: enforcers.AllowedMethodsEnforcer,
          terms: caveatTerms.allowedMethods([toFunctionSelector('transfer(address,uint256)')]),
          args: '0x',
        },
        { enforcer: enforcers.RedeemerEnforcer, terms: caveatTerms.redeemer([agent.address]), args: '0x' },
      ],
      salt: 1n,
    };
    const delegation: Delegation = {
      ...unsigned,
      signature: await owner.signTypedData(delegationTypedData(delegationManager, manifest.chainId, unsigned)),
    };
    const agentWallet = createWalletClient({
      account: agent,
      chain: undefined,
      transport: devnetTransport(manifest.rpcUrl),
    });
    const redeem = async (call: { to: Address; data: Hex }) => {
      const hash = await agentWallet.sendTransaction({
        chain: null,
        to: delegationManager,
        data: redeemCalldata([delegation], call),
        // Given, so a redemption the chain refuses is mined (and seen to revert), not refused by estimation.
        gas: 1_000_000n,
      });
      return (await minedReceipt(client, hash)).status;
    };

    const to = stranger();
    const usdcBefore = await balanceOf(usdc.address, address);
    expect(await redeem(transfer(usdc.address, to, parseUnits('10', 6)))).toBe('success');
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('10', 6));
    expect(await balanceOf(usdc.address, address)).toBe(usdcBefore - parseUnits('10', 6));
    // Outside its caveats (DAI is not an allowed target): refused by the chain.
    expect(await redeem(transfer(dai.address, to, parseUnits('1', dai.decimals)))).toBe('reverted');
    expect(await balanceOf(dai.address, to)).toBe(0n);

    // Delegated to Simple7702Account the address cannot be redeemed through; back on the DeleGator it can.
    await upgrade(user, 'simple7702');
    expect(await redeem(transfer(usdc.address, to, parseUnits('10', 6)))).toBe('reverted');
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('10', 6));
    await upgrade(user, 'delegator');
    expect(await redeem(transfer(usdc.address, to, parseUnits('10', 6)))).toBe('success');
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('20', 6));

    // A downgrade says so too, and leaves a plain address that nothing can be redeemed through.
    const downgrade = await previewDelegationChange(env, user.userId, address, 'downgrade');
    expect(downgrade.summary.join(' ')).toContain('Delegations it granted as the DeleGator cannot be redeemed');
    expect(await applyDelegationChange(env, owner, downgrade)).toMatchObject({
      mode: 'simple-account',
      implementation: null,
      delegatedTo: null,
    });
    expect(await client.getCode({ address })).toBeUndefined();
    expect(await redeem(transfer(usdc.address, to, parseUnits('10', 6)))).toBe('reverted');
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('20', 6));
  });

  it("carries the delegation in the first batch's own type-4 transaction when there is no bundler (--via first-operation)", async () => {
    const user = await importedUser();
    const { userId, address, owner } = user;
    const { change, result } = await upgrade(user, 'delegator', 'first-operation');
    expect(change.summary.join(' ')).toContain('Nothing is sent now: your next operation carries the authorization');
    expect(result).toMatchObject({ mode: 'eip7702', implementation: 'delegator', txHash: null, delegatedTo: null });
    expect(await client.getCode({ address })).toBeUndefined();

    // Simulated as delegated although it is not yet.
    const to = stranger();
    const calls = [transfer(usdc.address, to, parseUnits('5', 6)), { to, value: parseEther('0.1') }];
    const simulation = await simulateAccountCalls(selfSending, address, calls);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    expect(simulation.deployed).toBe(false);
    expect(simulation.assetChanges.find((c) => c.token === usdc.address)?.diff).toBe(-parseUnits('5', 6));

    const record = await execute(selfSending, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect((await client.getTransaction({ hash: record.txHash as Hex })).type).toBe('eip7702');
    expect(await codeOf(address)).toBe(delegationCode(deleGator).toLowerCase());
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('5', 6));
    expect(await client.getBalance({ address: to })).toBe(parseEther('0.1'));
  });

  it('records a batch the chain reverts with the reason, replayed through the DeleGator, and settles one left by a crash', async () => {
    const user = await importedUser();
    const { userId, address, owner } = user;
    await upgrade(user, 'delegator');
    // Someone the address lets take its USDC, and takes it all between signing and sending.
    const taker = privateKeyToAccount(generatePrivateKey());
    await fundFromFaucet(client, manifest.rpcUrl, [], taker.address);
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [taker.address, 2n ** 255n] });
    const approved = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: usdc.address, data: approve }],
    });
    expect(approved.status, approved.error ?? '').toBe('succeeded');
    const to = stranger();
    const reverted = await execute(
      selfSending,
      owner,
      { userId, idempotencyKey: randomUUID(), calls: [transfer(usdc.address, to, parseUnits('10', 6))] },
      {
        beforeSend: async () => {
          const all = await balanceOf(usdc.address, address);
          const hash = await createWalletClient({
            account: taker,
            transport: devnetTransport(manifest.rpcUrl),
          }).writeContract({
            chain: null,
            address: usdc.address,
            abi: erc20Abi,
            functionName: 'transferFrom',
            args: [address, taker.address, all],
          });
          await minedReceipt(client, hash);
        },
      },
    );
    expect(reverted.status).toBe('reverted');
    expect(reverted.error).toContain('the token balance is too small (ERC20: transfer amount exceeds balance)');
    expect((await client.getTransactionReceipt({ hash: reverted.txHash as Hex })).status).toBe('reverted');
    expect(await balanceOf(usdc.address, to)).toBe(0n);

    // Sent, then a crash before the receipt: reconciliation settles it from the chain.
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    const crash = new Error('crashed after sending');
    await expect(
      execute(
        selfSending,
        owner,
        { userId, idempotencyKey: randomUUID(), calls: [transfer(usdc.address, to, parseUnits('4', 6))] },
        {
          afterSubmit: () => {
            throw crash;
          },
        },
      ),
    ).rejects.toBe(crash);
    const [left] = listExecutions(env.db, userId).filter((r) => r.status === 'submitted');
    expect(left).toMatchObject({ sent: 'yes', userOpHash: null });
    await minedReceipt(client, left?.txHash as Hex);
    const report = await reconcileExecutions(selfSending, { waitMs: 0 });
    expect(report.settled).toContainEqual({ id: left?.id, status: 'succeeded' });
    expect(await balanceOf(usdc.address, to)).toBe(parseUnits('4', 6));
  });

  it('names the DeleGator when the address delegates to another contract, and sends nothing', async () => {
    const user = await importedUser();
    const { userId, address, owner } = user;
    await upgrade(user, 'delegator');
    await jsonRpc(manifest.rpcUrl, 'anvil_setCode', [address, delegationCode(simple7702)]);
    const nonce = await client.getTransactionCount({ address });
    for (const environment of [env, selfSending]) {
      const record = await execute(environment, owner, {
        userId,
        idempotencyKey: randomUUID(),
        calls: [{ to: stranger(), value: 1n }],
      });
      expect(record).toMatchObject({ status: 'failed', sent: 'no', userOpHash: null, txHash: null });
      expect(record.error).toContain(`delegates to ${simple7702}, not to MetaMask's EIP-7702 DeleGator (${deleGator})`);
    }
    expect(await client.getTransactionCount({ address })).toBe(nonce);
    // Replacing a delegation is the address's own transaction: a first-operation upgrade is refused.
    await expect(
      previewDelegationChange(env, userId, address, 'upgrade', { implementation: 'delegator', via: 'first-operation' }),
    ).rejects.toThrow(`${address} delegates to Simple7702Account ${simple7702} now`);
  });
});
