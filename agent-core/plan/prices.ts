import { type Address, formatUnits, isAddressEqual } from 'viem';
import type { Token } from '../../common/chains/types.ts';
import { readSkill } from '../../skills/build.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import type { SkillContext } from '../../skills/sdk/define-skill.ts';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';

/** USD prices for the preview and the policy, from the audited price skill, quoted in USDC. */
export type PriceBook = {
  /** USD per whole token; undefined when no price can be found (the preview then shows no USD). */
  usd(token: Address): Promise<number | undefined>;
  /** The USD value of an amount in base units. */
  value(token: Address, amount: bigint): Promise<number | undefined>;
};

const USD_QUOTE = 'USDC';

export function priceBook(catalog: SkillCatalog, ctx: SkillContext): PriceBook {
  const cache = new Map<string, Promise<number | undefined>>();
  const tokenOf = (address: Address): Promise<Token> => ctx.token(address);

  const usd = (address: Address): Promise<number | undefined> => {
    const key = address.toLowerCase();
    let price = cache.get(key);
    if (!price) {
      price = (async () => {
        const token = isAddressEqual(address, NATIVE_TOKEN) ? await ctx.token('ETH') : await tokenOf(address);
        // The listed USDC by its address: a token that merely calls itself USDC is not worth $1.
        const quote = ctx.chain.tokens.find((t) => t.symbol.toUpperCase() === USD_QUOTE);
        if (quote && isAddressEqual(quote.address, token.address)) return 1;
        const skill = catalog.entries.find((e) => e.manifest.actions.includes('price') && e.skill)?.skill;
        if (!skill) return undefined;
        const priceIn = async (quote: string) => {
          const reading = await readSkill(skill, { token: token.symbol === 'ETH' ? 'ETH' : token.address, quote }, ctx);
          const value = Number(reading.values.price);
          return Number.isFinite(value) && value > 0 ? value : undefined;
        };
        try {
          return await priceIn(USD_QUOTE);
        } catch {
          // No pool with USDC (WBTC trades against WETH): price it through ETH.
          try {
            const inEth = await priceIn('ETH');
            const eth = await usd(NATIVE_TOKEN);
            return inEth !== undefined && eth !== undefined ? inEth * eth : undefined;
          } catch {
            return undefined;
          }
        }
      })();
      cache.set(key, price);
    }
    return price;
  };

  return {
    usd,
    async value(address, amount) {
      const price = await usd(address);
      if (price === undefined) return undefined;
      const token = isAddressEqual(address, NATIVE_TOKEN) ? { decimals: 18 } : await tokenOf(address);
      return Number(formatUnits(amount, token.decimals)) * price;
    },
  };
}
