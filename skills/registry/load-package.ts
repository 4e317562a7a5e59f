import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hex } from 'viem';
import type { Skill } from '../sdk/define-skill.ts';
import { PackageCopyChangedError, SkillRegistryError } from './errors.ts';
import { codeHashOf, readPackageSource, type SourceFile } from './package-source.ts';

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

/** Each package under DATA_DIR/skill-packages is an ES module tree, wherever DATA_DIR is. */
function preparePackagesDir(packagesDir: string): void {
  mkdirSync(packagesDir, { recursive: true });
  writeFileSync(join(packagesDir, 'package.json'), '{ "type": "module", "private": true }\n');
}

/** Writes `files` under `dir`, refusing any path that would land outside it. */
function writeFiles(dir: string, files: readonly SourceFile[], name: string): void {
  for (const file of files) {
    const target = resolve(dir, file.path);
    if (!target.startsWith(resolve(dir) + sep)) {
      throw new SkillRegistryError(`${name} has a file outside its package: ${file.path}.`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

/**
 * Writes a release's stored source where people and auditors find it, and where the catalog checks it
 * before every plan: `packagesDir/<protocol>__<action>@<version>/`. An existing copy is left as it is,
 * so a copy edited on disk after its audit is caught by its hash rather than silently repaired. The
 * code that runs is not imported from here but from a copy named by its hash (importPackageByHash).
 */
export function materializePackage(
  packagesDir: string,
  id: string,
  version: string,
  files: readonly SourceFile[],
): string {
  const dir = join(packagesDir, `${id.replace('/', '__')}@${version}`);
  preparePackagesDir(packagesDir);
  if (existsSync(dir)) return dir;
  writeFiles(dir, files, `${id}@${version}`);
  return dir;
}

/** The directory the runtime imports a package from: named by its code hash, so one URL is one code. */
export function contentAddressedDir(packagesDir: string, codeHash: Hex): string {
  return join(packagesDir, 'by-hash', codeHash.slice(2).toLowerCase());
}

/**
 * One import per directory per process. Node's module cache is keyed by URL, and a directory here
 * holds one code only, so what was imported from it stays right for as long as the process runs. A
 * load that failed stays failed: the module cache would hand back whatever it read the first time.
 */
const loads = new Map<string, Promise<Skill[]>>();

/**
 * Imports a package from the exact bytes its code hash covers. `files` (the registry's stored source)
 * must hash to `codeHash`; they are written to `packagesDir/by-hash/<hash>/` (through a staging
 * directory, renamed into place whole), and that directory must hold exactly those files with that
 * hash right before the import and again right after it. An edit between the hash and the import
 * therefore either never reaches the import (the copy is named by the hash, the working copy is
 * never imported) or is caught after it, and then the package is refused for the life of the process.
 */
export function importPackageByHash(
  packagesDir: string,
  files: readonly SourceFile[],
  codeHash: Hex,
): Promise<Skill[]> {
  const actual = codeHashOf(files);
  if (actual.toLowerCase() !== codeHash.toLowerCase()) {
    return Promise.reject(
      new PackageCopyChangedError(`The source given hashes to ${actual}, not to the code hash ${codeHash}.`),
    );
  }
  const dir = contentAddressedDir(packagesDir, codeHash);
  let load = loads.get(dir);
  if (!load) {
    load = loadOnce(packagesDir, dir, files, codeHash);
    loads.set(dir, load);
  }
  return load;
}

async function loadOnce(packagesDir: string, dir: string, files: readonly SourceFile[], codeHash: Hex) {
  writeContentAddressed(packagesDir, dir, files, codeHash);
  const problem = copyProblem(dir, files, codeHash);
  if (problem) throw new PackageCopyChangedError(`The copy at ${dir} changed before it was loaded: ${problem}.`);
  const skills = await importPackageSkills(dir);
  const after = copyProblem(dir, files, codeHash);
  if (after) {
    throw new PackageCopyChangedError(
      `The copy at ${dir} changed while it was being loaded (${after}), so what was imported cannot be trusted.`,
      { hint: 'Find out who writes to DATA_DIR, then restart the server: the copy is rewritten from the registry.' },
    );
  }
  return skills;
}

/**
 * Makes `dir` hold exactly `files`. A directory already there (from an earlier run) is kept if it is
 * exact; otherwise it is moved aside (kept for whoever investigates, never loaded) and written anew
 * from the registry's source.
 */
function writeContentAddressed(packagesDir: string, dir: string, files: readonly SourceFile[], codeHash: Hex): void {
  preparePackagesDir(packagesDir);
  mkdirSync(dirname(dir), { recursive: true });
  if (existsSync(dir)) {
    if (!copyProblem(dir, files, codeHash)) return;
    renameSync(dir, `${dir}.changed-${Date.now()}`);
  }
  const staging = mkdtempSync(`${dir}.staging-`);
  writeFiles(staging, files, codeHash);
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another process wrote the same hash first: its copy is checked like any other before the import.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(dir)) throw error;
  }
}

/** Why `dir` is not exactly `files` hashing to `codeHash`, or undefined when it is. */
function copyProblem(dir: string, files: readonly SourceFile[], codeHash: Hex): string | undefined {
  let present: string[];
  let hash: Hex;
  try {
    present = listFiles(dir);
    hash = codeHashOf(readPackageSource(dir));
  } catch (error) {
    return (error as Error).message;
  }
  // Any file the hash does not cover (a dotfile, another extension) could still be imported: none may be there.
  const expected = new Set(files.map((file) => file.path));
  const extra = present.filter((path) => !expected.has(path));
  if (extra.length > 0) return `files that are not part of the package: ${extra.join(', ')}`;
  if (hash.toLowerCase() !== codeHash.toLowerCase()) return `its files hash to ${hash}, not ${codeHash}`;
  return undefined;
}

function listFiles(dir: string): string[] {
  const paths: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else paths.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return paths;
}
