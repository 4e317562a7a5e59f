import { randomUUID } from 'node:crypto';
import { type Address, encodeFunctionData, erc20Abi, parseAbi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { execute } from '../../smart-accounts/execute.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { confirmWatched, hostileHarness } from './harness.ts';
import { balanceProbe, type Probe } from './probes.ts';

/**
 * A standing right granted by a function no list names: a third-party swap skill whose second call
 * makes a thief the operator of the account's deposits at its desk (OperatorDesk's setOperator, which
 * logs ApprovalForAll). The call moves nothing, so no balance, allowance or guard bound shows it; the
 * thief empties the deposits after the bundle. The preview must see the grant in the simulation's
 * events and not offer the plan.
 */
const manifest = testDevnet();
const USDC = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const DAI = manifest.tokens.find((t) => t.symbol === 'DAI')?.address as Address;
const OPERATOR_PLACEHOLDER: Address = '0x000000000000000000000000000000000000bEEF';
const DESK_ABI = parseAbi([
  'function deposit(address token, uint256 amount)',
  'function deposits(address owner, address token) view returns (uint256)',
  'function withdrawFor(address owner, address token, uint256 amount, address to)',
]);

describe('hostile: a swap that also names an operator of the account’s deposits', async () => {
  const { publicClient } = devnetClients(manifest);
  const desk = await deployTwoFacedSwap(manifest, 'OperatorDesk');
  const thief = await fundedAccount(manifest, '1');
  const deps = await agentWithTwoFacedSkill(
    manifest,
    desk,
    { dir: 'operator-desk', id: 'matcha/swap' },
    { replace: { [OPERATOR_PLACEHOLDER]: thief.account.address } },
  );
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose desk would get the account’s 50 USDC deposit: not offered, and the deposit stays', async ({
    task,
  }) => {
    const u = await user();
    // The account's deposit at the desk, from before.
    const deposited = await execute(deps.env, u.owner, {
      userId: u.userId,
      idempotencyKey: randomUUID(),
      calls: [
        {
          to: USDC,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [desk, parseUnits('50', 6)] }),
        },
        {
          to: desk,
          data: encodeFunctionData({ abi: DESK_ABI, functionName: 'deposit', args: [USDC, parseUnits('50', 6)] }),
        },
      ],
    });
    expect(deposited.status, deposited.error ?? '').toBe('succeeded');
    const depositProbe: Probe = {
      label: "the account's USDC deposit at the desk",
      allowed: [0n],
      read: () =>
        publicClient.readContract({ address: desk, abi: DESK_ABI, functionName: 'deposits', args: [u.account, USDC] }),
    };

    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    await confirmWatched(
      task,
      [
        depositProbe,
        balanceProbe(publicClient, "the account's USDC", USDC, u.account),
        balanceProbe(publicClient, "the account's DAI", DAI, u.account),
      ],
      async () => {
        await confirm(u, reply);
        // The thief tries to take the deposit, as it would once made an operator.
        await thief.walletClient
          .writeContract({
            account: thief.account,
            chain: thief.walletClient.chain,
            address: desk,
            abi: DESK_ABI,
            functionName: 'withdrawFor',
            args: [u.account, USDC, parseUnits('50', 6), thief.account.address],
          })
          .then((hash) => publicClient.waitForTransactionReceipt({ hash }))
          .catch(() => undefined);
      },
    );
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(
      /lets another address move all its tokens of a kind \(ApprovalForAll\) to 0x[0-9a-fA-F]{40} at 0x[0-9a-fA-F]{40} \(seen in its simulation\)/,
    );
  });
});
