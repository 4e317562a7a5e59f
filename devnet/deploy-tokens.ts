import { type Address, erc20Abi } from 'viem';
import type { Token } from '../common/chains/types.ts';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import type { Deployer } from './deployer.ts';
import { TEST_TOKENS } from './market.ts';

export const WETH9_ARTIFACT = '@uniswap/v2-periphery/build/WETH9.json';
export const MINTABLE_ERC20_ARTIFACT =
  '@aave/core-v3/artifacts/contracts/mocks/tokens/MintableERC20.sol/MintableERC20.json';

/**
 * WETH9 and the test tokens (Aave's MintableERC20: anyone may mint, which is why they exist only on
 * the devnet). The token list records the decimals each contract reports, not the ones we asked for.
 */
export async function deployTokens(deployer: Deployer): Promise<{ weth: Address; tokens: Token[] }> {
  deployer.progress(`Tokens: WETH9, ${TEST_TOKENS.map((token) => token.symbol).join(', ')}`);
  const weth = await deployer.deploy('WETH9', loadArtifact(WETH9_ARTIFACT));
  const mintable = loadArtifact(MINTABLE_ERC20_ARTIFACT);
  const tokens: Token[] = [await describeToken(deployer, weth, 'Wrapped Ether')];
  for (const spec of TEST_TOKENS) {
    const address = await deployer.deploy(`token ${spec.symbol}`, mintable, {
      args: [spec.name, spec.symbol, spec.decimals],
    });
    tokens.push(await describeToken(deployer, address, spec.name));
  }
  return { weth, tokens };
}

async function describeToken(deployer: Deployer, address: Address, name: string): Promise<Token> {
  const [symbol, decimals] = await Promise.all([
    deployer.publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
    deployer.publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  return { symbol, name, address, decimals };
}
