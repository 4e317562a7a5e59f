import { resolve } from 'node:path';
import type { Hex, LocalAccount } from 'viem';
import type { Db } from '../../common/database.ts';
import type { Skill } from '../sdk/define-skill.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { type AttestationRecord, recordAttestation } from './attestations.ts';
import { SkillRegistryError } from './errors.ts';
import { importPackageByHash } from './load-package.ts';
import { assertImportsContained, codeHashOf, readPackageSource, type SourceFile } from './package-source.ts';
import { getRelease, publishRelease, type SkillReleaseRecord } from './releases.ts';
import { signAttestation, signRelease, type Verdict } from './typed-data.ts';

/**
 * A package directory's source, checked against the package rule, and its skills. The skills are
 * imported the way the runtime imports a published package (load-package.ts: from a copy under
 * `packagesDir` named by the code hash), not from `dir`: so the SDK, zod and viem resolve as they will
 * once it is stored, wherever `dir` is, and what is read is exactly what the hash covers. Importing
 * runs the package's code: publish and try do it for the developer's own package, on their machine.
 */
export async function readPackageForRelease(
  dir: string,
  packagesDir: string,
): Promise<{ files: SourceFile[]; codeHash: Hex; skills: Skill[] }> {
  const packageDir = resolve(dir);
  const files = readPackageSource(packageDir);
  // Judged where it will be stored, not where it is: a relative import that reaches out of the
  // package (even to the SDK by path, from inside the checkout) would not be there once stored.
  assertImportsContained('/published-package', files);
  const codeHash = codeHashOf(files);
  try {
    return { files, codeHash, skills: await importPackageByHash(packagesDir, files, codeHash) };
  } catch (error) {
    if (!(error instanceof SkillRegistryError)) throw error;
    // Name the directory the author knows, not only the copy it was imported from.
    throw new SkillRegistryError(`${packageDir}: ${error.message}`, {
      ...(error.hint ? { hint: error.hint } : {}),
      status: error.status,
      cause: error,
    });
  }
}

/**
 * Publishes every skill a package directory exports, each signed by `author` over the package's code
 * hash. The package's own code runs here (to read its definitions): it is the developer's, on their
 * machine. Nothing is recorded unless every skill can be.
 */
export async function publishPackage(
  db: Db,
  dir: string,
  author: LocalAccount,
  packagesDir: string,
): Promise<{ releases: SkillReleaseRecord[]; files: SourceFile[] }> {
  const { files, codeHash, skills } = await readPackageForRelease(dir, packagesDir);
  for (const skill of skills) {
    if (skill.author.toLowerCase() !== author.address.toLowerCase()) {
      throw new SkillRegistryError(
        `${skill.id} names ${skill.author} as its author, but the key is ${author.address}.`,
        {
          hint: "Sign with the author's key, or set `author` in the skill to your address.",
        },
      );
    }
    if (getRelease(db, skill.id, skill.version)) {
      throw new SkillRegistryError(`${skill.id}@${skill.version} is already published; a version never changes.`, {
        hint: 'Publish the change as a new version (bump `version` in the skill definition).',
        status: 409,
      });
    }
  }
  const releases: SkillReleaseRecord[] = [];
  for (const skill of skills) {
    const signature = await signRelease(author, { id: skill.id, version: skill.version, codeHash });
    releases.push(await publishRelease(db, { manifest: skillManifest(skill), files, signature }));
  }
  return { releases, files };
}

/** Signs and records an auditor's verdict on a published release. */
export async function attestRelease(
  db: Db,
  auditor: LocalAccount,
  request: { id: string; version?: string; verdict: Verdict; reportUri: string },
): Promise<AttestationRecord> {
  const release = getRelease(db, request.id, request.version);
  if (!release) {
    throw new SkillRegistryError(
      `${request.id}${request.version ? `@${request.version}` : ''} is not in the registry.`,
      {
        hint: 'See `sextant skills list`.',
        status: 404,
      },
    );
  }
  const attestation = {
    skillId: release.id,
    version: release.version,
    codeHash: release.codeHash,
    verdict: request.verdict,
    reportUri: request.reportUri,
  };
  return recordAttestation(db, { ...attestation, signature: await signAttestation(auditor, attestation) });
}
