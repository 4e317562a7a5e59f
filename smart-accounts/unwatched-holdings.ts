import { type Address, isAddressEqual, type PublicClient } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import { createSkillContext } from '../skills/sdk/context.ts';
import { accountBalances } from './balances.ts';
import { readAavePositions } from './positions.ts';

/**
 * What the account holds now that a bundle's guard does not watch. For a bundle that may run
 * unvetted code, the guard reads every listed token and Aave aToken the account held at the preview
 * (`watched`: agent-core/plan/exposed-holdings.ts), and nothing else. A token that arrived since (a
 * payment, another plan's swap or supply) could then be taken through an allowance the account gave
 * some other contract long ago, unseen. A plan's confirmation (agent-core/agent.ts) and a bridge's
 * leg when it is about to run (bridge-continuations.ts) refuse when this is not empty.
 *
 * Read moments before the bundle is sent; what arrives in those moments is not seen. Listed tokens
 * and the chain's Aave aTokens only, as at the preview. A read that fails throws (the caller refuses).
 */
export async function unwatchedHoldings(
  client: PublicClient,
  chain: Chain,
  account: Address,
  watched: readonly Address[],
): Promise<{ token: Address; symbol: string }[]> {
  const isWatched = (token: Address) => watched.some((w) => isAddressEqual(w, token));
  const [wallet, aave] = await Promise.all([
    accountBalances(client, chain, account),
    chain.contracts.aaveV3 ? readAavePositions(createSkillContext({ chain, client, account })) : undefined,
  ]);
  const held = [
    ...wallet.flatMap((b) => (b.address && b.raw > 0n ? [{ token: b.address, symbol: b.symbol }] : [])),
    ...(aave?.reserves ?? []).flatMap((r) =>
      r.supplied > 0n ? [{ token: r.aToken.address, symbol: r.aToken.symbol }] : [],
    ),
  ];
  return held.filter((h) => !isWatched(h.token));
}
