import { type Db, migrate } from '../../common/database.ts';

/** The emissions' tables. Append new migrations; never edit a released one. */
const MIGRATIONS = [
  `CREATE TABLE emission_contributions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch INTEGER NOT NULL,
    bucket TEXT NOT NULL CHECK (bucket IN ('capital', 'code', 'compute', 'community', 'protection')),
    contributor TEXT NOT NULL,
    -- An integer (wei-like units of the bucket's measure), as text: it can exceed 2^53.
    weight TEXT NOT NULL,
    -- Where the row comes from, so every payout can be traced: e.g. ('execution-step', 'exec_…:0').
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (bucket, source_kind, source_id)
  );
  CREATE INDEX emission_contributions_epoch ON emission_contributions (epoch, bucket);`,
];

export function migrateEmissions(db: Db): void {
  migrate(db, 'emissions', MIGRATIONS);
}
