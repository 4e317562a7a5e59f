import { parseAbi } from 'viem';

/**
 * The one SpokePool function this package calls (`@across-protocol/contracts` 5.x, SpokePool.sol):
 * a deposit whose addresses are bytes32 (an EVM address left-padded with zeros).
 */
export const spokePoolDepositAbi = parseAbi([
  'function deposit(bytes32 depositor, bytes32 recipient, bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 destinationChainId, bytes32 exclusiveRelayer, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityParameter, bytes message) payable',
]);

/** Its signature, as the skill declares it. */
export const DEPOSIT_SIGNATURE =
  'deposit(bytes32,bytes32,bytes32,bytes32,uint256,uint256,uint256,bytes32,uint32,uint32,uint32,bytes)';
