import type { Intent } from './schema.ts';

const what = (amount: string | undefined, token: string | undefined): string =>
  [amount, token].filter((part) => part !== undefined).join(' ');

/**
 * One readable line for an intent: "swap 50% ETH → USDC via uniswap on base (at least 4000 USDC,
 * slippage 0.3%)". For people reading `sextant parse` and previews, not for machines.
 */
export function describeIntent(intent: Intent): string {
  const parts: string[] = [intent.action];
  if (intent.action === 'swap') {
    parts.push(what(intent.amount, intent.tokenIn) || '?', '→', what(intent.amountOut, intent.tokenOut) || '?');
  } else {
    const asset = what(intent.amount, intent.token);
    if (asset) parts.push(asset);
  }
  if (intent.tokenId !== undefined) parts.push(`#${intent.tokenId}`);
  if (intent.recipient) parts.push(`to ${intent.recipient}`);
  if (intent.spender) parts.push(`for ${intent.spender}`);
  if (intent.account) parts.push(`of ${intent.account}`);
  if (intent.protocol) parts.push(`via ${intent.protocol}`);
  if (intent.chain) parts.push(`on ${intent.chain}`);
  if (intent.toChain) parts.push(`→ ${intent.toChain}`);
  const terms: string[] = [];
  if (intent.minAmountOut) terms.push(`at least ${what(intent.minAmountOut, intent.tokenOut)}`);
  if (intent.slippageBps !== undefined) terms.push(`slippage ${intent.slippageBps / 100}%`);
  if (terms.length > 0) parts.push(`(${terms.join(', ')})`);
  return parts.join(' ');
}
