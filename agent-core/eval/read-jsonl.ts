import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SextantError } from '../../common/errors.ts';

/** A data file the eval cannot read: the message names the file and the line. */
export class EvalDataError extends SextantError {
  override name = 'EvalDataError';
}

const RECORD_HINT =
  'Each line is one JSON object: {"prompt": "...", "expected": {"intents": [{"action": "swap", ...}]}} (see shared/eval/README.md).';

/**
 * An eval record. The expected intents are read loosely (an action and any fields): the data may
 * use its own spellings ("max" for "all", "deposit" for "supply"), and the scorer reconciles them.
 */
const ExpectedIntentSchema = z.looseObject({ action: z.string().min(1) });
export const EvalRecordSchema = z.looseObject({
  prompt: z.string(),
  expected: z.looseObject({ intents: z.array(ExpectedIntentSchema) }),
});

export type ExpectedIntent = z.infer<typeof ExpectedIntentSchema>;
export type EvalRecord = z.infer<typeof EvalRecordSchema> & { line: number; file?: string | undefined };

/** Parses JSON Lines: one value a line, blank lines skipped. `source` names the text in errors. */
export function parseJsonLines(text: string, source: string): { line: number; value: unknown }[] {
  const values: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((content, index) => {
    if (content.trim() === '') return;
    try {
      values.push({ line: index + 1, value: JSON.parse(content) });
    } catch (error) {
      throw new EvalDataError(`${source}:${index + 1}: not valid JSON (${(error as Error).message}).`, {
        hint: RECORD_HINT,
      });
    }
  });
  return values;
}

/** Parses eval records from JSON Lines text. */
export function parseEvalRecords(text: string, source: string): EvalRecord[] {
  return parseJsonLines(text, source).map(({ line, value }) => {
    const parsed = EvalRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? issue.path.join('.') : 'the record';
      throw new EvalDataError(`${source}:${line}: ${path}: ${issue?.message ?? 'not an eval record'}.`, {
        hint: RECORD_HINT,
      });
    }
    return { ...parsed.data, line };
  });
}

/** Reads an eval file of JSON Lines records. */
export function readEvalRecords(path: string): EvalRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EvalDataError(`Cannot read ${path}: ${(error as Error).message}`, {
      hint: 'Give the path of a .jsonl file, e.g. ../shared/eval/intents-dev.jsonl.',
    });
  }
  const records = parseEvalRecords(text, path);
  if (records.length === 0) throw new EvalDataError(`${path} has no records.`, { hint: RECORD_HINT });
  return records;
}
