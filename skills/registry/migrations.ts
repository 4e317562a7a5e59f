import { type Db, migrate } from '../../common/database.ts';

/** The skill registry's tables. Append new migrations; never edit a released one. */
export const SKILL_REGISTRY_MIGRATIONS = [
  `CREATE TABLE skill_releases (
    skill_id TEXT NOT NULL,
    version TEXT NOT NULL,
    manifest TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    author TEXT NOT NULL,
    -- EIP-712 over {id, version, codeHash}, by the manifest's author.
    author_signature TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('builtin', 'published')),
    -- The package's source files as JSON [{path, content}]: what the code hash covers, for auditors to read.
    source TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (skill_id, version)
  );
  -- A published version never changes: a new version is a new row.
  CREATE TRIGGER skill_releases_immutable BEFORE UPDATE ON skill_releases
  BEGIN SELECT RAISE(ABORT, 'a published skill release is immutable; publish a new version'); END;
  CREATE TRIGGER skill_releases_undeletable BEFORE DELETE ON skill_releases
  BEGIN SELECT RAISE(ABORT, 'a published skill release is immutable'); END;
  CREATE TABLE skill_attestations (
    signature TEXT PRIMARY KEY,
    skill_id TEXT NOT NULL,
    version TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
    report_uri TEXT NOT NULL,
    -- Recovered from the signature, never taken from the request.
    auditor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    FOREIGN KEY (skill_id, version) REFERENCES skill_releases (skill_id, version)
  );
  CREATE INDEX skill_attestations_release ON skill_attestations (skill_id, version);`,
  // Protocol agent endpoints (skills/remote/): the last manifest document each served, re-verified on
  // every load, and whether the runtime caught it building something outside its declarations or bounds.
  `CREATE TABLE skill_endpoints (
    url TEXT PRIMARY KEY,
    -- The document as served (JSON): its signatures are checked again each time the catalog loads.
    document TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    protocol TEXT NOT NULL,
    build_version TEXT NOT NULL,
    author TEXT NOT NULL,
    added_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    suspect_at TEXT,
    suspect_reason TEXT
  );`,
  // An attestation is one auditor's signature: keyed by the signature bytes alone, the same bytes
  // posted first over other fields (they recover to another address) kept the auditor's own
  // attestation out, a failing verdict included. Now each (signature, auditor) is a row of its own.
  `CREATE TABLE skill_attestations_by_auditor (
    signature TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    version TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
    report_uri TEXT NOT NULL,
    -- Recovered from the signature, never taken from the request.
    auditor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (signature, auditor),
    FOREIGN KEY (skill_id, version) REFERENCES skill_releases (skill_id, version)
  );
  INSERT INTO skill_attestations_by_auditor
    SELECT signature, skill_id, version, code_hash, verdict, report_uri, auditor, recorded_at FROM skill_attestations;
  DROP TABLE skill_attestations;
  ALTER TABLE skill_attestations_by_auditor RENAME TO skill_attestations;
  CREATE INDEX skill_attestations_release ON skill_attestations (skill_id, version);`,
];

export function migrateSkillRegistry(db: Db): void {
  migrate(db, 'skills', SKILL_REGISTRY_MIGRATIONS);
}
