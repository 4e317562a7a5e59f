import { SextantError } from '../../common/errors.ts';
import { type ClaimScheduleReading, readClaimSchedule } from '../parse/embedded/claim-schedule.ts';
import { readHealthGuard } from '../parse/embedded/health-guard.ts';
import { readPriceCondition } from '../parse/embedded/price-condition.ts';
import { readSchedule } from '../parse/embedded/schedule.ts';
import type { AgentDeps, Answer, StandingOrderRequest } from './types.ts';
import type { Understood } from './understand.ts';

/** The longest daily order one grant holds (agent-core/orders/daily-swap-grant.ts MAX_GRANT_DAYS). */
const MAX_DAYS = 31;

/**
 * Stage 2b, standing orders: a request that repeats ("swap 50 USDC into ETH every day for 30 days")
 * is never planned as a one-off. It is said back as the standing order it is, with how to set it up
 * (the grant is shown in words and confirmed there), and nothing is planned now. A repetition in the
 * words that the reading lost (a model that dropped it) is asked about, not read past. So is a claim
 * of rewards that repeats or waits for an epoch ("claim my rewards when an epoch settles"): the
 * standing claim order, with its command.
 */
export function standingOrder(understood: Understood): StandingOrderReading | undefined {
  // "Claim my rewards when an epoch settles", "auto-claim my rewards": read from the words alone
  // (the parser reads a one-off claim, a doubt, or nothing), first, so that whatever else the
  // message asks is asked about rather than answered past.
  const claims = readClaimSchedule(understood.message);
  if (claims.kind !== 'none') return claimOrder(claims, understood);
  // "If my Aave health factor drops below 1.5, repay up to 1,000 USDC": read from the words alone (the
  // parser asks about any condition), and said back as the position guard it is.
  const guard = readHealthGuard(understood.message);
  if (guard) {
    return standing(
      `That is a position guard: repay up to ${guard.amount} ${guard.token} of your ${guard.token} debt on Aave V3, once, when your health factor falls below ${guard.healthFactorBelow}, run by Sextant while you are away (the chain holds the cap and that it is your own debt), for 30 days.`,
      `sextant orders new --repay "${guard.amount} ${guard.token}" --when-health-below ${guard.healthFactorBelow} --days 30`,
      '(--days: how long it waits, 1 to 31)',
      {
        kind: 'repay-guard',
        amount: guard.amount,
        asset: guard.token,
        healthFactorBelow: guard.healthFactorBelow,
        days: 30,
      },
    );
  }
  const waiting = understood.intents.filter((intent) => intent.condition);
  if (waiting.length > 0) return priceOrder(understood);
  if (readPriceCondition(understood.message).kind !== 'none') {
    return {
      stop: {
        kind: 'clarify',
        text: 'You asked for this to wait for a price, but I could not read it as one price order. Please say it as "sell 1 ETH for USDC if ETH goes above 3,300", or ask for it now, without the condition.',
      },
    };
  }
  const repeating = understood.intents.filter((intent) => intent.schedule);
  if (repeating.length === 0) {
    if (readSchedule(understood.message).kind === 'none') return undefined;
    return {
      stop: {
        kind: 'clarify',
        text: 'You asked for this to repeat, but I could not read it as one daily swap. Please say it as "swap 50 USDC into ETH every day for 30 days", or ask for it once, now, without the repetition.',
      },
    };
  }
  const [intent] = repeating;
  if (!intent?.schedule || understood.intents.length !== 1 || intent.action !== 'swap') {
    return {
      stop: {
        kind: 'clarify',
        text: 'Only a single swap can repeat, as a standing order. Which one swap should repeat, or do you want this done once, now?',
      },
    };
  }
  const { amount, tokenIn, tokenOut, schedule } = intent;
  if (!amount || !/^\d+(\.\d+)?$/.test(amount) || !tokenIn || !tokenOut) {
    return {
      stop: {
        kind: 'clarify',
        text: `A standing order needs the exact amount and both tokens, e.g. "swap 50 USDC into ETH every day for ${schedule.times} days" (a share of a balance or a dollar value changes from day to day).`,
      },
    };
  }
  if (schedule.times > MAX_DAYS) {
    return {
      stop: {
        kind: 'clarify',
        text: `A daily order runs for at most ${MAX_DAYS} days (one transaction must be able to revoke it). Ask for ${MAX_DAYS} days or fewer, and grant it again when it ends.`,
      },
    };
  }
  const days = `${schedule.times} day${schedule.times === 1 ? '' : 's'}`;
  return standing(
    `That is a standing order: swap ${amount} ${tokenIn} into ${tokenOut} every day for ${days}, run by Sextant while you are away, within limits the chain holds.`,
    `sextant orders new --spend "${amount} ${tokenIn}" --buy ${tokenOut} --days ${schedule.times}`,
    '',
    { kind: 'daily-swap', amount, spend: tokenIn, buy: tokenOut, days: schedule.times },
  );
}

