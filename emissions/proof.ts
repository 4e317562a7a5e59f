import { type Address, formatUnits, isAddress, type PublicClient } from 'viem';
import type { Db } from '../common/database.ts';
import { EmissionsError } from './config.ts';
import { distributorAbi } from './distribute.ts';
import { claimOf, getEpoch } from './store.ts';
import type { ClaimProof } from './views.ts';

/**
 * What any address can claim from a settled epoch: its index, amount and Merkle proof, everything the
 * distributor's `claim(index, account, amount, proof)` takes. Providers, skill authors, referrers and
 * treasuries are plain addresses, not local accounts: the proof is theirs to use from any wallet (or
 * `sextant emissions claim --for`). With a client, a distributed epoch's `claimed` is read from its
 * distributor; otherwise, or when the chain does not answer, it is null.
 */
export async function claimProof(db: Db, epoch: number, account: string, client?: PublicClient): Promise<ClaimProof> {
  if (!isAddress(account, { strict: false })) {
    throw new EmissionsError(`"${account}" is not an address.`, {
      hint: 'Give a 0x address of 40 hex digits.',
      code: 'invalid-address',
      status: 400,
    });
  }
  const record = getEpoch(db, epoch);
  if (!record) {
    throw new EmissionsError(`Epoch ${epoch} is not settled.`, {
      hint: `Settle it: sextant emissions settle --epoch ${epoch}`,
      code: 'epoch-not-settled',
      status: 404,
    });
  }
  const claim = claimOf(db, epoch, account as Address);
  if (!claim || !record.root) {
    throw new EmissionsError(`Epoch ${epoch} pays ${account} nothing: it has no claim in it.`, {
      hint: `Its contributors: sextant emissions report --epoch ${epoch}`,
      code: 'nothing-to-claim',
      status: 404,
    });
  }
  const distributed = record.status === 'distributed' && record.distributor !== null;
  // A chain that does not answer, or has no distributor there, leaves it unsaid: the proof stands.
  const claimed =
    distributed && client
      ? await client
          .readContract({
            address: record.distributor as Address,
            abi: distributorAbi,
            functionName: 'isClaimed',
            args: [BigInt(claim.index)],
          })
          .catch(() => null)
      : null;
  return {
    epoch,
    status: record.status,
    account: claim.account,
    index: claim.index,
    amount: formatUnits(claim.amount, 18),
    amountWei: claim.amount.toString(),
    proof: claim.proof,
    root: record.root,
    chainId: record.chainId,
    rewardToken: record.rewardToken,
    distributor: distributed ? record.distributor : null,
    claimed,
  };
}
