import type { Address, Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import { migrateSkillRegistry } from '../registry/migrations.ts';
import { MAX_DOCUMENT_BYTES, WELL_KNOWN_PATH } from './document.ts';
import { EndpointError } from './errors.ts';
import { fetchJson } from './fetch-json.ts';
import { type VerifiedDocument, verifyEndpointDocument } from './verify.ts';

/** How long an endpoint has to answer: its manifest, and each build. */
export const DEFAULT_MANIFEST_TIMEOUT_MS = 10_000;
export const DEFAULT_BUILD_TIMEOUT_MS = 15_000;

/** An endpoint as the table keeps it. */
export type EndpointRecord = {
  url: string;
  /** The document as last fetched, parsed from its stored JSON (not yet re-verified). */
  raw: unknown;
  manifestHash: Hex;
  protocol: string;
  buildVersion: string;
  author: Address;
  addedAt: string;
  fetchedAt: string;
  /** Set when the runtime refused something the endpoint built; its skills do not run until cleared. */
  suspect: { at: string; reason: string } | undefined;
};

type EndpointRow = {
  url: string;
  document: string;
  manifest_hash: Hex;
  protocol: string;
  build_version: string;
  author: Address;
  added_at: string;
  fetched_at: string;
  suspect_at: string | null;
  suspect_reason: string | null;
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An endpoint's base URL, as stored: https (http only on this machine, for local testing), no
 * credentials, query or fragment, no trailing slash. The manifest's own URL is accepted too.
 */
export function normalizeEndpointUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new EndpointError(input, 'invalid', `"${input}" is not a URL.`, {
      hint: 'Give the endpoint’s base URL, e.g. https://agents.example.org.',
    });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new EndpointError(input, 'invalid', `${url.origin} is not an HTTPS URL.`, {
      hint: 'Agent endpoints are reached over HTTPS; plain HTTP is accepted only on this machine (127.0.0.1, localhost).',
    });
  }
  if (url.username || url.password)
    throw new EndpointError(input, 'invalid', 'An endpoint URL may not carry credentials.');
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(WELL_KNOWN_PATH)) path = path.slice(0, -WELL_KNOWN_PATH.length);
  return `${url.origin}${path}`;
}

/** Fetches an endpoint's manifest document and verifies its author signature. */
export async function fetchEndpointDocument(
  url: string,
  options: { timeoutMs?: number } = {},
): Promise<{ raw: unknown; verified: VerifiedDocument }> {
  const { status, json } = await fetchJson(`${url}${WELL_KNOWN_PATH}`, {
    endpoint: url,
    what: 'its manifest',
    timeoutMs: options.timeoutMs ?? DEFAULT_MANIFEST_TIMEOUT_MS,
    maxBytes: MAX_DOCUMENT_BYTES,
  });
  if (status !== 200) {
    throw new EndpointError(url, 'http', `${url} answered its manifest with HTTP ${status}.`, {
      hint: `An agent endpoint serves its manifest at ${WELL_KNOWN_PATH}.`,
    });
  }
  return { raw: json, verified: await verifyEndpointDocument(url, json) };
}

/**
 * Adds an endpoint, or refreshes one already added: fetches and verifies its manifest, and stores the
 * document. A suspect mark stays until it is cleared on purpose (a new document does not wash it out).
 */
export async function addEndpoint(
  db: Db,
  input: string,
  options: { timeoutMs?: number; localIds?: ReadonlySet<string> } = {},
): Promise<{ record: EndpointRecord; verified: VerifiedDocument }> {
  migrateSkillRegistry(db);
  const url = normalizeEndpointUrl(input);
  const { raw, verified } = await fetchEndpointDocument(url, options);
  assertIdsFree(db, url, verified, options.localIds ?? new Set());
  const now = new Date().toISOString();
  const { document, manifestHash } = verified;
  db.prepare(
    `INSERT INTO skill_endpoints (url, document, manifest_hash, protocol, build_version, author, added_at, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (url) DO UPDATE SET document = excluded.document, manifest_hash = excluded.manifest_hash,
       protocol = excluded.protocol, build_version = excluded.build_version, author = excluded.author,
       fetched_at = excluded.fetched_at`,
  ).run(url, JSON.stringify(raw), manifestHash, document.protocol, document.buildVersion, document.author, now, now);
  return { record: getEndpoint(db, url) as EndpointRecord, verified };
}

