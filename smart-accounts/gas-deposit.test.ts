import { randomUUID } from 'node:crypto';
import { type Address, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { applyDelegationChange, previewDelegationChange } from './eip7702.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { execute } from './execute.ts';
import { insertOrGetExecution, updateExecution } from './executions.ts';
import { previewGasWithdrawal, withdrawGasDeposit } from './gas-deposit.ts';
import { importOwnerKey, unlockOwnerKey } from './keystore.ts';
import { readGasDeposits } from './positions.ts';
import { newUser, TEST_PASSPHRASE, testEnvironment } from './testing/environment.ts';
import { depositAtEntryPoint, entryPointDeposit } from './testing/gas-deposit.ts';
import { ensureUser } from './users.ts';

const manifest = testDevnet();
const entryPoint = manifest.contracts.entryPointV08;

describe('withdrawing the gas deposit the EntryPoint holds for the account', () => {
  const env = testEnvironment(manifest);
  const client = env.publicClient;
  const depositOf = (account: Address) => entryPointDeposit(client, manifest, account);
  const depositFor = (account: Address, amount: bigint) => depositAtEntryPoint(manifest, account, amount);

  it('a SimpleAccount takes back all but what the withdrawal’s own gas may need, into the account, paying the gas from the deposit', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, account);
    // Deployed by a first operation (which leaves its unused prefund as the deposit), then 0.1 ETH more.
    const first = await execute(env, owner, {
      userId,
      idempotencyKey: randomUUID(),
      calls: [{ to: privateKeyToAccount(generatePrivateKey()).address, value: 1n }],
    });
    expect(first.status, first.error ?? '').toBe('succeeded');
    await depositFor(account, parseEther('0.1'));
    const held = await depositOf(account);

    const withdrawal = await previewGasWithdrawal(env, userId, owner.address);
    expect(withdrawal.account).toBe(account);
    const [own] = withdrawal.deposits;
    expect(own).toMatchObject({ entryPoint, version: 'v0.8', held });
    expect(withdrawal.kept).toBeGreaterThan(0n);
    expect(own?.withdrawn).toBe(held - withdrawal.kept);
    expect(withdrawal.summary[0]).toMatch(/stays for this withdrawal's own gas/);

    const ethBefore = await client.getBalance({ address: account });
    const record = await withdrawGasDeposit(env, owner, userId, withdrawal, randomUUID());
    expect(record.status, record.error ?? '').toBe('succeeded');
    // The account got exactly what was withdrawn; the gas came out of what stayed.
    expect(await client.getBalance({ address: account })).toBe(ethBefore + (own?.withdrawn ?? 0n));
    expect(await depositOf(account)).toBe(held - (own?.withdrawn ?? 0n) - (record.feePaid as bigint));
  });

  it('is refused, nothing sent, when its gas may take more from the deposit than it keeps, or while another operation is on its way', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, account);
    await depositFor(account, parseEther('0.1'));
    const withdrawal = await previewGasWithdrawal(env, userId, owner.address);
    const held = await depositOf(account);
    const eth = await client.getBalance({ address: account });
    // Fees rose since the preview: what it keeps no longer covers its prefund (modelled by keeping a tenth).
    const tooLittle = await withdrawGasDeposit(
      env,
      owner,
      userId,
      { ...withdrawal, kept: withdrawal.kept / 10n },
      randomUUID(),
    );
    expect(tooLittle).toMatchObject({ status: 'failed', sent: 'no' });
    expect(tooLittle.error).toMatch(/^Not sent: its gas may take [\d.]+ ETH from the gas deposit now \(fees rose\)/);
    expect(await depositOf(account)).toBe(held);
    expect(await client.getBalance({ address: account })).toBe(eth);

    // Another operation of the account on its way (a record not settled): it may spend the deposit first.
    const { record } = insertOrGetExecution(env.db, {
      userId,
      idempotencyKey: randomUUID(),
      chainId: env.chain.chainId,
      account,
      calls: [],
    });
    await expect(previewGasWithdrawal(env, userId, owner.address)).rejects.toThrow(
      /Another operation of 0x[0-9a-fA-F]{40} is still on its way; its gas may come from the deposit/,
    );
    updateExecution(env.db, record.id, { status: 'failed', sent: 'no', error: 'test record' });
    expect((await previewGasWithdrawal(env, userId, owner.address)).calls).toHaveLength(1);
  });

  it('an address that sends its own transactions (EIP-7702, no bundler) takes it all', async () => {
    const selfSending: ExecutionEnvironment = { ...env, bundlerUrl: undefined };
    const userId = `user-${randomUUID().slice(0, 8)}`;
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
    ensureUser(env.db, userId);
    await importOwnerKey(env.db, userId, TEST_PASSPHRASE, privateKey);
    const owner = await unlockOwnerKey(env.db, userId, TEST_PASSPHRASE);
    await applyDelegationChange(
      selfSending,
      owner,
      await previewDelegationChange(selfSending, userId, address, 'upgrade'),
    );
    await depositFor(address, parseEther('0.05'));

    const withdrawal = await previewGasWithdrawal(selfSending, userId, address);
    expect(withdrawal.kept).toBe(0n);
    expect(withdrawal.deposits).toEqual([
      { entryPoint, version: 'v0.8', held: parseEther('0.05'), withdrawn: parseEther('0.05') },
    ]);
    const ethBefore = await client.getBalance({ address });
    const record = await withdrawGasDeposit(selfSending, owner, userId, withdrawal, randomUUID());
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await depositOf(address)).toBe(0n);
    expect(await client.getBalance({ address })).toBe(ethBefore + parseEther('0.05') - (record.feePaid as bigint));
  });

  it('reads no deposit at an EntryPoint the chain lists but has no code (a fork, a custom chain), and says nothing failed', async () => {
    const { account } = await newUser(env);
    await depositFor(account, parseEther('0.01'));
    const nowhere = privateKeyToAccount(generatePrivateKey()).address;
    const chain = { ...env.chain, contracts: { ...env.chain.contracts, entryPointV07: nowhere } };
    expect(await readGasDeposits(client, chain, account)).toEqual([
      { entryPoint, version: 'v0.8', amount: parseEther('0.01') },
    ]);
  });
});
