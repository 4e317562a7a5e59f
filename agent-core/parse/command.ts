import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type Command, parseCommandArgs, UsageError } from '../../common/command.ts';
import type { Settings } from '../../common/settings.ts';
import { readEvalRecords } from '../eval/read-jsonl.ts';
import { type EvalReport, evaluate, type Rate } from '../eval/score.ts';
import { describeIntent } from '../intents/describe.ts';
import type { ParseResult } from '../intents/schema.ts';
import { parseEmbedded } from './embedded/parse.ts';
import { parseMessage } from './parse-message.ts';

type Parser = { name: string; parse: (text: string) => ParseResult | Promise<ParseResult> };

const LLM_HELP =
  'embedded (rules, no model; the default) or ollama (OLLAMA_HOST and OLLAMA_MODEL; grounded and cross-checked)';

/** The parser `--llm` names. Ollama's replies are grounded and cross-checked (parse-message.ts); its failures are errors here. */
function selectParser(command: string, llm: string | undefined, settings: Settings): Parser {
  const name = (llm ?? 'embedded').toLowerCase();
  if (name === 'embedded') return { name: 'embedded', parse: (text) => parseEmbedded(text) };
  if (name === 'ollama') {
    const ollama = { host: settings.ollama.host, model: settings.ollama.model };
    return { name: `ollama:${ollama.model}`, parse: (text) => parseMessage(text, { llm: 'ollama', ollama }) };
  }
  throw new UsageError(`--llm takes embedded or ollama, not "${llm}".`, { hint: `Run \`sextant ${command} --help\`.` });
}

/** The result as a person reads it: one line per intent, then the question or the refusal. */
export function formatParseResult(result: ParseResult): string {
  const lines = result.intents.map((intent, index) => `${index + 1}. ${describeIntent(intent)}`);
  if (lines.length === 0) lines.push('(no request)');
  if (result.clarify) lines.push(`? ${result.clarify}`);
  if (result.unsupported) lines.push(`! ${result.unsupported}`);
  lines.push(`  (parser: ${result.parser})`);
  return `${lines.join('\n')}\n`;
}

const parseHelp = `Usage: sextant parse "TEXT" [--json] [--llm embedded|ollama]
       sextant parse --jsonl [--llm embedded|ollama] < messages.txt

Turns a message into intents (the canonical schema: shared/design/intent-schema.md) and prints
them, one line per intent, with the question to ask back when something needed is missing.
Nothing is resolved, planned or executed.

Options:
  --json       print the ParseResult as JSON
  --jsonl      read one message per line on standard input; write one ParseResult JSON per line
  --llm NAME   which parser: ${LLM_HELP}
  -h, --help   show this help`;

/** `sextant parse`; `stdin` is where --jsonl reads (injectable for tests). */
export function createParseCommand(stdin: () => Readable = () => process.stdin): Command {
  return {
    name: 'parse',
    help: parseHelp,
    async run(argv, { stdout, settings }) {
      const { values, positionals } = parseCommandArgs(
        'parse',
        argv,
        { json: { type: 'boolean' }, jsonl: { type: 'boolean' }, llm: { type: 'string' } },
        true,
      );
      const parser = selectParser('parse', values.llm, settings);
      if (values.jsonl) {
        if (positionals.length > 0) {
          throw new UsageError('--jsonl reads the messages from standard input; give no TEXT with it.');
        }
        const lines = createInterface({ input: stdin(), crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of lines) stdout(`${JSON.stringify(await parser.parse(line))}\n`);
        return 0;
      }
      const text = positionals.join(' ').trim();
      if (!text) {
        throw new UsageError('Give the message to parse.', {
          hint: 'sextant parse "swap half my ETH to USDC", or --jsonl to read messages from standard input.',
        });
      }
      const result = await parser.parse(text);
      stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatParseResult(result));
      return 0;
    },
  };
}

export const parseCommand: Command = createParseCommand();

const percent = (rate: Rate) => `${(rate.accuracy * 100).toFixed(1)}%`;
const fraction = (rate: Rate) => `${rate.matched}/${rate.total}`;

