import type { Db } from '../../common/database.ts';
import { BUILTIN_PACKAGES, readBuiltinSignatures } from '../builtin.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { recordAttestation } from './attestations.ts';
import { readPackageSource } from './package-source.ts';
import { getRelease, publishRelease } from './releases.ts';

/**
 * Publishes the built-in skills into the registry from their shipped signatures, through the same
 * publishRelease and recordAttestation as anyone's skills. A built-in whose source no longer matches
 * its signature is not published from it: it stays out (or keeps its earlier record) and is refused.
 */
export async function syncBuiltinReleases(db: Db): Promise<void> {
  const signatures = readBuiltinSignatures();
  for (const pkg of BUILTIN_PACKAGES) {
    const files = readPackageSource(pkg.dir);
    for (const skill of pkg.skills) {
      const signed = signatures.releases.find((r) => r.id === skill.id && r.version === skill.version);
      if (!signed) continue;
      if (!getRelease(db, skill.id, skill.version)) {
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
      for (const attestation of signatures.attestations) {
        if (attestation.skillId !== skill.id || attestation.version !== skill.version) continue;
        try {
          await recordAttestation(db, attestation);
        } catch {
          // An attestation over other code than the release: it does not count, and the catalog says why.
        }
      }
    }
  }
}
