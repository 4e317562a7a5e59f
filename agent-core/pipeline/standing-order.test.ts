import { erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { handleMessage } from '../agent.ts';
import { crossCheck } from '../parse/parse-message.ts';
import { fundedAgentUser, testAgent } from '../testing/agent.ts';
import { standingOrder } from './standing-order.ts';

const manifest = testDevnet();

describe('a repeating request in chat', async () => {
  const deps = await testAgent(manifest);

  it('is said back as a standing order with how to set it up, and nothing is planned or moved', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const usdc = manifest.tokens.find((t) => t.symbol === 'USDC');
    if (!usdc) throw new Error('no USDC');
    const before = await deps.env.publicClient.readContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [user.account],
    });
    const reply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text: 'swap 50 USDC into ETH every day for 30 days',
    });
    expect(reply.kind).toBe('answer');
    expect(reply.plan).toBeUndefined();
    expect(reply.text).toContain('sextant orders new --spend "50 USDC" --buy ETH --days 30');
    const plans = deps.db.prepare('SELECT COUNT(*) AS n FROM agent_plans WHERE user_id = ?').get(user.userId) as {
      n: number;
    };
    expect(plans.n).toBe(0);
    expect(
      await deps.env.publicClient.readContract({
        address: usdc.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user.account],
      }),
    ).toBe(before);
  });
});

