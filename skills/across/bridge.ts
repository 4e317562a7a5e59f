import { encodeFunctionData, type Hex, isAddressEqual, padHex, zeroAddress } from 'viem';
import { z } from 'zod';
import { SEXTANT_AUTHOR } from '../project-keys.ts';
import { formatAmount } from '../sdk/amounts.ts';
import { defineSkill, NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { HumanAmount, TokenName } from '../sdk/inputs.ts';
import { type BridgeRoute, bridgeRoute, FILL_WITHIN_SECONDS } from './route.ts';
import { DEPOSIT_SIGNATURE, spokePoolDepositAbi } from './spoke-pool-abi.ts';

const bytes32 = (address: Hex): Hex => padHex(address, { size: 32 });

const BridgeInput = z.object({
  token: TokenName,
  amount: HumanAmount,
  toChain: z.string().min(1).describe('The destination chain slug, as `sextant chains` lists it (e.g. "devnet-l2").'),
});

/**
 * Bridges a token (or ETH) to the same account on another chain through Across: one deposit into the
 * origin's SpokePool, which a relayer fills on the destination from its own funds, for a fee.
 */
export const acrossBridge = defineSkill({
  id: 'across/bridge',
  version: '1.0.0',
  title: 'Bridge with Across',
  description:
    "Moves a token or ETH to the same account on another chain through Across' SpokePool: at most the amount leaves here, and at least the amount less the relayer's fee arrives there before the fill deadline, or the deposit is refunded here.",
  protocol: 'across',
  author: SEXTANT_AUTHOR,
  actions: ['bridge'],
  // Where a fee is known without Across' API: the devnet's chains, both of them (route.ts says why).
  chains: ['devnet'],
  input: BridgeInput,
  contracts: { '*': [{ contract: 'acrossSpokePool', functions: [DEPOSIT_SIGNATURE], payable: true }] },
  async build(input, ctx) {
    const route = await bridgeRoute(input, ctx);
    const native = isAddressEqual(route.given.address, NATIVE_TOKEN);
    const data = encodeFunctionData({
      abi: spokePoolDepositAbi,
      functionName: 'deposit',
      args: [
        bytes32(ctx.account),
        // The same account receives it there: one address on every chain (same factory, same salt).
        bytes32(ctx.account),
        bytes32(route.inputToken),
        bytes32(route.outputToken),
        route.inputAmount,
        route.outputAmount,
        BigInt(route.destination.chainId),
        // Any relayer may fill it, at once.
        bytes32(zeroAddress),
        route.quoteTimestamp,
        route.fillDeadline,
        0,
        '0x',
      ],
    });
    return {
      calls: [{ to: route.spokePool, value: native ? route.inputAmount : 0n, data }],
      bounds: {
        gives: [{ token: route.given.address, amount: route.inputAmount }],
        receives: [],
        arrives: [
          {
            chainId: route.destination.chainId,
            chain: route.destination.slug,
            token: route.received.address,
            symbol: route.received.symbol,
            amount: route.outputAmount,
            deadline: route.fillDeadline,
          },
        ],
      },
      approvals: native ? [] : [{ token: route.inputToken, spender: route.spokePool, amount: route.inputAmount }],
      summary: summaryOf(route, ctx.chain.name),
    };
  },
  async quote(input, ctx) {
    const route = await bridgeRoute(input, ctx);
    return {
      summary: summaryOf(route, ctx.chain.name),
      values: {
        destination: route.destination.slug,
        inputAmount: formatAmount(route.inputAmount, route.given),
        outputAmount: formatAmount(route.outputAmount, route.received),
        fee: formatAmount(route.fee, route.given),
        feeBps: String(route.feeBps),
        fillDeadline: new Date(route.fillDeadline * 1000).toISOString(),
      },
    };
  },
});

function summaryOf(route: BridgeRoute, origin: string): string {
  const minutes = Math.round(FILL_WITHIN_SECONDS / 60);
  // An expired deposit is refunded in the token the SpokePool took: ETH comes back as WETH.
  const refund = isAddressEqual(route.given.address, NATIVE_TOKEN) ? ' as WETH' : '';
  return `Bridge ${formatAmount(route.inputAmount, route.given)} from ${origin} to ${route.destination.name} through Across: at least ${formatAmount(route.outputAmount, route.received)} arrives there within ${minutes} minutes, or the deposit is refunded here${refund} (fee ${formatAmount(route.fee, route.given)})`;
}
