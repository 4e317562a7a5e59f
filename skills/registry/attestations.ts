import { type Address, type Hex, hexToBigInt, isHex, numberToHex, parseSignature, serializeSignature } from 'viem';
import { z } from 'zod';
import type { Db } from '../../common/database.ts';
import { SkillRegistryError } from './errors.ts';
import { getRelease } from './releases.ts';
import { attestationSigner, type SkillAttestation, type Verdict } from './typed-data.ts';

export const AttestationRequestSchema = z.object({
  skillId: z.string().min(1),
  version: z.string().min(1),
  codeHash: z.string().refine((value) => isHex(value) && value.length === 66, 'a 32-byte 0x hash') as z.ZodType<Hex>,
  verdict: z.enum(['pass', 'fail']),
  reportUri: z.string().min(1).max(2000),
  signature: z.string().refine((value) => isHex(value), 'a 0x signature') as z.ZodType<Hex>,
});

/** An auditor's signed verdict on one release, as the registry keeps it. */
export type AttestationRecord = SkillAttestation & { auditor: Address; signature: Hex; recordedAt: string };

/**
 * Records an attestation. The auditor is whoever signed it (recovered, never stated); it must be
 * about a release in the registry and about the code hash that release was published with. Whether
 * the auditor is trusted is decided when a skill is loaded, not here: the registry keeps every view.
 */
export async function recordAttestation(
  db: Db,
  request: z.input<typeof AttestationRequestSchema>,
): Promise<AttestationRecord> {
  const parsed = AttestationRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SkillRegistryError(`The attestation is not valid: ${issue?.path.join('.')}: ${issue?.message}.`);
  }
  const { signature, ...attestation } = parsed.data;
  const release = getRelease(db, attestation.skillId, attestation.version);
  if (!release) {
    throw new SkillRegistryError(`${attestation.skillId}@${attestation.version} is not in the registry.`, {
      hint: 'Attest a published release: `sextant skills list` shows them.',
      status: 404,
    });
  }
  if (release.codeHash.toLowerCase() !== attestation.codeHash.toLowerCase()) {
    throw new SkillRegistryError(
      `The attestation is over code hash ${attestation.codeHash}, but ${release.id}@${release.version} was published with ${release.codeHash}.`,
      { hint: 'Audit and attest the code that was published.' },
    );
  }
  let auditor: Address;
  let canonical: Hex;
  try {
    canonical = canonicalSignature(signature);
    auditor = await attestationSigner(attestation, canonical);
  } catch (error) {
    throw new SkillRegistryError('The attestation signature is not a valid signature.', { cause: error });
  }
  // The same signature and the same signer mean the same signed fields: recorded once, under its one
  // canonical form. The same bytes over other fields recover to another signer, and are that signer's
  // row, never in place of this one.
  db.prepare(
    `INSERT INTO skill_attestations (signature, skill_id, version, code_hash, verdict, report_uri, auditor, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (signature, auditor) DO NOTHING`,
  ).run(
    canonical,
    attestation.skillId,
    attestation.version,
    attestation.codeHash,
    attestation.verdict,
    attestation.reportUri,
    auditor,
    new Date().toISOString(),
  );
  const kept = db
    .prepare('SELECT * FROM skill_attestations WHERE signature = ? AND auditor = ?')
    .get(canonical, auditor) as AttestationRow;
  return recordOf(kept);
}

/** secp256k1's group order: an s above half of it has a twin (n - s, the other parity) that verifies too. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * One signature has several encodings that recover the same signer (upper- or lower-case hex, v as
 * 27/28 or 0/1, s or its high twin). Kept as one form (lower case, low s, v 27/28), an auditor's
 * attestation is one row however it was posted.
 */
export function canonicalSignature(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  const value = hexToBigInt(s);
  const high = value > SECP256K1_N / 2n;
  return serializeSignature({
    r,
    s: high ? numberToHex(SECP256K1_N - value, { size: 32 }) : s,
    yParity: high ? 1 - (yParity ?? 0) : (yParity ?? 0),
  }).toLowerCase() as Hex;
}

type AttestationRow = {
  signature: Hex;
  skill_id: string;
  version: string;
  code_hash: Hex;
  verdict: Verdict;
  report_uri: string;
  auditor: Address;
  recorded_at: string;
};

export function attestationsFor(db: Db, skillId: string, version: string): AttestationRecord[] {
  const rows = db
    .prepare('SELECT * FROM skill_attestations WHERE skill_id = ? AND version = ? ORDER BY recorded_at')
    .all(skillId, version) as AttestationRow[];
  return rows.map(recordOf);
}

function recordOf(row: AttestationRow): AttestationRecord {
  return {
    skillId: row.skill_id,
    version: row.version,
    codeHash: row.code_hash,
    verdict: row.verdict,
    reportUri: row.report_uri,
    auditor: row.auditor,
    signature: row.signature,
    recordedAt: row.recorded_at,
  };
}
