import type { Hex } from 'viem';
import { jsonRpc } from '../common/json-rpc.ts';
import type { ExecutionEnvironment } from './environment.ts';

/** Fees from the bundler's own price method (Alto, Pimlico), or from the chain when it has none. */
export async function userOperationFees(
  env: Pick<ExecutionEnvironment, 'bundlerUrl' | 'publicClient'>,
): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  try {
    if (!env.bundlerUrl) throw new Error('no bundler');
    const prices = await jsonRpc<{ standard: { maxFeePerGas: Hex; maxPriorityFeePerGas: Hex } }>(
      env.bundlerUrl,
      'pimlico_getUserOperationGasPrice',
    );
    return {
      maxFeePerGas: BigInt(prices.standard.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(prices.standard.maxPriorityFeePerGas),
    };
  } catch {
    const fees = await env.publicClient.estimateFeesPerGas();
    return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  }
}
