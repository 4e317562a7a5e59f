import type { Db } from '../../common/database.ts';
import { BUILTIN_PACKAGES, type BuiltinSignatures, readBuiltinSignatures } from '../builtin.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { type AttestationRecord, attestationsFor, recordAttestation } from './attestations.ts';
import { readPackageSource } from './package-source.ts';
import { getRelease, publishRelease } from './releases.ts';

/**
 * Publishes the built-in skills into the registry from their shipped signatures, through the same
 * publishRelease and recordAttestation as anyone's skills. A built-in whose source no longer matches
 * its signature is not published from it: it stays out (or keeps its earlier record) and is refused.
 *
 * It runs whenever the registry is opened (every command, every server start), so what is already
 * recorded is not done again: a package's files are read only for a release not yet in the registry,
 * and an attestation already kept, word for word, is not recovered again (its signer cannot differ).
 */
export async function syncBuiltinReleases(db: Db): Promise<void> {
  const signatures = readBuiltinSignatures();
  for (const pkg of BUILTIN_PACKAGES) {
    let files: ReturnType<typeof readPackageSource> | undefined;
    for (const skill of pkg.skills) {
      const signed = signatures.releases.find((r) => r.id === skill.id && r.version === skill.version);
      if (!signed) continue;
      if (!getRelease(db, skill.id, skill.version)) {
        files ??= readPackageSource(pkg.dir);
        try {
          await publishRelease(db, {
            manifest: skillManifest(skill),
            files,
            signature: signed.signature,
            origin: 'builtin',
          });
        } catch {
          // The source was edited after signing: the signature no longer verifies. The catalog reports it.
          continue;
        }
      }
      const kept = attestationsFor(db, skill.id, skill.version);
      for (const attestation of signatures.attestations) {
        if (attestation.skillId !== skill.id || attestation.version !== skill.version) continue;
        if (kept.some((record) => sameAttestation(record, attestation))) continue;
        try {
          await recordAttestation(db, attestation);
        } catch {
          // An attestation over other code than the release: it does not count, and the catalog says why.
        }
      }
    }
  }
}

/** Whether a kept record is this signed attestation, every signed field and the signature alike. */
function sameAttestation(record: AttestationRecord, signed: BuiltinSignatures['attestations'][number]): boolean {
  return (
    record.signature.toLowerCase() === signed.signature.toLowerCase() &&
    record.codeHash.toLowerCase() === signed.codeHash.toLowerCase() &&
    record.verdict === signed.verdict &&
    record.reportUri === signed.reportUri
  );
}
