/**
 * A position guard in a message: "if my Aave health factor drops below 1.5, repay up to 1,000 USDC of
 * debt", "repay 500 USDC when my health factor falls under 1.3". Read only in these shapes; the chat
 * says it back as the standing order it is (agent-core/pipeline/standing-order.ts), never does it now.
 */
export type HealthGuard = { healthFactorBelow: string; amount: string; token: string };

const FACTOR = String.raw`(?:my\s+)?(?:aave\s+)?health\s*factor\s+(?:drops|falls|goes|gets|is|dips|sinks)?\s*(?:below|under|beneath)\s+(\d+(?:\.\d+)?)`;
const REPAY = String.raw`repay\s+(?:up\s+to\s+|at\s+most\s+)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s+([a-z][a-z0-9]{1,10})(?:\s+of\s+(?:my\s+)?debt)?`;
const GUARD_FIRST = new RegExp(String.raw`\b(?:if|when|once)\s+${FACTOR}\s*,?\s*(?:then\s+)?${REPAY}\b`, 'iu');
const REPAY_FIRST = new RegExp(String.raw`\b${REPAY}\s*,?\s*(?:if|when|once)\s+${FACTOR}\b`, 'iu');

export function readHealthGuard(message: string): HealthGuard | undefined {
  const first = GUARD_FIRST.exec(message);
  if (first?.[1] && first[2] && first[3]) {
    return { healthFactorBelow: first[1], amount: first[2].replace(/,/g, ''), token: first[3].toUpperCase() };
  }
  const second = REPAY_FIRST.exec(message);
  if (second?.[1] && second[2] && second[3]) {
    return { healthFactorBelow: second[3], amount: second[1].replace(/,/g, ''), token: second[2].toUpperCase() };
  }
  return undefined;
}
