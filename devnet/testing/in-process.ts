/**
 * app/cli.ts, loaded when a test first runs a command. By URL, not by a path vitest.chain-files.ts
 * follows: that would count every command app/cli.ts can load as this file's, and so put a test of a
 * command that needs no chain (`sextant keys`) among the chain files. A test whose commands need the
 * devnet asks for its devnet itself (devnet/testing/test-devnet.ts), and so is a chain file anyway.
 */
const CLI = new URL('../../app/cli.ts', import.meta.url).href;
type Main = (argv: string[]) => Promise<number>;

export type SextantResult = { code: number; stdout: string; stderr: string };

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `sextant ARGS` inside the test's own process: app/cli.ts's `main`, the function bin/sextant.mjs
 * calls, with `env` laid over process.env (as runSextant's child inherits it), from `cwd`, and what it
 * writes to stdout and stderr captured. A child costs 1.5–3 s of loading the runtime through tsx each
 * time; this loads it once per test file. For the tests of what a command does: each command group
 * keeps at least one test through runSextant, so the real binary stays covered.
 *
 * Stdin is no terminal, as in runSextant's child (whatever the test runner's own is), so a command
 * that would prompt says what to set instead. Calls run one at a time, since each one borrows the
 * process's environment, working directory, stdin's isTTY and output streams.
 */
export function sextantInProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string } = {},
): Promise<SextantResult> {
  const run = queue.then(() => runOnce(args, env, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(args: string[], env: NodeJS.ProcessEnv, options: { cwd?: string }): Promise<SextantResult> {
  const { main } = (await import(CLI)) as { main: Main };
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const stdinIsTTY = process.stdin.isTTY;
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, encodingOrDone?: BufferEncoding | (() => void), done?: () => void): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
      if (callback) queueMicrotask(callback);
      return true;
    };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (options.cwd) process.chdir(options.cwd);
  process.stdin.isTTY = false;
  process.stdout.write = capture((text) => {
    stdout += text;
  }) as typeof process.stdout.write;
  process.stderr.write = capture((text) => {
    stderr += text;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.stdin.isTTY = stdinIsTTY;
    process.chdir(savedCwd);
    // The command may have loaded a .env into process.env as well: put back exactly what was there.
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  }
}
