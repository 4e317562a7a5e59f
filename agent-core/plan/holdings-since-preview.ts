import { type Address, erc20Abi, isAddressEqual } from 'viem';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';
import { exposedAavePositions } from './exposed-positions.ts';

/**
 * What the account holds now that a plan's guard does not watch: for a plan whose bundle may run
 * unvetted code, the guard reads every token and aToken the account held at the preview
 * (`watched`, exposed-holdings.ts), and nothing else. A token that arrived since (a payment,
 * another plan's swap or supply) could then be taken through an allowance the account gave some
 * other contract long ago, unseen. Confirming such a plan is refused; a fresh preview watches it.
 *
 * Read at confirmation, a few seconds before the bundle lands; what arrives in those seconds is
 * not seen. Listed tokens and the chain's Aave aTokens only, as at the preview.
 */
export async function unwatchedHoldings(
  ctx: SkillContext,
  watched: readonly Address[],
): Promise<{ token: Address; symbol: string }[]> {
  const isWatched = (token: Address) => watched.some((w) => isAddressEqual(w, token));
  const [wallet, positions] = await Promise.all([
    Promise.all(
      ctx.chain.tokens.map(async (token) => {
        if (isWatched(token.address)) return undefined;
        const held = await ctx.client.readContract({
          address: token.address,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [ctx.account],
        });
        return held > 0n ? { token: token.address, symbol: token.symbol } : undefined;
      }),
    ),
    exposedAavePositions(ctx),
  ]);
  const aTokens = (positions?.aTokens ?? [])
    .filter((aToken) => !isWatched(aToken.address))
    .map((aToken) => ({ token: aToken.address, symbol: aToken.symbol }));
  return [...wallet.filter((held) => held !== undefined), ...aTokens];
}