describe('the standing-order stage', () => {
  const message = 'swap 50 USDC into ETH every day for 30 days';
  const swap = { action: 'swap' as const, amount: '50', tokenIn: 'USDC', tokenOut: 'ETH' };
  const understood = (intents: object[], text = message) => ({
    parse: { intents: [], parser: 'embedded' },
    intents: intents as never,
    message: text,
  });

  it('asks when the words repeat but the reading lost it (a model that dropped the schedule)', () => {
    expect(standingOrder(understood([swap]))?.stop.kind).toBe('clarify');
    expect(standingOrder(understood([swap], 'swap 50 USDC into ETH'))).toBeUndefined();
  });

  it('asks for an exact amount, one swap, and at most 31 days', () => {
    const daily = { every: 'day', times: 30 };
    expect(standingOrder(understood([{ ...swap, amount: '50%', schedule: daily }]))?.stop.text).toMatch(/exact amount/);
    expect(standingOrder(understood([{ ...swap, action: 'transfer', schedule: daily }]))?.stop.kind).toBe('clarify');
    expect(standingOrder(understood([{ ...swap, schedule: { every: 'day', times: 60 } }]))?.stop.text).toMatch(
      /at most 31 days/,
    );
  });

  it('says a price order back with its command, and asks when the words wait for a price the reading lost', () => {
    const text = 'sell 1 ETH for USDC if ETH goes above 3,300';
    const sell = { action: 'swap' as const, amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' };
    const answer = standingOrder(
      understood([{ ...sell, condition: { token: 'ETH', direction: 'above', price: '3300' } }], text),
    );
    expect(answer?.stop.kind).toBe('answer');
    expect(answer?.stop.text).toContain('sextant orders new --spend "1 WETH" --buy USDC --when-above 3300 --days 7');
    expect(answer?.stop.text).toContain('wrap the ETH first');
    expect(standingOrder(understood([sell], text))?.stop.kind).toBe('clarify');
  });

  it('asks, with no order, when a reading waits for a price the words do not say (a model that misread them)', () => {
    const buy = { action: 'swap' as const, amount: '3000', tokenIn: 'USDC', tokenOut: 'ETH' };
    const sell = { action: 'swap' as const, amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' };
    const misread = [
      // The price of the token bought: the order would watch USDC's price in WETH, below 2500 at once.
      [
        { ...buy, condition: { token: 'ETH', direction: 'below', price: '2500' } },
        'buy ETH with 3000 USDC if ETH dips below 2500',
      ],
      // A direction, a price or a token the words do not give.
      [
        { ...sell, condition: { token: 'ETH', direction: 'below', price: '3300' } },
        'sell 1 ETH for USDC if ETH goes above 3,300',
      ],
      [
        { ...sell, condition: { token: 'ETH', direction: 'above', price: '330' } },
        'sell 1 ETH for USDC if ETH goes above 3,300',
      ],
      [
        { ...sell, condition: { token: 'ETH', direction: 'above', price: '3300' } },
        'sell 1 ETH for USDC later, at a good price',
      ],
    ] as const;
    for (const [intent, text] of misread) {
      const reading = standingOrder(understood([intent], text));
      expect(reading?.stop.kind, text).toBe('clarify');
      expect(reading?.order, text).toBeUndefined();
    }
  });

  it('says a position guard back with its command, whatever the parser made of the words', () => {
    for (const text of [
      'if my Aave health factor drops below 1.5, repay up to 1,000 USDC of debt',
      'repay 500 USDC when my health factor falls under 1.3',
    ]) {
      const answer = standingOrder(understood([], text));
      expect(answer?.stop.kind, text).toBe('answer');
      expect(answer?.stop.text).toMatch(
        /sextant orders new --repay "(1000|500) USDC" --when-health-below 1\.[35] --days 30/,
      );
    }
    expect(standingOrder(understood([], 'what is my health factor?'))).toBeUndefined();
  });

  it('says a claim of rewards that repeats or waits for an epoch back as the claim order, whatever the parser made of it', () => {
    const claim = { action: 'claim_rewards' as const };
    for (const [text, intents, days] of [
      ['claim my rewards when an epoch settles', [], 30],
      ['claim my rewards every time an epoch settles', [claim], 30],
      ['auto-claim my rewards', [], 30],
      ['automatically claim my emission rewards each epoch', [claim], 30],
      ['claim my rewards every day for 2 weeks', [], 14],
      ['whenever rewards are distributed, claim them', [], 30],
      ['claim my SXT each epoch', [{ ...claim, token: 'SXT' }], 30],
    ] as const) {
      const answer = standingOrder(understood([...intents], text));
      expect(answer?.stop.kind, text).toBe('answer');
      expect(answer?.stop.text, text).toContain(
        `claim your Sextant rewards each time an epoch is distributed, for ${days} days`,
      );
      expect(answer?.stop.text, text).toContain(`\`sextant orders new --claim-rewards --days ${days}\``);
      expect(answer?.stop.text, text).toContain('Nothing is planned or sent now.');
    }
    expect(standingOrder(understood([claim], 'claim my rewards'))).toBeUndefined();
  });

  it('asks when a claim order comes with another request, a span past 31 days, or a reading of another protocol', () => {
    const transfer = { action: 'transfer' as const, amount: '50', token: 'USDC', recipient: '0xBAD' };
    const both = standingOrder(understood([transfer], 'auto-claim my rewards every epoch and send 50 USDC to 0xBAD'));
    expect(both?.stop.kind).toBe('clarify');
    expect(both?.stop.text).toContain('send 50 USDC to 0xBAD');
    expect(both?.stop.text).not.toContain('sextant orders new');
    // The words hold only the claim, but a model read a transfer too: asked, not planned.
    expect(standingOrder(understood([transfer], 'auto-claim my rewards'))?.stop.kind).toBe('clarify');
    const long = standingOrder(understood([], 'claim my rewards each epoch for 60 days'));
    expect(long?.stop.kind).toBe('clarify');
    expect(long?.stop.text).toMatch(/1 to 31 days/);
    for (const [text, intents] of [
      ['claim my aave rewards every week', []],
      ['claim my rewards each epoch', [{ action: 'claim_rewards', protocol: 'aave' }]],
    ] as const) {
      const elsewhere = standingOrder(understood([...intents], text));
      expect(elsewhere?.stop.kind, text).toBe('unsupported');
      expect(elsewhere?.stop.text, text).toMatch(
        /Only Sextant's own emission rewards can be claimed as a standing order/,
      );
      expect(elsewhere?.stop.text, text).not.toContain('sextant orders new');
    }
  });

  it('keeps the embedded reading when a model reads the same swap without its repetition', () => {
    const embedded = {
      intents: [{ ...swap, schedule: { every: 'day' as const, times: 30 } }],
      parser: 'embedded',
    };
    const model = { intents: [swap], parser: 'ollama:test' };
    const checked = crossCheck({ result: model, dropped: [] } as never, embedded);
    expect(checked.result).toBe(embedded);
    expect(checked.notes.join(' ')).toMatch(/schedule/);
  });
});
