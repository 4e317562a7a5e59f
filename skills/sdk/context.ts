import { type Address, erc20Abi, isAddress, isAddressEqual, type PublicClient } from 'viem';
import type { Chain, Token } from '../../common/chains/types.ts';
import { NATIVE_TOKEN, type SkillContext } from './define-skill.ts';
import { SkillError } from './errors.ts';
import { contractByName } from './permissions.ts';

/**
 * The context a skill builds in. Tokens come from the chain's token list (or an address the user gave),
 * and their decimals are always read from the token contract itself, once per context.
 */
export function createSkillContext(options: {
  chain: Chain;
  client: PublicClient;
  account: Address;
  userTokens?: readonly Address[];
  /** Sextant's own tokens beyond the token list (the emissions' reward token a claim pays): not strangers. */
  ownTokens?: readonly Address[];
  /** The other chains the runtime knows (the devnet's second chain; the registry's networks). */
  otherChains?: readonly Chain[];
  /** A read client on one of them, where the runtime can reach it. */
  clientOn?: (chain: Chain) => PublicClient | undefined;
}): SkillContext {
  const { chain, client, account } = options;
  const cache = new Map<string, Promise<Token>>();

  const readToken = async (address: Address, listed: Token | undefined, ownToken = false): Promise<Token> => {
    try {
      const [decimals, symbol] = await Promise.all([
        client.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
        listed
          ? Promise.resolve(listed.symbol)
          : client.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
      ]);
      // An unlisted token's symbol is only what it calls itself: kept for display, never matched.
      return { symbol, name: listed?.name ?? symbol, address, decimals, listed: listed !== undefined || ownToken };
    } catch (error) {
      throw new SkillError(`${address} on ${chain.name} does not answer as an ERC-20 token.`, {
        hint: 'Check the token address, or name a token from the chain’s token list (`sextant chains`).',
        cause: error,
      });
    }
  };

  const token = (symbolOrAddress: string): Promise<Token> => {
    const key = symbolOrAddress.toLowerCase();
    const cached = cache.get(key);
    if (cached) return cached;
    let result: Promise<Token>;
    if (
      key === 'eth' ||
      (isAddress(symbolOrAddress, { strict: false }) && isAddressEqual(symbolOrAddress as Address, NATIVE_TOKEN))
    ) {
      result = Promise.resolve({ symbol: 'ETH', name: 'Ether', address: NATIVE_TOKEN, decimals: 18, listed: true });
    } else if (isAddress(symbolOrAddress, { strict: false })) {
      const address = symbolOrAddress as Address;
      result = readToken(
        address,
        chain.tokens.find((t) => isAddressEqual(t.address, address)),
        // Sextant's own reward token is part of the chain's configuration, not a stranger's contract.
        (chain.contracts.emissions !== undefined && isAddressEqual(chain.contracts.emissions.rewardToken, address)) ||
          (options.ownTokens ?? []).some((own) => isAddressEqual(own, address)),
      );
    } else {
      const matches = chain.tokens.filter((t) => t.symbol.toLowerCase() === key);
      if (matches.length !== 1) {
        const known = chain.tokens.map((t) => t.symbol).join(', ');
        result = Promise.reject(
          new SkillError(
            matches.length === 0
              ? `There is no token "${symbolOrAddress}" on ${chain.name}.`
              : `"${symbolOrAddress}" names ${matches.length} tokens on ${chain.name}.`,
            { hint: `Use one of ${known}, or the token's address.` },
          ),
        );
      } else {
        result = readToken((matches[0] as Token).address, matches[0]);
      }
    }
    cache.set(key, result);
    return result;
  };

  const contract = (name: string): Address => {
    const address = contractByName(chain, name);
    if (!address) {
      throw new SkillError(`${chain.name} has no ${name} contract.`, {
        hint: 'This skill does not work on this chain; choose another chain or protocol.',
      });
    }
    return address;
  };

  const otherChain = (slug: string): Chain | undefined =>
    (options.otherChains ?? []).find((other) => other.slug === slug.toLowerCase() && other.chainId !== chain.chainId);

  const otherClient = (slug: string): PublicClient | undefined => {
    const other = otherChain(slug);
    return other ? options.clientOn?.(other) : undefined;
  };

  return { chain, account, client, token, contract, otherChain, otherClient, userTokens: options.userTokens ?? [] };
}