/** "Sell 1 ETH for USDC if ETH goes above 3,300": said back as the price order it is. */
function priceOrder(understood: Understood): StandingOrderReading {
  const [intent] = understood.intents;
  const ask = (text: string) => ({ stop: { kind: 'clarify' as const, text } });
  if (!intent?.condition || understood.intents.length !== 1 || intent.action !== 'swap') {
    return ask('Only a single swap can wait for a price. Which one swap should wait, or do you want this done now?');
  }
  const { amount, tokenIn, tokenOut, condition } = intent;
  if (!amount || !/^\d+(\.\d+)?$/.test(amount) || !tokenIn || !tokenOut) {
    return ask(
      `A price order needs the exact amount and both tokens, e.g. "sell 1 ETH for USDC if ETH goes above ${condition.price}".`,
    );
  }
  // The order watches the pool's price of the token it sells: the condition must be the one the words
  // give, on that token (a model's reading is not grounded in its token, direction or price).
  const words = readPriceCondition(understood.message);
  const sells = (token: string) => sameToken(token, tokenIn);
  if (
    words.kind !== 'price' ||
    !sells(words.condition.token) ||
    !sells(condition.token) ||
    words.condition.direction !== condition.direction ||
    Number(words.condition.price) !== Number(condition.price)
  ) {
    return ask(
      'A price order waits for the price of the one token it sells, as your words give it ("sell 1 ETH for USDC if ETH goes above 3,300"). Please say it that way, or ask for it now, without the condition.',
    );
  }
  // The order swaps an ERC-20: ETH is sold as WETH (wrap it first), and bought as WETH.
  const spend = tokenIn.toUpperCase() === 'ETH' ? 'WETH' : tokenIn;
  const wrap = spend !== tokenIn ? ' It sells WETH: wrap the ETH first ("wrap 1 ETH").' : '';
  return standing(
    `That is a price order: swap ${amount} ${spend} into ${tokenOut} once ${condition.token}'s price goes ${condition.direction} ${condition.price} ${tokenOut}, run by Sextant while you are away, at no less than that price (the chain holds it), waiting 7 days.${wrap}`,
    `sextant orders new --spend "${amount} ${spend}" --buy ${tokenOut} --when-${condition.direction} ${condition.price} --days 7`,
    '(--days: how long it waits, 1 to 31)',
    {
      kind: 'price-swap',
      amount,
      spend,
      buy: tokenOut,
      days: 7,
      when: { direction: condition.direction, price: String(condition.price) },
    },
  );
}

/** One token, with ETH and WETH as one (a price order sells ETH as WETH). */
function sameToken(a: string, b: string): boolean {
  const [x, y] = [a.toUpperCase(), b.toUpperCase()];
  return x === y || (x === 'ETH' && y === 'WETH') || (x === 'WETH' && y === 'ETH');
}

