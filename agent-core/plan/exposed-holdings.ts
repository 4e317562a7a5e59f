import { type Address, erc20Abi, isAddressEqual } from 'viem';
import type { SkillCall, SkillContext } from '../../skills/sdk/define-skill.ts';

/**
 * Tokens the account holds that a contract the bundle calls is already allowed to spend (a standing
 * allowance from before): a hostile one could take them on chain though the simulation showed nothing,
 * so the guard reads them too. An allowance that cannot be read (the RPC failed or refused, the token
 * reverts on it) counts as standing: the guard then watches that token as well, rather than letting
 * a failed read switch its watch off.
 */
export async function exposedHoldings(
  client: Pick<SkillContext['client'], 'readContract'>,
  account: Address,
  holdings: readonly { token: Address }[],
  calls: readonly Pick<SkillCall, 'to'>[],
): Promise<Address[]> {
  const targets = calls
    .map((call) => call.to)
    .filter((to, i, all) => all.findIndex((t) => isAddressEqual(t, to)) === i);
  const exposed = await Promise.all(
    holdings.map(async ({ token }) => {
      const allowances = await Promise.all(
        targets.map((spender) =>
          client
            .readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [account, spender] })
            .catch(() => undefined),
        ),
      );
      return allowances.some((allowed) => allowed === undefined || allowed > 0n) ? token : undefined;
    }),
  );
  return exposed.filter((token): token is Address => token !== undefined);
}
