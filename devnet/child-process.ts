import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildProcessError } from './errors.ts';

/**
 * A child process the devnet owns (anvil, Alto). It ends when the parent ends, however the parent
 * ends: `stop()` on a normal shutdown, the parent's `exit` handler on a crash or `process.exit`, and
 * the reaper (reaper.mjs) when the parent is killed outright.
 */
export type SupervisedProcess = {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has ended, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has ended. */
  hasExited(): boolean;
  /** The last lines it printed (stdout and stderr), for error messages. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has ended. */
  stop(graceMs?: number): Promise<void>;
};

const OUTPUT_LINES_KEPT = 40;
const running = new Set<ChildProcess>();
let reaper: ChildProcess | undefined;
let exitHandlerInstalled = false;

export async function spawnSupervised(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; echo?: (line: string) => void } = {},
): Promise<SupervisedProcess> {
  installExitHandler();
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // spawn reports a missing or unexecutable binary asynchronously, as an 'error' event.
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'not executable' : error.message;
      reject(
        new ChildProcessError(`Could not start ${name}: ${command} is ${why}.`, {
          hint: 'Run `npm ci` to reinstall it; check that the file exists and is executable.',
          cause: error,
        }),
      );
    });
  });
  if (child.pid === undefined) throw new ChildProcessError(`Could not start ${name} (${command}): no process id.`);
  const pid = child.pid;
  running.add(child);
  tellReaper(`+${pid}`);

  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > OUTPUT_LINES_KEPT) tail.shift();
      options.echo?.(line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      running.delete(child);
      tellReaper(`-${pid}`);
      resolve({ code, signal });
    };
    child.once('exit', done);
    child.once('error', (error) => {
      tail.push(String(error));
      done(null, null);
    });
  });

  return {
    name,
    pid,
    exited,
    hasExited: () => ended,
    outputTail: () => tail.join('\n'),
    async stop(graceMs = 5000) {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `probe` until it returns a value, failing early with the child's output if the child dies,
 * and with a clear error after `timeoutMs`.
 */
export async function waitUntilReady<T>(
  child: SupervisedProcess,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string; hint: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    if (child.hasExited()) {
      const { code, signal } = await child.exited;
      throw new ChildProcessError(
        `${child.name} exited (${signal ?? `code ${code}`}) before ${options.what}.\n${indent(child.outputTail())}`,
        { hint: options.hint },
      );
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      await child.stop(1000);
      const reason = lastError instanceof Error ? ` Last error: ${lastError.message}.` : '';
      throw new ChildProcessError(
        `${child.name} did not become ready (${options.what}) within ${options.timeoutMs / 1000} s.${reason}\n${indent(child.outputTail())}`,
        { hint: options.hint },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function indent(text: string): string {
  return text
    ? text
        .split('\n')
        .map((line) => `    | ${line}`)
        .join('\n')
    : '    (it printed nothing)';
}

function tellReaper(line: string): void {
  reaper?.stdin?.write(`${line}\n`);
}

function startReaper(): void {
  if (reaper === undefined) {
    reaper = spawn(process.execPath, [fileURLToPath(new URL('./reaper.mjs', import.meta.url))], {
      // Its own process group, so a Ctrl-C aimed at our group does not take it down before it reaps.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    reaper.unref();
    // A reaper that failed to start or died must not crash the parent; the exit handler still runs.
    reaper.on('error', () => {
      reaper = undefined;
    });
    reaper.stdin?.on('error', () => {});
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // The reaper must be running before the first child exists, or a SIGKILL in between orphans it.
  startReaper();
  // Runs on process.exit() and on an uncaught exception; only synchronous work is possible here.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}
