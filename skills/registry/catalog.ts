import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import type { IntentAction } from '../../common/intent-actions.ts';
import { BUILTIN_PACKAGES, readBuiltinSignatures } from '../builtin.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { remoteCatalogEntries } from '../remote/catalog-entries.ts';
import { endpointSuspicion } from '../remote/endpoints.ts';
import type { Skill } from '../sdk/define-skill.ts';
import { SkillRefusedError } from '../sdk/errors.ts';
import { type SkillManifest, skillManifest } from '../sdk/manifest.ts';
import { type AttestationRecord, attestationsFor } from './attestations.ts';
import type { CatalogEntry } from './catalog-entry.ts';
import { PackageCopyChangedError } from './errors.ts';
import { importPackageByHash, materializePackage } from './load-package.ts';
import { migrateSkillRegistry } from './migrations.ts';
import { codeHashOf, readPackageSource } from './package-source.ts';
import { getRelease, listLatestReleases, releaseSource, type SkillReleaseRecord } from './releases.ts';
import { syncBuiltinReleases } from './sync-builtins.ts';
import { judgeTrust, type TrustStatus } from './trust.ts';

export type { CatalogEntry };

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
 * A local skill (built-in or published) as last read from the registry. Its status is not stored:
 * it is judged again from its files on disk every time the catalog is asked (see SkillCatalog).
 */
type LocalSource = {
  kind: 'local';
  manifest: SkillManifest;
  origin: 'builtin' | 'published';
  /** The release the files must hash to (a built-in not yet in the registry: what was signed). */
  release: SkillReleaseRecord | undefined;
  attestations: AttestationRecord[];
  /** The files people and auditors see, hashed before every use: the built-in folder, or DATA_DIR's copy. */
  dir: string;
  /** The code that runs when the files check out: imported once, from the bytes the release's code hash covers. */
  loaded: Skill | undefined;
  /** Why the attested code could not be loaded as attested; the skill is refused as tampered while this holds. */
  loadProblem: string | undefined;
};

type RemoteSource = { kind: 'remote'; entry: CatalogEntry };

type Source = LocalSource | RemoteSource;

/** What a person does about each refusal. */
function hintFor(status: Exclude<TrustStatus, 'audited'>, entry: CatalogEntry): string {
  const { id } = entry.manifest;
  switch (status) {
    case 'unaudited':
      return 'Ask a trusted auditor to attest it (`sextant skills attest`), or add its auditor to SKILL_AUDITORS.';
    case 'tampered':
      return entry.origin === 'builtin'
        ? 'Restore its files as they were signed (git), or have the maintainers sign a new version (`npm run skills:sign-builtins`).'
        : `Restore its files as they were published (the registry keeps the original source: \`sextant skills show ${id}\`), or publish the change as a new version and have it audited.`;
    case 'failed-audit':
      return 'Use another skill; this code was reviewed and rejected.';
    case 'not-published':
      return entry.origin === 'builtin'
        ? 'It is a built-in skill not yet signed: it runs once the maintainers audit it against skills/AUDIT.md and sign it (`npm run skills:sign-builtins`, with their keys).'
        : 'Publish it (`sextant skills publish`) and have it audited.';
    case 'suspect':
      return 'Look into its endpoint (`sextant endpoints list`), then clear the mark or remove the endpoint.';
  }
}

/**
 * Every skill the runtime knows, each judged by the loading rule: it may run only if its current
 * source hashes to a code hash a trusted auditor attested with a passing verdict.
 *
 * One catalog is shared by everything in a process (the planner, `/v1/skills`, MCP). Every read
 * (`entries`, `get`, `forAction`, `require`, `verify`) hashes the files on disk again, so a package
 * edited on disk is `tampered` from the next read on, and audited again once its files are restored;
 * the code that runs is never read from those files but imported once from a copy named by its code
 * hash (load-package.ts), so no edit, at any time, changes what runs. New releases and attestations
 * are read by `refresh()` (after a publish or an attestation) and `refreshIfChanged()`.
 */
export class SkillCatalog {
  readonly #db: Db;
  readonly #options: CatalogOptions;
  readonly #trustedAuditors: readonly Address[];
  #sources: readonly Source[] = [];
  #fingerprint = '';
  /** Refreshes run one after another, so an older read never replaces a newer one. */
  #refreshing: Promise<void> = Promise.resolve();

  constructor(db: Db, options: CatalogOptions) {
    this.#db = db;
    this.#options = options;
    this.#trustedAuditors = options.trustedAuditors ?? [SEXTANT_AUDITOR];
  }

  /** Every skill, judged now. */
  get entries(): readonly CatalogEntry[] {
    const hashes = new Map<string, Hex>();
    return this.#sources.map((source) => this.#judge(source, hashes));
  }

  get(id: string): CatalogEntry | undefined {
    const source = this.#sources.find((s) => (s.kind === 'local' ? s.manifest.id : s.entry.manifest.id) === id);
    return source ? this.#judge(source, new Map()) : undefined;
  }

