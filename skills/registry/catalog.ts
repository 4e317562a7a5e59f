import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import type { IntentAction } from '../../common/intent-actions.ts';
import { BUILTIN_PACKAGES, readBuiltinSignatures } from '../builtin.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { remoteCatalogEntries } from '../remote/catalog-entries.ts';
import type { Skill } from '../sdk/define-skill.ts';
import { SkillRefusedError } from '../sdk/errors.ts';
import { type SkillManifest, skillManifest } from '../sdk/manifest.ts';
import { type AttestationRecord, attestationsFor } from './attestations.ts';
import { importPackageSkills, materializePackage } from './load-package.ts';
import { codeHashOf, readPackageSource } from './package-source.ts';
import { getRelease, listLatestReleases, releaseSource, type SkillReleaseRecord } from './releases.ts';
import { migrateSkillRegistry } from './schema.ts';
import { syncBuiltinReleases } from './sync-builtins.ts';
import { judgeTrust, type TrustStatus } from './trust.ts';

/** A skill as the runtime sees it: its manifest, where it came from, and whether it may run. */
export type CatalogEntry = {
  manifest: SkillManifest;
  /** 'remote': served by a protocol's agent endpoint (skills/remote/), its manifest hash in the code hash's place. */
  origin: 'builtin' | 'published' | 'remote';
  /** The agent endpoint's URL, for a remote skill. */
  endpoint?: string;
  status: TrustStatus;
  detail: string;
  /** The hash of the source the runtime would run now. */
  codeHash: Hex;
  attestations: AttestationRecord[];
  auditors: Address[];
  /** The loaded skill; present only when it is audited (unaudited code is never even imported). */
  skill: Skill | undefined;
};

export type CatalogOptions = {
  /** The trusted auditor set (SKILL_AUDITORS); the project's auditor when not given. */
  trustedAuditors?: readonly Address[];
  /** Where published packages are written to be loaded: DATA_DIR/skill-packages. */
  packagesDir: string;
  /** How long a remote skill's endpoint may take to build (15 s when not given). */
  remoteBuildTimeoutMs?: number;
};

export function skillPackagesDir(dataDir: string): string {
  return join(dataDir, 'skill-packages');
}

/** Opens the registry: its tables, and the built-in skills published from their shipped signatures. */
export async function openSkillRegistry(db: Db): Promise<void> {
  migrateSkillRegistry(db);
  await syncBuiltinReleases(db);
}

/**
 * Every skill the runtime knows, each judged by the loading rule: it may run only if its current
 * source hashes to a code hash a trusted auditor attested with a passing verdict.
 */
export class SkillCatalog {
  readonly entries: readonly CatalogEntry[];

  constructor(entries: readonly CatalogEntry[]) {
    this.entries = entries;
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.find((entry) => entry.manifest.id === id);
  }

  /** The skill, if it may run; otherwise a SkillRefusedError that says exactly why. */
  require(id: string): Skill {
    const entry = this.get(id);
    if (!entry) {
      throw new SkillRefusedError(id, 'not-published', `There is no skill ${id}.`, {
        hint: 'See `sextant skills list` for the skills available.',
      });
    }
    if (entry.status === 'audited' && entry.skill) return entry.skill;
    const hints: Record<Exclude<TrustStatus, 'audited'>, string> = {
      unaudited: 'Ask a trusted auditor to attest it (`sextant skills attest`), or add its auditor to SKILL_AUDITORS.',
      tampered: 'Restore the audited source, or publish the change as a new version and have it audited.',
      'failed-audit': 'Use another skill; this code was reviewed and rejected.',
      'not-published': 'Publish it (`sextant skills publish`) and have it audited.',
      suspect: 'Look into its endpoint (`sextant endpoints list`), then clear the mark or remove the endpoint.',
    };
    const status = entry.status === 'audited' ? 'not-published' : entry.status;
    throw new SkillRefusedError(id, status, `${id} may not run: ${entry.detail}`, { hint: hints[status] });
  }

  /** The entries that serve an action (and protocol, when one is named), audited ones first. */
  forAction(action: IntentAction, protocol?: string): CatalogEntry[] {
    return this.entries
      .filter((entry) => entry.manifest.actions.includes(action))
      .filter((entry) => protocol === undefined || entry.manifest.protocol === protocol)
      .sort((a, b) => Number(b.status === 'audited') - Number(a.status === 'audited'));
  }
}

/**
 * Builds the catalog: the built-in skills from this checkout, the latest release of every published
 * one, and the skills of the agent endpoints added (`sextant endpoints add`), each judged by the rule.
 */
export async function loadSkillCatalog(db: Db, options: CatalogOptions): Promise<SkillCatalog> {
  await openSkillRegistry(db);
  const trustedAuditors = options.trustedAuditors ?? [SEXTANT_AUDITOR];
  const shipped = readBuiltinSignatures();
  const entries: CatalogEntry[] = [];

  for (const pkg of BUILTIN_PACKAGES) {
    const codeHash = codeHashOf(readPackageSource(pkg.dir));
    for (const skill of pkg.skills) {
      const signed = shipped.releases.find((r) => r.id === skill.id && r.version === skill.version);
      // A built-in edited after signing never made it into the registry; judge it against what was signed.
      const release: Pick<SkillReleaseRecord, 'codeHash'> | undefined =
        getRelease(db, skill.id, skill.version) ?? signed;
      const attestations = attestationsFor(db, skill.id, skill.version);
      const verdict = judgeTrust({
        id: skill.id,
        version: skill.version,
        release: release as SkillReleaseRecord | undefined,
        currentCodeHash: codeHash,
        attestations,
        trustedAuditors,
      });
      entries.push({
        manifest: skillManifest(skill),
        origin: 'builtin',
        ...verdict,
        codeHash,
        attestations,
        skill: verdict.status === 'audited' ? skill : undefined,
      });
    }
  }

  const builtinIds = new Set(entries.map((entry) => entry.manifest.id));
  for (const release of listLatestReleases(db)) {
    if (release.origin !== 'published' || builtinIds.has(release.id)) continue;
    const dir = materializePackage(
      options.packagesDir,
      release.id,
      release.version,
      releaseSource(db, release.id, release.version),
    );
    let codeHash: Hex;
    try {
      codeHash = codeHashOf(readPackageSource(dir));
    } catch {
      codeHash = '0x';
    }
    const attestations = attestationsFor(db, release.id, release.version);
    const verdict = judgeTrust({
      id: release.id,
      version: release.version,
      release,
      currentCodeHash: codeHash,
      attestations,
      trustedAuditors,
    });
    let skill: Skill | undefined;
    if (verdict.status === 'audited') {
      skill = (await importPackageSkills(dir)).find((s) => s.id === release.id && s.version === release.version);
      if (!skill) {
        verdict.status = 'tampered';
        verdict.detail = `${release.id}@${release.version}'s package does not export the skill it was published as.`;
      }
    }
    entries.push({ manifest: release.manifest, origin: 'published', ...verdict, codeHash, attestations, skill });
  }
  const remote = await remoteCatalogEntries(db, {
    trustedAuditors,
    takenIds: new Set(entries.map((entry) => entry.manifest.id)),
    ...(options.remoteBuildTimeoutMs ? { buildTimeoutMs: options.remoteBuildTimeoutMs } : {}),
  });
  return new SkillCatalog([...entries, ...remote]);
}
