import { type Address, erc20Abi, parseEther } from 'viem';
import type { Token } from '../common/chains/types.ts';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { MINTABLE_ERC20_ARTIFACT, WETH9_ARTIFACT } from './deploy-tokens.ts';
import type { Deployer } from './deployer.ts';

/**
 * Gives the admin `amount` (raw units) of a devnet token: WETH by wrapping ETH that anvil credits
 * (anvil_setBalance), the test tokens by minting. Devnet only, like everything that calls it.
 */
export async function fundAdmin(deployer: Deployer, token: Token, amount: bigint, weth: Address): Promise<void> {
  const admin = deployer.admin.address;
  if (token.address.toLowerCase() === weth.toLowerCase()) {
    const balance = await deployer.publicClient.getBalance({ address: admin });
    const needed = amount + parseEther('1000'); // and some to pay gas with
    if (balance < needed) await deployer.testClient.setBalance({ address: admin, value: needed });
    await deployer.write(`wrap ${token.symbol} for the admin`, {
      address: weth,
      abi: loadArtifact(WETH9_ARTIFACT).abi,
      functionName: 'deposit',
      value: amount,
    });
    return;
  }
  await deployer.write(`mint ${token.symbol} for the admin`, {
    address: token.address,
    abi: loadArtifact(MINTABLE_ERC20_ARTIFACT).abi,
    functionName: 'mint',
    args: [admin, amount],
  });
}

/** Approves exactly `amount` for `spender` (no unlimited approvals, even on the devnet). */
export async function approveExact(deployer: Deployer, token: Token, spender: Address, amount: bigint): Promise<void> {
  await deployer.write(`approve ${token.symbol}`, {
    address: token.address,
    abi: erc20Abi,
    functionName: 'approve',
    args: [spender, amount],
  });
}

/** Raw units of `token` worth `usd`, at the devnet's price for it (exact for the devnet's round prices). */
export function rawAmountForUsd(token: Token, usd: number, priceUsd: number): bigint {
  return (BigInt(usd) * 10n ** BigInt(token.decimals)) / BigInt(priceUsd);
}
