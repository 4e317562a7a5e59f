import { type Address, encodeFunctionData, erc20Abi, parseEther, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import { simulateAccountCalls } from '../../smart-accounts/simulate.ts';
import { newUser, testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { arrivalState, clientWithState } from './arrival-state.ts';
import { clientAfterCalls } from './client-after-calls.ts';

/**
 * The destination chain as it will be once a bridge's funds arrive, on the devnet: every listed
 * token's balance slot is found, and reads, simulations and the planner's later steps see the credit;
 * the chain itself is untouched.
 */
const manifest = testDevnet();
const { publicClient } = devnetClients(manifest);
const tokenOf = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol) as { address: Address };
const balanceOf = (client: typeof publicClient, token: Address, holder: Address) =>
  client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

describe('arrivalState', () => {
  it('raises each listed token’s balance and the ETH balance by what arrives, and nothing on chain', async () => {
    const env = testEnvironment(manifest);
    const { account } = await newUser(env);
    const arrivals = [
      ...manifest.tokens.map((token, i) => ({ token: token.address, amount: BigInt(1_000 + i) })),
      { token: NATIVE_TOKEN, amount: parseEther('0.5') },
    ];
    const there = clientWithState(publicClient, await arrivalState(publicClient, account, arrivals));
    for (const [i, token] of manifest.tokens.entries()) {
      expect(await balanceOf(there, token.address, account), token.symbol).toBe(BigInt(1_000 + i));
      expect(await balanceOf(publicClient, token.address, account)).toBe(0n);
    }
    expect(await there.getBalance({ address: account })).toBe(parseEther('0.5'));
    expect(await publicClient.getBalance({ address: account })).toBe(0n);
  });

  it('adds to what the account already holds, and another holder sees nothing of it', async () => {
    const env = testEnvironment(manifest);
    const { account } = await newUser(env);
    const stranger = (await newUser(env)).account;
    const usdc = tokenOf('USDC').address;
    const state = await arrivalState(publicClient, account, [{ token: usdc, amount: parseUnits('99.9', 6) }]);
    const twice = clientWithState(
      publicClient,
      await arrivalState(clientWithState(publicClient, state), account, [
        { token: usdc, amount: parseUnits('0.1', 6) },
      ]),
    );
    expect(await balanceOf(twice, usdc, account)).toBe(parseUnits('100', 6));
    expect(await balanceOf(twice, usdc, stranger)).toBe(0n);
    // Two bridges of the same token in one plan: both arrive.
    const both = clientWithState(
      publicClient,
      await arrivalState(publicClient, account, [
        { token: usdc, amount: parseUnits('99.9', 6) },
        { token: usdc, amount: parseUnits('49.95', 6) },
      ]),
    );
    expect(await balanceOf(both, usdc, account)).toBe(parseUnits('149.85', 6));
  });

  it('carries into eth_simulateV1: the account’s own transfer of the arrival succeeds there, and fails without it', async () => {
    const env = testEnvironment(manifest);
    const { owner, account } = await newUser(env);
    const usdc = tokenOf('USDC').address;
    const amount = parseUnits('99.9', 6);
    const there = clientWithState(publicClient, await arrivalState(publicClient, account, [{ token: usdc, amount }]));
    const pay = {
      to: usdc,
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: 'transfer',
        args: ['0x000000000000000000000000000000000000dEaD', amount],
      }),
    };
    const withArrival = await simulateAccountCalls({ ...env, publicClient: there }, owner.address, [pay]);
    expect(withArrival.ok, withArrival.revertReason).toBe(true);
    expect(withArrival.assetChanges).toContainEqual(expect.objectContaining({ token: usdc, diff: -amount }));
    const without = await simulateAccountCalls(env, owner.address, [pay]);
    expect(without.ok).toBe(false);
    // A later step built after the transfer sees the arrival spent.
    expect(await balanceOf(clientAfterCalls(there, account, [pay]), usdc, account)).toBe(0n);
  });
});
