import { describe, expect, it } from 'vitest';
import { type Intent, ParseResultSchema } from '../../intents/schema.ts';
import { parseEmbedded } from './parse.ts';

const ALICE = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const BOB = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';

type Case = [text: string, intents: Intent[], clarify?: string | RegExp];

function check([text, intents, clarify]: Case) {
  const result = parseEmbedded(text);
  expect(ParseResultSchema.parse(result)).toEqual(result);
  expect(result.parser).toBe('embedded');
  expect(result.intents).toEqual(intents);
  if (clarify === undefined) expect(result.clarify).toBeUndefined();
  else expect(result.clarify).toMatch(clarify);
}

describe('parseEmbedded: swaps', () => {
  it.each<Case>([
    ['swap 100 USDC for ETH', [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH' }]],
    [
      'Trade 2.5 weth to usdt on uniswap v3',
      [{ action: 'swap', amount: '2.5', tokenIn: 'WETH', tokenOut: 'USDT', protocol: 'uniswap' }],
    ],
    ['exchange a quarter of my dai for tether', [{ action: 'swap', amount: '25%', tokenIn: 'DAI', tokenOut: 'USDT' }]],
    [
      'sell all my OP for ETH on optimism',
      [{ action: 'swap', amount: 'all', tokenIn: 'OP', tokenOut: 'ETH', chain: 'optimism' }],
    ],
    ['buy 1000 USDC with ETH', [{ action: 'swap', amountOut: '1000', tokenIn: 'ETH', tokenOut: 'USDC' }]],
    ['buy ETH using 250 DAI', [{ action: 'swap', amount: '250', tokenIn: 'DAI', tokenOut: 'ETH' }]],
    ['swap $100 of ETH to USDC', [{ action: 'swap', amount: '$100', tokenIn: 'ETH', tokenOut: 'USDC' }]],
    ['convert 100 usd worth of eth into dai', [{ action: 'swap', amount: '$100', tokenIn: 'ETH', tokenOut: 'DAI' }]],
    ["I'd like 500 USDC worth of WBTC", [{ action: 'swap', amount: '500', tokenIn: 'USDC', tokenOut: 'WBTC' }]],
    ['swap 1.5k usdc -> eth', [{ action: 'swap', amount: '1500', tokenIn: 'USDC', tokenOut: 'ETH' }]],
    ['swap .5 ETH for USDC', [{ action: 'swap', amount: '0.5', tokenIn: 'ETH', tokenOut: 'USDC' }]],
    ['swap 1,000 DAI to USDC', [{ action: 'swap', amount: '1000', tokenIn: 'DAI', tokenOut: 'USDC' }]],
    [
      'Swap 2 ETH for at least 6000 USDC with 0.3% slippage',
      [{ action: 'swap', amount: '2', tokenIn: 'ETH', tokenOut: 'USDC', minAmountOut: '6000', slippageBps: 30 }],
    ],
    [
      'trade 10 LINK for UNI, slippage 50 bps',
      [{ action: 'swap', amount: '10', tokenIn: 'LINK', tokenOut: 'UNI', slippageBps: 50 }],
    ],
    [
      'swap 1 eth to usdc with max slippage 1% and no less than 3000 usdc',
      [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC', slippageBps: 100, minAmountOut: '3000' }],
    ],
    ['swap 100 $PEPE for $USDC', [{ action: 'swap', amount: '100', tokenIn: 'PEPE', tokenOut: 'USDC' }]],
    ['swpa 100 usdc for eth thx', [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH' }]],
    ['swap 100 USDC', [{ action: 'swap', amount: '100', tokenIn: 'USDC' }], 'Which token do you want to receive?'],
    ['buy some ETH', [{ action: 'swap', tokenOut: 'ETH' }], 'Which token do you want to pay with?'],
    ['swap usdc to eth', [{ action: 'swap', tokenIn: 'USDC', tokenOut: 'ETH' }], 'How much USDC do you want to swap?'],
  ])('%s', (...testCase) => check(testCase));
});

describe('parseEmbedded: transfers and NFTs', () => {
  it.each<Case>([
    [
      'send half my WETH to vitalik.eth',
      [{ action: 'transfer', amount: '50%', token: 'WETH', recipient: 'vitalik.eth' }],
    ],
    [`Please forward 0.75 ETH to ${ALICE}.`, [{ action: 'transfer', amount: '0.75', token: 'ETH', recipient: ALICE }]],
    ['send 5 USDC to alice', [{ action: 'transfer', amount: '5', token: 'USDC', recipient: 'alice' }]],
    ['pay Bob 20 dai on base', [{ action: 'transfer', amount: '20', token: 'DAI', recipient: 'Bob', chain: 'base' }]],
    ['sned 2 eth to bob.eth pls', [{ action: 'transfer', amount: '2', token: 'ETH', recipient: 'bob.eth' }]],
    ['tranfer 1 ether to nick.eth', [{ action: 'transfer', amount: '1', token: 'ETH', recipient: 'nick.eth' }]],
    ['tx 0.01 eth -> dave.eth', [{ action: 'transfer', amount: '0.01', token: 'ETH', recipient: 'dave.eth' }]],
    [
      `Execute ERC-20 transfer of 50 USDT to ${BOB}`,
      [{ action: 'transfer', amount: '50', token: 'USDT', recipient: BOB }],
    ],
    [
      'transfer 20 usdc to my cold wallet',
      [{ action: 'transfer', amount: '20', token: 'USDC', recipient: 'cold wallet' }],
    ],
    ['send 1 eth', [{ action: 'transfer', amount: '1', token: 'ETH' }], /^Who do you want to send it to\?/],
    [
      'send 1 eth to 0xABC1234567890abcdef1234567890abcdef1234',
      [{ action: 'transfer', amount: '1', token: 'ETH' }],
      /is not a full address \(it has 39 hex digits/,
    ],
    [
      'send my BAYC #1234 to homie.eth',
      [{ action: 'transfer_nft', tokenId: '1234', token: 'BAYC', recipient: 'homie.eth' }],
    ],
    [
      `Please transfer the CryptoPunk token id 7804 to ${ALICE}.`,
      [{ action: 'transfer_nft', tokenId: '7804', token: 'CryptoPunk', recipient: ALICE }],
    ],
    ['pls send my azuki 5678 to bob', [{ action: 'transfer_nft', tokenId: '5678', token: 'azuki', recipient: 'bob' }]],
  ])('%s', (...testCase) => check(testCase));
});

describe('parseEmbedded: lending, staking, wrapping', () => {
  it.each<Case>([
    [
      'Please supply 1000 USDC to Aave to earn yield.',
      [{ action: 'supply', amount: '1000', token: 'USDC', protocol: 'aave' }],
    ],
    ['lend 2500 usdc on compound v3', [{ action: 'supply', amount: '2500', token: 'USDC', protocol: 'compound' }]],
    ['Could you stake 2500 USDC in Aave?', [{ action: 'supply', amount: '2500', token: 'USDC', protocol: 'aave' }]],
    ['put 5000 DAI into the DSR', [{ action: 'supply', amount: '5000', token: 'DAI', protocol: 'maker' }]],
    [
      'I want to withdraw all my WETH from Aave.',
      [{ action: 'withdraw', amount: 'all', token: 'WETH', protocol: 'aave' }],
    ],
    ['Can you pull 300 DAI out of Aave?', [{ action: 'withdraw', amount: '300', token: 'DAI', protocol: 'aave' }]],
    ['redeem 1000 sDAI for DAI', [{ action: 'withdraw', amount: '1000', token: 'sDAI' }]],
    [
      'borrow 1000 USDC against my ETH on Aave on arbitrum',
      [{ action: 'borrow', amount: '1000', token: 'USDC', protocol: 'aave', chain: 'arbitrum' }],
    ],
    [
      "I'd like to take a 5000 USDC loan from Aave",
      [{ action: 'borrow', amount: '5000', token: 'USDC', protocol: 'aave' }],
    ],
    [
      'borrow usdc on aave',
      [{ action: 'borrow', token: 'USDC', protocol: 'aave' }],
      'How much USDC do you want to borrow?',
    ],
    [
      'Repay my entire loan in WETH on Compound',
      [{ action: 'repay', amount: 'all', token: 'WETH', protocol: 'compound' }],
    ],
    [
      'pay back 250 USDT of my compound debt',
      [{ action: 'repay', amount: '250', token: 'USDT', protocol: 'compound' }],
    ],
    ['stake 32 eth with lido', [{ action: 'stake', amount: '32', token: 'ETH', protocol: 'lido' }]],
    [
      'plz deposit 0.5 ETH to Rocket Pool for rETH',
      [{ action: 'stake', amount: '0.5', token: 'ETH', protocol: 'rocketpool' }],
    ],
    ['restake 5 stETH on EigenLayer', [{ action: 'stake', amount: '5', token: 'stETH', protocol: 'eigenlayer' }]],
    [
      'Get rETH by staking 20 ETH on Rocket Pool.',
      [{ action: 'stake', amount: '20', token: 'ETH', protocol: 'rocketpool' }],
    ],
    ['Can you withdraw 15 stETH from Lido?', [{ action: 'unstake', amount: '15', token: 'stETH', protocol: 'lido' }]],
    ['burn 0.5 rETH for ETH', [{ action: 'unstake', amount: '0.5', token: 'rETH' }]],
    ['wrap 3 eth', [{ action: 'wrap', amount: '3', token: 'ETH' }]],
    ['Deposit 5 ETH for WETH, please.', [{ action: 'wrap', amount: '5', token: 'ETH' }]],
    ['convert 0.5 WETH back to ETH', [{ action: 'unwrap', amount: '0.5', token: 'WETH' }]],
    ['unwrap everything', [{ action: 'unwrap', amount: 'all', token: 'WETH' }]],
  ])('%s', (...testCase) => check(testCase));
});

describe('parseEmbedded: liquidity, approvals, bridges, rewards, reads', () => {
  it.each<Case>([
    ['Add 1000 USDC to Curve 3pool', [{ action: 'add_liquidity', amount: '1000', token: 'USDC', protocol: 'curve' }]],
    [
      'provide liquidity on uniswap with 1 ETH',
      [{ action: 'add_liquidity', amount: '1', token: 'ETH', protocol: 'uniswap' }],
    ],
    [
      'Please remove 500 USDC worth of liquidity from Curve 3pool.',
      [{ action: 'remove_liquidity', amount: '500', token: 'USDC', protocol: 'curve' }],
    ],
    [
      'approve uniswap to spend 100 USDC',
      [{ action: 'approve', amount: '100', token: 'USDC', spender: 'uniswap', protocol: 'uniswap' }],
    ],
    [`approve 500 usdc for ${BOB}`, [{ action: 'approve', amount: '500', token: 'USDC', spender: BOB }]],
    [
      'approve unlimited USDC for aave',
      [{ action: 'approve', token: 'USDC', spender: 'aave', protocol: 'aave' }],
      /^Unlimited approvals are not given/,
    ],
    [
      'revoke my USDC approval for uniswap',
      [{ action: 'approve', amount: '0', token: 'USDC', spender: 'uniswap', protocol: 'uniswap' }],
    ],
    [
      'bridge 0.5 eth from mainnet to base',
      [{ action: 'bridge', amount: '0.5', token: 'ETH', chain: 'ethereum', toChain: 'base' }],
    ],
    ['move 100 USDC to arbitrum', [{ action: 'bridge', amount: '100', token: 'USDC', toChain: 'arbitrum' }]],
    ['claim my rewards from aave', [{ action: 'claim_rewards', protocol: 'aave' }]],
    ['harvest my CRV on curve', [{ action: 'claim_rewards', token: 'CRV', protocol: 'curve' }]],
    ["what's my ETH balance on arbitrum?", [{ action: 'balance', token: 'ETH', chain: 'arbitrum' }]],
    ['how much USDC does vitalik.eth have', [{ action: 'balance', token: 'USDC', account: 'vitalik.eth' }]],
    [`balance of ${ALICE}`, [{ action: 'balance', account: ALICE }]],
    ['what is the price of bitcoin', [{ action: 'price', token: 'WBTC' }]],
    ["what's ETH worth?", [{ action: 'price', token: 'ETH' }]],
    ['total supply of DAI', [{ action: 'total_supply', token: 'DAI' }]],
  ])('%s', (...testCase) => check(testCase));
});

describe('parseEmbedded: several steps', () => {
  it.each<Case>([
    [
      'swap half my ETH to USDC and supply it to Aave',
      [
        { action: 'swap', amount: '50%', tokenIn: 'ETH', tokenOut: 'USDC' },
        { action: 'supply', token: 'USDC', protocol: 'aave' },
      ],
    ],
    [
      'supply 0.2 ETH and borrow wBTC on Taiko',
      [
        { action: 'supply', amount: '0.2', token: 'ETH', chain: 'taiko' },
        { action: 'borrow', token: 'WBTC', chain: 'taiko' },
      ],
      'How much WBTC do you want to borrow?',
    ],
    [
      'withdraw 500 USDC from aave, then swap it for ETH and after that send 1 ETH to alice.eth',
      [
        { action: 'withdraw', amount: '500', token: 'USDC', protocol: 'aave' },
        { action: 'swap', tokenIn: 'USDC', tokenOut: 'ETH' },
        { action: 'transfer', amount: '1', token: 'ETH', recipient: 'alice.eth' },
      ],
    ],
    [
      'bridge 100 usdc to base and then deposit it into aave',
      [
        { action: 'bridge', amount: '100', token: 'USDC', toChain: 'base' },
        { action: 'supply', token: 'USDC', protocol: 'aave', chain: 'base' },
      ],
    ],
    [
      'supply 100 usdc and 50 dai to aave',
      [
        { action: 'supply', amount: '100', token: 'USDC', protocol: 'aave' },
        { action: 'supply', amount: '50', token: 'DAI', protocol: 'aave' },
      ],
    ],
    [
      'deposit 1 eth into aave then borrow 1000 usdc',
      [
        { action: 'supply', amount: '1', token: 'ETH', protocol: 'aave' },
        { action: 'borrow', amount: '1000', token: 'USDC', protocol: 'aave' },
      ],
    ],
    // A purpose clause or a trailing condition is not a second request.
    ['Redeem 10 WETH and get ETH.', [{ action: 'unwrap', amount: '10', token: 'WETH' }]],
    [
      'Swap 1 WETH to DAI on Uniswap, and accept a minimum of 1500 DAI.',
      [{ action: 'swap', amount: '1', tokenIn: 'WETH', tokenOut: 'DAI', protocol: 'uniswap', minAmountOut: '1500' }],
    ],
    ['Convert my ETH to WETH for a swap, specifically 20 ETH.', [{ action: 'wrap', amount: '20', token: 'ETH' }]],
  ])('%s', (...testCase) => check(testCase));
});

describe('parseEmbedded: turns of phrase', () => {
  it.each<Case>([
    ['1 eth to usdc', [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' }]],
    ['swap ETH/USDC 1 ETH', [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' }]],
    [
      'I need 5000 USDC, pay with WETH on Uniswap',
      [{ action: 'swap', amountOut: '5000', tokenIn: 'WETH', tokenOut: 'USDC', protocol: 'uniswap' }],
    ],
    [
      'I want at least 990 USDT for 1000 USDC',
      [{ action: 'swap', amount: '1000', tokenIn: 'USDC', tokenOut: 'USDT', minAmountOut: '990' }],
    ],
    [
      'Give Aave permission to use 500 DAI',
      [{ action: 'approve', amount: '500', token: 'DAI', spender: 'aave', protocol: 'aave' }],
    ],
    ['Settle my 500 DAI debt on Aave', [{ action: 'repay', amount: '500', token: 'DAI', protocol: 'aave' }]],
    ['Pay off my USDC debt on Aave', [{ action: 'repay', amount: 'all', token: 'USDC', protocol: 'aave' }]],
    [
      'Close my USDT position on Compound',
      [{ action: 'withdraw', amount: 'all', token: 'USDT', protocol: 'compound' }],
    ],
    [
      'Mint 1000 DAI on Maker using ETH as collateral',
      [{ action: 'borrow', amount: '1000', token: 'DAI', protocol: 'maker' }],
    ],
    [
      'Swap my 2 rETH back into ETH through Rocket Pool',
      [{ action: 'unstake', amount: '2', token: 'rETH', protocol: 'rocketpool' }],
    ],
    ['how many USDT are there in circulation?', [{ action: 'total_supply', token: 'USDT' }]],
    [
      'stake 10 eth with lido and then restake the steth on eigenlayer',
      [
        { action: 'stake', amount: '10', token: 'ETH', protocol: 'lido' },
        { action: 'stake', token: 'stETH', protocol: 'eigenlayer' },
      ],
    ],
    [
      'send 1 ETH to alice.eth and 2 ETH to bob.eth',
      [
        { action: 'transfer', amount: '1', token: 'ETH', recipient: 'alice.eth' },
        { action: 'transfer', amount: '2', token: 'ETH', recipient: 'bob.eth' },
      ],
    ],
    [
      'Deposit 0.1 ETH and 300 USDC to Uniswap',
      [
        { action: 'add_liquidity', amount: '0.1', token: 'ETH', protocol: 'uniswap' },
        { action: 'add_liquidity', amount: '300', token: 'USDC', protocol: 'uniswap' },
      ],
    ],
  ])('%s', (...testCase) => check(testCase));

  it('does nothing it is told not to do', () => {
    expect(parseEmbedded("don't swap my ETH")).toEqual({ intents: [], parser: 'embedded' });
  });
});

describe('parseEmbedded: messages without a request', () => {
  it('returns no intents and no question for small talk', () => {
    expect(parseEmbedded('hello there, how are you?')).toEqual({ intents: [], parser: 'embedded' });
    expect(parseEmbedded('')).toEqual({ intents: [], parser: 'embedded' });
  });

  it('asks back when the message names something to act on', () => {
    expect(parseEmbedded('100 USDC')).toEqual({
      intents: [],
      clarify: 'What would you like to do with 100 USDC?',
      parser: 'embedded',
    });
    expect(parseEmbedded('I want to').clarify).toMatch(/^What would you like to do\?/);
  });

  it('says why a request outside the schema cannot be done', () => {
    expect(parseEmbedded('open a 10x long on ETH')).toMatchObject({
      intents: [],
      unsupported: expect.stringMatching(/Leveraged/),
    });
  });
});

describe('parseEmbedded: details', () => {
  it('keeps addresses exactly as typed, whatever their case', () => {
    const mixed = '0xdDacB8c90E2bA8Ee63c6aA6F3c6E5bB6fF1c8d8E';
    expect(parseEmbedded(`send 1 usdc to ${mixed}`).intents[0]?.recipient).toBe(mixed);
    expect(parseEmbedded(`send 1 usdc to ${mixed.toLowerCase()}`).intents[0]?.recipient).toBe(mixed.toLowerCase());
  });

  it('keeps many decimals exactly', () => {
    expect(parseEmbedded('send 1.234567890123456789 ETH to bob.eth').intents[0]?.amount).toBe('1.234567890123456789');
  });

  it('reads a message written in capitals', () => {
    expect(parseEmbedded('SEND 1 ETH TO BOB').intents).toEqual([
      { action: 'transfer', amount: '1', token: 'ETH', recipient: 'BOB' },
    ]);
  });

  it('recognises the chain token list it is given', () => {
    expect(parseEmbedded('send 5 sextant to bob', { tokens: ['SEXTANT'] }).intents[0]?.token).toBe('SEXTANT');
  });

  it('parses a message in well under a millisecond', () => {
    const messages = ['swap half my ETH to USDC and supply it to Aave', 'send 5 USDC to alice', 'what is my balance'];
    for (const message of messages) parseEmbedded(message);
    const started = performance.now();
    for (let round = 0; round < 300; round++) for (const message of messages) parseEmbedded(message);
    expect((performance.now() - started) / 900).toBeLessThan(1);
  });
});
