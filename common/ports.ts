import { createServer } from 'node:net';
import { SextantError } from './errors.ts';

/** Fails with a clear error when `host:port` is taken, before a child process fails on it less clearly. */
export async function assertPortFree(host: string, port: number, what: string, setting: string): Promise<void> {
  const error = await tryListen(host, port);
  if (error === undefined) return;
  if (error.code === 'EADDRINUSE') {
    throw new PortInUseError(`Port ${port} on ${host} is already in use, so ${what} cannot start there.`, {
      hint: `Stop whatever listens on ${host}:${port} (an earlier devnet left running?), or set ${setting} to a free port.`,
    });
  }
  throw new PortInUseError(`Cannot listen on ${host}:${port} for ${what}: ${error.message}`, {
    hint: `Set ${setting} to a port you may bind.`,
  });
}

/**
 * Where free ports are looked for: below the ephemeral ranges (Linux 32768–60999, macOS and Windows
 * 49152–65535), from which the OS picks the local port of every outgoing connection. A port found
 * free up there could be taken by any HTTP request before the service meant for it binds it (a test
 * run's devnet start failed that way); down here only another listener can take it.
 */
const PORT_RANGE = { first: 20_000, last: 32_767 };
/** Ports this process has handed out: a devnet asks for six before it binds any of them. */
const handedOut = new Set<number>();

/** A port that is free now and was not handed out before in this process (for tests and for a second devnet beside the first). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const span = PORT_RANGE.last - PORT_RANGE.first + 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PORT_RANGE.first + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    // Reserved before the check, so that calls running at the same time never get the same port.
    handedOut.add(port);
    if ((await tryListen(host, port)) === undefined) return port;
  }
  throw new PortInUseError(`Found no free port on ${host} between ${PORT_RANGE.first} and ${PORT_RANGE.last}.`, {
    hint: 'Stop devnets or tests left running, or set the ports yourself.',
  });
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

export class PortInUseError extends SextantError {
  override name = 'PortInUseError';
}
