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

/** A port the OS says is free now (for tests and for a second devnet beside the first). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the OS gave'));
      });
    });
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
