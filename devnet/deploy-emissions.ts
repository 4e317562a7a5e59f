import { type Address, parseUnits } from 'viem';
import { sextantArtifact } from '../common/contracts/artifacts.ts';
import type { Deployer } from './deployer.ts';

/** The reward token's cap: the whole default emission schedule (Morpheus' 42,000,000). */
export const REWARD_TOKEN_CAP = parseUnits('42000000', 18);

export type EmissionsContracts = { depositPool: Address; rewardToken: Address };

/**
 * Sextant's own contracts for emissions: the capital bucket's deposit pool (an ERC-4626 vault over
 * WETH) and the capped reward token, owned (and so minted) by the devnet's admin, the settling operator.
 */
export async function deployEmissionsContracts(deployer: Deployer, weth: Address): Promise<EmissionsContracts> {
  deployer.progress('Emissions: the capital deposit pool (ERC-4626 over WETH) and the reward token');
  const depositPool = await deployer.deploy('SextantDepositPool', sextantArtifact('SextantDepositPool'), {
    args: [weth],
  });
  const rewardToken = await deployer.deploy('SextantRewardToken', sextantArtifact('SextantRewardToken'), {
    args: [REWARD_TOKEN_CAP, deployer.admin.address],
  });
  return { depositPool, rewardToken };
}
