import { type Address, erc20Abi, isAddress, isAddressEqual } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { NATIVE_TOKEN, type SkillCall, type SkillContext } from '../../skills/sdk/define-skill.ts';

/**
 * Tokens the account holds that the plan does not move but the bundle could take on chain though the
 * simulation showed nothing (a contract that behaves once mined), so the guard reads them too:
 *
 * - **Every holding, when the bundle may run code nobody vetted:** a step of a skill Sextant does not
 *   ship (its calls can hand listed contracts arguments that run other code: a Uniswap path through a
 *   hostile token, a flash loan to a hostile receiver), a call to an address the chain's config does
 *   not list (a third-party contract, any ETH recipient), or a step moving a token the chain does not
 *   list (its transfer runs its code). Once mined, that code can call *another* contract the account
 *   allowed long ago, one that moves tokens from any address it is given (the arbitrary-`from` flaw
 *   behind several drained aggregators), and take any token through it. Which contracts an account
 *   has allowed cannot be read from the chain (only its Approval logs would say), and an EIP-7702
 *   address keeps years of approvals, so all are watched. An ETH recipient counts even with no code
 *   now: it can gain code before the bundle lands (an EIP-7702 authorization of its own, a CREATE2
 *   deployment), and being paid does not entitle it to the account's old allowances. Watching five
 *   holdings costs about 42,000 gas on an ETH transfer (measured).
 * - **Otherwise, those a called contract is already allowed to spend** (a standing allowance from
 *   before). An allowance that cannot be read (the RPC failed or refused, the token reverts on it)
 *   counts as standing: a failed read must not switch the watch off.
 *
 * `unvetted` says which rule applied. A token the chain does not list and the account holds is not
 * among the holdings (nothing knows of it); the account's Aave positions are watched apart
 * (exposed-positions.ts).
 */
export async function exposedHoldings(
  client: Pick<SkillContext['client'], 'readContract'>,
  account: Address,
  holdings: readonly { token: Address }[],
  calls: readonly Pick<SkillCall, 'to'>[],
  bundle: {
    /** The chain's listed contracts and tokens (listedAddresses). */
    listed: readonly Address[];
    /** The tokens the plan's steps give or receive. */
    tokens: readonly Address[];
    /** Whether a step is of a skill Sextant does not ship (published or remote). */
    thirdParty: boolean;
  },
): Promise<{ tokens: Address[]; unvetted: boolean }> {
  const targets = calls
    .map((call) => call.to)
    .filter((to, i, all) => all.findIndex((t) => isAddressEqual(t, to)) === i);
  const isListed = (address: Address) =>
    isAddressEqual(address, NATIVE_TOKEN) || bundle.listed.some((listed) => isAddressEqual(listed, address));
  if (bundle.thirdParty || !targets.every(isListed) || !bundle.tokens.every(isListed)) {
    return { tokens: holdings.map(({ token }) => token), unvetted: true };
  }
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
  return { tokens: exposed.filter((token): token is Address => token !== undefined), unvetted: false };
}

/** Every address the chain's config lists: its tokens and its contracts (the runtime's own, and the protocols' it knows). */
export function listedAddresses(chain: Pick<Chain, 'tokens' | 'contracts'>): Address[] {
  const found: Address[] = chain.tokens.map((token) => token.address);
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (isAddress(value, { strict: false })) found.push(value);
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(chain.contracts);
  return found;
}
