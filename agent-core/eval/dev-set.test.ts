import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEmbedded } from '../parse/embedded/parse.ts';
import { readEvalRecords } from './read-jsonl.ts';
import { evaluate } from './score.ts';

/** The development set, in shared/ beside the repository (shared/eval/README.md). */
const DEV_SET = fileURLToPath(new URL('../../../shared/eval/intents-dev.jsonl', import.meta.url));

describe('the embedded parser on the development set', () => {
  // Measured 135/136 (the miss is a record labelled token "max"); the floor guards regressions.
  it.skipIf(!existsSync(DEV_SET))('keeps its exact-match accuracy', async () => {
    const report = await evaluate(readEvalRecords(DEV_SET), (prompt) => parseEmbedded(prompt), 'embedded');
    expect(report.records).toBe(136);
    expect(report.exact.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(report.perField.action?.accuracy).toBe(1);
  });
});
