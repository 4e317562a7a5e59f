import { type Address, type Hex, toHex } from 'viem';
import { keccak } from './keccak.ts';

/** One claim of an epoch's distribution: index, account and amount, as Uniswap's MerkleDistributor reads them. */
export type Claim = { index: number; account: Address; amount: bigint };

/**
 * The Merkle tree of Uniswap's MerkleDistributor: leaf = keccak256(abi.encodePacked(uint256 index,
 * address account, uint256 amount)), each parent the hash of its two children in sorted order, an
 * odd node carried up unchanged. The layers are kept (32 bytes a node, about 64 MB for a million
 * claims), and any claim's proof is read from them.
 */
export class MerkleDistributionTree {
  /** Each layer as one flat buffer, 32 bytes a node (a million small arrays would cost more than their contents). */
  readonly layers: Uint8Array[];

  constructor(claims: readonly Claim[]) {
    if (claims.length === 0) throw new Error('A distribution needs at least one claim.');
    let layer = new Uint8Array(claims.length * 32);
    claims.forEach((claim, position) => {
      if (claim.index !== position) throw new Error('Claims must be indexed 0, 1, 2, … in order.');
      layer.set(leafHash(claim), position * 32);
    });
    this.layers = [layer];
    const buffer = new Uint8Array(64);
    while (layer.length > 32) {
      const count = layer.length / 32;
      const next = new Uint8Array(Math.ceil(count / 2) * 32);
      for (let i = 0; i < count; i += 2) {
        const a = layer.subarray(i * 32, i * 32 + 32);
        if (i + 1 === count) {
          next.set(a, (i / 2) * 32);
          continue;
        }
        const b = layer.subarray(i * 32 + 32, i * 32 + 64);
        const [first, second] = compare(a, b) <= 0 ? [a, b] : [b, a];
        buffer.set(first, 0);
        buffer.set(second, 32);
        next.set(keccak(buffer), (i / 2) * 32);
      }
      layer = next;
      this.layers.push(layer);
    }
  }

  get root(): Hex {
    return toHex(this.layers[this.layers.length - 1] as Uint8Array);
  }

  /** The sibling hashes from the leaf up; a node carried up unchanged has none at that level. */
  proof(index: number): Hex[] {
    const proof: Hex[] = [];
    let position = index;
    for (const layer of this.layers.slice(0, -1)) {
      const sibling = position % 2 === 0 ? position + 1 : position - 1;
      if (sibling * 32 < layer.length) proof.push(toHex(layer.subarray(sibling * 32, sibling * 32 + 32)));
      position = Math.floor(position / 2);
    }
    return proof;
  }
}

/** keccak256(abi.encodePacked(uint256 index, address account, uint256 amount)), written straight into bytes. */
export function leafHash(claim: Claim): Uint8Array {
  if (claim.amount < 0n || claim.amount >= 1n << 256n) throw new Error(`${claim.amount} is not a uint256.`);
  const packed = Buffer.alloc(84);
  packed.writeBigUInt64BE(BigInt(claim.index), 24);
  packed.write(claim.account.slice(2), 32, 20, 'hex');
  packed.write(claim.amount.toString(16).padStart(64, '0'), 52, 32, 'hex');
  return keccak(packed);
}

/** Verifies a proof as the contract does (sorted-pair hashing up to the root). */
export function verifyProof(claim: Claim, proof: readonly Hex[], root: Hex): boolean {
  let node = leafHash(claim);
  const buffer = new Uint8Array(64);
  for (const siblingHex of proof) {
    const sibling = hexBytes(siblingHex);
    const [first, second] = compare(node, sibling) <= 0 ? [node, sibling] : [sibling, node];
    buffer.set(first, 0);
    buffer.set(second, 32);
    node = keccak(buffer);
  }
  return toHex(node) === root.toLowerCase();
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

function hexBytes(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
}
