import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What `sextant token --json` prints: the user, their token, and the server's sign-in link or /mcp URL. */
export type SextantToken = { user: string; token: string; url: string };

const SEXTANT_BIN = fileURLToPath(new URL('../bin/sextant.mjs', import.meta.url));

/**
 * A user's token, as `sextant token --json` prints it (with `mcp`, `sextant token --mcp --json`: the
 * token for agents). The CLI reads the same settings as the server (DATA_DIR, SEXTANT_USER, HOST, PORT),
 * from `env` and `.env`; it creates the user, and their owner key, on first use (that needs
 * SEXTANT_PASSPHRASE, or a terminal to ask in).
 */
export function sextantToken(options: { mcp?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<SextantToken> {
  const args = [SEXTANT_BIN, 'token', '--json', ...(options.mcp ? ['--mcp'] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: options.env ?? process.env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sextant token failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout) as SextantToken);
    });
  });
}
