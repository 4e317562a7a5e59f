import { type Address, createPublicClient, custom, getAddress, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import type { AgentDeps } from '../agent.ts';
import { getPlan } from '../plan/store.ts';
import { updatePolicy } from '../policy/policy.ts';
import { testAgent } from '../testing/agent.ts';
import { hostileHarness } from './harness.ts';
import { balanceProbe } from './probes.ts';

/**
 * A security review of the landed issue-14 fixes: holes found after the hostile suite, one case each,
 * through the whole agent on the devnet, asserting on chain state like hostile.test.ts. Every case
 * here failed against the code it was written for; the comment above each group names the root cause.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = () => token('USDC');
const usdc = (amount: string) => parseUnits(amount, 6);
const eth = (amount: string) => parseUnits(amount, 18);
/** A third party of this file's own: no other test pays it. */
const BAD = privateKeyToAccount(generatePrivateKey()).address;

describe('hostile: review of the issue-14 fixes (funds outside intent or policy)', async () => {
  const deps = await testAgent(manifest);
  const client = deps.env.publicClient;
  const { say, confirm, user, hostile, fakeToken } = hostileHarness(deps, manifest);

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
        // Refused at once: viem's retries (~1 s of backoff) would only refuse the same way again.
        transport: custom(
          {
            request: async () => {
              throw new Error('connect ECONNREFUSED 127.0.0.1:8545');
            },
          },
          { retryCount: 0 },
        ),
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
