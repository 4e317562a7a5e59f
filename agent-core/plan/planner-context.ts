import type { Address, PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import type { RewardsSource } from './rewards.ts';

/** What the planner plans against: the chain, the user's account, the audited skills and the address book. */
export type PlannerContext = {
  chain: Chain;
  client: PublicClient;
  /** The user's smart account (counterfactual until its first operation). */
  account: Address;
  catalog: SkillCatalog;
  /** The user's address book. */
  lookupAddress: (label: string) => Address | undefined;
  /** The other chains a bridge may go to (the devnet's second chain); none when absent. */
  otherChains?: readonly Chain[];
  /** A read client on one of the other chains, where the runtime can reach it. */
  clientOn?: (chain: Chain) => PublicClient | undefined;
  /** The emission rewards the account can claim (claim_rewards); absent where none are settled. */
  rewards?: RewardsSource;
};
