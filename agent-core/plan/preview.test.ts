import { type Address, encodeFunctionData, erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { devnetClients } from '../../devnet/testing/clients.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { confirmPlan, handleMessage } from '../agent.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { buildPlan } from './build-plan.ts';
import { previewPlan } from './preview.ts';
import { protocolContracts } from './protocol-contracts.ts';

const manifest = testDevnet();
const BURN: Address = '0x000000000000000000000000000000000000dEaD';

/**
 * A plan that passes the shortfall check and then reverts in simulation: built while the account holds
 * the funds, which then leave it (moved out by the account itself, impersonated on anvil) before the
 * preview simulates — what happens when funds move between planning and simulating.
 */
describe('a plan that reverts in simulation is told in words, by step', async () => {
  const deps = await testAgent(manifest);
  const { testClient, publicClient } = devnetClients(manifest);

  /** Plans `text` for `user` now, runs `drain` on chain, then previews the plan as planned. */
  async function previewAfter(
    user: Awaited<ReturnType<typeof fundedAgentUser>>,
    text: string,
    drain: () => Promise<void>,
  ) {
    const ctx = createSkillContext({ chain: deps.env.chain, client: deps.env.publicClient, account: user.account });
    const draft = await buildPlan(parseEmbedded(text).intents, {
      chain: deps.env.chain,
      client: deps.env.publicClient,
      account: user.account,
      catalog: deps.catalog,
      lookupAddress: () => undefined,
    });
    if (draft.kind !== 'plan') throw new Error(`expected a plan for "${text}", got ${draft.kind}`);
    await drain();
    const protocols = [...protocolContracts(deps.catalog, deps.env.chain).values()].flat();
    return (await previewPlan(deps.env, user.ownerAddress, draft.steps, ctx, draft.prices, protocols)).preview;
  }

  /** Runs `text` through the agent and executes it. */
  async function run(user: Awaited<ReturnType<typeof fundedAgentUser>>, text: string) {
    const reply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text,
    });
    const record = await confirmPlan(deps, {
      userId: user.userId,
      planId: reply.plan?.id as string,
      owner: user.owner,
    });
    expect(record.status, record.error ?? reply.text).toBe('succeeded');
  }

  /**
   * A user whose account is deployed: an impersonated transaction gives an undeployed account a nonce,
   * and its factory could then no longer deploy it at that address.
   */
  async function deployedUser() {
    const user = await fundedAgentUser(deps, manifest);
    await run(user, 'wrap 0.01 ETH');
    return user;
  }

  /**
   * The account itself sends all of `token` away (anvil impersonation: no key, no bundle). An aToken
   * accrues interest between reading the balance and the transfer's block (when another file has
   * borrowed from the shared market, a few wei a block), so what is left is sent again, up to a few
   * times, until nothing is.
   */
  async function sendAllAway(account: Address, token: Address) {
    const balanceOf = () =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
    await testClient.impersonateAccount({ address: account });
    try {
      for (let round = 0; round < 5; round++) {
        const balance = await balanceOf();
        if (balance === 0n) break;
        const hash = await testClient.request({
          method: 'eth_sendTransaction',
          params: [
            {
              from: account,
              to: token,
              data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BURN, balance] }),
            },
          ],
        } as never);
        await minedReceipt(publicClient, hash as `0x${string}`);
      }
    } finally {
      await testClient.stopImpersonatingAccount({ address: account });
    }
    expect(
      await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] }),
    ).toBe(0n);
  }

  const tokenAddress = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

  it("Uniswap's STF: the swap step is named, and the token the account lacks", async () => {
    const user = await deployedUser();
    const preview = await previewAfter(user, 'swap 100 USDC for ETH', () =>
      sendAllAway(user.account, tokenAddress('USDC')),
    );
    expect(preview.ok).toBe(false);
    expect(preview.problem).toMatch(
      /^The bundle would fail at step 1 \(Swap on Uniswap V3\): the account does not hold enough USDC/,
    );
    expect(preview.problem).toContain('STF');
    expect(preview.problem).not.toMatch(/call \d of \d \(to 0x/);
  });

  it('an ERC-20 balance error: the send step is named, and the token', async () => {
    const user = await deployedUser();
    const preview = await previewAfter(user, `send 100 USDC to ${BURN}`, () =>
      sendAllAway(user.account, tokenAddress('USDC')),
    );
    expect(preview.ok).toBe(false);
    expect(preview.problem).toMatch(
      /^The bundle would fail at step 1 \(Send a token\): the account does not hold enough USDC \(ERC20: transfer amount exceeds balance\)/,
    );
  });

  it('an Aave error code in words: borrowing once the collateral has left', async () => {
    const user = await fundedAgentUser(deps, manifest);
    await run(user, 'supply 1 WETH to aave');
    const aWeth = manifest.aaveV3Reserves.WETH?.aToken as Address;
    const preview = await previewAfter(user, 'borrow 500 USDC', () => sendAllAway(user.account, aWeth));
    expect(preview.ok).toBe(false);
    expect(preview.problem).toBe(
      'The bundle would fail at step 1 (Borrow from Aave V3): Aave refused: the account has no collateral (Aave error 34).',
    );
  });
});
