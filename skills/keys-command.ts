import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  type Subcommands,
  UsageError,
} from '../common/command.ts';
import { readSigningKey } from '../common/signing-key.ts';
import { SEXTANT_AUDITOR } from './project-keys.ts';

const help = `Usage: sextant keys <subcommand> [options]

Signing keys for the skill registry: an author signs the releases they publish, an auditor signs
their verdicts. A key is kept in a file (mode 600) and given to publish and attest by its path,
never on the command line.

Subcommands:
  new --out FILE [--role author|auditor] [--json]
                   make a new private key, write it to FILE (mode 600; an existing file is never
                   overwritten) and print its address and how to use it
  address KEY      print the address of a key (a file, or env:NAME)

Options:
  --json      print JSON
  -h, --help  show this help`;

type Role = 'author' | 'auditor';

/** What to do with a new key, by role: where its address goes and which command takes the file. */
function nextSteps(role: Role, path: string, address: string): string {
  if (role === 'author') {
    return `This is an author key. Name its address as the author of your skills (\`author: '${address}'\`
in defineSkill; \`sextant skills new ID --key ${path}\` writes it for you), then publish with:
  sextant skills publish DIR --key ${path}`;
  }
  return `This is an auditor key. Attest a published release with:
  sextant skills attest ID@VERSION --key ${path} --verdict pass|fail --report URI
An attestation counts only where the auditor is trusted: add the address to SKILL_AUDITORS
(comma-separated, in the environment or .env), beside the project's auditor to keep the built-ins:
  SKILL_AUDITORS=${SEXTANT_AUDITOR},${address}`;
}

async function newKey(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('keys', argv, {
    out: { type: 'string' },
    role: { type: 'string', default: 'author' },
    json: { type: 'boolean' },
  });
  if (!values.out) throw new UsageError('--out takes the file to write the key to (e.g. --out author.key).');
  if (values.role !== 'author' && values.role !== 'auditor') throw new UsageError('--role takes author or auditor.');
  const role: Role = values.role;
  const key = generatePrivateKey();
  const path = resolve(values.out);
  try {
    // 'wx': created here or not at all, so an existing key is never replaced; 600 from the first byte.
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`There is already a file at ${path}; it is left as it is.`, {
        hint: 'It may hold a key you need. Give another --out, or move the file away yourself.',
      });
    }
    throw new UsageError(`Cannot write the key to ${path}: ${(error as Error).message}`, {
      hint: 'Give a path in a directory that exists and that you can write to.',
    });
  }
  const { address } = privateKeyToAccount(key);
  if (values.json) {
    context.stdout(`${JSON.stringify({ role, address, file: path }, null, 2)}\n`);
    return 0;
  }
  context.stdout(`New ${role} key: ${address}
  written to ${path} (mode 600: keep it private and out of git; it is never shown again)

${nextSteps(role, values.out, address)}
`);
  return 0;
}

async function address(argv: string[], context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs('keys', argv, {}, true);
  if (!positionals[0]) throw new UsageError('Which key? Give its file (or env:NAME): sextant keys address author.key');
  context.stdout(`${readSigningKey(positionals[0]).address}\n`);
  return 0;
}

const SUBCOMMANDS: Subcommands = { new: newKey, address };

export const keysCommand: Command = {
  name: 'keys',
  help,
  run: dispatchSubcommand('keys', SUBCOMMANDS, 'sextant keys new --out author.key'),
};
