import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, type Hex, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { serverRuntime } from '../app/runtime.ts';
import { loadSettings } from '../common/settings.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { applyDelegationChange, previewDelegationChange } from '../smart-accounts/eip7702.ts';
import { getExecution } from '../smart-accounts/executions.ts';
import { importOwnerKey, unlockOwnerKey } from '../smart-accounts/keystore.ts';
import { reconcileExecutions } from '../smart-accounts/reconcile.ts';
import { devnetNetwork, TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { ensureUser } from '../smart-accounts/users.ts';
import { type AgentDeps, confirmPlan, handleMessage } from './agent.ts';
import { testAgent } from './testing/agent.ts';

/**
 * The agent for a user whose own address is their account (EIP-7702): the server's runtime gives the
 * address once the user upgrades (and the SimpleAccount before), the plan is previewed and guarded
 * for that address, and it runs from it, through the bundler and, with none, as the address's own
 * transaction, which reconcile settles.
 */

const manifest = testDevnet();
const token = (symbol: string) =>
  manifest.tokens.find((t) => t.symbol === symbol) as { address: Address; decimals: number };
const usdc = token('USDC');
const dai = token('DAI');

describe('the agent for a user in eip7702 mode', async () => {
  // The agent as the server assembles it, on a database of its own, with the same devnet.
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-7702-agent-'));
  const probe = await testAgent(manifest);
  const settings = loadSettings({ DATA_DIR: dataDir, CHAIN: 'devnet', OLLAMA_HOST: 'http://127.0.0.1:9' });
  const runtime = await serverRuntime(probe.db, devnetNetwork(manifest), settings, TEST_PASSPHRASE);
  const deps: AgentDeps = { ...runtime.agent.agent, parse: probe.parse };
  const client = deps.env.publicClient;
  const balanceOf = (symbol: 'USDC' | 'DAI', holder: Address) =>
    client.readContract({ address: token(symbol).address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

  const userId = 'imported-7702';
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;
  await fundFromFaucet(client, manifest.rpcUrl, manifest.tokens, address);
  ensureUser(deps.db, userId);
  await importOwnerKey(deps.db, userId, TEST_PASSPHRASE, privateKey);
  const owner = await unlockOwnerKey(deps.db, userId, TEST_PASSPHRASE);

  it('gives the SimpleAccount before the upgrade and the address itself after it', async () => {
    const before = await runtime.agent.userAccount(userId);
    expect(before.owner).toBe(address);
    expect(before.account).not.toBe(address);
    await applyDelegationChange(deps.env, owner, await previewDelegationChange(deps.env, userId, address, 'upgrade'));
    // The same server, still running: the mode changed, so does the account.
    expect(await runtime.agent.userAccount(userId)).toEqual({ owner: address, account: address });
  });

  it('plans, guards and runs "send 25 USDC" from the address, through the bundler', async () => {
    const { account } = await runtime.agent.userAccount(userId);
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const reply = await handleMessage(deps, { userId, owner: address, account, text: `send 25 USDC to ${to}` });
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan as NonNullable<typeof reply.plan>;
    expect(plan.preview.guard?.checks.join(' ')).toMatch(/USDC/);
    expect(plan.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'USDC', amount: '-25' }));
    const usdcBefore = await balanceOf('USDC', address);
    const record = await confirmPlan(deps, {
      userId,
      planId: plan.id,
      owner: await runtime.agent.unlock(userId),
      allowNewRecipients: true,
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(record.account).toBe(address);
    expect(record.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf('USDC', address)).toBe(usdcBefore - parseUnits('25', usdc.decimals));
    expect(await balanceOf('USDC', to)).toBe(parseUnits('25', usdc.decimals));
  });

  it('with no bundler, runs "swap 100 USDC for DAI" as the address’s own transaction, and reconcile settles its record', async () => {
    const selfSending: AgentDeps = { ...deps, env: { ...deps.env, bundlerUrl: undefined } };
    const reply = await handleMessage(selfSending, {
      userId,
      owner: address,
      account: address,
      text: 'swap 100 USDC for DAI',
    });
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan as NonNullable<typeof reply.plan>;
    expect(plan.preview.guard).toBeDefined();
    const [usdcBefore, daiBefore] = [await balanceOf('USDC', address), await balanceOf('DAI', address)];
    const record = await confirmPlan(selfSending, { userId, planId: plan.id, owner });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(record.userOpHash).toBeNull();
    const receipt = await client.getTransactionReceipt({ hash: record.txHash as Hex });
    expect(receipt.from).toBe(address.toLowerCase());
    expect(receipt.to).toBe(address.toLowerCase());
    expect(await balanceOf('USDC', address)).toBe(usdcBefore - parseUnits('100', usdc.decimals));
    expect(await balanceOf('DAI', address)).toBeGreaterThan(daiBefore + parseUnits('90', dai.decimals));
    // Settled already; the server's pass over it without a bundler finds nothing left to do.
    const report = await reconcileExecutions(selfSending.env);
    expect(report.settled.map((s) => s.id)).not.toContain(record.id);
    expect(getExecution(deps.db, userId, record.id).status).toBe('succeeded');
  });

  it('refuses a plan built for the address once the user has downgraded, with nothing sent', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const reply = await handleMessage(deps, { userId, owner: address, account: address, text: `send 5 USDC to ${to}` });
    const plan = reply.plan as NonNullable<typeof reply.plan>;
    await applyDelegationChange(deps.env, owner, await previewDelegationChange(deps.env, userId, address, 'downgrade'));
    const simpleAccount = (await runtime.agent.userAccount(userId)).account;
    expect(simpleAccount).not.toBe(address);
    const usdcBefore = await balanceOf('USDC', address);
    await expect(confirmPlan(deps, { userId, planId: plan.id, owner, allowNewRecipients: true })).rejects.toThrow(
      `this plan was built for the account ${address}, and your account is now ${simpleAccount}`,
    );
    expect(await balanceOf('USDC', address)).toBe(usdcBefore);
    expect(await balanceOf('USDC', to)).toBe(0n);
  });
});
