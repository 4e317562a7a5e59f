import { type Address, encodeFunctionData, erc20Abi, parseUnits, toFunctionSelector } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { minedReceipt } from '../common/mined-receipt.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { type Caveat, caveatTerms, type Delegation, disableCalldata, ROOT_AUTHORITY } from './delegations.ts';
import { delegationParties } from './testing/delegation-parties.ts';

/**
 * MetaMask's delegation framework on the devnet, driven from outside Sextant: a user's own address
 * (EIP-7702, delegated to the framework's stateless DeleGator) grants a delegation with caveats to an
 * agent key, and the agent key, sent as a plain transaction, can do what the caveats allow and
 * nothing else. Every refusal is the chain's (the redemption reverts), and balances show it.
 */
const manifest = testDevnet();
const { publicClient, framework, user, agent, stranger, wallet, setUp, sign, redeem } = delegationParties(manifest);
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
const dai = manifest.tokens.find((t) => t.symbol === 'DAI') as { address: Address; decimals: number };
const TRANSFER = toFunctionSelector('transfer(address,uint256)');
const usdcUnits = (amount: string) => parseUnits(amount, usdc.decimals);

const balanceOf = (token: Address, holder: Address) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
const transferCall = (token: Address, to: Address, amount: bigint) => ({
  to: token,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
});

/** A delegation from the user to the agent key with `caveats`, signed by the user's key. */
async function grant(caveats: Caveat[], salt: bigint): Promise<Delegation> {
  return sign({ delegate: agent.address, delegator: user.address, authority: ROOT_AUTHORITY, caveats, salt });
}

/** The caveats a "Sextant may send up to 50 USDC a day, to nothing but USDC.transfer" grant would carry. */
async function usdcAllowance(calls: bigint): Promise<Caveat[]> {
  const now = (await publicClient.getBlock()).timestamp;
  const { enforcers } = framework;
  return [
    { enforcer: enforcers.AllowedTargetsEnforcer, terms: caveatTerms.allowedTargets([usdc.address]), args: '0x' },
    { enforcer: enforcers.AllowedMethodsEnforcer, terms: caveatTerms.allowedMethods([TRANSFER]), args: '0x' },
    {
      enforcer: enforcers.ERC20PeriodTransferEnforcer,
      terms: caveatTerms.erc20PeriodTransfer(usdc.address, usdcUnits('50'), 86_400n, now - 60n),
      args: '0x',
    },
    { enforcer: enforcers.TimestampEnforcer, terms: caveatTerms.timestamp(0n, now + 86_400n), args: '0x' },
    { enforcer: enforcers.LimitedCallsEnforcer, terms: caveatTerms.limitedCalls(calls), args: '0x' },
    { enforcer: enforcers.RedeemerEnforcer, terms: caveatTerms.redeemer([agent.address]), args: '0x' },
  ];
}

// The user's address takes the framework's EIP-7702 DeleGator as its code, so it can hold delegations
// and check their signatures (ERC-1271).
beforeAll(setUp);

describe('delegations with caveats, enforced by the chain', () => {
  it('is deployed at the framework’s own 1.3.0 addresses', async () => {
    expect(framework.delegationManager).toBe('0xdb9B1e94B5b69Df7e401DDbedE43491141047dB3');
    expect(framework.eip7702StatelessDeleGator).toBe('0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B');
    for (const address of [framework.delegationManager, ...Object.values(framework.enforcers)]) {
      expect((await publicClient.getCode({ address }))?.length ?? 0).toBeGreaterThan(100);
    }
  });

  it('lets the agent key do what the caveats allow, and the chain refuses the rest', async () => {
    const delegation = await grant(await usdcAllowance(2n), 1n);
    const userUsdc = await balanceOf(usdc.address, user.address);
    const userDai = await balanceOf(dai.address, user.address);

    // Within the grant: 30 USDC to the agent key.
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('30')))).toBe('success');
    expect(await balanceOf(usdc.address, agent.address)).toBe(usdcUnits('30'));

    // Beyond the day's 50: refused.
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('30')))).toBe(
      'reverted',
    );
    // Another contract (DAI), another method (approve): refused.
    expect(await redeem(agent, delegation, transferCall(dai.address, agent.address, parseUnits('1', 18)))).toBe(
      'reverted',
    );
    expect(
      await redeem(agent, delegation, {
        to: usdc.address,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [agent.address, usdcUnits('1000')] }),
      }),
    ).toBe('reverted');
    // Another key, holding the signed delegation: refused.
    expect(await redeem(stranger, delegation, transferCall(usdc.address, stranger.address, usdcUnits('1')))).toBe(
      'reverted',
    );
    // A delegation whose signature is not the user's (caveats loosened after signing): refused.
    const forged = { ...delegation, caveats: delegation.caveats.slice(3) };
    expect(await redeem(agent, forged, transferCall(usdc.address, agent.address, usdcUnits('40')))).toBe('reverted');

    // The second of two calls the grant allows, within the day: taken; a third: refused.
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('10')))).toBe('success');
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('5')))).toBe('reverted');

    expect(await balanceOf(usdc.address, agent.address)).toBe(usdcUnits('40'));
    expect(await balanceOf(usdc.address, user.address)).toBe(userUsdc - usdcUnits('40'));
    expect(await balanceOf(dai.address, user.address)).toBe(userDai);
    expect(
      await publicClient.readContract({
        address: usdc.address,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [user.address, agent.address],
      }),
    ).toBe(0n);
  });

  it('refuses a redemption outside the grant’s time window', async () => {
    const now = (await publicClient.getBlock()).timestamp;
    const caveats = await usdcAllowance(5n);
    const window = (after: bigint, before: bigint) =>
      caveats.map((c) =>
        c.enforcer === framework.enforcers.TimestampEnforcer
          ? { ...c, terms: caveatTerms.timestamp(after, before) }
          : c,
      );
    const before = await balanceOf(usdc.address, user.address);
    const expired = await grant(window(0n, now - 1n), 2n);
    const notYet = await grant(window(now + 3_600n, 0n), 3n);
    for (const delegation of [expired, notYet]) {
      expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('1')))).toBe(
        'reverted',
      );
    }
    expect(await balanceOf(usdc.address, user.address)).toBe(before);
  });

  it('refuses every redemption once the user has revoked the delegation on chain', async () => {
    const delegation = await grant(await usdcAllowance(5n), 4n);
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('1')))).toBe('success');
    // Revoked by the user's own address (the DeleGator takes calls from itself).
    const hash = await wallet(user).sendTransaction({
      to: user.address,
      data: disableCalldata(delegation),
    });
    expect((await minedReceipt(publicClient, hash)).status).toBe('success');
    const before = await balanceOf(usdc.address, user.address);
    expect(await redeem(agent, delegation, transferCall(usdc.address, agent.address, usdcUnits('1')))).toBe('reverted');
    expect(await balanceOf(usdc.address, user.address)).toBe(before);
  });
});
