import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Which test files need a chain: those that (through the repository's own modules they import) use
 * a test devnet (`testDevnet()`, devnet/testing/test-devnet.ts) or start an anvil or a devnet of their own. Read from the
 * code when vitest loads its config, so a new test lands in the right project by itself: the rest
 * run as `npm run test:unit`, in seconds, with no devnet started.
 */

const SKIP = new Set(['node_modules', '.git', 'scratch', '.sextant', 'test-artifacts']);
// …or spawn `sextant devnet`, which starts chains of its own (runSextant(['devnet', …])).
const NEEDS_CHAIN =
  /\btestDevnet(?:DataDir)?\(|\bstartDevnet\(|\bstartAnvil\(|\bcreateAnvil\(|\brunSextant\(\s*\[\s*'devnet'/;
const RELATIVE_IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function testFiles(root: string, dir = root, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) testFiles(root, path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** Whether `file`, or a module of the repository it imports (at any depth), needs a chain. */
function needsChain(file: string, seen: Map<string, boolean>): boolean {
  const known = seen.get(file);
  if (known !== undefined) return known;
  seen.set(file, false);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (NEEDS_CHAIN.test(text)) {
    seen.set(file, true);
    return true;
  }
  for (const match of text.matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), match[1] ?? match[2] ?? '');
    if (existsSync(target) && target.endsWith('.ts') && needsChain(target, seen)) {
      seen.set(file, true);
      return true;
    }
  }
  return false;
}

/** The test files (relative to `root`) that need a chain, and those that do not. */
export function splitTestFiles(root: string): { chain: string[]; unit: string[] } {
  const seen = new Map<string, boolean>();
  const chain: string[] = [];
  const unit: string[] = [];
  for (const file of testFiles(root)) (needsChain(file, seen) ? chain : unit).push(relative(root, file));
  return { chain: chain.sort(), unit: unit.sort() };
}
