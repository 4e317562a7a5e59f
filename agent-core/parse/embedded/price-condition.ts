/**
 * A price condition in a message: "sell 1 ETH for USDC if ETH goes above 3,300", "… when ETH drops
 * below 2500", "… once the price of ETH is over $3,300". Read only in these shapes, on the token the
 * request sells; anything else conditional stays a doubt the parser asks about (doubts.ts). The
 * request itself is then a standing price order, never done now.
 */
export type PriceCondition = { token: string; direction: 'above' | 'below'; price: string };

export type ConditionReading = { kind: 'price'; rest: string; condition: PriceCondition } | { kind: 'none' };

const WHEN = String.raw`(?:if|when|once|as\s+soon\s+as)`;
const SUBJECT = String.raw`(?:the\s+price\s+of\s+)?([a-z][a-z0-9]{1,10})(?:'s)?(?:\s+price)?`;
const MOVE = String.raw`(?:goes|rises|climbs|gets|is|trades|moves|drops|falls|dips|sinks|reaches|hits)?\s*(?:to\s+)?`;
const SIDE = '(above|over|past|beyond|below|under|beneath)';
const PRICE = String.raw`\$?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*(?:usd|dollars|usdc|\$))?`;
const CONDITION = new RegExp(String.raw`[\s,]*\b${WHEN}\s+${SUBJECT}\s+${MOVE}${SIDE}\s+${PRICE}\b[\s,.!]*`, 'iu');

export function readPriceCondition(message: string): ConditionReading {
  const match = CONDITION.exec(message);
  if (!match) return { kind: 'none' };
  const [whole, token, side, price] = match;
  if (!token || !side || !price) return { kind: 'none' };
  const direction = /^(?:above|over|past|beyond)$/i.test(side) ? 'above' : 'below';
  const rest = `${message.slice(0, match.index)} ${message.slice(match.index + whole.length)}`
    .replace(/\s+/g, ' ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
  return { kind: 'price', rest, condition: { token: token.toUpperCase(), direction, price: price.replace(/,/g, '') } };
}