/** The report as a person reads it. */
export function formatEvalReport(report: EvalReport, source: string, misses: number): string {
  const out: string[] = [];
  out.push(`${source}: ${report.records} records, parser ${report.parser}, ${report.elapsedMs.toFixed(0)} ms`);
  out.push(`exact match     ${fraction(report.exact).padStart(9)}  ${percent(report.exact)}`);
  out.push(`intent count    ${fraction(report.intentCount).padStart(9)}  ${percent(report.intentCount)}`);
  out.push(
    `silently wrong  ${fraction(report.silentlyWrong).padStart(9)}  ${percent(report.silentlyWrong)}  (offered wrong with no question: lower is better)`,
  );
  if (report.errors > 0) out.push(`parser errors ${String(report.errors).padStart(9)}`);
  const table = (title: string, rates: Record<string, Rate>) => {
    const width = Math.max(16, ...Object.keys(rates).map((key) => key.length));
    out.push('', title);
    for (const [key, rate] of Object.entries(rates)) {
      out.push(`  ${key.padEnd(width)} ${fraction(rate).padStart(9)}  ${percent(rate)}`);
    }
  };
  table('exact match per action', report.perAction);
  table('matched per field', report.perField);
  const shown = report.misses.slice(0, misses);
  if (report.misses.length > 0) {
    out.push('', `misses (${shown.length} of ${report.misses.length})`);
    for (const miss of shown) {
      const where = miss.file ? `${miss.file}:${miss.line}: ` : miss.line === undefined ? '' : `line ${miss.line}: `;
      out.push(`  ${where}${miss.silent ? '[silently wrong] ' : ''}${miss.prompt}`);
      out.push(`    expected ${JSON.stringify(miss.expected)}`);
      out.push(`    got      ${JSON.stringify(miss.got)}${miss.clarify ? `  ? ${miss.clarify}` : ''}`);
      out.push(`    wrong    ${miss.error ? `parser error: ${miss.error}` : miss.wrong.join(', ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const evalHelp = `Usage: sextant eval FILE.jsonl [FILE.jsonl ...] [--split tune|held] [--llm embedded|ollama] [--json] [--misses N]

Parses every prompt of the files and scores the intents against the expected ones, as the canonical
schema defines it (shared/design/intent-schema.md): a record is exact when the number of intents
matches and, in order, each expected intent's action and every field it lists match. Prints the
exact-match accuracy overall and per action, the accuracy of each field, the silently-wrong rate
(intents offered with no question that differ in action, token, amount or party: the worst
outcome), and the misses. Each file holds one JSON object a line:
{"prompt": "...", "expected": {"intents": [...]}}.

Examples:
  sextant eval ../shared/eval/intents-dev.jsonl
  sextant eval agent-core/eval/corpus/*.jsonl --split held     the corpus part never tuned on

Options:
  --split NAME  score only the records whose "split" is NAME (tune or held; see agent-core/eval/corpus/)
  --llm NAME    which parser: ${LLM_HELP}
  --json        print the report as JSON
  --misses N    how many misses to list (default 10; with --json, all unless given)
  -h, --help    show this help`;

export const evalCommand: Command = {
  name: 'eval',
  help: evalHelp,
  async run(argv, { stdout, settings }) {
    const { values, positionals } = parseCommandArgs(
      'eval',
      argv,
      { llm: { type: 'string' }, json: { type: 'boolean' }, misses: { type: 'string' }, split: { type: 'string' } },
      true,
    );
    if (positionals.length === 0) {
      throw new UsageError('Give at least one eval file.', { hint: 'sextant eval ../shared/eval/intents-dev.jsonl' });
    }
    if (values.split !== undefined && values.split !== 'tune' && values.split !== 'held') {
      throw new UsageError(`--split takes tune or held, not "${values.split}".`);
    }
    let misses: number | undefined;
    if (values.misses !== undefined) {
      misses = Number(values.misses);
      if (!Number.isInteger(misses) || misses < 0) {
        throw new UsageError(`--misses takes a whole number, not "${values.misses}".`);
      }
    }
    const parser = selectParser('eval', values.llm, settings);
    const several = positionals.length > 1;
    const records = positionals
      .flatMap((file) => readEvalRecords(file).map((record) => (several ? { ...record, file } : record)))
      .filter((record) => values.split === undefined || record.split === values.split);
    if (records.length === 0) {
      throw new UsageError(
        `No records${values.split ? ` with "split": "${values.split}"` : ''} in ${positionals.join(', ')}.`,
      );
    }
    const report = await evaluate(records, parser.parse, parser.name);
    const source = `${positionals.join(' + ')}${values.split ? ` (split ${values.split})` : ''}`;
    if (values.json) {
      const shown = misses === undefined ? report : { ...report, misses: report.misses.slice(0, misses) };
      stdout(`${JSON.stringify(shown, null, 2)}\n`);
    } else {
      stdout(formatEvalReport(report, source, misses ?? 10));
    }
    return 0;
  },
};
