import {
  type Address,
  concat,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  formatUnits,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseAbi,
  parseTransaction,
  stringToHex,
  type Chain as ViemChain,
} from 'viem';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { DETERMINISTIC_DEPLOYER, deterministicDeployment } from '../common/contracts/deterministic-deployer.ts';
import type { Db } from '../common/database.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { EmissionsError } from './config.ts';
import {
  type EpochRecord,
  getEpoch,
  releaseDistributionTransaction,
  reserveDistributionTransaction,
  updateDistribution,
} from './store.ts';

export const MERKLE_DISTRIBUTOR_ARTIFACT = '@uniswap/merkle-distributor/build/MerkleDistributor.json';

export const distributorAbi = parseAbi([
  'function token() view returns (address)',
  'function merkleRoot() view returns (bytes32)',
  'function isClaimed(uint256 index) view returns (bool)',
  'function claim(uint256 index, address account, uint256 amount, bytes32[] merkleProof)',
]);

const rewardTokenAbi = parseAbi([
  'function mint(address to, uint256 amount)',
  'function owner() view returns (address)',
  'function cap() view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
]);

export type DistributionTarget = {
  publicClient: PublicClient;
  chain: ViemChain;
  rpcUrl: string;
  /** The reward token's owner: it deploys the distributor and mints the epoch's total into it. */
  operator: LocalAccount;
  rewardToken: Address;
};

/**
 * Puts a settled epoch on chain: Uniswap's MerkleDistributor for the epoch's root, deployed through
 * the deterministic deployer (CREATE2, salt from the epoch: one address per epoch, token and root),
 * then funded by minting the epoch's total into it. Each transaction is signed and stored before it
 * is broadcast; a run that was interrupted resumes by re-sending the stored transaction, so the
 * distributor is never funded twice.
 */
export async function distributeEpoch(
  db: Db,
  epoch: number,
  target: DistributionTarget,
  progress: (line: string) => void = () => {},
): Promise<EpochRecord> {
  let record = getEpoch(db, epoch);
  if (!record) throw new EmissionsError(`Epoch ${epoch} is not settled.`);
  if (record.status !== 'settled') return record;
  if (!record.root) throw new EmissionsError(`Epoch ${epoch} has no Merkle root to distribute.`);
  const chainId = target.chain.id;
  if (record.chainId !== null && record.chainId !== chainId) {
    throw new EmissionsError(`Epoch ${epoch} is being distributed on chain ${record.chainId}, not ${chainId}.`);
  }
  if (record.rewardToken !== null && record.rewardToken.toLowerCase() !== target.rewardToken.toLowerCase()) {
    throw new EmissionsError(
      `Epoch ${epoch} is being distributed in the reward token ${record.rewardToken}, not ${target.rewardToken}.`,
    );
  }
  await checkRewardToken(target, record.total, record.fundTx !== null);

  const artifact = loadArtifact(MERKLE_DISTRIBUTOR_ARTIFACT);
  const initCode = concat([
    artifact.bytecode,
    encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [target.rewardToken, record.root]),
  ]);
  const salt = keccak256(stringToHex(`sextant emissions epoch ${epoch}`));
  const { address: distributor, data: deployData } = deterministicDeployment(initCode, salt);
  record = updateDistribution(db, epoch, { chainId, rewardToken: target.rewardToken, distributor });

  const hasCode = async (address: Address) => {
    const code = await target.publicClient.getCode({ address });
    return code !== undefined && code !== '0x';
  };
  if (!(await hasCode(distributor))) {
    if (!(await hasCode(DETERMINISTIC_DEPLOYER))) {
      throw new EmissionsError(`This chain has no deterministic deployer at ${DETERMINISTIC_DEPLOYER}.`, {
        hint: 'Distributors are deployed through it (CREATE2); deploy it first (it is a presigned transaction).',
      });
    }
    progress(`epoch ${epoch}: deploying its MerkleDistributor at ${distributor}`);
    await sendOnce(db, epoch, 'deploy', target, { to: DETERMINISTIC_DEPLOYER, data: deployData });
    // A revert with the distributor in place means someone deployed it first (CREATE2 lets anyone): fine.
    if (!(await hasCode(distributor))) {
      throw new EmissionsError(`The distributor for epoch ${epoch} is not at ${distributor}: its deployment failed.`, {
        hint: 'Check the operator’s ETH balance, then run settle again.',
      });
    }
  }
  progress(`epoch ${epoch}: minting ${formatUnits(record.total, 18)} of the reward token into the distributor`);
  const minted = await sendOnce(
    db,
    epoch,
    'fund',
    target,
    {
      to: target.rewardToken,
      data: encodeFunctionData({ abi: rewardTokenAbi, functionName: 'mint', args: [distributor, record.total] }),
    },
    async () => {
      // The last guard against a second mint: a distributor already funded (a database restored from
      // an older copy would otherwise mint the epoch again).
      const held = (await target.publicClient.readContract({
        address: target.rewardToken,
        abi: rewardTokenAbi,
        functionName: 'balanceOf',
        args: [distributor],
      })) as bigint;
      if (held > 0n) {
        throw new EmissionsError(
          `The distributor of epoch ${epoch} (${distributor}) already holds ${held} wei of the reward token; not minting into it again.`,
          {
            hint: 'Its funding is not in this database (restored from an older copy?). Check the chain before anything else.',
          },
        );
      }
    },
  );
  if (minted === 'reverted') {
    throw new EmissionsError(`The mint into the distributor of epoch ${epoch} reverted; nothing was moved.`, {
      hint: 'Check the operator’s ETH balance and that it still owns the reward token, then run settle again.',
    });
  }
  return updateDistribution(db, epoch, { status: 'distributed' });
}

