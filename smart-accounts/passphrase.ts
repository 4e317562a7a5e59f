import { KeystoreError } from './errors.ts';

/**
 * The keystore passphrase: SEXTANT_PASSPHRASE, or typed at a hidden prompt when a person is at the
 * terminal; with neither, an error that says what to set. Never echoed, never logged. The CLI signs
 * with it; the server asks it only to create a key at start, never to sign (a confirmation waiting on
 * the terminal would hang the page): it signs with the keys users unlock (unlocked-keys.ts).
 */
export async function readPassphrase(purpose: string): Promise<string> {
  const fromEnv = process.env.SEXTANT_PASSPHRASE;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new KeystoreError(`A passphrase is needed to ${purpose}, and there is no terminal to ask it in.`, {
      hint: 'Set SEXTANT_PASSPHRASE in the environment (or .env).',
    });
  }
  return readHidden(`Keystore passphrase (to ${purpose}): `);
}

/**
 * A line typed at the terminal after `prompt`, not echoed (a passphrase, a private key, a mnemonic):
 * the terminal in raw mode, so what is typed or pasted never shows and stays out of the scrollback.
 * Only with a terminal; Ctrl-C cancels.
 */
export async function readHidden(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new KeystoreError('There is no terminal to type in.');
  const stdin = process.stdin;
  // Raw (no echo) before the prompt shows: whatever is typed or pasted once it shows is never echoed.
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(prompt);
  let typed = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            return resolve(typed);
          }
          if (char === '\u0003') {
            stdin.off('data', onData);
            return reject(new KeystoreError('Cancelled.'));
          }
          typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
