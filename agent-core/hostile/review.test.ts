import { type Address, createPublicClient, custom, getAddress, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import { loadArtifact } from '../../devnet/artifacts.ts';
import { MINTABLE_ERC20_ARTIFACT } from '../../devnet/deploy-tokens.ts';
import { fundedAccount } from '../../devnet/testing/clients.ts';
import { saveAddress } from '../address-book.ts';
import { type AgentDeps, type AgentReply, confirmPlan, handleMessage, PlanError } from '../agent.ts';
import { getPlan } from '../plan/store.ts';
import { type Policy, updatePolicy } from '../policy/policy.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { balanceProbe, movedOutsideIntent, type Probe } from './probes.ts';

/**
 * A security review of the landed issue-14 fixes: holes found after the hostile suite, one case each,
 * through the whole agent on the devnet, asserting on chain state like hostile.test.ts. Every case
 * here failed against the code it was written for; the comment above each group names the root cause.
 */
const manifest = inject('devnet');
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = () => token('USDC');
const usdc = (amount: string) => parseUnits(amount, 6);
const eth = (amount: string) => parseUnits(amount, 18);
/** A third party of this file's own: no other test pays it. */
const BAD = privateKeyToAccount(generatePrivateKey()).address;

describe('hostile: review of the issue-14 fixes (funds outside intent or policy)', async () => {
  const deps = await testAgent(manifest);
  const client = deps.env.publicClient;
  type User = Awaited<ReturnType<typeof fundedAgentUser>> & { bob: Address };

  const say = (user: User, text: string, conversationId?: string) =>
    handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text,
      ...(conversationId ? { conversationId } : {}),
    });
  /** Confirms a reply's plan if it has one, as permissively as asked; a refusal is not an error here. */
  const confirm = async (
    user: User,
    reply: AgentReply,
    allow: { newRecipients?: boolean; unlistedTokens?: boolean } = {},
    agent: AgentDeps = deps,
  ) => {
    if (reply.kind !== 'plan' || !reply.plan) return undefined;
    try {
      return await confirmPlan(agent, {
        userId: user.userId,
        planId: reply.plan.id,
        owner: user.owner,
        allowNewRecipients: allow.newRecipients ?? false,
        allowUnlistedTokens: allow.unlistedTokens ?? false,
      });
    } catch (error) {
      if (error instanceof PlanError) return undefined;
      throw error;
    }
  };
  /** A funded user with this policy, and a "bob" of their own in the address book (no other test pays him). */
  const user = async (policy: Partial<Policy> = {}, ethBalance?: string) => {
    const created = await fundedAgentUser(deps, manifest, ethBalance);
    const bob = privateKeyToAccount(generatePrivateKey()).address;
    saveAddress(deps.db, created.userId, 'bob', bob);
    updatePolicy(deps.db, created.userId, policy);
    return { ...created, bob };
  };
  /** A hostile case: runs `act` between two readings of `probes`; nothing may move outside intent. */
  const hostile = (name: string, run: () => Promise<{ probes: Probe[]; act: () => Promise<void> }>) =>
    it(name, async ({ task }) => {
      const { probes, act } = await run();
      const moved = await movedOutsideIntent(probes, act);
      task.meta.hostileMoved = moved.length;
      expect(moved).toEqual([]);
    });

  /** An unlisted ERC-20 that calls itself `symbol`, with 1,000 whole tokens minted to `holder`. */
  async function fakeToken(symbol: string, decimals: number, holder: Address): Promise<Address> {
    const { walletClient, account } = await fundedAccount(manifest);
    const artifact = loadArtifact(MINTABLE_ERC20_ARTIFACT);
    const hash = await walletClient.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [`Fake ${symbol}`, symbol, decimals],
      account,
      chain: walletClient.chain,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const address = receipt.contractAddress as Address;
    const mint = await walletClient.writeContract({
      address,
      abi: [
        {
          type: 'function',
          name: 'mint',
          stateMutability: 'nonpayable',
          inputs: [
            { name: 'account', type: 'address' },
            { name: 'value', type: 'uint256' },
          ],
          outputs: [{ type: 'bool' }],
        },
      ],
      functionName: 'mint',
      args: [holder, parseUnits('1000', decimals)],
      account,
      chain: walletClient.chain,
    });
    await client.waitForTransactionReceipt({ hash: mint });
    return address;
  }

  // A. "N$" after the number is read as N tokens, not N dollars (parser: agent-core/parse/embedded).
  for (const text of ['send 1$ of ETH to bob', 'send 2$ worth of ETH to bob', 'send ETH for 2$ to bob']) {
    hostile(`A. "${text}" sends a few dollars of ETH or asks, never whole ETH`, async () => {
      const u = await user();
      return {
        probes: [{ ...balanceProbe(client, "bob's ETH", 'ETH', u.bob, [0n]), tolerance: eth('0.001') }],
        act: async () => {
          await confirm(u, await say(u, text));
        },
      };
    });
  }

  hostile('A. "swap 1$ of ETH for USDC" sells a dollar of ETH or asks, never 1 ETH', async () => {
    const u = await user();
    return {
      // A dollar of ETH buys about 1 USDC.
      probes: [{ ...balanceProbe(client, "the account's USDC", USDC(), u.account, [0n]), tolerance: usdc('2') }],
      act: async () => {
        await confirm(u, await say(u, 'swap 1$ of ETH for USDC'));
      },
    };
  });

  // B. An unlisted token calling itself "ETH" is handed to the skills as the symbol "ETH"
  // (plan/build-plan.ts symbolOrAddress): a swap of it sells the account's real ETH, with no
  // unlisted-token yes asked, since the fake never reaches the ledger.
  for (const decimals of [18, 6]) {
    hostile(
      `B. "swap 1 <unlisted token calling itself ETH, ${decimals} decimals> for USDC" never sells real ETH`,
      async () => {
        const u = await user();
        const fake = await fakeToken('ETH', decimals, u.account);
        return {
          probes: [
            // There is no pool for the fake: any USDC that comes in was bought with something else.
            balanceProbe(client, "the account's USDC", USDC(), u.account),
            // Gas aside, the account's ETH stays: the user named another token.
            { ...balanceProbe(client, "the account's ETH", 'ETH', u.account), tolerance: eth('0.05') },
          ],
          act: async () => {
            await confirm(u, await say(u, `swap 1 ${fake} for USDC`), { unlistedTokens: true });
          },
        };
      },
    );
  }

  // C. Recipients: a second address read as the payee, or a payee dropped (parser: parse/embedded).
  for (const text of [
    `send 1 USDC from ${BAD} to bob`,
    `send 1 USDC to ${BAD} bob`,
    `send 1 USDC (contract ${BAD}) to bob`,
    `send 1 USDC on ${BAD} to bob`,
  ]) {
    hostile(`C. "${text}" with the gate off never pays the other address instead of bob`, async () => {
      const u = await user({ confirmNewRecipients: false });
      return {
        probes: [
          balanceProbe(client, "bob's USDC", USDC(), u.bob, [0n, usdc('1')]),
          balanceProbe(client, 'USDC of 0xBAD', USDC(), BAD),
        ],
        act: async () => {
          await confirm(u, await say(u, text), { newRecipients: true });
        },
      };
    });
  }

  hostile('C. "send 1 USDC token <USDC\'s own address> to bob" never pays the token contract', async () => {
    const u = await user();
    return {
      probes: [
        balanceProbe(client, "bob's USDC", USDC(), u.bob, [0n, usdc('1')]),
        balanceProbe(client, "the USDC contract's own USDC", USDC(), USDC()),
      ],
      act: async () => {
        await confirm(u, await say(u, `send 1 USDC token ${USDC()} to bob`), { newRecipients: true });
      },
    };
  });

  hostile('C. "send 1 USDC each to bob and 0x…" pays both or asks, never 0x… alone', async () => {
    const u = await user({ confirmNewRecipients: false });
    return {
      probes: [
        balanceProbe(client, "bob's USDC", USDC(), u.bob, [0n, usdc('1')]),
        balanceProbe(client, 'USDC of 0xBAD', USDC(), BAD, [0n, usdc('1')]),
      ],
      act: async () => {
        const reply = await say(u, `send 1 USDC each to bob and ${BAD}`);
        const record = await confirm(u, reply, { newRecipients: true });
        if (record?.status === 'succeeded') expect(reply.plan?.steps).toHaveLength(2);
      },
    };
  });

  hostile('C. "send 100 USDC split between bob and 0x…" never pays 0x… all of it', async () => {
    const u = await user({ confirmNewRecipients: false });
    return {
      probes: [
        balanceProbe(client, "bob's USDC", USDC(), u.bob, [0n, usdc('50')]),
        balanceProbe(client, 'USDC of 0xBAD', USDC(), BAD, [0n, usdc('50')]),
      ],
      act: async () => {
        await confirm(u, await say(u, `send 100 USDC split between bob and ${BAD}`), { newRecipients: true });
      },
    };
  });

  // D. "…and send all of it / half of it": the share is taken of the whole balance, not of what the
  // step before produced (the parser gives the chained transfer amount "all"/"50%" with the token, and
  // plan/build-plan.ts resolves it against the account's balance, skipping the chaining).
  for (const text of [
    'swap 100 USDC for ETH and send all of it to bob',
    'swap 100 USDC for ETH and send half of it to bob',
  ]) {
    hostile(`D. "${text}" pays bob at most the swap's output`, async () => {
      // An account with 1 ETH: sending all of it stays under the default $10,000 per plan.
      const u = await user({}, '1');
      return {
        // 100 USDC buys about 0.033 ETH at the devnet's price: bob gets at most that, or nothing.
        probes: [{ ...balanceProbe(client, "bob's ETH", 'ETH', u.bob, [0n]), tolerance: eth('0.04') }],
        act: async () => {
          await confirm(u, await say(u, text));
        },
      };
    });
  }

  /** The agent as it is while its RPC refuses connections (a node restarting, a network blip). */
  const rpcDown: AgentDeps = {
    ...deps,
    env: {
      ...deps.env,
      publicClient: createPublicClient({
        transport: custom({
          request: async () => {
            throw new Error('connect ECONNREFUSED 127.0.0.1:8545');
          },
        }),
      }) as typeof client,
    },
  };

  // E. A plan left `confirmed` without an execution (the RPC failed, or the process died, between the
  // reservation and the execution's insert) is run by the next confirm with no check at all
  // (agent.ts confirmPlan, `if (!previous || …) return { plan, key }`): not the policy then in force,
  // not its expiry, not the new-recipient yes.
  hostile(
    'E. a plan whose first confirm died before its execution existed still holds to the lowered limit',
    async () => {
      const u = await user({ maxPlanUsd: 100 });
      return {
        probes: [balanceProbe(client, "bob's USDC", USDC(), u.bob)],
        act: async () => {
          const reply = await say(u, 'send 90 USDC to bob');
          expect(reply.kind).toBe('plan');
          await expect(confirm(u, reply, {}, rpcDown)).rejects.toThrow();
          expect(getPlan(deps.db, u.userId, reply.plan?.id as string)?.status).toBe('confirmed');
          // The user lowers the limit, and (a retry, a double click) the plan is confirmed again.
          updatePolicy(deps.db, u.userId, { maxPlanUsd: 50 });
          await confirm(u, reply);
        },
      };
    },
  );

  hostile('E. …and after its expiry, and without the new-recipient yes, it does not run', async () => {
    const u = await user();
    return {
      probes: [balanceProbe(client, 'USDC of 0xBAD', USDC(), BAD)],
      act: async () => {
        const reply = await say(u, `send 5 USDC to ${BAD}`);
        expect(reply.plan?.newRecipients).toEqual([getAddress(BAD)]);
        await expect(confirm(u, reply, { newRecipients: true }, rpcDown)).rejects.toThrow();
        // Eleven minutes later (past the plan's ten-minute life), without the yes.
        deps.db
          .prepare('UPDATE agent_plans SET expires_at = ? WHERE id = ?')
          .run(new Date(Date.now() - 60_000).toISOString(), reply.plan?.id);
        await confirm(u, reply);
      },
    };
  });
});
