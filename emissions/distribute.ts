import {
  type Address,
  concat,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseAbi,
  stringToHex,
  type Chain as ViemChain,
} from 'viem';
import type { Db } from '../common/database.ts';
import { loadArtifact } from '../devnet/artifacts.ts';
import { DETERMINISTIC_DEPLOYER } from '../devnet/deployer.ts';
import { EmissionsError } from './config.ts';
import { type EpochRecord, getEpoch, updateDistribution } from './store.ts';

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
  const distributor = getContractAddress({ opcode: 'CREATE2', from: DETERMINISTIC_DEPLOYER, salt, bytecode: initCode });
  record = updateDistribution(db, epoch, { chainId, rewardToken: target.rewardToken, distributor });

  const code = await target.publicClient.getCode({ address: distributor });
  if (!code || code === '0x') {
    progress(`epoch ${epoch}: deploying its MerkleDistributor at ${distributor}`);
    await sendOnce(db, epoch, 'deploy', target, { to: DETERMINISTIC_DEPLOYER, data: concat([salt, initCode]) });
    const deployed = await target.publicClient.getCode({ address: distributor });
    if (!deployed || deployed === '0x') {
      throw new EmissionsError(`The distributor for epoch ${epoch} is not at ${distributor} after its deployment.`);
    }
  }
  progress(`epoch ${epoch}: minting ${record.total} wei of the reward token into the distributor`);
  await sendOnce(db, epoch, 'fund', target, {
    to: target.rewardToken,
    data: encodeFunctionData({ abi: rewardTokenAbi, functionName: 'mint', args: [distributor, record.total] }),
  });
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
      hint: 'Set the reward token to a SextantRewardToken (emissions/contracts) owned by the operator.',
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
 * Sends one transaction of an epoch's distribution at most once: signed, stored, then broadcast. When
 * a signed transaction is already stored, it is re-broadcast (a no-op if the chain has it) and its
 * receipt awaited. A reverted transaction moved nothing: its record is cleared and the error reported,
 * so a later run may try afresh.
 */
async function sendOnce(
  db: Db,
  epoch: number,
  step: 'deploy' | 'fund',
  target: DistributionTarget,
  request: { to: Address; data: Hex },
): Promise<void> {
  const record = getEpoch(db, epoch) as EpochRecord;
  const storedHash = step === 'deploy' ? record.deployTx : record.fundTx;
  const storedRaw = step === 'deploy' ? record.deployRaw : record.fundRaw;
  let hash = storedHash;
  let raw = storedRaw;
  if (hash && raw) {
    const known = await target.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
    if (known) return finish(db, epoch, step, known.status, hash);
  } else {
    const wallet = createWalletClient({
      account: target.operator,
      chain: target.chain,
      transport: http(target.rpcUrl),
    });
    const prepared = await wallet.prepareTransactionRequest({
      ...request,
      account: target.operator,
      chain: target.chain,
    });
    // A little over the estimate: the estimate is exact for the state it ran on, nothing more.
    prepared.gas = ((prepared.gas as bigint) * 13n) / 10n;
    raw = await wallet.signTransaction(prepared as never);
    hash = keccak256(raw);
    updateDistribution(
      db,
      epoch,
      step === 'deploy' ? { deployTx: hash, deployRaw: raw } : { fundTx: hash, fundRaw: raw },
    );
  }
  try {
    await target.publicClient.sendRawTransaction({ serializedTransaction: raw as Hex });
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
  const receipt = await target.publicClient.waitForTransactionReceipt({ hash: hash as Hex, timeout: 120_000 });
  finish(db, epoch, step, receipt.status, hash as Hex);
}

function finish(db: Db, epoch: number, step: 'deploy' | 'fund', status: 'success' | 'reverted', hash: Hex): void {
  if (status === 'success') return;
  updateDistribution(
    db,
    epoch,
    step === 'deploy' ? { deployTx: null, deployRaw: null } : { fundTx: null, fundRaw: null },
  );
  throw new EmissionsError(`The ${step} transaction of epoch ${epoch} (${hash}) reverted; nothing was moved.`, {
    hint: 'Check the operator’s balance and the reward token, then run settle again.',
  });
}
