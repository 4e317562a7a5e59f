import {
  AllowedCalldataEnforcer,
  AllowedMethodsEnforcer,
  AllowedTargetsEnforcer,
  DelegationManager,
  EIP7702StatelessDeleGator,
  ERC20BalanceChangeEnforcer,
  ERC20PeriodTransferEnforcer,
  LimitedCallsEnforcer,
  NativeTokenPeriodTransferEnforcer,
  RedeemerEnforcer,
  TimestampEnforcer,
  ValueLteEnforcer,
} from '@metamask/delegation-abis/bytecode';
import { DELEGATOR_CONTRACTS } from '@metamask/delegation-deployments';
import { type Address, encodeAbiParameters, type Hex, pad } from 'viem';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';

/** Sends no transaction, ever: its nonce stays 0, so what is constructed "from" it is always the same. */
const CONSTRUCTING_SENDER: Address = '0x00000000000000000000000000000000005e7a17';

/** The release of MetaMask's delegation framework whose addresses the devnet mirrors. */
export const DELEGATION_FRAMEWORK_VERSION = '1.3.0';

/**
 * The caveat enforcers the devnet carries: what a delegation to Sextant's agent key is limited by
 * (targets, methods and fixed arguments, a balance that must grow, per-period amounts, a time window, a call count, who may
 * redeem, the value of a call).
 */
export const DELEGATION_ENFORCERS = [
  'AllowedTargetsEnforcer',
  'AllowedMethodsEnforcer',
  'AllowedCalldataEnforcer',
  'ERC20BalanceChangeEnforcer',
  'ERC20PeriodTransferEnforcer',
  'NativeTokenPeriodTransferEnforcer',
  'TimestampEnforcer',
  'LimitedCallsEnforcer',
  'RedeemerEnforcer',
  'ValueLteEnforcer',
] as const;
export type DelegationEnforcer = (typeof DELEGATION_ENFORCERS)[number];

/** The enforcers' creation code, as @metamask/delegation-abis ships it (none takes constructor arguments). */
const ENFORCER_CREATION: Record<DelegationEnforcer, string> = {
  AllowedTargetsEnforcer,
  AllowedMethodsEnforcer,
  AllowedCalldataEnforcer,
  ERC20BalanceChangeEnforcer,
  ERC20PeriodTransferEnforcer,
  NativeTokenPeriodTransferEnforcer,
  TimestampEnforcer,
  LimitedCallsEnforcer,
  RedeemerEnforcer,
  ValueLteEnforcer,
};

export type DelegationFramework = {
  delegationManager: Address;
  /** The implementation a user's own address delegates to (EIP-7702) to grant and keep delegations. */
  eip7702StatelessDeleGator: Address;
  enforcers: Record<DelegationEnforcer, Address>;
};

/** The framework's own addresses for the release, the same on every chain it is deployed to. */
function canonicalAddresses(): Record<string, Address> {
  const byChain = DELEGATOR_CONTRACTS[DELEGATION_FRAMEWORK_VERSION] as Record<string, Record<string, Address>>;
  const mainnet = byChain['1'];
  if (!mainnet) throw new DeploymentError(`@metamask/delegation-deployments lists no ${DELEGATION_FRAMEWORK_VERSION}.`);
  return mainnet;
}

/**
 * MetaMask's delegation framework (the DelegationManager, the EIP-7702 stateless DeleGator and the
 * caveat enforcers above), from the bytecode @metamask/delegation-abis ships, at the addresses
 * @metamask/delegation-deployments gives for its 1.3.0 release. Those were made with MetaMask's own
 * CREATE2 salt and deployer, which the devnet does not have, so each contract is constructed in a call
 * (its constructor runs, with the devnet's EntryPoint v0.7 and DelegationManager as arguments) and the
 * code it returns is placed at its address; the DelegationManager's one storage write in its
 * constructor, its owner (the devnet admin), is written too. Nothing else a constructor sets is kept
 * in storage (their EIP-712 domains are recomputed at the address they run at).
 */
export async function deployDelegationFramework(
  deployer: Deployer,
  entryPointV07: Address,
): Promise<DelegationFramework> {
  deployer.progress(
    'Delegation framework: DelegationManager, EIP-7702 DeleGator and caveat enforcers (MetaMask 1.3.0)',
  );
  const canonical = canonicalAddresses();
  const at = (name: string): Address => {
    const address = canonical[name === 'EIP7702StatelessDeleGator' ? 'EIP7702StatelessDeleGatorImpl' : name];
    if (!address) throw new DeploymentError(`@metamask/delegation-deployments has no address for ${name}.`);
    return address;
  };
  const place = async (name: string, creation: Hex) => {
    const address = at(name);
    // Constructed as if by a fixed sender that never sends anything: the code a constructor returns
    // embeds the address it was built at (EIP-712's cached domain), so the same sender and nonce give
    // the same code on every start, and a chain that has it already is left as it is.
    const runtime = await deployer.publicClient.call({ data: creation, account: CONSTRUCTING_SENDER });
    if (!runtime.data || runtime.data === '0x') {
      throw new DeploymentError(`Constructing ${name} from @metamask/delegation-abis returned no code.`);
    }
    const existing = await deployer.publicClient.getCode({ address });
    if (existing === runtime.data) {
      deployer.stats.reused += 1;
      return address;
    }
    await deployer.testClient.setCode({ address, bytecode: runtime.data });
    deployer.stats.deployed += 1;
    return address;
  };
  const delegationManager = await place(
    'DelegationManager',
    `${DelegationManager}${encodeAbiParameters([{ type: 'address' }], [deployer.admin.address]).slice(2)}`,
  );
  // Ownable's owner, slot 0: the constructor's only storage write that matters (pausing is the owner's).
  const ownerSlot = pad('0x0', { size: 32 });
  const owner = pad(deployer.admin.address.toLowerCase() as Hex, { size: 32 });
  if ((await deployer.publicClient.getStorageAt({ address: delegationManager, slot: ownerSlot })) !== owner) {
    await deployer.testClient.setStorageAt({ address: delegationManager, index: ownerSlot, value: owner });
  }
  const eip7702StatelessDeleGator = await place(
    'EIP7702StatelessDeleGator',
    `${EIP7702StatelessDeleGator}${encodeAbiParameters(
      [{ type: 'address' }, { type: 'address' }],
      [delegationManager, entryPointV07],
    ).slice(2)}`,
  );
  const enforcers = {} as Record<DelegationEnforcer, Address>;
  for (const name of DELEGATION_ENFORCERS) enforcers[name] = await place(name, ENFORCER_CREATION[name] as Hex);
  return { delegationManager, eip7702StatelessDeleGator, enforcers };
}
