import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';
import { SkillRegistryError } from './errors.ts';

/** One file of a skill package, its path relative to the package directory (always with `/`). */
export type SourceFile = { path: string; content: string };

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json'];
const MAX_FILES = 64;
const MAX_BYTES = 512 * 1024;

/** The skill SDK and the project's keys: the only code outside a package that a package may import. */
const SKILLS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME_IMPORTS = [join(SKILLS_ROOT, 'sdk') + sep, join(SKILLS_ROOT, 'project-keys.ts')];
/** Bare imports a package may use: the SDK and its two libraries. No node:fs, no network, no processes. */
const ALLOWED_PACKAGES = ['zod', 'viem', 'sextant/skills/sdk'];

/**
 * A package's source: every source file under `dir` except tests, sorted by path. This is exactly what
 * the code hash covers and what the registry stores for auditors to read.
 */
export function readPackageSource(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  let bytes = 0;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !/\.test\.[mc]?[jt]s$/.test(entry.name)) {
        bytes += statSync(path).size;
        files.push({ path: relative(dir, path).split(sep).join('/'), content: readFileSync(path, 'utf8') });
      }
    }
  };
  try {
    walk(dir);
  } catch (error) {
    throw new SkillRegistryError(`Cannot read the skill package at ${dir}: ${(error as Error).message}`, {
      hint: 'Give the directory that holds the package’s index.ts.',
    });
  }
  if (!files.some((file) => file.path === 'index.ts')) {
    throw new SkillRegistryError(`${dir} has no index.ts.`, {
      hint: 'A skill package is a directory whose index.ts exports its skills (made with defineSkill).',
    });
  }
  if (files.length > MAX_FILES || bytes > MAX_BYTES) {
    throw new SkillRegistryError(`The package at ${dir} is too large (${files.length} files, ${bytes} bytes).`, {
      hint: `A package holds at most ${MAX_FILES} files and ${MAX_BYTES / 1024} KiB of source.`,
    });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The code hash: sha256 over every file's path, length and content, in path order. Any change to
 * any file (or a file added, removed or renamed) changes it.
 */
export function codeHashOf(files: readonly SourceFile[]): Hex {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const content = Buffer.from(file.content, 'utf8');
    hash.update(`${file.path}\n${content.length}\n`);
    hash.update(content);
  }
  return `0x${hash.digest('hex')}`;
}

const IMPORT_PATTERN = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/**
 * Refuses a package that imports code its hash does not cover: relative imports must stay inside the
 * package (a built-in package, which lives in skills/, may also reach the SDK by path), and bare
 * imports are limited to zod, viem and the SDK. `dir` is where the package is, or a stand-in for
 * one that exists only as files in a request.
 */
export function assertImportsContained(dir: string, files: readonly SourceFile[]): void {
  const offending: string[] = [];
  for (const file of files) {
    for (const match of file.content.matchAll(IMPORT_PATTERN)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) {
        const target = normalize(resolve(dir, dirname(file.path), specifier));
        const inside = target.startsWith(resolve(dir) + sep);
        const runtime = RUNTIME_IMPORTS.some((allowed) => target === allowed || target.startsWith(allowed));
        if (!inside && !runtime) offending.push(`${file.path} imports ${specifier} (outside the package)`);
      } else if (!ALLOWED_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
        offending.push(`${file.path} imports ${specifier}`);
      }
    }
  }
  if (offending.length > 0) {
    throw new SkillRegistryError(
      `The skill package at ${dir} imports code its hash would not cover: ${offending.join('; ')}.`,
      {
        hint: 'A package may import its own files, zod, viem and the SDK (sextant/skills/sdk); nothing else.',
      },
    );
  }
}
