import type { Db } from '../../common/database.ts';
import { BUILTIN_PACKAGES } from '../builtin.ts';
import { openSkillRegistry } from '../registry/catalog.ts';
import { codeHashOf, readPackageSource } from '../registry/package-source.ts';
import { attestRelease } from '../registry/publish-package.ts';
import { getRelease } from '../registry/releases.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { TEST_AUDITOR } from './endpoints.ts';

/**
 * Test only: stands in for the maintainers' signature of a built-in skill that awaits it
 * (across/bridge), in one data directory's registry. Its release is recorded as
 * `npm run skills:sign-builtins` would have it recorded, over the code hash of its folder as it is
 * on disk, but without the project author's signature (that key is the maintainers' and is not on
 * this machine: the row says `unsigned-stand-in`); and the test auditor attests it, whom only a
 * runtime started with SKILL_AUDITORS naming it trusts. Everything after the signature is the real
 * path: the catalog hashing the folder again at every read, the planner, the confirmation's verify.
 */
export async function standInForBuiltinSignature(db: Db, skillId: string): Promise<void> {
  const pkg = BUILTIN_PACKAGES.find((p) => p.skills.some((skill) => skill.id === skillId));
  const skill = pkg?.skills.find((s) => s.id === skillId);
  if (!pkg || !skill) throw new Error(`${skillId} is not a built-in skill.`);
  await openSkillRegistry(db);
  if (!getRelease(db, skill.id, skill.version)) {
    const files = readPackageSource(pkg.dir);
    db.prepare(
      `INSERT INTO skill_releases (skill_id, version, manifest, code_hash, author, author_signature, origin, source, published_at)
       VALUES (?, ?, ?, ?, ?, ?, 'builtin', ?, ?)`,
    ).run(
      skill.id,
      skill.version,
      JSON.stringify(skillManifest(skill)),
      codeHashOf(files),
      skill.author,
      '0x756e7369676e65642d7374616e642d696e', // "unsigned-stand-in"
      JSON.stringify(files),
      new Date().toISOString(),
    );
  }
  await attestRelease(db, TEST_AUDITOR, {
    id: skill.id,
    version: skill.version,
    verdict: 'pass',
    reportUri: 'https://audits.example/stand-in',
  });
}
