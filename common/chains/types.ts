import type { Address } from 'viem';

/** A token on one chain. Decimals are the chain's own (read from the contract on the devnet). */
export type Token = {
  symbol: string;
  name: string;
  address: Address;
  decimals: number;
  /** False for a token found by its address that is not on the chain's token list: its symbol is
   *  only what the contract calls itself, and it is never taken for a listed token. */
  listed?: boolean;
};

/** The caveat enforcers of MetaMask's delegation framework that Sextant's grants use. */
export type DelegationEnforcer =
  | 'AllowedTargetsEnforcer'
  | 'AllowedMethodsEnforcer'
  | 'AllowedCalldataEnforcer'
  | 'ERC20BalanceChangeEnforcer'
  | 'ERC20PeriodTransferEnforcer'
  | 'NativeTokenPeriodTransferEnforcer'
  | 'TimestampEnforcer'
  | 'LimitedCallsEnforcer'
  | 'RedeemerEnforcer'
  | 'ValueLteEnforcer';

/** The contracts the runtime knows how to use on a chain; a missing entry means "not on this chain". */
export type ChainContracts = {
  entryPointV07?: Address;
  entryPointV08?: Address;
  simpleAccountFactoryV07?: Address;
  simpleAccountFactoryV08?: Address;
  /** Simple7702Account (EntryPoint v0.8), which an owner's own address delegates to with EIP-7702. */
  simple7702Account?: Address;
  /** MetaMask's EIP7702StatelessDeleGator (delegation framework 1.3.0, EntryPoint v0.7): the other
   *  implementation an owner's address can delegate to, the one that can grant delegations with caveats. */
  eip7702StatelessDeleGator?: Address;
  weth?: Address;
  uniswapV3?: {
    factory: Address;
    swapRouter02: Address;
    quoterV2: Address;
    nonfungiblePositionManager: Address;
  };
  aaveV3?: {
    pool: Address;
    poolAddressesProvider: Address;
  };
  /** Sextant's own: the capital bucket's deposit pool (ERC-4626 over WETH) and the reward token. */
  emissions?: {
    depositPool: Address;
    rewardToken: Address;
  };
  /** MetaMask's delegation framework 1.3.0 (the same addresses on every chain it is deployed to): the
   *  DelegationManager standing orders are redeemed through, and the caveat enforcers their grants use.
   *  Absent = no standing orders on this chain. */
  delegationFramework?: {
    delegationManager: Address;
    enforcers: Record<DelegationEnforcer, Address>;
  };
  /** Sextant's bundle guard (snapshot and check around each bundle); absent = bundles on this chain
   *  run unguarded. */
  bundleGuard?: Address;
  /** Across' SpokePool, where bridge deposits are made and fills land; absent = no bridging here. */
  acrossSpokePool?: Address;
};

export type Chain = {
  /** Lower-case slug, as in `CHAIN=` and in intents (`"chain": "base"`). */
  slug: string;
  name: string;
  chainId: number;
  testnet: boolean;
  /** ENS names resolve here (mainnet); elsewhere recipients come from the address book. */
  hasEns: boolean;
  nativeSymbol: 'ETH';
  contracts: ChainContracts;
  tokens: Token[];
  /**
   * The fee, in basis points of the amount, that fills an Across deposit from here, when it is known
   * without asking Across: the devnet's own relayer (DEVNET_RELAYER_FEE_BPS). Absent on real networks,
   * where each deposit's fee is quoted by Across' API, which Sextant does not call yet (so it does not
   * bridge there).
   */
  acrossRelayerFeeBps?: number;
  /** The relayer that fills here when one is known (the devnet's): what it holds bounds what a deposit
   *  may ask it to pay out. */
  acrossRelayer?: Address;
};
