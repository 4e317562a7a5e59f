import { describe, expect, it } from 'vitest';
import type { Intent } from '../../intents/schema.ts';
import { parseEmbedded, readEmbedded } from './parse.ts';

/**
 * The devnet's chain names ('devnet', 'devnet l2', 'devnet-l2', 'sextant devnet l2') as the embedded
 * parser reads them since they joined the lexicon: what they fixed, what they keep safe, and the
 * messages they made worse. A message that names a party must either keep it (recipient) or ask;
 * it must never become a plan that silently leaves the party out. The three regressions the review
 * found are fixed: a name right after the destination chain is asked about (interpret.ts
 * askIfPaidAfterChain), and so is a chain the words point at but the reading does not name
 * (chain-doubt.ts).
 */
const BOB = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';

const read = (text: string) => parseEmbedded(text);

describe('devnet chain names: what reads right (held)', () => {
  it.each<[string, Intent[]]>([
    ['bridge 100 usdc to devnet l2', [{ action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' }]],
    ['bridge 100 usdc to devnet-l2', [{ action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' }]],
    [
      'bridge 100 usdc to sextant devnet l2',
      [{ action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' }],
    ],
    [
      'bridge 100 usdc from devnet to devnet l2',
      [{ action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2', chain: 'devnet' }],
    ],
    [
      // The recipient stays on the transfer; the planner then refuses its chain on a devnet session.
      `bridge 100 usdc to devnet l2 and send it to ${BOB}`,
      [
        { action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' },
        { action: 'transfer', token: 'USDC', recipient: BOB, chain: 'devnet-l2' },
      ],
    ],
    [
      // A recipient on a bridge is kept, so the planner refuses it (across/bridge takes none).
      'bridge 5 usdc to bob on devnet l2',
      [{ action: 'bridge', token: 'USDC', amount: '5', recipient: 'bob', toChain: 'devnet-l2' }],
    ],
    [
      `send 10 usdc to ${BOB} on devnet l2`,
      [{ action: 'transfer', token: 'USDC', amount: '10', recipient: BOB, chain: 'devnet-l2' }],
    ],
    [
      `send 5 usdc to devnet l2 to ${BOB}`,
      [{ action: 'transfer', token: 'USDC', amount: '5', recipient: BOB, chain: 'devnet-l2' }],
    ],
    [
      'pay bob 5 usdc on devnet',
      [{ action: 'transfer', token: 'USDC', amount: '5', recipient: 'bob', chain: 'devnet' }],
    ],
    [
      'send 5 usdc to bob on devnet',
      [{ action: 'transfer', token: 'USDC', amount: '5', recipient: 'bob', chain: 'devnet' }],
    ],
    [
      'send bob 5 usdc on devnet l2',
      [{ action: 'transfer', token: 'USDC', amount: '5', recipient: 'bob', chain: 'devnet-l2' }],
    ],
    ['send 5 usdc to devnet.eth', [{ action: 'transfer', token: 'USDC', amount: '5', recipient: 'devnet.eth' }]],
    [
      'supply 100 usdc to aave on devnet l2',
      [{ action: 'supply', token: 'USDC', amount: '100', protocol: 'aave', chain: 'devnet-l2' }],
    ],
  ])('%s', (text, intents) => {
    const result = read(text);
    expect(result.intents).toEqual(intents);
    expect(result.clarify).toBeUndefined();
  });

  it('"pay devnet 5 usdc" asks who receives it rather than paying anyone', () => {
    const result = read('pay devnet 5 usdc');
    expect(result.intents.every((intent) => intent.recipient === undefined)).toBe(true);
    expect(result.clarify).toMatch(/Which address should receive it/);
  });
});

describe('devnet chain names: messages they made worse (reported; all three fixed)', () => {
  // Before the lexicon change: a question naming both recipients (devnet, bob). Now: a bridge to the
  // devnet with bob gone from the intents and from the parties, and no question.
  it('"send 5 usdc to devnet, bob" still asks, or keeps bob (fixed: it asks who receives it)', () => {
    const { result, conflict, parties } = readEmbedded('send 5 usdc to devnet, bob');
    const keepsBob = result.intents.some((intent) => intent.recipient === 'bob') || parties.includes('bob');
    expect(keepsBob || conflict !== undefined || result.clarify !== undefined).toBe(true);
  });

  // Before: a transfer to the contact "devnet" (bob unread, but a party named). Now: a bridge to the
  // devnet, no party at all: bob, whom the message pays, is dropped and nothing asks.
  it('"send 5 usdc to devnet bob" asks, or keeps bob (fixed: it asks who receives it)', () => {
    const { result, parties } = readEmbedded('send 5 usdc to devnet bob');
    const keepsBob = result.intents.some((intent) => intent.recipient === 'bob') || parties.includes('bob');
    expect(keepsBob || result.clarify !== undefined).toBe(true);
  });

  it('a name right after any destination chain is asked about, not dropped into a bridge; filler words and a new sentence are not names', () => {
    for (const text of [
      'send 5 usdc to arbitrum bob',
      'bridge 5 usdc to base, alice',
      'move 1 eth to devnet-l2 dave',
    ]) {
      const result = read(text);
      expect(result.intents, text).toEqual([]);
      expect(result.clarify, text).toMatch(/more than one possible recipient/);
    }
    for (const text of [
      'send 5 usdc to arbitrum please',
      'send 1 eth to base for me',
      'I would like to move 1.2 ETH from Arbitrum to Base. What is the best way to do that?',
    ]) {
      expect(read(text).intents[0]?.action, text).toBe('bridge');
    }
  });

  // Before: a question naming both (l2.eth, devnet). Now: a transfer to l2.eth on devnet, unasked.
  it('"send 5 usdc to devnet l2.eth" still asks who receives it (fixed: the chain it points at is asked about)', () => {
    const result = read('send 5 usdc to devnet l2.eth');
    expect(result.clarify).toBeDefined();
  });

  // Pinned as it is today, so a change either way is seen: a bare "devnet" after "send … to" is now
  // a bridge, where it was a payment to a contact of that name.
  it('"send 5 usdc to devnet" / "transfer 5 usdc to devnet" now read as a bridge to the devnet, not a payment', () => {
    for (const text of ['send 5 usdc to devnet', 'transfer 5 usdc to devnet']) {
      expect(read(text).intents).toEqual([{ action: 'bridge', token: 'USDC', amount: '5', toChain: 'devnet' }]);
    }
  });
});

describe('"here" and "there" as chains (chain-doubt.ts)', () => {
  it.each([
    // After a bridge, "here" points away from where the funds go: asked, never read past.
    'bridge 20 USDC to devnet-l2 and send 5 USDC to bob here',
    'bridge 100 USDC to devnet-l2 and supply 100 USDC to aave here',
    'bridge 100 USDC to devnet-l2 and send 5 USDC to bob on the home chain',
    // "there" with no chain named in the message: nothing says which chain it is.
    'supply 50 USDC to aave there',
    'send 5 USDC to bob there',
    'swap 100 USDC for ETH and send it to bob there',
    // A place all the same (hostile review): read past, these paid and supplied on the home chain.
    'send 5 USDC to bob over there',
    'supply 50 USDC to aave over there',
  ])('asks about %j and reads nothing to plan', (text) => {
    const result = read(text);
    expect(result.intents).toEqual([]);
    expect(result.clarify).toMatch(/chain/);
  });

  it.each<[string, Intent[]]>([
    [
      'bridge 100 USDC to devnet-l2 and supply it to aave there',
      [
        { action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' },
        { action: 'supply', token: 'USDC', protocol: 'aave', chain: 'devnet-l2' },
      ],
    ],
    ['Hi there, send 10 USDC to bob', [{ action: 'transfer', token: 'USDC', amount: '10', recipient: 'bob' }]],
  ])('reads %j as it stands', (text, intents) => {
    const result = read(text);
    expect(result.intents).toEqual(intents);
    expect(result.clarify).toBeUndefined();
  });
});
