import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, type Hex, parseAbi, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { applyDelegationChange, delegationCode, previewDelegationChange } from './eip7702.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import { getExecution, listExecutions } from './executions.ts';
import { importOwnerKey, unlockOwnerKey } from './keystore.ts';
import { reconcileExecutions } from './reconcile.ts';
import { simulateAccountCalls } from './simulate.ts';
import { accountKindFor, smartAccountAddress } from './smart-account.ts';
import { newUser, TEST_PASSPHRASE, testEnvironment } from './testing/environment.ts';
import { accountModeOf, ensureUser } from './users.ts';

const manifest = testDevnet();
const token = (symbol: string) =>
  manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; decimals: number };
const usdc = token('USDC');
const transfer = (to: Address, amount: bigint) => ({
  to: usdc.address,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
});
const stranger = () => privateKeyToAccount(generatePrivateKey()).address;

describe('the user’s own address as the smart account (EIP-7702)', () => {
  const env = testEnvironment(manifest);
  /** The same database and chain with no bundler: a 7702 account sends its own transactions. */
  const selfSending: ExecutionEnvironment = { ...env, bundlerUrl: undefined };
  const sponsored: ExecutionEnvironment = { ...env, paymasterUrl: manifest.paymasterUrl ?? undefined };
  const client = env.publicClient;
  const balanceOf = (holder: Address) =>
    client.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const entryPointDeposit = (holder: Address) =>
    client.readContract({
      address: manifest.contracts.entryPointV08,
      abi: parseAbi(['function balanceOf(address) view returns (uint256)']),
      functionName: 'balanceOf',
      args: [holder],
    });

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

  it('upgrades an imported address (type-4), batches from it through the bundler and by itself, and downgrades', async () => {
    const { userId, address, owner } = await importedUser();
    expect(await client.getCode({ address })).toBeUndefined();

    const upgrade = await previewDelegationChange(env, userId, address, 'upgrade');
    expect(upgrade).toMatchObject({
      current: null,
      target: manifest.contracts.simple7702Account,
      modeBefore: 'simple-account',
      modeAfter: 'eip7702',
      sendsAuthorization: true,
    });
    expect(upgrade.summary.join(' ')).toContain(`Your address ${address} becomes your smart account`);
    // Previewing changes nothing.
    expect(await client.getCode({ address })).toBeUndefined();
    expect(accountModeOf(env.db, userId)).toBe('simple-account');

    const upgraded = await applyDelegationChange(env, owner, upgrade);
    expect(upgraded.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const upgradeTx = await client.getTransaction({ hash: upgraded.txHash as Hex });
    expect(upgradeTx.type).toBe('eip7702');
    expect(upgradeTx.from).toBe(address.toLowerCase());
    expect(await client.getCode({ address })).toBe(delegationCode(manifest.contracts.simple7702Account).toLowerCase());
    expect(accountModeOf(env.db, userId)).toBe('eip7702');
    expect(await smartAccountAddress(client, env.chain, address, accountKindFor(env.db, userId))).toBe(address);

    // Through the bundler: a native + ERC-20 batch from the address itself, then a single transfer.
    const to = stranger();
    const calls = [{ to, value: parseEther('0.25') }, transfer(to, parseUnits('123.45', 6))];
    const simulation = await simulateAccountCalls(env, address, calls);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    expect(simulation.account).toBe(address);
    expect(simulation.deployed).toBe(true);
    expect(simulation.assetChanges.find((c) => c.token === usdc.address)?.diff).toBe(-parseUnits('123.45', 6));

    const eth = await client.getBalance({ address });
    const usdcBefore = await balanceOf(address);
    const deposit = await entryPointDeposit(address);
    const batch = await execute(env, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(batch.status, batch.error ?? '').toBe('succeeded');
    expect(await client.getBalance({ address: to })).toBe(parseEther('0.25'));
    expect(await balanceOf(to)).toBe(parseUnits('123.45', 6));
    expect(await balanceOf(address)).toBe(usdcBefore - parseUnits('123.45', 6));
    // The address paid the value and the fee; what the EntryPoint kept of its prefund is its deposit.
    expect((await client.getBalance({ address })) + (await entryPointDeposit(address)) - deposit).toBe(
      eth - parseEther('0.25') - (batch.feePaid as bigint),
    );

    const single = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [transfer(stranger(), parseUnits('1', 6))],
    });
    expect(single.status, single.error ?? '').toBe('succeeded');
    expect(single.account).toBe(address);
    expect(single.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    console.log(`eip7702: one ERC-20 transfer as a UserOperation through the bundler: gasUsed ${single.gasUsed}`);

    // No bundler: the address sends the batch itself, one transaction to its own executeBatch.
    const ethSelf = await client.getBalance({ address });
    const usdcSelf = await balanceOf(address);
    const selfSent = await execute(selfSending, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(selfSent.status, selfSent.error ?? '').toBe('succeeded');
    expect(selfSent.userOpHash).toBeNull();
    const receipt = await client.getTransactionReceipt({ hash: selfSent.txHash as Hex });
    expect(receipt.from).toBe(address.toLowerCase());
    expect(receipt.to).toBe(address.toLowerCase());
    expect(selfSent.gasUsed).toBe(receipt.gasUsed);
    expect(await client.getBalance({ address: to })).toBe(parseEther('0.5'));
    expect(await balanceOf(address)).toBe(usdcSelf - parseUnits('123.45', 6));
    expect(await client.getBalance({ address })).toBe(ethSelf - parseEther('0.25') - (selfSent.feePaid as bigint));

    const downgrade = await previewDelegationChange(env, userId, address, 'downgrade');
    expect(downgrade).toMatchObject({ current: manifest.contracts.simple7702Account, target: null });
    const downgraded = await applyDelegationChange(env, owner, downgrade);
    expect(downgraded).toMatchObject({ mode: 'simple-account', delegatedTo: null });
    expect(await client.getCode({ address })).toBeUndefined();
    expect(accountModeOf(env.db, userId)).toBe('simple-account');
    expect(await smartAccountAddress(client, env.chain, address, accountKindFor(env.db, userId))).not.toBe(address);
  });

  it('folds the delegation into the first UserOperation, which the paymaster sponsors', async () => {
    const { userId, address, owner } = await importedUser();
    const change = await previewDelegationChange(env, userId, address, 'upgrade', { via: 'first-operation' });
    expect(change.sendsAuthorization).toBe(false);
    await applyDelegationChange(env, owner, change);
    expect(accountModeOf(env.db, userId)).toBe('eip7702');
    expect(await client.getCode({ address })).toBeUndefined();

    // Simulated as delegated although it is not yet (the delegation set by a state override).
    const to = stranger();
    const calls = [transfer(to, parseUnits('5', 6))];
    const simulation = await simulateAccountCalls(env, address, calls);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    expect(simulation.deployed).toBe(false);
    expect(simulation.assetChanges.find((c) => c.token === usdc.address)?.diff).toBe(-parseUnits('5', 6));
    expect(await client.getCode({ address })).toBeUndefined();

    const eth = await client.getBalance({ address });
    const record = await execute(sponsored, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await client.getCode({ address })).toBe(delegationCode(manifest.contracts.simple7702Account).toLowerCase());
    expect(await balanceOf(to)).toBe(parseUnits('5', 6));
    // Sponsored: not a wei of the address's ETH went to gas, and it holds no deposit.
    expect(await client.getBalance({ address })).toBe(eth);
    expect(await entryPointDeposit(address)).toBe(0n);
  });

  it('settles a self-sent transaction after a crash between sending and the receipt, and one whose nonce was used as dropped', async () => {
    const { userId, address, owner } = await importedUser();
    await applyDelegationChange(
      env,
      owner,
      await previewDelegationChange(env, userId, address, 'upgrade', { via: 'first-operation' }),
    );
    const to = stranger();
    const crash = new Error('crashed after sending');
    const idempotencyKey = randomUUID();
    await expect(
      execute(
        selfSending,
        owner,
        { userId, idempotencyKey, calls: [transfer(to, parseUnits('7', 6))] },
        {
          afterSubmit: () => {
            throw crash;
          },
        },
      ),
    ).rejects.toBe(crash);
    const [left] = listExecutions(env.db, userId);
    // Sent before the crash, not necessarily mined yet (automine may answer first on a busy machine).
    await minedReceipt(client, left?.txHash as Hex);
    // The one transaction carried the delegation and the call.
    expect(await client.getCode({ address })).toBe(delegationCode(manifest.contracts.simple7702Account).toLowerCase());
    expect(await balanceOf(to)).toBe(parseUnits('7', 6));
    expect(left).toMatchObject({ status: 'submitted', sent: 'yes', gasUsed: null });
    // Executing again with the same key sends nothing: it returns the record as it is.
    expect((await execute(selfSending, owner, { userId, idempotencyKey, calls: [] })).id).toBe(left?.id);

    const report = await reconcileExecutions(selfSending, { waitMs: 0 });
    expect(report.settled).toContainEqual({ id: left?.id, status: 'succeeded' });
    const settled = getExecution(env.db, userId, left?.id as string);
    expect(settled).toMatchObject({ status: 'succeeded', txHash: left?.txHash });
    expect(settled.gasUsed).toBeGreaterThan(21_000n);

    // Signed and written ahead, then a crash before sending; meanwhile the address used that nonce.
    const never = randomUUID();
    await expect(
      execute(
        selfSending,
        owner,
        { userId, idempotencyKey: never, calls: [transfer(to, parseUnits('1', 6))] },
        {
          beforeSend: () => Promise.reject(crash),
        },
      ),
    ).rejects.toBe(crash);
    const [pending] = listExecutions(env.db, userId).filter((r) => r.status === 'pending');
    expect(pending?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const other = await execute(selfSending, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to, value: 1n }],
    });
    expect(other.status, other.error ?? '').toBe('succeeded');
    await reconcileExecutions(selfSending, { waitMs: 0 });
    expect(getExecution(env.db, userId, pending?.id as string)).toMatchObject({ status: 'dropped' });
    expect(await balanceOf(to)).toBe(parseUnits('7', 6));
  });

  it('still needs a bundler for a SimpleAccount, and says what to set', async () => {
    const { userId, owner } = await newUser(env);
    await expect(
      execute(selfSending, owner, { userId, idempotencyKey: randomUUID(), calls: [{ to: stranger(), value: 1n }] }),
    ).rejects.toThrow(`No bundler configured for ${env.chain.name}.`);
    expect(listExecutions(env.db, userId)).toEqual([]);
  });

  it('refuses, sending nothing, to run through an address delegated to another implementation', async () => {
    const { userId, address, owner } = await importedUser();
    await applyDelegationChange(
      env,
      owner,
      await previewDelegationChange(env, userId, address, 'upgrade', { via: 'first-operation' }),
    );
    const other = manifest.contracts.simpleAccountFactoryV08;
    await jsonRpc(manifest.rpcUrl, 'anvil_setCode', [address, delegationCode(other)]);
    const nonce = await client.getTransactionCount({ address });
    for (const environment of [env, selfSending]) {
      const record = await execute(environment, owner, {
        userId,
        idempotencyKey: randomUUID(),
        calls: [{ to: stranger(), value: 1n }],
      });
      expect(record).toMatchObject({ status: 'failed', sent: 'no', userOpHash: null, txHash: null });
      expect(record.error).toContain(`delegates to ${other}, not to Simple7702Account`);
    }
    expect(await client.getTransactionCount({ address })).toBe(nonce);
  });
});