/** "Claim my rewards each epoch": said back as the standing claim order it is, never claimed now. */
function claimOrder(
  claims: Exclude<ClaimScheduleReading, { kind: 'none' }>,
  understood: Understood,
): StandingOrderReading {
  const ask = (text: string) => ({ stop: { kind: 'clarify' as const, text } });
  if (claims.kind === 'unclear') return ask(claims.question);
  const elsewhere = (named: string) => ({
    stop: {
      kind: 'unsupported' as const,
      text: `Only Sextant's own emission rewards can be claimed as a standing order, not ${named}'s: there is no way to claim ${named}'s rewards for you while you are away. Nothing is planned or sent now.`,
    },
  });
  if (claims.kind === 'elsewhere') return elsewhere(claims.named);
  // A model's reading may name the protocol the words put elsewhere ("my rewards on Aave").
  const protocol = understood.intents.find(
    (intent) => intent.action === 'claim_rewards' && intent.protocol && !/^sextant$/i.test(intent.protocol),
  )?.protocol;
  if (protocol) return elsewhere(protocol);
  const other = understood.intents.some((intent) => intent.action !== 'claim_rewards');
  if (claims.rest !== '' || other) {
    const said = claims.rest === '' ? '' : ` ("${claims.rest}")`;
    return ask(
      `You asked for a standing claim of your Sextant rewards and for something else too${said}. Nothing is planned or sent now. Which one did you mean? Ask for the claim order alone ("claim my rewards each epoch"), or for the other request on its own.`,
    );
  }
  const days = `${claims.days} day${claims.days === 1 ? '' : 's'}`;
  const clock = claims.onClock
    ? ' It claims as each epoch is distributed, not by the calendar: that is when there is something new to claim.'
    : '';
  return standing(
    `That is a standing order: claim your Sextant rewards each time an epoch is distributed, for ${days}, run by Sextant while you are away.${clock} It needs no permission over your funds (the distributor pays your address whoever sends the claim).`,
    `sextant orders new --claim-rewards --days ${claims.days}`,
    '',
    { kind: 'claim-rewards', days: claims.days },
  );
}

/**
 * What the stage read: its answer, and for an order it can name in full, that order and the command
 * that sets it up (the answer as it stands names the command; `offerStandingOrder` proposes it instead
 * where the agent can).
 */
export type StandingOrderReading = {
  stop: Answer;
  order?: { request: StandingOrderRequest; said: string; command: string; note: string };
};

function standing(said: string, command: string, note: string, request: StandingOrderRequest): StandingOrderReading {
  return {
    stop: {
      kind: 'answer',
      text: `${said} Nothing is planned or sent now. Set it up with \`${command}\`${note ? ` ${note}` : ''}: it shows the grant in words before you confirm.`,
    },
    order: { request, said, command, note },
  };
}

/**
 * The answer to a standing order read in chat. Where the agent can propose orders (the server, which
 * holds the passphrase that seals the agent key), the order is proposed, with nothing signed or sent,
 * and the answer gives its grant in words and how to grant it: the page's Orders card or `sextant
 * orders confirm`. Elsewhere, or when the proposal is refused (an address not on the DeleGator, a
 * limit, a token not listed), the answer names the command, with the refusal's reason.
 */
export async function offerStandingOrder(
  deps: Pick<AgentDeps, 'proposeStandingOrder'>,
  userId: string,
  reading: StandingOrderReading,
): Promise<Answer> {
  const { order } = reading;
  if (!order || !deps.proposeStandingOrder) return reading.stop;
  try {
    const proposed = await deps.proposeStandingOrder(userId, order.request);
    return {
      kind: 'answer',
      text: `${order.said} Nothing is planned or sent now. I proposed it as order ${proposed.id}, with nothing signed: ${proposed.words} Grant it on the page's Orders card or with \`sextant orders confirm ${proposed.id}\`; until you do, it does nothing.`,
    };
  } catch (error) {
    if (!(error instanceof SextantError)) throw error;
    const why = `${error.message}${error.hint ? ` ${error.hint}` : ''}`;
    return {
      kind: 'answer',
      text: `${order.said} Nothing is planned or sent now. It could not be proposed here: ${why} Once that is settled, set it up with \`${order.command}\`${order.note ? ` ${order.note}` : ''}: it shows the grant in words before you confirm.`,
    };
  }
}
