import { NATIVE_TOKEN, type SkillContext } from '../sdk/define-skill.ts';

type Token = Awaited<ReturnType<SkillContext['token']>>;

/**
 * A token as the user named it, and the token its pools hold: Uniswap V3 pools never hold ETH, so
 * "ETH" trades (and is priced) as WETH, and the router wraps or unwraps at the edges.
 */
export type PoolToken = {
  /** What the user named: ETH stays ETH (NATIVE_TOKEN), for bounds and summaries. */
  named: Token;
  /** What the pools hold: WETH for ETH, otherwise the token itself. */
  pool: Token;
  /** True when `named` is the chain's native ETH. */
  native: boolean;
};

export async function poolToken(ctx: SkillContext, name: string): Promise<PoolToken> {
  const named = await ctx.token(name);
  if (named.address !== NATIVE_TOKEN) return { named, pool: named, native: false };
  return { named, pool: await ctx.token(ctx.contract('weth')), native: true };
}
