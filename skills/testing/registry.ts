import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Db, databasePath, openDatabase } from '../../common/database.ts';
import { openSkillRegistry, skillPackagesDir } from '../registry/catalog.ts';

/** The key of the fixture package's author (its address is written in the fixture). Test use only. */
export const TEST_AUTHOR_KEY = keccak256(toHex('sextant test skill author'));
export const TEST_AUTHOR = privateKeyToAccount(TEST_AUTHOR_KEY);

/** The third-party fixture package: an honest skill and one that calls what it does not declare. */
export const TIP_JAR_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tip-jar');

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A fresh data directory with its database and an opened registry, as the runtime would have. It sits under the repository
 * (test-artifacts/, git-ignored) because vitest resolves a loaded package's `zod` and `viem` by
 * walking up from the package; the CLI's module hooks make any DATA_DIR work (tested in command.test.ts).
 */
export async function freshRegistry(): Promise<{ db: Db; dataDir: string; packagesDir: string }> {
  // The run's own directory under test-artifacts/ (vitest.scratch.ts), removed when the run ends.
  const parent = process.env.SEXTANT_TEST_RUN_DIR ?? join(REPO_ROOT, 'test-artifacts');
  mkdirSync(parent, { recursive: true });
  const dataDir = mkdtempSync(join(parent, 'skills-'));
  const db = openDatabase(databasePath(dataDir));
  await openSkillRegistry(db);
  return { db, dataDir, packagesDir: skillPackagesDir(dataDir) };
}

/** A copy of the fixture package in a temporary directory (for tests that edit it). */
export function copyOfTipJar(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sextant-tip-jar-')), 'tip-jar');
  cpSync(TIP_JAR_DIR, dir, { recursive: true });
  return dir;
}
