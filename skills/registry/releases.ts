import { type Address, getAddress, type Hex, isAddressEqual } from 'viem';
import type { Db } from '../../common/database.ts';
import { type SkillManifest, SkillManifestSchema } from '../sdk/manifest.ts';
import { SkillRegistryError } from './errors.ts';
import { assertImportsContained, codeHashOf, type SourceFile } from './package-source.ts';
import { releaseSigner } from './typed-data.ts';

/** One published version of a skill: its manifest, the hash of its package's source, its author's signature. */
export type SkillReleaseRecord = {
  id: string;
  version: string;
  manifest: SkillManifest;
  codeHash: Hex;
  author: Address;
  authorSignature: Hex;
  origin: 'builtin' | 'published';
  publishedAt: string;
};

export type PublishRequest = {
  manifest: unknown;
  /** The package's source; the registry hashes it itself rather than trusting a stated hash. */
  files: SourceFile[];
  /** EIP-712 SkillRelease {id, version, codeHash} signed by the manifest's author. */
  signature: Hex;
  origin?: 'builtin' | 'published';
};

/**
 * Records a release. The manifest must be valid, the signature must be the manifest author's over
 * {id, version, codeHash of these files}, and id@version must be new: a version is immutable.
 */
export async function publishRelease(db: Db, request: PublishRequest): Promise<SkillReleaseRecord> {
  const parsed = SkillManifestSchema.safeParse(request.manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SkillRegistryError(
      `The manifest is not valid: ${issue?.path.join('.') || 'manifest'}: ${issue?.message}.`,
    );
  }
  const manifest = parsed.data;
  assertSafeFiles(request.files);
  // A published package exists here only as these files: it reaches nothing outside them but the SDK by name.
  if ((request.origin ?? 'published') === 'published') assertImportsContained('/published-package', request.files);
  const codeHash = codeHashOf(request.files);
  let signer: Address;
  try {
    signer = await releaseSigner({ id: manifest.id, version: manifest.version, codeHash }, request.signature);
  } catch (error) {
    throw new SkillRegistryError('The author signature is not a valid signature.', { cause: error });
  }
  if (!isAddressEqual(signer, manifest.author)) {
    throw new SkillRegistryError(
      `The release of ${manifest.id}@${manifest.version} is signed by ${signer}, but its manifest names ${manifest.author} as the author.`,
      { hint: "Sign with the author's key, over the code hash of exactly the files sent." },
    );
  }
  const owner = db.prepare('SELECT author FROM skill_releases WHERE skill_id = ? LIMIT 1').get(manifest.id) as
    | { author: Address }
    | undefined;
  if (owner && !isAddressEqual(owner.author, manifest.author)) {
    throw new SkillRegistryError(
      `The skill id ${manifest.id} belongs to ${owner.author}; only they can publish its versions.`,
      {
        hint: 'Publish your skill under an id of your own.',
        status: 409,
      },
    );
  }
  if (getRelease(db, manifest.id, manifest.version)) {
    throw new SkillRegistryError(`${manifest.id}@${manifest.version} is already published; a version never changes.`, {
      hint: 'Publish the change as a new version (bump `version` in the skill definition).',
      status: 409,
    });
  }
  const record: SkillReleaseRecord = {
    id: manifest.id,
    version: manifest.version,
    manifest,
    codeHash,
    author: getAddress(manifest.author),
    authorSignature: request.signature,
    origin: request.origin ?? 'published',
    publishedAt: new Date().toISOString(),
  };
  db.prepare(
    `INSERT INTO skill_releases (skill_id, version, manifest, code_hash, author, author_signature, origin, source, published_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.id,
    record.version,
    JSON.stringify(manifest),
    codeHash,
    record.author,
    record.authorSignature,
    record.origin,
    JSON.stringify(request.files),
    record.publishedAt,
  );
  return record;
}

const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:ts|mts|js|mjs|json)$/;

/** Source files must be plain relative paths inside the package, with an index.ts. */
function assertSafeFiles(files: readonly SourceFile[]): void {
  if (!Array.isArray(files) || files.length === 0) throw new SkillRegistryError('The package has no source files.');
  const seen = new Set<string>();
  for (const file of files) {
    if (typeof file?.path !== 'string' || typeof file.content !== 'string') {
      throw new SkillRegistryError('Each source file needs a path and a content string.');
    }
    if (!SAFE_PATH.test(file.path) || file.path.split('/').includes('..')) {
      throw new SkillRegistryError(`"${file.path}" is not a relative path to a source file inside the package.`);
    }
    if (seen.has(file.path)) throw new SkillRegistryError(`"${file.path}" appears twice in the package.`);
    seen.add(file.path);
  }
  if (!seen.has('index.ts')) throw new SkillRegistryError('The package has no index.ts.');
}

type ReleaseRow = {
  skill_id: string;
  version: string;
  manifest: string;
  code_hash: Hex;
  author: Address;
  author_signature: Hex;
  origin: 'builtin' | 'published';
  published_at: string;
};

const COLUMNS = 'skill_id, version, manifest, code_hash, author, author_signature, origin, published_at';

function fromRow(row: ReleaseRow): SkillReleaseRecord {
  return {
    id: row.skill_id,
    version: row.version,
    manifest: SkillManifestSchema.parse(JSON.parse(row.manifest)),
    codeHash: row.code_hash,
    author: row.author,
    authorSignature: row.author_signature,
    origin: row.origin,
    publishedAt: row.published_at,
  };
}

/** A release by id and version; without a version, the skill's highest version. */
export function getRelease(db: Db, id: string, version?: string): SkillReleaseRecord | undefined {
  if (version !== undefined) {
    const row = db.prepare(`SELECT ${COLUMNS} FROM skill_releases WHERE skill_id = ? AND version = ?`).get(id, version);
    return row ? fromRow(row as ReleaseRow) : undefined;
  }
  return latestReleases(
    db.prepare(`SELECT ${COLUMNS} FROM skill_releases WHERE skill_id = ?`).all(id) as ReleaseRow[],
  )[0];
}

/** The highest version of every skill, by id. */
export function listLatestReleases(db: Db): SkillReleaseRecord[] {
  return latestReleases(db.prepare(`SELECT ${COLUMNS} FROM skill_releases`).all() as ReleaseRow[]);
}

/** Every version of one skill, newest first. */
export function listVersions(db: Db, id: string): SkillReleaseRecord[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM skill_releases WHERE skill_id = ?`).all(id) as ReleaseRow[];
  return rows.map(fromRow).sort((a, b) => compareVersions(b.version, a.version));
}

/** The stored source of a release: what its code hash covers. */
export function releaseSource(db: Db, id: string, version: string): SourceFile[] {
  const row = db.prepare('SELECT source FROM skill_releases WHERE skill_id = ? AND version = ?').get(id, version) as
    | { source: string }
    | undefined;
  if (!row) throw new SkillRegistryError(`${id}@${version} is not in the registry.`, { status: 404 });
  return JSON.parse(row.source) as SourceFile[];
}

function latestReleases(rows: ReleaseRow[]): SkillReleaseRecord[] {
  const latest = new Map<string, ReleaseRow>();
  for (const row of rows) {
    const current = latest.get(row.skill_id);
    if (!current || compareVersions(row.version, current.version) > 0) latest.set(row.skill_id, row);
  }
  return [...latest.values()].map(fromRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Semantic-version order (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = a.split('-', 2);
  const [coreB = '', preB] = b.split('-', 2);
  const partsA = coreA.split('.').map(Number);
  const partsB = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const difference = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (difference !== 0) return difference;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA < preB ? -1 : 1;
}
