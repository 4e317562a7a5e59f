import { existsSync, readFileSync } from 'node:fs';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  parsePort,
  type Subcommands,
  serveUntilStopped,
  UsageError,
} from '../../common/command.ts';
import { databasePath, openDatabase } from '../../common/database.ts';
import { describeError } from '../../common/errors.ts';
import { publicClientFor } from '../../common/network.ts';
import { readSigningKey } from '../../common/signing-key.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { loadSkillCatalog, skillPackagesDir } from '../registry/catalog.ts';
import { describeEndpoints, type EndpointView } from './catalog-entries.ts';
import { type EndpointAttestation, EndpointAttestationSchema, firstIssue } from './document.ts';
import {
  addEndpoint,
  clearEndpointSuspect,
  fetchEndpointDocument,
  listEndpoints,
  normalizeEndpointUrl,
  removeEndpoint,
} from './endpoints.ts';
import { listenEndpoint, localEndpoint } from './serve.ts';
import { servingNetwork } from './serve-network.ts';
import { signEndpointAttestation } from './typed-data.ts';

const endpointsHelp = `Usage: sextant endpoints <subcommand> [options]

Protocols' agent endpoints, whose skills the planner may choose like local ones (format:
skills/remote/README.md). Each endpoint's manifest must be signed by its author, and each of its
skills runs only if a trusted auditor (SKILL_AUDITORS) attested the manifest hash at the endpoint's
declared build version. What an endpoint builds is held to its declared contracts and to the
intent's own bounds in simulation; a breach refuses the plan and marks the endpoint suspect.

Subcommands:
  add URL [--json]          fetch and verify URL/.well-known/sextant-skills.json, and add it
  list [--json]             every endpoint, its skills and their status; suspect ones say why
  refresh [URL]             fetch the manifest again (every endpoint when no URL is given)
  remove URL                forget an endpoint
  clear-suspect URL         clear the suspect mark, once you have looked into why it was set

URL is https (plain http only on this machine). Restart a running server to pick up changes.

Options:
  --json      print JSON
  -h, --help  show this help`;

const endpointHelp = `Usage: sextant endpoint <subcommand> [options]

Publishing side: serve local skills as a protocol's agent endpoint, and attest one as an auditor.

Subcommands:
  serve --skill ID [--skill ID…] [--port N] [--key FILE] [--attestations FILE] [--build-version V]
        serve audited local skills of one protocol (GET /.well-known/sextant-skills.json and
        POST /build) on HOST (127.0.0.1), port 8790 by default, until Ctrl-C. The manifest is
        signed by --key (a throwaway key when not given). --attestations is a file of attestations
        (a JSON array, or one JSON object a line, as \`endpoint attest\` prints them). The build
        version defaults to the skills' ids, versions and code hash. It builds on CHAIN with
        RPC_URL; on the devnet without a manifest in DATA_DIR, it reads the devnet's contracts from
        the chain at RPC_URL (so a protocol serves from a DATA_DIR of its own).
  attest URL --key FILE --verdict pass|fail --report URI
        fetch the endpoint's manifest, sign an attestation over its manifest hash and build
        version, and print it as one JSON line (append it to the endpoint's attestations file)

KEY is a file holding a 0x private key, or "env:NAME".

Options:
  -h, --help  show this help`;

function database(context: CommandContext) {
  return openDatabase(databasePath(context.settings.dataDir));
}

/** The ids of the local skills (built-in and published, whatever their audit status): no endpoint may take one. */
async function localSkillIds(context: CommandContext): Promise<Set<string>> {
  const catalog = await loadSkillCatalog(database(context), {
    packagesDir: skillPackagesDir(context.settings.dataDir),
    trustedAuditors: context.settings.skillAuditors ?? [SEXTANT_AUDITOR],
  });
  return new Set(catalog.entries.filter((e) => e.origin !== 'remote').map((e) => e.manifest.id));
}

async function views(context: CommandContext): Promise<EndpointView[]> {
  const trustedAuditors = context.settings.skillAuditors ?? [SEXTANT_AUDITOR];
  return describeEndpoints(database(context), { trustedAuditors, takenIds: await localSkillIds(context) });
}

const LABEL: Record<string, string> = {
  audited: 'audited',
  unaudited: 'UNAUDITED',
  'failed-audit': 'FAILED AUDIT',
  tampered: 'TAMPERED',
  suspect: 'SUSPECT',
};

