import { type Address, erc20Abi, formatUnits, type PublicClient } from 'viem';
import type { Chain } from '../common/chains/types.ts';

export type Balance = { symbol: string; address: Address | null; decimals: number; raw: bigint; amount: string };

/** The account's native balance and its balance of every token in the chain's token list. */
export async function accountBalances(client: PublicClient, chain: Chain, account: Address): Promise<Balance[]> {
  const native = await client.getBalance({ address: account });
  const tokens = await Promise.all(
    chain.tokens.map(async (token) => {
      const raw = await client.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
      return {
        symbol: token.symbol,
        address: token.address,
        decimals: token.decimals,
        raw,
        amount: formatUnits(raw, token.decimals),
      };
    }),
  );
  return [
    { symbol: chain.nativeSymbol, address: null, decimals: 18, raw: native, amount: formatUnits(native, 18) },
    ...tokens,
  ];
}