  /** The skill, if it may run now; otherwise a SkillRefusedError that says exactly why and what to do. */
  require(id: string): Skill {
    const entry = this.get(id);
    if (!entry) {
      throw new SkillRefusedError(id, 'not-published', `There is no skill ${id}.`, {
        hint: 'See `sextant skills list` for the skills available.',
      });
    }
    if (entry.status === 'audited' && entry.skill) return entry.skill;
    throw refusal(entry);
  }

  /**
   * Whether `skillId@version` may still run, for a plan built with it: call it again right before the
   * plan's calls are executed. Reads any release or attestation recorded since (a failing verdict
   * counts at once), hashes the files on disk again, and throws the SkillRefusedError (`tampered`,
   * `failed-audit`, …) if the skill would be refused now; returns the entry otherwise.
   */
  async verify(skillId: string, version: string): Promise<CatalogEntry> {
    await this.refreshIfChanged();
    const entry = this.get(skillId);
    if (entry && entry.manifest.version === version) {
      if (entry.status === 'audited' && entry.skill) return entry;
      throw refusal(entry);
    }
    // A newer version was published since the plan was built: judge the one the plan was built with.
    const release = getRelease(this.#db, skillId, version);
    if (release?.origin === 'published') {
      const source = await this.#published(release);
      const judged = this.#judge(source, new Map());
      if (judged.status === 'audited' && judged.skill) return judged;
      throw refusal(judged);
    }
    throw new SkillRefusedError(
      skillId,
      'not-published',
      `${skillId}@${version} is not a skill this runtime has${entry ? ` (it has ${entry.manifest.version})` : ''}.`,
      { hint: 'Ask again for a new plan.' },
    );
  }

  /** The entries that serve an action (and protocol, when one is named), audited ones first. */
  forAction(action: IntentAction, protocol?: string): CatalogEntry[] {
    const hashes = new Map<string, Hex>();
    return this.#sources
      .filter((source) => {
        const manifest = source.kind === 'local' ? source.manifest : source.entry.manifest;
        return manifest.actions.includes(action) && (protocol === undefined || manifest.protocol === protocol);
      })
      .map((source) => this.#judge(source, hashes))
      .sort((a, b) => Number(b.status === 'audited') - Number(a.status === 'audited'));
  }

  /**
   * Reads the registry again: the built-in skills, the latest release of every published one, and the
   * skills of the agent endpoints added (`sextant endpoints add`). A package whose release a trusted
   * auditor passed is imported (once per process) from its registry source, by hash.
   */
  refresh(): Promise<void> {
    const next = this.#refreshing.then(async () => {
      const fingerprint = registryFingerprint(this.#db);
      this.#sources = await this.#read();
      this.#fingerprint = fingerprint;
    });
    // A failed refresh leaves the catalog as it was; the next one is tried anew.
    this.#refreshing = next.catch(() => undefined);
    return next;
  }

  /** Refreshes if anything was published, attested or changed in the endpoints since the last read. */
  async refreshIfChanged(): Promise<void> {
    await this.#refreshing;
    if (registryFingerprint(this.#db) !== this.#fingerprint) await this.refresh();
  }

  async #read(): Promise<Source[]> {
    await openSkillRegistry(this.#db);
    const shipped = readBuiltinSignatures();
    const sources: Source[] = [];
    for (const pkg of BUILTIN_PACKAGES) {
      for (const skill of pkg.skills) {
        const signed = shipped.releases.find((r) => r.id === skill.id && r.version === skill.version);
        // A built-in edited after signing never made it into the registry; judge it against what was signed.
        const release = getRelease(this.#db, skill.id, skill.version) ?? (signed as SkillReleaseRecord | undefined);
        sources.push({
          kind: 'local',
          manifest: skillManifest(skill),
          origin: 'builtin',
          release,
          attestations: attestationsFor(this.#db, skill.id, skill.version),
          dir: pkg.dir,
          // Built-ins are the runtime's own modules, imported with it.
          loaded: skill,
          loadProblem: undefined,
        });
      }
    }
    const builtinIds = new Set(sources.map((source) => (source as LocalSource).manifest.id));
    for (const release of listLatestReleases(this.#db)) {
      if (release.origin !== 'published' || builtinIds.has(release.id)) continue;
      sources.push(await this.#published(release));
    }
    const remote = await remoteCatalogEntries(this.#db, {
      trustedAuditors: this.#trustedAuditors,
      takenIds: new Set(sources.map((source) => (source as LocalSource).manifest.id)),
      ...(this.#options.remoteBuildTimeoutMs ? { buildTimeoutMs: this.#options.remoteBuildTimeoutMs } : {}),
    });
    return [...sources, ...remote.map((entry): RemoteSource => ({ kind: 'remote', entry }))];
  }

  /** A published release: its copy on disk written if missing, its code imported by hash if a trusted auditor passed it. */
  async #published(release: SkillReleaseRecord): Promise<LocalSource> {
    const name = `${release.id}@${release.version}`;
    const files = releaseSource(this.#db, release.id, release.version);
    const dir = materializePackage(this.#options.packagesDir, release.id, release.version, files);
    const attestations = attestationsFor(this.#db, release.id, release.version);
    const source: LocalSource = {
      kind: 'local',
      manifest: release.manifest,
      origin: 'published',
      release,
      attestations,
      dir,
      loaded: undefined,
      loadProblem: undefined,
    };
    // Whether the release itself may run, whatever its copy on disk holds now: only then is its code imported.
    const releaseVerdict = judgeTrust({
      id: release.id,
      version: release.version,
      release,
      currentCodeHash: release.codeHash,
      attestations,
      trustedAuditors: this.#trustedAuditors,
    });
    if (releaseVerdict.status !== 'audited') return source;
    try {
      const skills = await importPackageByHash(this.#options.packagesDir, files, release.codeHash);
      source.loaded = skills.find((s) => s.id === release.id && s.version === release.version);
      if (!source.loaded) source.loadProblem = `${name}'s package does not export the skill it was published as.`;
    } catch (error) {
      if (!(error instanceof PackageCopyChangedError)) throw error;
      source.loadProblem = `${name}'s attested code could not be loaded as attested: ${error.message}`;
    }
    return source;
  }

  /** A source as it stands now: its files hashed again, its endpoint's suspect mark read again. */
  #judge(source: Source, hashes: Map<string, Hex>): CatalogEntry {
    if (source.kind === 'remote') {
      const { entry } = source;
      const suspicion = entry.endpoint ? endpointSuspicion(this.#db, entry.endpoint) : undefined;
      if (!suspicion || entry.status === 'suspect') return entry;
      return {
        ...entry,
        status: 'suspect',
        detail: `${entry.manifest.id}@${entry.manifest.version}'s endpoint ${entry.endpoint} is marked suspect: ${suspicion.reason}`,
        auditors: [],
        skill: undefined,
      };
    }
    let codeHash = hashes.get(source.dir);
    if (codeHash === undefined) {
      try {
        codeHash = codeHashOf(readPackageSource(source.dir));
      } catch {
        codeHash = '0x'; // gone or unreadable: no release hashes to it
      }
      hashes.set(source.dir, codeHash);
    }
    const { id, version } = source.manifest;
    const verdict = judgeTrust({
      id,
      version,
      release: source.release,
      currentCodeHash: codeHash,
      attestations: source.attestations,
      trustedAuditors: this.#trustedAuditors,
    });
    if (verdict.status === 'tampered') {
      verdict.detail = `${id}@${version}'s source has changed since it was published and attested: its files in ${source.dir} hash to ${short(codeHash)}, the attested source to ${short(source.release?.codeHash ?? '0x')}. It does not run until they match again.`;
    } else if (verdict.status === 'audited' && (source.loadProblem || !source.loaded)) {
      verdict.status = 'tampered';
      verdict.detail = source.loadProblem ?? `${id}@${version} is audited but was not loaded.`;
      verdict.auditors = [];
    }
    return {
      manifest: source.manifest,
      origin: source.origin,
      ...verdict,
      codeHash,
      attestations: source.attestations,
      skill: verdict.status === 'audited' ? source.loaded : undefined,
    };
  }
}

/**
 * Builds the catalog: the built-in skills from this checkout, the latest release of every published
 * one, and the skills of the agent endpoints added (`sextant endpoints add`), each judged by the rule.
 * Build it once per process and share it: see SkillCatalog.
 */
export async function loadSkillCatalog(db: Db, options: CatalogOptions): Promise<SkillCatalog> {
  const catalog = new SkillCatalog(db, options);
  await catalog.refresh();
  return catalog;
}

/** The refusal for an entry that may not run: its status, what is wrong, and what to do about it. */
function refusal(entry: CatalogEntry): SkillRefusedError {
  const { id } = entry.manifest;
  const status = entry.status === 'audited' ? 'not-published' : entry.status;
  // The planner passes on the message alone, so it says what to do as well.
  const hint = hintFor(status, entry);
  const what = status === 'tampered' ? ` ${hint}` : '';
  return new SkillRefusedError(id, status, `${id} may not run (${entry.status}): ${entry.detail}${what}`, { hint });
}

/** Changes whenever a release, an attestation or an endpoint is recorded, removed or re-fetched. */
function registryFingerprint(db: Db): string {
  try {
    const row = db
      .prepare(
        `SELECT (SELECT count(*) FROM skill_releases) AS releases,
                (SELECT count(*) FROM skill_attestations) AS attestations,
                (SELECT coalesce(group_concat(url || ' ' || manifest_hash || ' ' || fetched_at, ','), '') FROM skill_endpoints) AS endpoints`,
      )
      .get() as { releases: number; attestations: number; endpoints: string };
    return `${row.releases}/${row.attestations}/${row.endpoints}`;
  } catch {
    return ''; // tables not there yet: the next refresh creates them
  }
}

function short(hash: Hex): string {
  return `${hash.slice(0, 10)}…`;
}
