import { type Address, formatUnits, getAddress, isAddressEqual, parseEther } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Network } from '../../common/network.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import { NATIVE_TOKEN, type SkillCall } from '../../skills/sdk/define-skill.ts';
import { executionEnvironment } from '../../smart-accounts/environment.ts';
import { accountKindForOwner, smartAccountAddress } from '../../smart-accounts/smart-account.ts';
import type { ValueLedger } from '../policy/value-flow.ts';
import { UnsupportedError } from './errors.ts';
import { type DestinationPreview, type Preview, previewPlan } from './preview.ts';
import { protocolContracts } from './protocol-contracts.ts';
import type { DestinationLeg } from './types.ts';

/** How many times today's fee for the leg the account must hold there (see previewDestination). */
const GAS_HEADROOM = 3n;

/**
 * The destination leg of a plan, previewed on its own chain as that chain will be once the bridged
 * funds have arrived (the leg's state overrides): its changes, its guard, its gas. What the bridge
 * brings is paid for on the origin, so the leg's spending of it is not counted twice. The account
 * pays the leg's gas there itself (no paymaster sponsors another chain's operation): a leg whose gas
 * the account cannot pay there is not offered. Returns the leg's preview and the calls that run there.
 */
export async function previewDestination(
  db: Db,
  network: Network,
  catalog: SkillCatalog,
  owner: Address,
  account: Address,
  leg: DestinationLeg,
): Promise<{ leg: DestinationPreview; calls: SkillCall[] }> {
  const real = executionEnvironment(db, network);
  // The leg runs from the account the bridge pays there: the same address, or nothing is offered (a
  // chain whose account factory differs would give the owner another account there).
  const there = await smartAccountAddress(real.publicClient, leg.chain, owner, accountKindForOwner(db, owner));
  if (!isAddressEqual(there, account)) {
    throw new UnsupportedError(
      `Your account on ${leg.chain.name} would be ${there}, not ${account}, where the bridge pays: the steps there cannot run from it. Bridge alone, then act on ${leg.chain.slug} from that account.`,
    );
  }
  const env = { ...real, publicClient: leg.client };
  const ctx = createSkillContext({ chain: leg.chain, client: leg.client, account });
  const protocols = [...protocolContracts(catalog, leg.chain).values()].flat();
  const { preview, calls } = await previewPlan(env, owner, leg.steps, ctx, leg.prices, protocols, leg.arrivals);
  if (preview.ok && !preview.gas.sponsored) {
    // What is left there for gas: what the account holds once the bridged funds arrive, less the ETH
    // the leg's own steps spend (a wrap of what arrived, say).
    const held = await leg.client.getBalance({ address: account });
    const spent = preview.changes
      .filter((change) => isAddressEqual(change.token, NATIVE_TOKEN) && change.baseUnits.startsWith('-'))
      .reduce((sum, change) => sum - BigInt(change.baseUnits), 0n);
    // Sent later (up to the fill deadline), an operation must be able to pay its gas limits, not the
    // gas a simulation used, at the fees of then: three times the fee at today's price is asked for.
    const fee = parseEther(preview.gas.fee) * GAS_HEADROOM;
    if (held - spent < fee) {
      preview.ok = false;
      preview.problem = `Your account would have ${formatUnits(held - spent, 18)} ETH left on ${leg.chain.name} for gas once the bridged funds arrive and the steps there have spent theirs, less than the ${formatUnits(fee, 18)} ETH kept for those steps' gas (${GAS_HEADROOM} times their ${preview.gas.fee} ETH at today's fees, since they run later and must cover their gas limits; no paymaster sponsors them there). Fund it there first (\`CHAIN=${leg.chain.slug} sextant faucet\` on the devnet), then ask again.`;
    }
  }
  const arrives = [];
  for (const arrival of leg.arrivals) {
    arrives.push({
      token: arrival.token,
      symbol: arrival.symbol,
      amount: formatUnits(arrival.amount, await decimalsOf(ctx, arrival.token)),
      deadline: arrival.deadline,
    });
  }
  return { leg: { chainId: leg.chain.chainId, chain: leg.chain.name, arrives, preview }, calls };
}

async function decimalsOf(ctx: ReturnType<typeof createSkillContext>, token: Address): Promise<number> {
  if (isAddressEqual(token, NATIVE_TOKEN)) return 18;
  return (await ctx.token(token)).decimals;
}

/**
 * The plan's preview with its destination leg: offered only if both legs are, refused with the
 * first leg's problem (or the destination's, named as such), and one ledger of both for the policy:
 * every flow (the destination's steps numbered after the origin's), the total of both, every third
 * party and unlisted token of either.
 */
export function withDestination(origin: Preview, destination: DestinationPreview, originSteps: number): Preview {
  const there = destination.preview;
  const problem = origin.problem ?? (there.problem ? `On ${destination.chain}: ${there.problem}` : undefined);
  const ledger = combinedLedger(origin.ledger, there.ledger, originSteps);
  return {
    ...origin,
    ok: origin.ok && there.ok,
    problem,
    ledger,
    valueOutUsd: ledger.totalUsd,
    destination,
  };
}

function combinedLedger(origin: ValueLedger, there: ValueLedger, originSteps: number): ValueLedger {
  const unique = (addresses: readonly Address[]) =>
    addresses.filter((a, i) => addresses.findIndex((b) => isAddressEqual(a, b)) === i).map((a) => getAddress(a));
  const unlisted = [...origin.unlistedTokens, ...there.unlistedTokens];
  return {
    flows: [...origin.flows, ...there.flows.map((flow) => ({ ...flow, step: flow.step + originSteps }))],
    totalUsd: origin.totalUsd + there.totalUsd,
    unpriced: unique([...origin.unpriced, ...there.unpriced]),
    unlistedTokens: unlisted.filter((t, i) => unlisted.findIndex((u) => isAddressEqual(u.address, t.address)) === i),
    recipients: unique([...origin.recipients, ...there.recipients]),
    // Two positions on two chains: the policy holds the lower of the two a leg leaves.
    healthFactor: lowerHealth(origin.healthFactor, there.healthFactor),
  };
}

function lowerHealth(a: ValueLedger['healthFactor'], b: ValueLedger['healthFactor']): ValueLedger['healthFactor'] {
  if (!a || !b) return a ?? b;
  // null: no debt, the highest there is.
  if (a.after === null) return b;
  if (b.after === null) return a;
  return BigInt(a.after) <= BigInt(b.after) ? a : b;
}
