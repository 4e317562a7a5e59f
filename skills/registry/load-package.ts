import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Skill } from '../sdk/define-skill.ts';
import { SkillRegistryError } from './errors.ts';
import type { SourceFile } from './package-source.ts';

/** The skills a package's index.ts exports. Importing runs the package's code: only do it for audited code. */
export async function importPackageSkills(dir: string): Promise<Skill[]> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(join(dir, 'index.ts')).href)) as Record<string, unknown>;
  } catch (error) {
    throw new SkillRegistryError(`The skill package at ${dir} failed to load: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const skills = Object.values(module).filter(isSkill);
  if (skills.length === 0) {
    throw new SkillRegistryError(`The skill package at ${dir} exports no skill.`, {
      hint: 'Export each skill made with defineSkill from the package’s index.ts.',
    });
  }
  return skills;
}

function isSkill(value: unknown): value is Skill {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Skill>;
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.version === 'string' &&
    (candidate.kind === 'action' || candidate.kind === 'read')
  );
}

/**
 * Writes a release's stored source where the runtime loads it from:
 * `packagesDir/<protocol>__<action>@<version>/`. An existing copy is left as it is, so a copy edited
 * on disk after its audit is caught by its hash rather than silently repaired.
 */
export function materializePackage(
  packagesDir: string,
  id: string,
  version: string,
  files: readonly SourceFile[],
): string {
  const dir = join(packagesDir, `${id.replace('/', '__')}@${version}`);
  // Each package is an ES module tree, wherever DATA_DIR is.
  mkdirSync(packagesDir, { recursive: true });
  writeFileSync(join(packagesDir, 'package.json'), '{ "type": "module", "private": true }\n');
  if (existsSync(dir)) return dir;
  for (const file of files) {
    const target = resolve(dir, file.path);
    if (!target.startsWith(resolve(dir) + sep)) {
      throw new SkillRegistryError(`${id}@${version} has a file outside its package: ${file.path}.`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return dir;
}