function renderView(view: EndpointView): string {
  const { record } = view;
  const lines = [
    `${record.url}  ${record.protocol}  by ${record.author}`,
    `  build ${record.buildVersion}`,
    `  manifest ${record.manifestHash}, fetched ${record.fetchedAt}`,
  ];
  if (record.suspect) lines.push(`  SUSPECT since ${record.suspect.at}: ${record.suspect.reason}`);
  if (view.problem) lines.push(`  PROBLEM: ${view.problem}`);
  for (const skill of view.skills) {
    const name = `${skill.manifest.id}@${skill.manifest.version}`;
    if (skill.skipped) lines.push(`    ${name}  SKIPPED: ${skill.reason}`);
    else {
      const status = record.suspect ? 'SUSPECT' : (LABEL[skill.status] ?? skill.status);
      lines.push(`    ${name}  ${status}  ${skill.manifest.title}`);
      if (skill.status !== 'audited') lines.push(`      ${skill.detail}`);
    }
  }
  return lines.join('\n');
}

function viewJson(view: EndpointView) {
  const { raw: _raw, ...record } = view.record;
  return {
    ...record,
    suspect: record.suspect ?? null,
    problem: view.problem ?? null,
    skills: view.skills.map((skill) =>
      skill.skipped
        ? { id: skill.manifest.id, version: skill.manifest.version, skipped: skill.reason }
        : {
            id: skill.manifest.id,
            version: skill.manifest.version,
            title: skill.manifest.title,
            status: record.suspect ? 'suspect' : skill.status,
            detail: skill.detail,
            auditors: skill.auditors,
          },
    ),
  };
}

