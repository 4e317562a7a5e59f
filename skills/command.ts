import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Address, getAddress, isAddress } from 'viem';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  type Subcommands,
  subcommandHelp,
  UsageError,
} from '../common/command.ts';
import { type Db, databasePath, openDatabase } from '../common/database.ts';
import { readSigningKey } from '../common/signing-key.ts';
import { attestationsFor } from './registry/attestations.ts';
import { type CatalogEntry, loadSkillCatalog, openSkillRegistry, skillPackagesDir } from './registry/catalog.ts';
import { attestRelease, publishPackage } from './registry/publish-package.ts';
import { listLatestReleases, listVersions } from './registry/releases.ts';
import { attestationSigner, releaseSigner } from './registry/typed-data.ts';
import { scaffoldFiles } from './scaffold.ts';
import { type TryAgent, type TryDeps, type TryReply, tryHelp, trySubcommand } from './try-command.ts';

const help = `Usage: sextant skills <subcommand> [options]

The skill registry: developers publish skills, auditors attest them, and a skill runs only if its
current source hashes to a code hash a trusted auditor (SKILL_AUDITORS) attested with a passing
verdict. The built-in skills ship signed by the project's author and auditor keys.

Subcommands:
  new ID --key KEY [--dir DIR]       start a package: index.ts with a working skill, a test that
                                     runs it on the devnet, a README (the guide: docs/skills.md)
  try DIR "MESSAGE" [--json]         plan and simulate MESSAGE with the unpublished package on the
                                     devnet and print the preview; nothing is executed
  list [--json]                      every skill, with its version, author and audit status
  show ID[@VERSION] [--json]         one skill: manifest, contracts it may call, input, attestations
  publish DIR --key KEY              publish the skills a package directory's index.ts exports,
                                     signed by their author's key (EIP-712 over id, version, code hash)
  attest ID@VERSION --key KEY --verdict pass|fail --report URI
                                     sign and record an audit of a published release
  verify [--json]                    re-check every stored signature and every skill's code hash,
                                     load the audited packages; exits 1 if anything is wrong

KEY is a file holding a 0x private key (kept out of shell history; \`sextant keys new\` makes
one), or "env:NAME" for an environment variable holding one. \`skills new\` reads only its address.

Options:
  --json      print JSON
  -h, --help  show this help`;

const STATUS_LABEL: Record<CatalogEntry['status'], string> = {
  audited: 'audited',
  unaudited: 'UNAUDITED',
  tampered: 'TAMPERED',
  'failed-audit': 'FAILED AUDIT',
  'not-published': 'NOT PUBLISHED',
  suspect: 'SUSPECT',
};

function openRegistry(context: CommandContext): { db: Db; packagesDir: string } {
  return {
    db: openDatabase(databasePath(context.settings.dataDir)),
    packagesDir: skillPackagesDir(context.settings.dataDir),
  };
}

async function catalogFor(context: CommandContext, db: Db, packagesDir: string) {
  const trusted = context.settings.skillAuditors;
  return loadSkillCatalog(db, { packagesDir, ...(trusted ? { trustedAuditors: trusted } : {}) });
}

function splitId(text: string | undefined): { id: string; version: string | undefined } {
  if (!text) throw new UsageError('Which skill? Give its ID (e.g. uniswap-v3/swap), optionally @VERSION.');
  const [id = '', version] = text.split('@');
  return { id, version };
}

