import { describe, expect, it } from 'vitest';
import type { Intent } from '../../intents/schema.ts';
import { parseEmbedded } from './parse.ts';

/**
 * The shapes of the failure classes the parser was rebuilt for (issue 15), in our own words: framing
 * read as framing, chains and tokens beyond our own lists reported as asked, addresses of every family
 * kept whole, roles kept together, everyday questions answered. Each either reads exactly or asks.
 */

type Case = [text: string, intents: Intent[]];

const exactly = (text: string) => {
  const result = parseEmbedded(text);
  expect(result.clarify).toBeUndefined();
  return result;
};

describe('framing is read as framing', () => {
  it.each<Case>([
    [
      'Can you guide me through swapping 50 LINK for DAI? Please provide the necessary steps.',
      [{ action: 'swap', amount: '50', tokenIn: 'LINK', tokenOut: 'DAI' }],
    ],
    [
      'I want to ensure a smooth transfer of 5 DAI to bob.eth',
      [{ action: 'transfer', amount: '5', token: 'DAI', recipient: 'bob.eth' }],
    ],
    [
      'Using the bridge feature, send 10 USDT from Polygon to Optimism',
      [{ action: 'bridge', amount: '10', token: 'USDT', chain: 'polygon', toChain: 'optimism' }],
    ],
    [
      "I'm new to DeFi and want to swap 5 ETH for USDC",
      [{ action: 'swap', amount: '5', tokenIn: 'ETH', tokenOut: 'USDC' }],
    ],
    [
      'Please provide the necessary steps to swap 50 LINK for DAI',
      [{ action: 'swap', amount: '50', tokenIn: 'LINK', tokenOut: 'DAI' }],
    ],
    [
      'Double check then send 0.25 ETH to bob.eth',
      [{ action: 'transfer', amount: '0.25', token: 'ETH', recipient: 'bob.eth' }],
    ],
  ])('%s', (text, intents) => {
    expect(exactly(text).intents).toEqual(intents.map((intent) => expect.objectContaining(intent)));
  });

  it('never takes out a negation or the request itself', () => {
    expect(parseEmbedded("please don't send 5 ETH to bob").intents).toEqual([]);
    expect(exactly('please confirm before sending 5 ETH to bob').intents).toEqual([
      expect.objectContaining({ action: 'transfer', amount: '5', token: 'ETH', recipient: 'bob' }),
    ]);
  });

  it('asks back when the message asks what a request would cost', () => {
    const result = parseEmbedded('Estimate the gas for sending 1 ETH to bob.eth');
    expect(result.intents).toEqual([expect.objectContaining({ action: 'transfer', amount: '1' })]);
    expect(result.clarify).toMatch(/its preview shows the simulated result/);
  });
});