/** The operator must own the reward token, and the epoch's total must fit under its cap. */
async function checkRewardToken(target: DistributionTarget, total: bigint, alreadyMinting: boolean): Promise<void> {
  const read = <T>(functionName: 'owner' | 'cap' | 'totalSupply') =>
    target.publicClient.readContract({ address: target.rewardToken, abi: rewardTokenAbi, functionName }) as Promise<T>;
  let owner: Address;
  try {
    owner = await read<Address>('owner');
  } catch (cause) {
    throw new EmissionsError(`${target.rewardToken} does not look like Sextant's reward token (no owner()).`, {
      hint: 'Set the reward token to a SextantRewardToken (common/contracts) owned by the operator.',
      cause,
    });
  }
  if (owner.toLowerCase() !== target.operator.address.toLowerCase()) {
    throw new EmissionsError(
      `The operator ${target.operator.address} does not own the reward token ${target.rewardToken} (its owner is ${owner}), so it cannot mint.`,
      { hint: 'Settle with the owner key (--operator-key), or transfer the token’s ownership.' },
    );
  }
  if (alreadyMinting) return;
  const [cap, supply] = await Promise.all([read<bigint>('cap'), read<bigint>('totalSupply')]);
  if (supply + total > cap) {
    throw new EmissionsError(
      `Minting ${total} wei would take the reward token over its cap (${supply} of ${cap} minted).`,
    );
  }
}

/**
 * Sends one transaction of an epoch's distribution at most once: signed, stored, then broadcast.
 * Storing is a reservation (only if no transaction is stored for the step), so two runs at once
 * cannot both send one. A stored transaction is re-broadcast (a no-op if the chain has it) and its
 * receipt awaited; one whose nonce another transaction has used can never be mined, so it is
 * forgotten and the step signed afresh. `beforeSigning` runs before any new transaction is signed
 * (the mint checks the distributor holds nothing yet). A reverted transaction moved nothing: its
 * record is cleared and the error reported, so a later run may try afresh.
 */
async function sendOnce(
  db: Db,
  epoch: number,
  step: 'deploy' | 'fund',
  target: DistributionTarget,
  request: { to: Address; data: Hex },
  beforeSigning: () => Promise<void> = async () => {},
): Promise<'success' | 'reverted'> {
  const stored = storedTransaction(db, epoch, step);
  if (stored) {
    const known = await target.publicClient.getTransactionReceipt({ hash: stored.hash }).catch(() => undefined);
    if (known) return finish(db, epoch, step, known.status, stored.hash);
    const { nonce } = parseTransaction(stored.raw);
    const used = await target.publicClient.getTransactionCount({
      address: target.operator.address,
      blockTag: 'latest',
    });
    if (nonce !== undefined && used > nonce) {
      // Its nonce went to another transaction: this one can never be mined. Sign the step afresh.
      releaseDistributionTransaction(db, epoch, step, stored.hash);
      return sendOnce(db, epoch, step, target, request, beforeSigning);
    }
    return broadcastAndWait(db, epoch, step, target, stored);
  }
  await beforeSigning();
  const wallet = createWalletClient({ account: target.operator, chain: target.chain, transport: http(target.rpcUrl) });
  const prepared = await wallet.prepareTransactionRequest({
    ...request,
    account: target.operator,
    chain: target.chain,
  });
  // A little over the estimate: the estimate is exact for the state it ran on, nothing more.
  prepared.gas = ((prepared.gas as bigint) * 13n) / 10n;
  const raw = await wallet.signTransaction(prepared as never);
  const hash = keccak256(raw);
  if (!reserveDistributionTransaction(db, epoch, step, hash, raw)) {
    // Another run stored its transaction first: that one is the step's; this one is never sent.
    return sendOnce(db, epoch, step, target, request, beforeSigning);
  }
  return broadcastAndWait(db, epoch, step, target, { hash, raw });
}

function storedTransaction(db: Db, epoch: number, step: 'deploy' | 'fund'): { hash: Hex; raw: Hex } | undefined {
  const record = getEpoch(db, epoch) as EpochRecord;
  const [hash, raw] = step === 'deploy' ? [record.deployTx, record.deployRaw] : [record.fundTx, record.fundRaw];
  return hash && raw ? { hash, raw } : undefined;
}

async function broadcastAndWait(
  db: Db,
  epoch: number,
  step: 'deploy' | 'fund',
  target: DistributionTarget,
  { hash, raw }: { hash: Hex; raw: Hex },
): Promise<'success' | 'reverted'> {
  try {
    await target.publicClient.sendRawTransaction({ serializedTransaction: raw });
  } catch (error) {
    // Already in the pool or mined: the receipt below tells.
    const message = (error as Error).message;
    if (!/already known|nonce too low|already imported|known transaction/i.test(message)) {
      throw new EmissionsError(`The ${step} transaction of epoch ${epoch} (${hash}) could not be sent: ${message}`, {
        hint: 'It is stored; running settle again re-sends the same transaction.',
        cause: error,
      });
    }
  }
  let receipt: Awaited<ReturnType<typeof minedReceipt>>;
  try {
    receipt = await minedReceipt(target.publicClient, hash, 120_000, 100);
  } catch (cause) {
    throw new EmissionsError(`The ${step} transaction of epoch ${epoch} (${hash}) was not mined within 2 minutes.`, {
      hint: 'It is stored: running settle again waits for it, or re-signs the step if its nonce went to another transaction.',
      cause,
    });
  }
  return finish(db, epoch, step, receipt.status, hash);
}

function finish(
  db: Db,
  epoch: number,
  step: 'deploy' | 'fund',
  status: 'success' | 'reverted',
  hash: Hex,
): 'success' | 'reverted' {
  if (status === 'reverted') releaseDistributionTransaction(db, epoch, step, hash);
  return status;
}
