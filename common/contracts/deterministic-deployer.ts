import { type Address, concat, getContractAddress, type Hex } from 'viem';

/**
 * The deterministic deployment proxy (Arachnid's CREATE2 factory): anvil carries it at genesis and most
 * real chains have it. The devnet deploys its protocols through it; emissions, each epoch's distributor.
 */
export const DETERMINISTIC_DEPLOYER: Address = '0x4e59b44847b379578588920ca78fbf26c0b4956c';

/**
 * A contract deployed through the deterministic deployer: the address it gets (CREATE2 from the
 * proxy, the salt and the init code) and the data of the transaction to the proxy that deploys it.
 */
export function deterministicDeployment(initCode: Hex, salt: Hex): { address: Address; data: Hex } {
  return {
    address: getContractAddress({ opcode: 'CREATE2', from: DETERMINISTIC_DEPLOYER, salt, bytecode: initCode }),
    data: concat([salt, initCode]),
  };
}