function listLines(entries: readonly CatalogEntry[]): string {
  const rows = entries.map((entry) => [
    `${entry.manifest.id}@${entry.manifest.version}`,
    entry.manifest.protocol,
    `${entry.manifest.author.slice(0, 10)}…`,
    STATUS_LABEL[entry.status],
    entry.manifest.title,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ')).join('\n');
}

async function list(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('skills', argv, { json: { type: 'boolean' } });
  const { db, packagesDir } = openRegistry(context);
  const catalog = await catalogFor(context, db, packagesDir);
  if (values.json) {
    const skills = catalog.entries.map(({ skill: _skill, ...entry }) => entry);
    context.stdout(`${JSON.stringify({ skills }, null, 2)}\n`);
  } else {
    context.stdout(`${listLines(catalog.entries)}\n`);
    const refused = catalog.entries.filter((entry) => entry.status !== 'audited').length;
    if (refused > 0) context.stdout(`\n${refused} skill(s) may not run; \`sextant skills show ID\` says why.\n`);
  }
  return 0;
}

async function show(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('skills', argv, { json: { type: 'boolean' } }, true);
  const { id, version } = splitId(positionals[0]);
  const { db, packagesDir } = openRegistry(context);
  const catalog = await catalogFor(context, db, packagesDir);
  const entry = catalog.get(id);
  const versions = listVersions(db, id);
  if (!entry && versions.length === 0) {
    throw new UsageError(`There is no skill ${id}.`, { hint: 'See `sextant skills list`.' });
  }
  const release = version ? versions.find((r) => r.version === version) : undefined;
  if (version && !release) {
    throw new UsageError(`${id} has no version ${version}.`, {
      hint: `Versions: ${versions.map((r) => r.version).join(', ')}.`,
    });
  }
  const manifest = release?.manifest ?? entry?.manifest;
  const attestations = release ? attestationsFor(db, id, release.version) : (entry?.attestations ?? []);
  if (values.json) {
    const { skill: _skill, ...rest } = entry ?? ({} as Partial<CatalogEntry>);
    context.stdout(
      `${JSON.stringify({ ...rest, manifest, attestations, versions: versions.map((r) => r.version) }, null, 2)}\n`,
    );
    return 0;
  }
  if (!manifest) return 1;
  const contracts = Object.entries(manifest.contracts).flatMap(([chain, permissions]) =>
    permissions.map(
      (p) =>
        `    ${chain === '*' ? 'every chain' : chain}: ${p.contract}${p.payable ? ' (payable)' : ''} ${p.functions.join(', ') || '(plain ETH transfers)'}`,
    ),
  );
  context.stdout(`${manifest.id}@${manifest.version}  ${manifest.title}
  ${manifest.description}
  protocol   ${manifest.protocol}
  author     ${manifest.author}
  actions    ${manifest.actions.join(', ')}
  chains     ${manifest.chains.join(', ')}
  status     ${entry ? `${STATUS_LABEL[entry.status]}: ${entry.detail}` : 'not loaded'}
  code hash  ${entry?.codeHash ?? release?.codeHash}
  versions   ${versions.map((r) => r.version).join(', ') || '(none published)'}
  may call
${contracts.join('\n') || '    nothing (read-only)'}
  input      ${JSON.stringify(manifest.input.properties ?? {})}
  attestations
${attestations.map((a) => `    ${a.verdict.toUpperCase()} by ${a.auditor} (${a.reportUri}) over ${a.codeHash.slice(0, 10)}…`).join('\n') || '    none'}
`);
  return 0;
}

async function publish(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('skills', argv, { key: { type: 'string' } }, true);
  const dir = positionals[0];
  if (!dir) throw new UsageError('Which package? Give its directory (the one with index.ts).');
  const author = readSigningKey(values.key);
  const { db, packagesDir } = openRegistry(context);
  await openSkillRegistry(db);
  const { releases } = await publishPackage(db, dir, author, packagesDir);
  for (const release of releases) {
    context.stdout(`published ${release.id}@${release.version} by ${release.author}, code hash ${release.codeHash}\n`);
  }
  context.stdout(
    `Not yet runnable: an auditor must attest it (\`sextant skills attest ${releases[0]?.id}@${releases[0]?.version} --key KEY --verdict pass --report URI\`).\n`,
  );
  return 0;
}

async function attest(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'skills',
    argv,
    { key: { type: 'string' }, verdict: { type: 'string' }, report: { type: 'string' } },
    true,
  );
  const { id, version } = splitId(positionals[0]);
  if (values.verdict !== 'pass' && values.verdict !== 'fail') throw new UsageError('--verdict takes pass or fail.');
  if (!values.report) throw new UsageError('--report takes the URI of the audit report.');
  const auditor = readSigningKey(values.key);
  const { db } = openRegistry(context);
  await openSkillRegistry(db);
  const record = await attestRelease(db, auditor, {
    id,
    ...(version ? { version } : {}),
    verdict: values.verdict,
    reportUri: values.report,
  });
  context.stdout(
    `attested ${record.skillId}@${record.version} ${record.verdict.toUpperCase()} by ${record.auditor} over ${record.codeHash}\n`,
  );
  const trusted = context.settings.skillAuditors;
  if (trusted && !trusted.some((a) => a.toLowerCase() === record.auditor.toLowerCase())) {
    context.stdout(`Note: ${record.auditor} is not in SKILL_AUDITORS, so this attestation does not count here.\n`);
  }
  return 0;
}

async function verify(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('skills', argv, { json: { type: 'boolean' } });
  const { db, packagesDir } = openRegistry(context);
  const problems: string[] = [];
  const catalog = await catalogFor(context, db, packagesDir);
  // Every stored signature, checked again from the stored fields.
  for (const latest of listLatestReleases(db)) {
    for (const release of listVersions(db, latest.id)) {
      const signer = await releaseSigner(
        { id: release.id, version: release.version, codeHash: release.codeHash },
        release.authorSignature,
      ).catch(() => undefined);
      if (signer?.toLowerCase() !== release.author.toLowerCase()) {
        problems.push(`${release.id}@${release.version}: the author signature does not verify`);
      }
      for (const attestation of attestationsFor(db, release.id, release.version)) {
        const auditor = await attestationSigner(attestation, attestation.signature).catch(() => undefined);
        if (auditor?.toLowerCase() !== attestation.auditor.toLowerCase()) {
          problems.push(`${release.id}@${release.version}: an attestation's signature does not verify`);
        }
      }
    }
  }
  // A built-in written but never signed is not a fault: it does not run until the maintainers sign it.
  const awaitingSignature: string[] = [];
  for (const entry of catalog.entries) {
    const name = `${entry.manifest.id}@${entry.manifest.version}`;
    if (entry.origin === 'builtin' && entry.status === 'not-published') awaitingSignature.push(name);
    else if (entry.status === 'tampered' || (entry.origin === 'builtin' && entry.status !== 'audited')) {
      problems.push(`${name}: ${entry.detail}`);
    }
  }
  if (values.json) {
    const skills = catalog.entries.map((e) => ({
      id: e.manifest.id,
      version: e.manifest.version,
      status: e.status,
      detail: e.detail,
      loaded: e.skill !== undefined,
    }));
    context.stdout(`${JSON.stringify({ ok: problems.length === 0, problems, awaitingSignature, skills }, null, 2)}\n`);
  } else {
    context.stdout(`${listLines(catalog.entries)}\n\n`);
    context.stdout(
      problems.length === 0
        ? 'All signatures verify; every signed built-in skill is audited and unchanged.\n'
        : `${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    if (awaitingSignature.length > 0) {
      context.stdout(
        `Not yet signed, so not run: ${awaitingSignature.join(', ')} (the maintainers sign new built-ins with \`npm run skills:sign-builtins\`).\n`,
      );
    }
  }
  return problems.length === 0 ? 0 : 1;
}

const newHelp = `Usage: sextant skills new ID --key KEY [--dir DIR]
       sextant skills new ID --author ADDRESS [--dir DIR]

Starts a skill package in DIR (default: ./ID with "/" as "-"; it must not exist or be empty):
  index.ts        a working skill, ID, made with defineSkill; it imports only sextant/skills/sdk,
                  zod and viem (the package rule), so it publishes as it is
  index.test.mjs  a test that runs it on the devnet (\`node --test\`, through \`sextant skills try\`)
  README.md       how to try, test and publish it

The example stakes WETH in the devnet's deposit pool ("stake 0.5 WETH"): change it into your
protocol's action, trying it after each change. The author is KEY's address (only the address is
read) or ADDRESS. The whole path, key to agent: docs/skills.md.

Options:
  --key KEY          the author's key file (or env:NAME); \`sextant keys new --out author.key\`
  --author ADDRESS   the author's address, when the key is elsewhere
  --dir DIR          where to write the package
  -h, --help         show this help`;

async function scaffold(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'skills',
    argv,
    { key: { type: 'string' }, author: { type: 'string' }, dir: { type: 'string' } },
    true,
  );
  const id = positionals[0];
  if (!id || !/^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/.test(id)) {
    throw new UsageError('Give the skill id as protocol/action, in lower case: sextant skills new my-vault/stake');
  }
  let author: Address;
  if (values.author !== undefined) {
    if (!isAddress(values.author, { strict: false })) throw new UsageError('--author takes a 0x address.');
    author = getAddress(values.author);
  } else if (values.key !== undefined) {
    author = readSigningKey(values.key).address;
  } else {
    throw new UsageError('Who is the author? Give --key KEY (only its address is read) or --author ADDRESS.', {
      hint: 'No key yet? `sextant keys new --out author.key` makes one.',
    });
  }
  const dir = resolve(values.dir ?? id.replace('/', '-'));
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(`${dir} already holds files; nothing was written.`, {
      hint: 'Give an empty or new directory with --dir.',
    });
  }
  mkdirSync(dir, { recursive: true });
  const files = scaffoldFiles({ id, author });
  for (const file of files) writeFileSync(join(dir, file.path), file.content, { flag: 'wx' });
  context.stdout(`Started ${id} in ${dir} (author ${author}):
${files.map((file) => `  ${file.path}`).join('\n')}
Next: start the devnet (\`sextant devnet\`), fund your account (\`sextant faucet\`), then
  sextant skills try ${values.dir ?? id.replace('/', '-')} "stake 0.5 WETH"
`);
  return 0;
}

/**
 * \`sextant skills\`. \`try\` plans with the agent, which stands above the registry: app/ hands it in
 * (\`agent\`, loaded only when a try runs).
 */
export function skillsCommand<Deps extends TryDeps, Reply extends TryReply>(options: {
  agent: () => Promise<TryAgent<Deps, Reply>>;
}): Command {
  const subcommands: Subcommands = {
    list,
    show,
    publish,
    attest,
    verify,
    new: { help: newHelp, run: scaffold },
    try: { help: tryHelp, run: trySubcommand(options.agent) },
  };
  return {
    name: 'skills',
    help,
    helpFor: subcommandHelp(subcommands),
    run: dispatchSubcommand('skills', subcommands),
  };
}
