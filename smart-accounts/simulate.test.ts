import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { NATIVE_TOKEN } from '../skills/sdk/define-skill.ts';
import { execute } from './execute.ts';
import { simulateAccountCalls } from './simulate.ts';
import { newUser, testEnvironment } from './testing/environment.ts';

const manifest = testDevnet();
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const weth = manifest.contracts.weth;
const deposit = encodeFunctionData({ abi: parseAbi(['function deposit() payable']), functionName: 'deposit' });

describe('simulateAccountCalls', () => {
  const env = testEnvironment(manifest);

  it('predicts, for an account not yet deployed, exactly the balance changes and approvals that execution makes', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, account);
    const spender = privateKeyToAccount(generatePrivateKey()).address;
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const calls = [
      { to: weth, value: parseEther('1.5'), data: deposit },
      { to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, 1234n] }) },
      {
        to: usdc,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, parseUnits('7', 6)] }),
      },
    ];
    const simulation = await simulateAccountCalls(env, owner.address, calls);
    expect(simulation).toMatchObject({ ok: true, account, deployed: false, revertReason: undefined });
    const diffs = Object.fromEntries(simulation.assetChanges.map((c) => [c.token.toLowerCase(), c.diff]));
    expect(diffs).toEqual({
      [NATIVE_TOKEN.toLowerCase()]: -parseEther('1.5'),
      [weth.toLowerCase()]: parseEther('1.5'),
      [usdc.toLowerCase()]: -parseUnits('7', 6),
    });
    expect(simulation.approvals).toEqual([{ token: usdc, spender, amount: 1234n, remaining: 1234n }]);
    expect(simulation.gas.deployment).toBeGreaterThan(50_000n);
    expect(simulation.gas.fee).toBe(simulation.gas.total * simulation.gas.maxFeePerGas);

    const record = await execute(env, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(record.status, record.error ?? '').toBe('succeeded');
    // The real gas is in the same range as the estimate (it cannot be exact: signatures, calldata).
    expect(Number(record.gasUsed)).toBeGreaterThan(Number(simulation.gas.total) * 0.5);
    expect(Number(record.gasUsed)).toBeLessThan(Number(simulation.gas.total) * 1.5);
    const wethBalance = await env.publicClient.readContract({
      address: weth,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account],
    });
    expect(wethBalance).toBe(parseEther('5') + parseEther('1.5'));
  });

  it('reads what is left of an allowance from the simulated chain: none once Aave has taken WETH (WETH9 logs no Approval then)', async () => {
    const { userId, owner, account } = await newUser(env);
    await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, account);
    const pool = manifest.contracts.aaveV3.pool;
    const amount = parseEther('0.1');
    const calls = [
      { to: weth, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, amount] }) },
      {
        to: pool,
        data: encodeFunctionData({
          abi: parseAbi(['function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)']),
          functionName: 'supply',
          args: [weth, amount, account, 0],
        }),
      },
    ];
    const simulation = await simulateAccountCalls(env, owner.address, calls);
    expect(simulation.ok, simulation.revertReason).toBe(true);
    expect(simulation.approvals).toEqual([{ token: weth, spender: pool, amount, remaining: 0n }]);

    const record = await execute(env, owner, { userId, idempotencyKey: randomUUID(), calls });
    expect(record.status, record.error ?? '').toBe('succeeded');
    const left = await env.publicClient.readContract({
      address: weth,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [account, pool],
    });
    expect(left).toBe(simulation.approvals[0]?.remaining);
  });

  it('reports why a batch would fail, and predicts no changes', async () => {
    const { owner } = await newUser(env);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const simulation = await simulateAccountCalls(env, owner.address, [
      { to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, 1n] }) },
    ]);
    expect(simulation.ok).toBe(false);
    expect(simulation.revertReason).toMatch(
      /call 1 of 1 \(to 0x[0-9a-fA-F]+\) failed: .*(exceeds balance|InsufficientBalance)/,
    );
    expect(simulation.assetChanges).toEqual([]);
  });
});
