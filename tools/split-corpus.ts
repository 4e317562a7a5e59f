/**
 * `npx tsx tools/split-corpus.ts FILE.jsonl ...`: writes each record's "split" from a hash of its
 * prompt: "held" for about 40% (scored and reported, never looked at while tuning the parser), "tune"
 * for the rest. The split depends on the words alone, never on how the parser does, and a record keeps
 * its split when others are added. Rewrites the files in place; prints the counts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const HELD_SHARE = 0.4;

export function splitOf(prompt: string): 'tune' | 'held' {
  const digest = createHash('sha256').update(prompt.trim().toLowerCase()).digest();
  return (digest[0] ?? 0) / 256 < HELD_SHARE ? 'held' : 'tune';
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('Usage: npx tsx tools/split-corpus.ts FILE.jsonl ...\n');
  process.exit(2);
}
for (const file of files) {
  const counts = { tune: 0, held: 0 };
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const record = JSON.parse(line) as { prompt: string; split?: string };
      const { split: _old, ...rest } = record;
      const split = splitOf(record.prompt);
      counts[split]++;
      return JSON.stringify({ ...rest, split });
    });
  writeFileSync(file, `${lines.join('\n')}\n`);
  process.stdout.write(`${file}: ${counts.tune} tune, ${counts.held} held\n`);
}
