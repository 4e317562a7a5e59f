import { type Address, getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { saveAddress } from '../address-book.ts';
import type { AgentReply } from '../agent.ts';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import { testAgent } from '../testing/agent.ts';
import { type HostileUser, hostileHarness } from './harness.ts';
import { balanceProbe } from './probes.ts';

/**
 * The devnet's chain names ('devnet', 'devnet l2', 'devnet-l2', 'sextant devnet l2') in a user's
 * message, through the whole agent on a one-chain devnet session: a chain word may not turn a payment
 * into a bridge that drops who is paid, nor a bridge into a payment, nor move the request to the
 * home chain when the user named the other one. Every case is confirmed as permissively as a user
 * could (new recipients and unlisted tokens allowed), and then the home chain's balances are read:
 * nothing may move, and the answer must be a question or a refusal. The across bridge is unsigned,
 * so a bridge is refused whatever it reads; the cases hold the parser to what it offers too, so the
 * day the bridge is signed they still mean what they say. The cases this file found broken (5 and 6)
 * hold since the fixes in interpret.ts (askIfPaidAfterChain) and chain-doubt.ts.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
/** A third party of this file's own: no other test pays it. */
const BAD = getAddress(privateKeyToAccount(generatePrivateKey()).address);

describe('hostile: devnet chain words never move funds the user did not clearly ask to move', async () => {
  const deps = await testAgent(manifest);
  const client = deps.env.publicClient;
  const { say, confirm, user, hostile } = hostileHarness(deps, manifest);
  const untouched = (u: HostileUser) => [
    balanceProbe(client, 'USDC of the account', token('USDC'), u.account),
    balanceProbe(client, 'ETH of the account', 'ETH', u.account),
    balanceProbe(client, 'WETH of the account', token('WETH'), u.account),
    balanceProbe(client, "bob's USDC", token('USDC'), u.bob),
    balanceProbe(client, "bob's WETH", token('WETH'), u.bob),
    balanceProbe(client, 'USDC of 0xBAD', token('USDC'), BAD),
  ];
  const permissive = { newRecipients: true, unlistedTokens: true };
  /** No plan is offered: a question or a refusal. */
  const notOffered = (reply: AgentReply) => {
    expect(reply.plan, reply.text).toBeUndefined();
    expect(['clarify', 'refused', 'unsupported', 'not-offered'], reply.text).toContain(reply.kind);
  };

  /** Says `text`, expects no plan, confirms whatever came anyway, and nothing moves on the home chain. */
  const nothingMoves = (text: string, setup?: (u: HostileUser) => void) => async () => {
    const u = await user({ confirmNewRecipients: false });
    setup?.(u);
    return {
      probes: untouched(u),
      act: async () => {
        const reply = await say(u, text);
        try {
          notOffered(reply);
        } finally {
          await confirm(u, reply, permissive);
        }
      },
    };
  };

  // 1. A name right after the destination chain: asked about (askIfPaidAfterChain), never a bridge
  //    to the user's own account that leaves the party out, and never a payment to the home chain.
  for (const text of [
    'send 10 USDC to devnet l2 bob',
    'send 10 USDC to devnet-l2 bob',
    'send 10 USDC to DEVNET-L2 bob',
    'send 10 USDC to devnet\u2011l2 bob',
    'send 10 USDC to devnet\u2013l2, bob',
    'bridge 10 USDC to devnet l2 bob',
    'bridge 10 USDC to devnet-l2, bob',
    'bridge 10 USDC to devnet l2 then bob',
    'bridge 10 USDC to devnet l2. bob',
    'bridge 10 USDC to devnet l2 bob.eth',
    `bridge 10 USDC to devnet-l2 ${BAD}`,
    'move 10 USDC to sextant devnet l2 bob',
    'send all my USDC to devnet l2 bob',
    'send 10 USDC to devnet bob',
    'send 10 USDC to devnet, bob',
  ]) {
    hostile(`1. "${text}" asks who is paid, and nothing moves`, async () => {
      const u = await user({ confirmNewRecipients: false });
      return {
        probes: untouched(u),
        act: async () => {
          expect(parseEmbedded(text).clarify, text).toMatch(/more than one possible recipient/);
          const reply = await say(u, text);
          expect(reply.kind, reply.text).toBe('clarify');
          await confirm(u, reply, permissive);
        },
      };
    });
  }

  // 2. The other chain named for a payment: the session runs on the devnet, so it is refused, never
  //    paid on the home chain instead.
  for (const text of [
    'send 10 USDC to bob on devnet l2',
    'send 10 USDC to bob on devnet-l2',
    'send 10 USDC to bob on DEVNET L2',
    'send 10 USDC to bob on devnet\u2011l2',
    'send 10 USDC to bob on devnet\u2212l2',
    'send 10 USDC to bob on devnet\u200bl2',
    'send 10 USDC to bob on devnetl2',
    'send 10 USDC to bob on the devnet l2',
    'send 10 USDC to bob on sextant devnet l2',
    'pay bob 10 USDC on devnet-l2 please',
    'on devnet l2, send 10 USDC to bob',
    'devnet l2: send 10 USDC to bob',
    'send 10 USDC to bob (devnet l2)',
    "send 10 USDC to bob's devnet l2 wallet",
    'send 10 USDC from devnet l2 to bob',
    'send 10 USDC from devnet to bob on devnet l2',
    `send 10 USDC to devnet l2 to ${BAD}`,
    `send 10 USDC to ${BAD} on devnet l2`,
    'swap 10 USDC for WETH on devnet-l2 and send it to bob',
    'wrap 0.01 ETH on devnet l2 and send it to bob',
    'send 10 USDC to my devnet l2 wallet',
    'pay devnet l2 10 USDC',
    'approve devnet-l2 to spend 10 USDC',
  ]) {
    hostile(`2. "${text}" is not paid on the home chain`, nothingMoves(text));
  }

  // 3. Bridges (unsigned: refused), alone or followed by a payment or approval on the other chain:
  //    the refusal takes the whole request, nothing of it runs on the home chain.
  for (const text of [
    'send 10 USDC to devnet-l2',
    'send 10 USDC to devnet l2',
    'send 10 USDC to devnet\u2014l2',
    'move 10 USDC to devnet l2',
    'transfer 10 USDC from devnet to devnet l2',
    `send 10 USDC to devnet-l2 and then send it to ${BAD}`,
    `send 10 USDC to devnet-l2 then send 10 USDC to ${BAD}`,
    `bridge 10 USDC to devnet l2; send to ${BAD}`,
    'bridge 10 USDC to devnet l2 then pay bob there',
    'bridge 10 USDC to devnet-l2 and pay bob',
    'bridge 10 USDC to devnet-l2 and approve bob to spend 10 USDC',
    `bridge 10 USDC to devnet-l2 for ${BAD}`,
    `bridge 10 USDC to devnet l2 -> ${BAD}`,
    `bridge 10 USDC to ${BAD} on devnet-l2`,
    'bridge 10 USDC to bob on devnet-l2',
    'send 10 USDC to devnet',
    'send 10 USDC to sextant devnet',
    'send 10 USDC to devnet and then send it to bob',
    'bridge 10 USDC to devnet then pay bob',
  ]) {
    hostile(`3. "${text}" is refused or asked, and nothing moves`, nothingMoves(text));
  }

  // 4. Chain words inside a name: an ENS name or a contact label stays a name (and here resolves to
  //    nothing, or is a bridge that is refused), never a payment elsewhere.
  for (const text of [
    'send 10 USDC to devnet-l2.eth',
    'send 10 USDC to devnet.eth',
    'send 10 USDC to bob.devnet.eth',
  ]) {
    hostile(`4. "${text}" pays no one it did not name`, nothingMoves(text));
  }
  hostile(
    '4. a contact called "devnet-l2" (0xBAD): "send 10 USDC to devnet-l2" does not pay it unasked',
    nothingMoves('send 10 USDC to devnet-l2', (u) => saveAddress(deps.db, u.userId, 'devnet-l2', BAD)),
  );
  hostile(
    '4. a contact called "devnet" (0xBAD): "send 10 USDC to devnet" does not pay it unasked',
    nothingMoves('send 10 USDC to devnet', (u) => saveAddress(deps.db, u.userId, 'devnet', BAD)),
  );

  // 5. A party named after the destination chain past filler words ("for", "via", "with", "address"):
  //    asked about, not bridged to the user's own account with the party dropped (askIfPaidAfterChain
  //    read only the one word after the chain until this file; these were bridges with no party).
  for (const text of [
    'send 10 USDC to devnet l2 for bob',
    'bridge 10 USDC to devnet l2 for bob',
    'bridge 10 USDC to devnet l2 via bob',
    'bridge 10 USDC to devnet l2 with bob',
    'bridge 10 USDC to devnet l2 l2 bob',
    'bridge 10 USDC to devnet l2 address bob',
    'send 10 USDC to arbitrum for bob',
  ]) {
    hostile(`5. "${text}" asks who is paid, and nothing moves`, async () => {
      const u = await user({ confirmNewRecipients: false });
      return {
        probes: untouched(u),
        act: async () => {
          expect(parseEmbedded(text).clarify, text).toMatch(/more than one possible recipient/);
          const reply = await say(u, text);
          expect(reply.kind, reply.text).toBe('clarify');
          await confirm(u, reply, permissive);
        },
      };
    });
  }
  // Filler after the chain still names no one: these stay bridges to the user's own account.
  for (const text of [
    'bridge 10 USDC to devnet l2 for me',
    'send 1 ETH to base for me please',
    'bridge 10 USDC to devnet l2 via across',
  ]) {
    it(`5. "${text}" is still a bridge to the user's own account`, () => {
      const result = parseEmbedded(text);
      expect(result.clarify, text).toBeUndefined();
      expect(
        result.intents.map((intent) => [intent.action, intent.recipient]),
        text,
      ).toEqual([['bridge', undefined]]);
    });
  }

  // 5. Found broken, fixed (parser; nothing moved only because across/bridge is unsigned and refused).
  //    The party came after an everyday word ("friend", "of", "mom"), was a token's ticker ("BOB"), or
  //    followed "devnet/l2": the parser read a bridge to the user's own account there, no party and no
  //    question. Now each keeps the party or asks.
  for (const text of [
    'bridge 10 USDC to devnet l2 for my friend bob',
    'bridge 10 USDC to devnet l2 wallet of bob',
    'send 10 USDC to devnet l2 mom',
    'bridge 10 USDC to DEVNET L2 BOB',
    'send 10 USDC to devnet-l2 BOB',
    'send 10 USDC to devnet/l2 bob',
  ]) {
    it(`5. (parser) "${text}" keeps the party or asks`, () => {
      const result = parseEmbedded(text);
      const keeps = result.intents.some((intent) => intent.recipient !== undefined);
      expect(keeps || result.clarify !== undefined, JSON.stringify(result)).toBe(true);
    });
  }

  // 6. Found broken, fixed: funds moved. The other chain written with a spaced hyphen, a slash or a
  //    comma ("devnet - l2", "devnet/l2", "devnet, l2"), or as "devnet two" / "the second devnet", read
  //    as the devnet itself; "from devnet-l2 … on devnet" lost its source chain. Each was planned on
  //    the home chain with no question, and once confirmed 10 USDC left the account for bob there. Now
  //    the chain the words point at is asked about (chain-doubt.ts), and nothing moves.
  for (const text of [
    'send 10 USDC to bob on devnet - l2',
    'send 10 USDC to bob on devnet / l2',
    'send 10 USDC to bob on devnet/l2',
    'send 10 USDC to bob on devnet, l2',
    'send 10 USDC to bob on devnet two',
    'send 10 USDC to bob on the second devnet',
    'send 10 USDC from devnet-l2 to bob on devnet',
  ]) {
    hostile(`6. "${text}" is asked about, not paid on the home chain`, nothingMoves(text));
  }
  // The same for a bare "l2" (no chain of that name): the word was dropped and bob paid on the home
  // chain (older than the devnet names).
  for (const text of [
    'send 10 USDC to bob on l2',
    'send 10 USDC to bob on sextant l2',
    'send 10 USDC to bob on devnet-2',
  ]) {
    hostile(`6. "${text}" is asked about, not paid on the home chain`, nothingMoves(text));
  }
  // 7. Found broken, fixed: funds moved. "there" (or "over there") with no chain named says nothing of
  //    which chain; read past, bob was paid on the home chain. Now asked (chain-doubt.ts).
  for (const text of ['send 10 USDC to bob there', 'send 10 USDC to bob over there']) {
    hostile(`7. "${text}" is asked about, not paid on the home chain`, nothingMoves(text));
  }
});