const endpointsSubcommands: Subcommands = {
  async add(argv, context) {
    const { values, positionals } = parseCommandArgs('endpoints', argv, { json: { type: 'boolean' } }, true);
    const url = positionals[0];
    if (!url) throw new UsageError('Which endpoint? Give its URL: sextant endpoints add https://…');
    const { record } = await addEndpoint(database(context), url, { localIds: await localSkillIds(context) });
    const view = (await views(context)).find((v) => v.record.url === record.url);
    if (values.json) context.stdout(`${JSON.stringify(view ? viewJson(view) : null, null, 2)}\n`);
    else context.stdout(`added\n${view ? renderView(view) : record.url}\n`);
    return 0;
  },
  async list(argv, context) {
    const { values } = parseCommandArgs('endpoints', argv, { json: { type: 'boolean' } });
    const all = await views(context);
    if (values.json) context.stdout(`${JSON.stringify({ endpoints: all.map(viewJson) }, null, 2)}\n`);
    else
      context.stdout(
        all.length === 0
          ? 'No endpoints; add one with `sextant endpoints add URL`.\n'
          : `${all.map(renderView).join('\n\n')}\n`,
      );
    return 0;
  },
  async refresh(argv, context) {
    const { positionals } = parseCommandArgs('endpoints', argv, {}, true);
    const db = database(context);
    const urls = positionals.length > 0 ? positionals : listEndpoints(db).map((e) => e.url);
    const localIds = await localSkillIds(context);
    let failed = 0;
    for (const url of urls) {
      try {
        const { record } = await addEndpoint(db, url, { localIds });
        context.stdout(`refreshed ${record.url} (build ${record.buildVersion})\n`);
      } catch (error) {
        failed += 1;
        context.stderr(`${normalizeEndpointUrl(url)}: ${describeError(error)}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  },
  async remove(argv, context) {
    const { positionals } = parseCommandArgs('endpoints', argv, {}, true);
    const url = positionals[0];
    if (!url) throw new UsageError('Which endpoint? Give its URL.');
    if (!removeEndpoint(database(context), url))
      throw new UsageError(`There is no endpoint ${normalizeEndpointUrl(url)}.`);
    context.stdout(`removed ${normalizeEndpointUrl(url)}\n`);
    return 0;
  },
  async 'clear-suspect'(argv, context) {
    const { positionals } = parseCommandArgs('endpoints', argv, {}, true);
    const url = positionals[0];
    if (!url) throw new UsageError('Which endpoint? Give its URL.');
    if (!clearEndpointSuspect(database(context), url))
      throw new UsageError(`There is no endpoint ${normalizeEndpointUrl(url)}.`);
    context.stdout(`cleared the suspect mark of ${normalizeEndpointUrl(url)}\n`);
    return 0;
  },
};

/** Attestations from a file: a JSON array, one JSON object, or one JSON object a line. */
export function readAttestations(path: string): EndpointAttestation[] {
  if (!existsSync(path)) throw new UsageError(`There is no attestations file at ${path}.`);
  const text = readFileSync(path, 'utf8').trim();
  let values: unknown[];
  try {
    const whole = JSON.parse(text) as unknown;
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    try {
      values = text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as unknown);
    } catch {
      throw new UsageError(`${path} is neither JSON nor JSON Lines.`);
    }
  }
  return values.map((value, index) => {
    const parsed = EndpointAttestationSchema.safeParse(value);
    if (!parsed.success) throw new UsageError(`${path}, attestation ${index + 1}: ${firstIssue(parsed.error)}.`);
    return parsed.data;
  });
}

const endpointSubcommands: Subcommands = {
  async serve(argv, context) {
    const { values } = parseCommandArgs('endpoint', argv, {
      skill: { type: 'string', multiple: true },
      port: { type: 'string' },
      key: { type: 'string' },
      attestations: { type: 'string' },
      'build-version': { type: 'string' },
    });
    const port = parsePort(values.port, '--port', 8790);
    const author = values.key ? readSigningKey(values.key) : privateKeyToAccount(generatePrivateKey());
    const attestations = values.attestations ? readAttestations(values.attestations) : [];
    const network = await servingNetwork(context);
    const db = database(context);
    const trusted = context.settings.skillAuditors;
    const catalog = await loadSkillCatalog(db, {
      packagesDir: skillPackagesDir(context.settings.dataDir),
      ...(trusted ? { trustedAuditors: trusted } : {}),
    });
    const endpoint = await localEndpoint({
      catalog,
      skillIds: values.skill ?? [],
      author,
      attestations,
      ...(values['build-version'] ? { buildVersion: values['build-version'] } : {}),
      chain: network.chain,
      client: publicClientFor(network),
    });
    const server = await listenEndpoint(endpoint.app, context.settings.host, port);
    const stale = attestations.filter(
      (a) =>
        a.manifestHash.toLowerCase() !== endpoint.manifestHash.toLowerCase() ||
        a.buildVersion !== endpoint.buildVersion,
    ).length;
    context.stdout(`Serving ${(values.skill ?? []).join(', ')} as an agent endpoint on ${network.chain.name}.
  endpoint       ${server.url}
  manifest       ${server.url}/.well-known/sextant-skills.json
  manifest hash  ${endpoint.manifestHash}
  build version  ${endpoint.buildVersion}
  author         ${author.address}${values.key ? '' : ' (a throwaway key: pass --key to sign as yourself)'}
  attestations   ${attestations.length}${stale > 0 ? ` (${stale} over another manifest hash or build version: they will not count)` : ''}
Press Ctrl-C to stop.
`);
    return serveUntilStopped(context.stderr, () => server.close());
  },
  async attest(argv, context) {
    const { values, positionals } = parseCommandArgs(
      'endpoint',
      argv,
      { key: { type: 'string' }, verdict: { type: 'string' }, report: { type: 'string' } },
      true,
    );
    const url = positionals[0];
    if (!url) throw new UsageError('Which endpoint? Give its URL.');
    if (values.verdict !== 'pass' && values.verdict !== 'fail') throw new UsageError('--verdict takes pass or fail.');
    if (!values.report) throw new UsageError('--report takes the URI of the audit report.');
    const auditor = readSigningKey(values.key);
    const { verified } = await fetchEndpointDocument(normalizeEndpointUrl(url));
    const message = {
      manifestHash: verified.manifestHash,
      buildVersion: verified.document.buildVersion,
      verdict: values.verdict,
      reportUri: values.report,
    } as const;
    const signature = await signEndpointAttestation(auditor, message);
    context.stderr(
      `attested ${verified.document.protocol}'s manifest ${message.manifestHash} at build "${message.buildVersion}" ${values.verdict.toUpperCase()} as ${auditor.address}\n`,
    );
    context.stdout(`${JSON.stringify({ ...message, signature })}\n`);
    return 0;
  },
};

export const endpointsCommand: Command = {
  name: 'endpoints',
  help: endpointsHelp,
  run: dispatchSubcommand('endpoints', endpointsSubcommands),
};

export const endpointCommand: Command = {
  name: 'endpoint',
  help: endpointHelp,
  run: dispatchSubcommand('endpoint', endpointSubcommands),
};