/**
 * An endpoint may not serve a skill id this runtime already has: the local skill would run and the
 * remote one be skipped, which is never what adding it meant. Said before anything is stored, naming
 * the id and who holds it; an endpoint added earlier keeps its ids the same way.
 */
function assertIdsFree(db: Db, url: string, verified: VerifiedDocument, localIds: ReadonlySet<string>): void {
  const ids = verified.document.skills.map((skill) => skill.id);
  const local = ids.filter((id) => localIds.has(id));
  if (local.length > 0) {
    throw new EndpointError(
      url,
      'taken',
      `${url} serves ${local.join(', ')}, and a local skill here already has ${local.length === 1 ? 'that id' : 'those ids'}; nothing was added.`,
      {
        hint: `An endpoint cannot stand in for a local skill (the local ${local[0]} would be used). If this DATA_DIR is the one the endpoint is served from, add it from the user's own DATA_DIR instead (a protocol serves from a DATA_DIR of its own); otherwise ask the protocol to serve the skill under another id.`,
      },
    );
  }
  for (const other of listEndpoints(db)) {
    if (other.url === url) continue;
    const served = new Set(
      ((other.raw as { skills?: { id?: unknown }[] } | undefined)?.skills ?? []).map((skill) => skill.id),
    );
    const shared = ids.filter((id) => served.has(id));
    if (shared.length > 0) {
      throw new EndpointError(
        url,
        'taken',
        `${url} serves ${shared.join(', ')}, which the endpoint ${other.url} added earlier already serves; nothing was added.`,
        { hint: `Remove the other one first (\`sextant endpoints remove ${other.url}\`) if this one replaces it.` },
      );
    }
  }
}

export function listEndpoints(db: Db): EndpointRecord[] {
  migrateSkillRegistry(db);
  return (db.prepare('SELECT * FROM skill_endpoints ORDER BY added_at, url').all() as EndpointRow[]).map(fromRow);
}

export function getEndpoint(db: Db, input: string): EndpointRecord | undefined {
  migrateSkillRegistry(db);
  const row = db.prepare('SELECT * FROM skill_endpoints WHERE url = ?').get(normalizeEndpointUrl(input)) as
    | EndpointRow
    | undefined;
  return row ? fromRow(row) : undefined;
}

export function removeEndpoint(db: Db, input: string): boolean {
  migrateSkillRegistry(db);
  return db.prepare('DELETE FROM skill_endpoints WHERE url = ?').run(normalizeEndpointUrl(input)).changes === 1;
}

/** Marks an endpoint suspect; the first reason is kept (later refusals are the same story). */
export function markEndpointSuspect(db: Db, url: string, reason: string): void {
  db.prepare(
    `UPDATE skill_endpoints SET suspect_at = COALESCE(suspect_at, ?), suspect_reason = COALESCE(suspect_reason, ?)
     WHERE url = ?`,
  ).run(new Date().toISOString(), reason, url);
}

export function endpointSuspicion(db: Db, url: string): { at: string; reason: string } | undefined {
  const row = db.prepare('SELECT suspect_at, suspect_reason FROM skill_endpoints WHERE url = ?').get(url) as
    | Pick<EndpointRow, 'suspect_at' | 'suspect_reason'>
    | undefined;
  return row?.suspect_at ? { at: row.suspect_at, reason: row.suspect_reason ?? '' } : undefined;
}

/** Clears a suspect mark, after a person has looked into it. */
export function clearEndpointSuspect(db: Db, input: string): boolean {
  migrateSkillRegistry(db);
  return (
    db
      .prepare('UPDATE skill_endpoints SET suspect_at = NULL, suspect_reason = NULL WHERE url = ?')
      .run(normalizeEndpointUrl(input)).changes === 1
  );
}

function fromRow(row: EndpointRow): EndpointRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(row.document);
  } catch {
    raw = undefined;
  }
  return {
    url: row.url,
    raw,
    manifestHash: row.manifest_hash,
    protocol: row.protocol,
    buildVersion: row.build_version,
    author: row.author,
    addedAt: row.added_at,
    fetchedAt: row.fetched_at,
    suspect: row.suspect_at ? { at: row.suspect_at, reason: row.suspect_reason ?? '' } : undefined,
  };
}
