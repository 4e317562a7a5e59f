import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../common/command.ts';
import { loadSettings } from '../../common/settings.ts';
import { startFakeOllama } from '../../common/testing/fake-ollama.ts';
import { createParseCommand, evalCommand } from './command.ts';

function context(): { context: CommandContext; out: () => string } {
  let out = '';
  return {
    context: {
      settings: loadSettings({}),
      network: () => {
        throw new Error('parse needs no network');
      },
      stdout: (text) => {
        out += text;
      },
      stderr: () => {},
    },
    out: () => out,
  };
}

describe('sextant parse', () => {
  it('prints one line per intent, and the question', async () => {
    const { context: ctx, out } = context();
    const code = await createParseCommand().run(
      ['swap half my ETH to USDC and supply it to Aave, then borrow DAI'],
      ctx,
    );
    expect(code).toBe(0);
    expect(out()).toBe(
      '1. swap 50% ETH → USDC\n2. supply USDC via aave\n3. borrow DAI via aave\n? How much DAI do you want to borrow?\n  (parser: embedded)\n',
    );
  });

  it('prints the ParseResult with --json', async () => {
    const { context: ctx, out } = context();
    await createParseCommand().run(['send', '5', 'USDC', 'to', 'alice', '--json'], ctx);
    expect(JSON.parse(out())).toEqual({
      intents: [{ action: 'transfer', amount: '5', token: 'USDC', recipient: 'alice' }],
      parser: 'embedded',
    });
  });

  it('reads one message a line with --jsonl and writes one result a line', async () => {
    const { context: ctx, out } = context();
    const stdin = () => Readable.from(['wrap 1 eth\nhello\n', 'stake 2 ETH on lido\n']);
    await createParseCommand(stdin).run(['--jsonl'], ctx);
    const lines = out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { intents: [{ action: 'wrap', amount: '1', token: 'ETH' }], parser: 'embedded' },
      { intents: [], parser: 'embedded' },
      { intents: [{ action: 'stake', amount: '2', token: 'ETH', protocol: 'lido' }], parser: 'embedded' },
    ]);
  });

  it('parses through Ollama (a loopback server speaking its API) with --llm ollama, grounded', async () => {
    const fake = await startFakeOllama({
      models: ['qwen2.5:7b-instruct'],
      replies: [JSON.stringify({ intents: [{ action: 'wrap', amount: '2', token: 'ETH' }] })],
    });
    try {
      const { context: ctx, out } = context();
      ctx.settings = loadSettings({ OLLAMA_HOST: fake.host });
      expect(await createParseCommand().run(['wrap 2 eth', '--json', '--llm', 'ollama'], ctx)).toBe(0);
      expect(JSON.parse(out())).toMatchObject({
        intents: [{ action: 'wrap', amount: '2' }],
        parser: 'ollama:qwen2.5:7b-instruct',
      });
    } finally {
      await fake.close();
    }
    // Nothing listening: a clear error, not a silent fallback, when Ollama was asked for by name.
    const { context: down } = context();
    down.settings = loadSettings({ OLLAMA_HOST: 'http://127.0.0.1:9' });
    await expect(createParseCommand().run(['wrap 2 eth', '--llm', 'ollama'], down)).rejects.toThrow(/Ollama/);
  });

  it('refuses a missing message and an unknown parser', async () => {
    const { context: ctx } = context();
    const command = createParseCommand();
    await expect(command.run([], ctx)).rejects.toThrow(/Give the message to parse/);
    await expect(command.run(['hi', '--llm', 'gpt'], ctx)).rejects.toThrow(/--llm takes embedded or ollama/);
  });
});

describe('sextant eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-eval-command-'));
  const file = join(dir, 'set.jsonl');
  writeFileSync(
    file,
    [
      {
        prompt: 'swap 1 ETH for USDC',
        expected: { intents: [{ action: 'swap', amount: '1', tokenIn: 'ETH', tokenOut: 'USDC' }] },
      },
      {
        prompt: 'send 5 DAI to bob.eth',
        expected: { intents: [{ action: 'transfer', amount: '5', token: 'DAI', recipient: 'carol.eth' }] },
      },
    ]
      .map((record) => JSON.stringify(record))
      .join('\n'),
  );

  it('prints the accuracy overall, per action and per field, and the misses', async () => {
    const { context: ctx, out } = context();
    expect(await evalCommand.run([file], ctx)).toBe(0);
    expect(out()).toContain('exact match           1/2  50.0%');
    expect(out()).toContain('silently wrong        1/2  50.0%');
    expect(out()).toMatch(/^ {2}transfer +0\/1 {2}0\.0%$/m);
    expect(out()).toMatch(/^ {2}recipient +0\/1 {2}0\.0%$/m);
    expect(out()).toContain('line 2: [silently wrong] send 5 DAI to bob.eth');
    expect(out()).toContain('wrong    recipient');
  });

  it('prints the report as JSON, with as many misses as asked', async () => {
    const { context: ctx, out } = context();
    await evalCommand.run([file, '--json', '--misses', '0'], ctx);
    const report = JSON.parse(out());
    expect(report).toMatchObject({ parser: 'embedded', records: 2, exact: { matched: 1, total: 2 }, misses: [] });
  });

  it('refuses a bad --misses', async () => {
    const { context: ctx } = context();
    await expect(evalCommand.run([file, '--misses', 'many'], ctx)).rejects.toThrow(/--misses takes a whole number/);
  });
});
