import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SEXTANT_BIN = fileURLToPath(new URL('../../bin/sextant.mjs', import.meta.url));

/** Runs `sextant ARGS` as a real child process (from `cwd`, as a person types it there), collecting its output. */
export function runSextant(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string } = {},
): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [SEXTANT_BIN, ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  // 'close', not 'exit': a child's last output can still be in its pipes when it exits, and tests
  // read stdout and stderr as soon as this resolves.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * A long-running `sextant ARGS` (endpoint serve, router serve, …) once it has printed `ready`; `stop`
 * sends SIGTERM and waits for it to exit. Fails with what it printed if it exits or takes too long.
 */
export async function servingSextant(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; ready?: string; timeoutMs?: number } = {},
) {
  const run = runSextant(args, env, options);
  const ready = options.ready ?? 'Press Ctrl-C';
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!run.stdout().includes(ready)) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`sextant ${args.join(' ')} did not start: ${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    stdout: run.stdout,
    stop: async () => {
      run.child.kill('SIGTERM');
      return run.exited;
    },
  };
}

/** The live processes whose parent is `pid`, with their command lines (read from /proc). */
export function childrenOf(pid: number): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in field 2 may hold spaces; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(entry), command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
