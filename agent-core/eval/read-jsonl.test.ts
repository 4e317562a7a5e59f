import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalDataError, parseEvalRecords, parseJsonLines, readEvalRecords } from './read-jsonl.ts';

describe('reading eval records', () => {
  it('reads one record a line, skipping blank lines, and remembers each line number', () => {
    const text = [
      '{"prompt": "swap 1 ETH", "expected": {"intents": [{"action": "swap", "amount": "1"}]}}',
      '',
      '{"prompt": "hi", "expected": {"intents": []}, "source": "mine"}',
    ].join('\n');
    const records = parseEvalRecords(text, 'set.jsonl');
    expect(records.map((record) => [record.line, record.prompt])).toEqual([
      [1, 'swap 1 ETH'],
      [3, 'hi'],
    ]);
    expect(records[1]?.source).toBe('mine');
  });

  it('names the file and the line of bad JSON', () => {
    const text = '{"prompt": "a", "expected": {"intents": []}}\n{"prompt": "b", "expected": {"intents": [}\n';
    expect(() => parseJsonLines(text, 'set.jsonl')).toThrow(EvalDataError);
    expect(() => parseJsonLines(text, 'set.jsonl')).toThrow(/^set\.jsonl:2: not valid JSON/);
  });

  it('names the line and the field of a record of the wrong shape', () => {
    expect(() => parseEvalRecords('{"prompt": "a", "expected": {}}', 'set.jsonl')).toThrow(
      /^set\.jsonl:1: expected\.intents:/,
    );
    expect(() => parseEvalRecords('{"prompt": "a", "expected": {"intents": [{"amount": "1"}]}}', 'x')).toThrow(
      /^x:1: expected\.intents\.0\.action:/,
    );
  });

  it('reads a file, and says so when there is none or it is empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-eval-'));
    const file = join(dir, 'set.jsonl');
    writeFileSync(file, '{"prompt": "a", "expected": {"intents": []}}\n');
    expect(readEvalRecords(file)).toHaveLength(1);
    expect(() => readEvalRecords(join(dir, 'missing.jsonl'))).toThrow(/^Cannot read/);
    writeFileSync(file, '\n');
    expect(() => readEvalRecords(file)).toThrow(/has no records/);
  });
});