describe('chains and tokens beyond our own lists are reported as asked', () => {
  it.each<Case>([
    [
      'swap 1 ETH for USDC on Chiado',
      [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC', chain: 'chiado' }],
    ],
    [
      'swap 10 USDC for ETH on Gnosis Chiado',
      [{ action: 'swap', amount: '10', tokenIn: 'USDC', tokenOut: 'ETH', chain: 'chiado' }],
    ],
    ['bridge 1 ETH to Metis', [{ action: 'bridge', amount: '1', token: 'ETH', toChain: 'metis' }]],
    [
      'swap 100 USDC to ETH on PulseChain',
      [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH', chain: 'pulsechain' }],
    ],
    ['bridge 500 usdc over to solana', [{ action: 'bridge', amount: '500', token: 'USDC', toChain: 'solana' }]],
    ['swap 0.1 BTC to ETH', [{ action: 'swap', amount: '0.1', tokenIn: 'BTC', tokenOut: 'ETH' }]],
    ['buy 1000 9MM with ETH', [{ action: 'swap', amountOut: '1000', tokenIn: 'ETH', tokenOut: '9MM' }]],
    ['swap 100 usdc for cbbtc', [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'cbBTC' }]],
    ['swap 100 USDC for MOG', [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'MOG' }]],
    [
      'borrow 1k usdc.e from aave on avalanche',
      [{ action: 'borrow', amount: '1000', token: 'USDC.e', protocol: 'aave', chain: 'avalanche' }],
    ],
    [
      'bridge 0.15 ETH from Blast to Base via Across',
      [{ action: 'bridge', amount: '0.15', token: 'ETH', protocol: 'across', chain: 'blast', toChain: 'base' }],
    ],
    [
      'tx 500000000000000000 wei to dave.eth',
      [{ action: 'transfer', amount: '0.5', token: 'ETH', recipient: 'dave.eth' }],
    ],
  ])('%s', (text, intents) => {
    expect(exactly(text).intents).toEqual(intents.map((intent) => expect.objectContaining(intent)));
  });

  it('keeps a chain name that is also a name for the person it names', () => {
    expect(exactly('send 5 usdc to bob and 3 dai to carol').intents.map((intent) => intent.recipient)).toEqual([
      'bob',
      'carol',
    ]);
    expect(exactly('Mint 1000 DAI on Maker using ETH as collateral').intents[0]?.action).toBe('borrow');
  });

  it('asks about a well-known ticker mistyped, and never assumes either token', () => {
    for (const text of [
      'send 0.5 ethh to alice',
      'swapp 0.02 eht for usdc',
      'redeem all my ethh back to USDC',
      'swap my usdcc for eth',
    ]) {
      const result = parseEmbedded(text);
      expect(result.clarify).toMatch(/I don't know a token .*Did you mean (ETH|USDC)\?/);
    }
    expect(exactly('I want to redeem all my jUSDC tokens back to USDC.').intents[0]).toMatchObject({ token: 'jUSDC' });
  });
});

describe('addresses of every form are kept whole and refused for what they are', () => {
  it.each([
    [
      'send 1 SOL to 7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV',
      '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV',
      /Solana/,
    ],
    [
      'send 3 TON to EQD2NmD_lH5f5u1Kj3KfGyTvhZSX0Eg6qp2a5IQUKXxOG21n',
      'EQD2NmD_lH5f5u1Kj3KfGyTvhZSX0Eg6qp2a5IQUKXxOG21n',
      /TON/,
    ],
    [
      'send 10 APT to 0x1d8727df513fa2a8785d0834e40b34223daff1affc079574082baadb74b66ee4',
      '0x1d8727df513fa2a8785d0834e40b34223daff1affc079574082baadb74b66ee4',
      /Aptos/,
    ],
    ['send 1 HBAR to 0.0.1234', '0.0.1234', /Hedera/],
  ])('%s', (text, recipient, family) => {
    const result = parseEmbedded(text);
    expect(result.intents[0]?.recipient).toBe(recipient);
    expect(result.unsupported).toMatch(family);
  });

  it('reports a mixed-case address whose checksum fails, as typed (the resolver refuses it)', () => {
    const typo = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD';
    expect(parseEmbedded(`send 5 USDC to ${typo}`).intents[0]?.recipient).toBe(typo);
  });
});

describe('roles stay together, and everyday questions are answered', () => {
  it.each<Case>([
    ['0.5 ETH -> alice.eth', [{ action: 'transfer', amount: '0.5', token: 'ETH', recipient: 'alice.eth' }]],
    [
      'send 0.25 ETH to my friend at 0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
      [{ action: 'transfer', amount: '0.25', token: 'ETH', recipient: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e' }],
    ],
    [
      'send 0.5 ETH to 0x742d35Cc6634C0532925a3b844Bc454e4438f44e with gas price 50 gwei',
      [{ action: 'transfer', amount: '0.5', token: 'ETH', recipient: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e' }],
    ],
    ['I want 100 USDC for dai', [{ action: 'swap', amountOut: '100', tokenIn: 'DAI', tokenOut: 'USDC' }]],
    ['sell 1000 USDT and buy ETH', [{ action: 'swap', amount: '1000', tokenIn: 'USDT', tokenOut: 'ETH' }]],
    ['I want 1000 wbtc using usdt', [{ action: 'swap', amountOut: '1000', tokenIn: 'USDT', tokenOut: 'WBTC' }]],
    ["what's my balance?", [{ action: 'balance' }]],
    ['withdraw my USDC from aave', [{ action: 'withdraw', amount: 'all', token: 'USDC', protocol: 'aave' }]],
    ['unwrap my WETH', [{ action: 'unwrap', amount: 'all', token: 'WETH' }]],
    [
      'how much ETH is in 0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
      [{ action: 'balance', token: 'ETH', account: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e' }],
    ],
    ['Wrap my 0.5 ETH with Lido', [{ action: 'stake', amount: '0.5', token: 'ETH', protocol: 'lido' }]],
  ])('%s', (text, intents) => {
    expect(exactly(text).intents).toEqual(intents.map((intent) => expect.objectContaining(intent)));
  });

  it('keeps an amount the user named, and asks how much of what leaves to others', () => {
    expect(exactly('withdraw my 50 USDC from aave').intents[0]?.amount).toBe('50');
    expect(parseEmbedded('send my USDC to bob').clarify).toMatch(/How much USDC/);
  });
});

describe('a review that tried to break these rules', () => {
  it.each([
    ['confirm before executing the swap of 1.5 ETH to USDC', '1.5'],
    ["I'm new to crypto and want to convert 2.5 ETH to USDC", '2.5'],
  ])('framing never cuts an amount: %s', (text, amount) => {
    expect(exactly(text).intents).toEqual([expect.objectContaining({ action: 'swap', amount })]);
  });

  it.each([
    'send 10 USDC to bill not bob',
    'withdraw some of my USDC',
    'repay part of my DAI debt',
    'withdraw my USDC interest',
    'withdraw my USDC if APY drops',
    'pay back my DAI to alice',
    'withdraw my USDC and DAI',
    'sell 1 WBTC and buy ETH and USDC',
    'sell 1 ETH on base and buy USDC on arbitrum',
    'sell 1 ETH when price is 4000 and buy USDC',
    'send 100 5k to bob',
  ])('asks rather than guess: %s', (text) => {
    expect(parseEmbedded(text).clarify).toBeDefined();
  });

  it('keeps a floor that says "order no less than"', () => {
    expect(exactly('swap 5 ETH for USDC, order no less than 15000 USDC').intents[0]?.minAmountOut).toBe('15000');
  });

  it.each([
    ['move 5 ETH to bob', 'bob'],
    ['send 50 USDC to bob net of fees', 'bob'],
    ['send 5 ETH to the root', 'root'],
    ['send 5 USDC to alice via bob', 'alice'],
  ])('a chain name from viem does not take a person: %s', (text, recipient) => {
    const [intent] = exactly(text).intents;
    expect(intent).toMatchObject({ action: 'transfer', recipient });
    expect(intent?.chain).toBeUndefined();
  });

  it('gives a testnet its own slug, not its family’s', () => {
    expect(exactly('send 5 USDC to bob on linea sepolia').intents[0]?.chain).toBe('linea-sepolia');
  });
});

describe('what the whole message says about its requests', () => {
  it.each([
    'I do not want to send 1 ETH to bob',
    "I don't want you to send 1 ETH to bob",
    'send 1 ETH to bob.eth — wait, don’t',
    'send 1000 USDC to bob when he delivers',
    'stop loss: sell 1 ETH for USDC at 2000',
    'buy $50 of ETH every day',
    "don't do 0.5 ETH -> alice.eth",
    '0.5 ETH -> alice.eth tomorrow',
  ])('offers nothing, and asks: %s', (text) => {
    const result = parseEmbedded(text);
    expect(result.intents).toEqual([]);
    expect(result.clarify).toBeDefined();
  });

  it.each([
    'swap my ETH for USDC, keep 0.1 for gas',
    'swap all but 0.05 ETH for USDC',
    'withdraw my USDC but leave 100',
  ])('never takes the part to keep for the amount: %s', (text) => {
    const result = parseEmbedded(text);
    expect(result.intents.every((intent) => intent.amount === undefined)).toBe(true);
    expect(result.clarify).toMatch(/how much exactly/);
  });

  it('keeps "when done" a separator, not a condition', () => {
    expect(exactly('swap 1 ETH for USDC and when done send 100 USDC to bob').intents).toHaveLength(2);
  });
});

describe('steps said in two halves, or twice', () => {
  it('reads "take from one chain and put on another" as a bridge', () => {
    expect(exactly('take 0.8 eth from mainnet and put it on arbitrum').intents).toEqual([
      { action: 'bridge', amount: '0.8', token: 'ETH', chain: 'ethereum', toChain: 'arbitrum' },
    ]);
  });

  it('reads a request said twice once, and says so', () => {
    const result = parseEmbedded('send 1 ETH to bob and send 1 ETH to bob');
    expect(result.intents).toHaveLength(1);
    expect(result.clarify).toMatch(/same thing twice/);
  });

  it('keeps a ticker joined by underscores whole, and "Bob\'s address" is Bob', () => {
    expect(exactly('Swap 0.1 wstETH_YT to wstETH on arbitrum one').intents[0]).toMatchObject({
      tokenIn: 'wstETH_YT',
      tokenOut: 'wstETH',
    });
    expect(exactly("Send my CryptoPunk #456 to Bob's address").intents[0]).toMatchObject({
      recipient: 'Bob',
      tokenId: '456',
    });
  });
});

describe('a third review: corrections, polite conditions, exchanges, deposits to chains', () => {
  it.each([
    'Send 100 USDC to alice.eth. Wait, no, send it to bob.eth.',
    'Send 10 USDC to alice.eth. No wait, 15 USDC.',
    'Swap 1 ETH for USDC. Actually make it 2 ETH.',
    'Swap 0.5 ETH for USDC. Sorry, I meant DAI.',
  ])('a request changed as it was written is asked again: %s', (text) => {
    const result = parseEmbedded(text);
    expect(result.intents).toEqual([]);
    expect(result.clarify).toMatch(/write it again/);
  });

  it.each<Case>([
    [
      "I'd be grateful if you could swap 1 ETH for USDC",
      [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' }],
    ],
    [
      'Could you get me 100 UNI in exchange for USDC?',
      [{ action: 'swap', amountOut: '100', tokenIn: 'USDC', tokenOut: 'UNI' }],
    ],
    ['swap 100 USDC in exchange for ETH', [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH' }]],
    [
      'Deposit 500 USDC to Base from Ethereum.',
      [{ action: 'bridge', amount: '500', token: 'USDC', chain: 'ethereum', toChain: 'base' }],
    ],
    ['Kindly provide the total supply of SHIB', [{ action: 'total_supply', token: 'SHIB' }]],
    ['How many UNI tokens have been issued?', [{ action: 'total_supply', token: 'UNI' }]],
  ])('%s', (text, intents) => {
    expect(exactly(text).intents).toEqual(intents.map((intent) => expect.objectContaining(intent)));
  });
});
