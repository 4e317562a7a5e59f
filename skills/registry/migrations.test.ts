import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../common/database.ts';
import { attestationsFor } from './attestations.ts';
import { migrateSkillRegistry, SKILL_REGISTRY_MIGRATIONS } from './migrations.ts';

describe('the migration that keys attestations by signature and auditor', () => {
  it('keeps every attestation, and then keeps the same bytes from another signer as a row of its own', () => {
    const db = openDatabase(':memory:');
    // The registry as the first two migrations left it.
    migrate(db, 'skills', SKILL_REGISTRY_MIGRATIONS.slice(0, 2));
    db.prepare(
      `INSERT INTO skill_releases (skill_id, version, manifest, code_hash, author, author_signature, origin, source, published_at)
       VALUES ('tip-jar/wrap', '1.0.0', '{}', '0x01', '0xA0', '0x02', 'published', '[]', 'then')`,
    ).run();
    const insert = db.prepare(
      `INSERT INTO skill_attestations (signature, skill_id, version, code_hash, verdict, report_uri, auditor, recorded_at)
       VALUES (?, 'tip-jar/wrap', '1.0.0', '0x01', ?, ?, ?, ?)`,
    );
    insert.run('0xs1', 'pass', 'https://audits.example/1', '0xAud1', '2026-01-01');
    insert.run('0xs2', 'fail', 'https://audits.example/2', '0xAud2', '2026-01-02');

    migrateSkillRegistry(db);
    migrateSkillRegistry(db); // Applied once: a second run changes nothing.
    expect(attestationsFor(db, 'tip-jar/wrap', '1.0.0').map((a) => [a.signature, a.verdict, a.auditor])).toEqual([
      ['0xs1', 'pass', '0xAud1'],
      ['0xs2', 'fail', '0xAud2'],
    ]);
    insert.run('0xs1', 'fail', 'https://elsewhere.example', '0xOther', '2026-01-03');
    expect(() => insert.run('0xs1', 'pass', 'https://audits.example/1', '0xAud1', '2026-01-04')).toThrow(/UNIQUE/);
    expect(attestationsFor(db, 'tip-jar/wrap', '1.0.0')).toHaveLength(3);
  });
});
