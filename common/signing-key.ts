import { existsSync, readFileSync } from 'node:fs';
import { type Hex, isHex, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { UsageError } from './command.ts';

/** Reads a signing key from a file or an environment variable; never from the command line itself. */
export function readSigningKey(value: string | undefined): LocalAccount {
  if (!value)
    throw new UsageError('--key is required.', { hint: 'Give a file holding the 0x private key, or env:NAME.' });
  let raw: string | undefined;
  if (value.startsWith('env:')) {
    raw = process.env[value.slice(4)];
    if (!raw) throw new UsageError(`The environment variable ${value.slice(4)} is not set.`);
  } else if (isHex(value) && value.length === 66) {
    throw new UsageError('Refusing a private key on the command line (it would stay in your shell history).', {
      hint: 'Put it in a file (chmod 600) and pass the path, or use --key env:NAME.',
    });
  } else {
    if (!existsSync(value)) throw new UsageError(`There is no key file at ${value}.`);
    raw = readFileSync(value, 'utf8').trim();
  }
  if (!isHex(raw) || raw.length !== 66) {
    throw new UsageError(`The key in ${value} is not a 0x-prefixed 32-byte private key.`);
  }
  return privateKeyToAccount(raw as Hex);
}
