import fc from 'fast-check';
import { type Address, encodePacked, keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { keccak } from './keccak.ts';
import { type Claim, leafHash, MerkleDistributionTree, verifyProof } from './merkle.ts';

const account = fc.integer({ min: 1, max: 2 ** 30 }).map((n) => `0x${n.toString(16).padStart(40, '0')}` as Address);

describe('the Merkle tree', () => {
  it('hashes leaves exactly as abi.encodePacked(uint256, address, uint256) with keccak256 (property)', () => {
    fc.assert(
      fc.property(fc.nat(), account, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (index, who, amount) => {
        const expected = keccak256(encodePacked(['uint256', 'address', 'uint256'], [BigInt(index), who, amount]));
        expect(toHex(leafHash({ index, account: who, amount }))).toBe(expected);
      }),
      { numRuns: 300 },
    );
    expect(toHex(keccak(new Uint8Array(64)))).toBe(keccak256(new Uint8Array(64)));
  });

  it('proves every claim of trees of any size, and no altered one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(account, fc.bigInt({ min: 1n, max: 10n ** 24n })), { minLength: 1, maxLength: 40 }),
        (rows) => {
          const claims: Claim[] = rows.map(([who, amount], index) => ({ index, account: who, amount }));
          const tree = new MerkleDistributionTree(claims);
          for (const claim of claims) {
            expect(verifyProof(claim, tree.proof(claim.index), tree.root)).toBe(true);
            expect(verifyProof({ ...claim, amount: claim.amount + 1n }, tree.proof(claim.index), tree.root)).toBe(
              false,
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
