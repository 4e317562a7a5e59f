import { existsSync } from 'node:fs';
import { type Address, formatEther, getAddress, isAddress, parseEther } from 'viem';
import {
  type Command,
  type CommandContext,
  dispatchSubcommand,
  parseCommandArgs,
  parsePort,
  serveUntilStopped,
  subcommandHelp,
  UsageError,
} from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { describeError, SextantError } from '../common/errors.ts';
import { readSigningKey } from '../common/signing-key.ts';
import { type ComputeSettlements, type EarningsJson, earningsJson, providerEarnings } from './earnings.ts';
import { migrateRouter } from './migrations.ts';
import { type Backend, ollamaBackend, openAiBackend } from './provider/backend.ts';
import { DEFAULT_PROVIDER_PORT, startProviderNode } from './provider/serve.ts';
import { DEFAULT_QUARANTINE, describeQuarantine, isQuarantined, listQuarantines } from './quarantine.ts';
import { computeContributions, listReceipts, receiptCounts } from './receipts.ts';
import { listProviders } from './registry.ts';
import { DEFAULT_LIMITS } from './router.ts';
import { startRouter } from './server.ts';

export const DEFAULT_ROUTER_PORT = 11435;

const earningsHelp = `Usage: sextant provider earnings (--key KEY | --address ADDR) [--router URL] [--json]

What a provider earned: the tokens of its usage receipts a router accepted, per epoch the emissions
have settled (with what the compute bucket, 24% of each epoch's emission, paid it) and since the last
settled epoch, with its share of the compute bucket (its accepted tokens over every provider's).

It reads the router's receipts: from this machine's database (DATA_DIR/sextant.db, where
\`sextant router serve\` records them) unless --router is given, then from that router's
GET /router/earnings (a router on another machine answers only if it listens beyond loopback, --host).

Options:
  --key KEY         the provider's signing key (a file holding a 0x private key, or env:NAME): its address
  --address ADDR    or the provider's address
  --router URL      read from a running router instead of this machine's database
  --json            print JSON (amounts in wei, as decimal strings)
  -h, --help        show this help`;

const providerHelp = `Usage: sextant provider serve --key KEY --price N [options]
       sextant provider earnings (--key KEY | --address ADDR) [--router URL] [--json]

Serves your Ollama (or any OpenAI-compatible server) to Sextant routers, for a price. The node
speaks Ollama's API, refuses requests beyond --concurrency with 429, and signs a usage receipt
(EIP-712) per reply; the receipts routers accept are your compute contributions.

Options:
  --key KEY                  the provider's signing key: a file holding a 0x private key, or env:NAME
  --price N                  price per 1M tokens (prompt + completion) in whole payment tokens
                             (18 decimals), e.g. 0.5
  --stake N                  declared stake, same unit (default 0; not yet checked on-chain)
  --router URL               a router to register with on start (deregistered on Ctrl-C)
  --backend URL              the backend (default: OLLAMA_HOST, http://127.0.0.1:11434)
  --backend-api API          ollama (default) or openai
  --backend-key env:NAME     an API key for an OpenAI-compatible backend, from the environment
  --models A,B               the models to offer (default: every model the backend has)
  --concurrency N            requests served at once (default 4)
  --host HOST                where to listen (default 127.0.0.1; 0.0.0.0 to serve other machines)
  --port N                   (default ${DEFAULT_PROVIDER_PORT})
  --public-url URL           the URL routers reach this node at (default http://HOST:PORT)
  -h, --help                 show this help

\`sextant provider earnings --help\`: your accepted tokens and compute rewards per epoch.`;

const routerHelp = `Usage: sextant router <subcommand> [options]

The inference router: serves Ollama's API (/api/chat, /api/generate, /api/tags) and the
OpenAI-compatible one (/v1/chat/completions, /v1/models) on 127.0.0.1, and sends each request to
your own Ollama or, when configured, to registered compute providers, chosen by price and measured
performance, with failover and checked usage receipts. Point OLLAMA_HOST (or an OpenAI client's
base URL, plus /v1) at it.

Subcommands:
  serve [options]                    run the router until Ctrl-C; it prints a "route …" line per
                                     request and a "quarantine …" line when one starts or ends
      --port N                       (default ${DEFAULT_ROUTER_PORT})
      --host HOST                    (default 127.0.0.1; another address lets other machines in)
      --local URL                    your own Ollama (default: OLLAMA_HOST)
      --no-local                     use registered providers only
      --prefer-remote                rank your Ollama by score like any provider, not first
      --allow ADDR,ADDR              only these provider addresses may register
      --consumer ADDR                the address receipts are made out to (default: zero address)
      --first-token-timeout MS       per hop (default ${DEFAULT_LIMITS.firstTokenMs})
      --idle-timeout MS              per hop, between chunks (default ${DEFAULT_LIMITS.idleMs})
      --quarantine-after N           rejected receipts in a row that quarantine a provider
                                     (default ${DEFAULT_QUARANTINE.after}; it is not routed to until the period ends)
      --quarantine-for MS            how long a quarantine lasts (default ${DEFAULT_QUARANTINE.forMs})
  providers [--all] [--json]         the registered providers, their receipts and quarantines
                                     (--all: withdrawn ones too)
  receipts [--provider ADDR] [--rejected] [--limit N] [--json]
                                     the usage receipts, newest first, and the accepted totals

Options:
  -h, --help  show this help`;

function openRouterDb(context: CommandContext) {
  const db = openDatabase(databasePath(context.settings.dataDir));
  migrateRouter(db);
  return db;
}

function parseAmount(value: string | undefined, flag: string): bigint {
  if (value === undefined) throw new UsageError(`${flag} is required.`, { hint: 'e.g. --price 0.5 (tokens per 1M).' });
  if (!/^\d+(\.\d{1,18})?$/.test(value))
    throw new UsageError(`${flag} takes a decimal amount such as 0.5, not "${value}".`);
  return parseEther(value);
}

function parseCount(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`${flag} takes a positive whole number, not "${value}".`);
  return count;
}

function parseUrl(value: string, flag: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return value.replace(/\/+$/, '');
  } catch {
    throw new UsageError(`${flag} takes an http(s) URL, not "${value}".`);
  }
}

function parseAddresses(value: string | undefined, flag: string): Address[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((entry) => {
    const address = entry.trim();
    if (!isAddress(address))
      throw new UsageError(`${flag} takes comma-separated 0x addresses; "${address}" is not one.`);
    return getAddress(address);
  });
}

async function providerServe(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('provider', argv, {
    key: { type: 'string' },
    price: { type: 'string' },
    stake: { type: 'string' },
    router: { type: 'string' },
    backend: { type: 'string' },
    'backend-api': { type: 'string' },
    'backend-key': { type: 'string' },
    models: { type: 'string' },
    concurrency: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'public-url': { type: 'string' },
  });
  const account = readSigningKey(values.key);
  const pricePerMTokens = parseAmount(values.price, '--price');
  const stake = values.stake === undefined ? 0n : parseAmount(values.stake, '--stake');
  const api = values['backend-api'] ?? 'ollama';
  if (api !== 'ollama' && api !== 'openai') throw new UsageError('--backend-api takes ollama or openai.');
  const backendUrl = parseUrl(values.backend ?? context.settings.ollama.host, '--backend');
  let apiKey: string | undefined;
  if (values['backend-key'] !== undefined) {
    if (!values['backend-key'].startsWith('env:')) {
      throw new UsageError('--backend-key takes env:NAME (an environment variable), never the key itself.');
    }
    apiKey = process.env[values['backend-key'].slice(4)];
    if (!apiKey) throw new UsageError(`The environment variable ${values['backend-key'].slice(4)} is not set.`);
  }
  const backend: Backend =
    api === 'ollama' ? ollamaBackend(backendUrl) : openAiBackend(backendUrl, apiKey ? { apiKey } : {});
  const host = values.host ?? '127.0.0.1';
  const node = await startProviderNode({
    account,
    backend,
    models: values.models
      ?.split(',')
      .map((model) => model.trim())
      .filter(Boolean),
    pricePerMTokens,
    stake,
    concurrency: parseCount(values.concurrency, '--concurrency', 4),
    host,
    port: parsePort(values.port, '--port', DEFAULT_PROVIDER_PORT),
    publicUrl: values['public-url'] === undefined ? undefined : parseUrl(values['public-url'], '--public-url'),
    router: values.router === undefined ? undefined : parseUrl(values.router, '--router'),
  });
  context.stdout(`Provider node ${account.address} is serving.
  listening   ${node.url}${host === '127.0.0.1' || host === 'localhost' ? ' (this machine only; --host 0.0.0.0 to serve others)' : ''}
  backend     ${backend.kind} at ${backend.url}
  models      ${node.models.join(', ')}
  price       ${formatEther(pricePerMTokens)} per 1M tokens
  router      ${values.router ? `registered with ${values.router} as ${node.endpoint}` : 'none (--router URL to register)'}
Press Ctrl-C to stop${values.router ? ' (it deregisters first)' : ''}.
`);
  return serveUntilStopped(context.stderr, async () => {
    try {
      await node.close();
    } catch (error) {
      context.stderr(`Could not deregister: ${describeError(error)}\n`);
    }
  });
}

/** `router serve`, answering GET /router/earnings with the settled epochs `settlements` reads. */
const routerServe =
  (settlements: ComputeSettlements | undefined) =>
  async (argv: string[], context: CommandContext): Promise<number> => {
    const { values } = parseCommandArgs('router', argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      local: { type: 'string' },
      'no-local': { type: 'boolean' },
      'prefer-remote': { type: 'boolean' },
      allow: { type: 'string' },
      consumer: { type: 'string' },
      'first-token-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'quarantine-after': { type: 'string' },
      'quarantine-for': { type: 'string' },
    });
    if (values['no-local'] && values.local) throw new UsageError('--local and --no-local contradict each other.');
    const host = values.host ?? '127.0.0.1';
    const port = parsePort(values.port, '--port', DEFAULT_ROUTER_PORT);
    const local = values['no-local'] ? undefined : parseUrl(values.local ?? context.settings.ollama.host, '--local');
    if (local) {
      const target = new URL(local);
      const self = ['127.0.0.1', 'localhost', '[::1]', host];
      if (self.includes(target.hostname) && Number(target.port || 80) === port) {
        throw new UsageError(`The local Ollama (${local}) is this router's own address.`, {
          hint: 'OLLAMA_HOST points at the router? Give the real Ollama with --local URL.',
        });
      }
    }
    let consumer: Address | undefined;
    if (values.consumer !== undefined) {
      if (!isAddress(values.consumer)) throw new UsageError('--consumer takes a 0x address.');
      consumer = getAddress(values.consumer);
    }
    const db = openDatabase(databasePath(context.settings.dataDir));
    const running = await startRouter({
      db,
      ...(settlements ? { computeSettlements: settlements } : {}),
      host,
      port,
      local,
      preferLocal: !values['prefer-remote'],
      allowlist: parseAddresses(values.allow, '--allow'),
      ...(consumer ? { consumer } : {}),
      limits: {
        firstTokenMs: parseCount(values['first-token-timeout'], '--first-token-timeout', DEFAULT_LIMITS.firstTokenMs),
        idleMs: parseCount(values['idle-timeout'], '--idle-timeout', DEFAULT_LIMITS.idleMs),
      },
      quarantine: {
        after: parseCount(values['quarantine-after'], '--quarantine-after', DEFAULT_QUARANTINE.after),
        forMs: parseCount(values['quarantine-for'], '--quarantine-for', DEFAULT_QUARANTINE.forMs),
      },
      log: (line) => context.stdout(`${line}\n`),
    }).catch((error: unknown) => {
      db.close();
      throw error;
    });
    const { router } = running;
    const localState = router.health.state('local');
    context.stdout(`The Sextant router is running.
  ollama api  ${running.url}        (OLLAMA_HOST=${running.url})
  openai api  ${running.url}/v1
  local       ${local ? `${local} — ${localState.up ? `up, ${localState.models?.length ?? 0} model(s)` : `down: ${localState.error}`}${router.preferLocal ? ', preferred' : ''}` : 'none'}
  providers   ${router.registeredProviders().length} registered${values.allow ? ` (allowlist of ${values.allow.split(',').length})` : ''}; GET ${running.url}/router/providers
  quarantine  after ${router.quarantines.settings.after} rejected receipts in a row, for ${router.quarantines.settings.forMs} ms
  log         one "route …" line per request below
${host === '127.0.0.1' || host === 'localhost' ? '' : `  note        listening on ${host}: anyone who reaches it can spend through your providers.\n`}Press Ctrl-C to stop.
`);
    return serveUntilStopped(context.stderr, async () => {
      await running.close();
      db.close();
    });
  };

async function routerProviders(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('router', argv, { all: { type: 'boolean' }, json: { type: 'boolean' } });
  const db = openRouterDb(context);
  try {
    const providers = listProviders(db, { includeDeregistered: values.all === true });
    const counts = receiptCounts(db);
    const now = Date.now();
    const quarantines = new Map(
      listQuarantines(db)
        .filter((record) => isQuarantined(record, now))
        .map((record) => [record.provider.toLowerCase(), record]),
    );
    if (values.json) {
      const rows = providers.map((p) => {
        const quarantine = quarantines.get(p.address.toLowerCase());
        return {
          ...p,
          pricePerMTokens: p.pricePerMTokens.toString(),
          stake: p.stake.toString(),
          deregisteredAt: p.deregisteredAt ?? null,
          receipts: counts.get(p.address.toLowerCase()) ?? { accepted: 0, rejected: 0 },
          quarantine: quarantine ? { ...quarantine, description: describeQuarantine(quarantine) } : null,
        };
      });
      context.stdout(`${JSON.stringify({ providers: rows }, null, 2)}\n`);
      return 0;
    }
    if (providers.length === 0) {
      context.stdout('No provider is registered. A provider registers with `sextant provider serve --router URL`.\n');
      return 0;
    }
    for (const p of providers) {
      const receipts = counts.get(p.address.toLowerCase()) ?? { accepted: 0, rejected: 0 };
      const quarantine = quarantines.get(p.address.toLowerCase());
      context.stdout(
        `${p.address}  ${p.endpoint}${quarantine ? '  QUARANTINED' : ''}\n  models ${p.models.join(', ')}\n  price ${formatEther(p.pricePerMTokens)} per 1M tokens, stake ${formatEther(p.stake)}\n  receipts ${receipts.accepted} accepted, ${receipts.rejected} rejected\n  registered ${new Date(p.registeredAt).toISOString()}${p.deregisteredAt ? `, withdrawn ${new Date(p.deregisteredAt).toISOString()}` : ''}\n${quarantine ? `  ${describeQuarantine(quarantine)}\n` : ''}`,
      );
    }
    return 0;
  } finally {
    db.close();
  }
}

async function routerReceipts(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('router', argv, {
    provider: { type: 'string' },
    rejected: { type: 'boolean' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.provider !== undefined && !isAddress(values.provider))
    throw new UsageError('--provider takes a 0x address.');
  const db = openRouterDb(context);
  try {
    const receipts = listReceipts(db, {
      provider: values.provider === undefined ? undefined : getAddress(values.provider),
      accepted: values.rejected ? false : undefined,
      limit: parseCount(values.limit, '--limit', 20),
    });
    const contributions = computeContributions(db).filter(
      (c) => values.provider === undefined || c.provider.toLowerCase() === values.provider.toLowerCase(),
    );
    if (values.json) {
      const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
      context.stdout(`${JSON.stringify({ receipts, contributions }, bigints, 2)}\n`);
      return 0;
    }
    if (receipts.length === 0) context.stdout('No receipts yet.\n');
    for (const r of receipts) {
      context.stdout(
        `${r.recordedAt}  ${r.accepted ? 'ACCEPTED' : 'REJECTED'}  ${r.provider.slice(0, 10)}…  ${r.model}  ${r.promptTokens}+${r.completionTokens} tokens (counted ${r.measured.completionTokens}), ${r.durationMs} ms${r.reason ? `\n    ${r.reason}` : ''}\n`,
      );
    }
    if (contributions.length > 0) {
      context.stdout('\nAccepted (compute contributions):\n');
      for (const c of contributions) {
        context.stdout(
          `  ${c.provider}  ${c.requests} request(s), ${c.promptTokens + c.completionTokens} tokens, ${formatEther(c.value)} owed at their prices\n`,
        );
      }
    }
    return 0;
  } finally {
    db.close();
  }
}

/** `provider earnings`, with the settled epochs `settlements` reads from the local database. */
const providerEarningsCommand =
  (settlements: ComputeSettlements | undefined) =>
  async (argv: string[], context: CommandContext): Promise<number> => {
    const { values } = parseCommandArgs('provider', argv, {
      key: { type: 'string' },
      address: { type: 'string' },
      router: { type: 'string' },
      json: { type: 'boolean' },
    });
    if ((values.key === undefined) === (values.address === undefined)) {
      throw new UsageError('Give the provider as --key KEY or --address ADDR (one of the two).', {
        hint: 'e.g. sextant provider earnings --key provider.key',
      });
    }
    let provider: Address;
    if (values.address !== undefined) {
      if (!isAddress(values.address)) throw new UsageError(`--address takes a 0x address, not "${values.address}".`);
      provider = getAddress(values.address);
    } else {
      provider = readSigningKey(values.key).address;
    }
    let report: EarningsJson | undefined;
    let source: string;
    if (values.router !== undefined) {
      const router = parseUrl(values.router, '--router');
      source = `the router at ${router} (GET /router/earnings)`;
      report = await fetchEarnings(router, provider);
    } else {
      const path = databasePath(context.settings.dataDir);
      source = `the router database ${path}`;
      if (existsSync(path)) {
        const db = openRouterDb(context);
        try {
          report = earningsJson(providerEarnings(db, provider, settlements));
        } finally {
          db.close();
        }
      }
    }
    if (values.json) {
      context.stdout(`${JSON.stringify({ source, report: report ?? null }, null, 2)}\n`);
      return 0;
    }
    context.stdout(renderEarnings(provider, source, report));
    return 0;
  };

async function fetchEarnings(router: string, provider: Address): Promise<EarningsJson> {
  let response: Response;
  try {
    response = await fetch(`${router}/router/earnings?provider=${provider}`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new SextantError(`The router at ${router} does not answer: ${describeError(error)}.`, {
      code: 'router-unreachable',
      hint: 'Is `sextant router serve` running there, and listening where this machine can reach it (--host)?',
    });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new SextantError(
      `The router at ${router} answered ${response.status}: ${body.error ?? response.statusText}.`,
      {
        code: 'router-refused',
        hint:
          response.status === 403
            ? 'A router on loopback answers only this machine: run the command there, or have it listen with --host.'
            : undefined,
      },
    );
  }
  return (await response.json()) as EarningsJson;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

function renderEarnings(provider: Address, source: string, report: EarningsJson | undefined): string {
  const lines = [`Earnings of provider ${provider}`, `  read from ${source}`, ''];
  const nothing =
    !report || (report.settled.length === 0 && report.unsettled.requests === 0 && report.rejectedReceipts === 0);
  if (nothing) {
    lines.push(
      report ? 'No receipts of this provider there yet.' : 'There is no router database there yet.',
      'Receipts are recorded by the router your node serves (`sextant provider serve --router URL`), one',
      'per reply it accepts. Run this command where that router runs, or pass --router URL; then serve',
      'some requests. Settled epochs appear once `sextant emissions settle` has settled them.',
    );
    return `${lines.join('\n')}\n`;
  }
  if (report.settled.length > 0) {
    lines.push("Settled epochs (the compute bucket, 24% of each epoch's emission, split by accepted tokens):");
    for (const e of report.settled) {
      lines.push(
        `  epoch ${e.epoch}  ${e.from} → ${e.until}  ${e.tokens} tokens in ${e.requests} request(s), ${percent(e.share)} of ${e.allTokens}; paid ${formatEther(BigInt(e.payout))}${e.bucket ? ` of the bucket's ${formatEther(BigInt(e.bucket.paid))}` : ''}`,
      );
    }
    lines.push('');
  } else if (!report.emissionsSettled) {
    lines.push('No epoch has been settled in this database yet (`sextant emissions settle`).', '');
  }
  const u = report.unsettled;
  lines.push(
    u.from
      ? `Not settled yet (since ${u.from}, the end of the last settled epoch):`
      : 'Not settled yet (all receipts so far):',
    `  ${u.tokens} accepted tokens (${u.promptTokens} prompt + ${u.completionTokens} completion) in ${u.requests} request(s)`,
    `  ${percent(u.share)} of the ${u.allTokens} tokens every provider served: your share of the compute bucket`,
    '  The compute bucket pays them when `sextant emissions settle` settles the epochs they fall in.',
  );
  if (report.rejectedReceipts > 0) {
    lines.push(
      '',
      `Rejected receipts: ${report.rejectedReceipts} (they earn nothing; \`sextant router receipts --provider ${provider} --rejected\` says why).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `sextant provider`. `settlements` reads the emissions module's settled epochs (the composition
 * root, app/cli.ts, gives it: this module stands below emissions); without it, earnings shows every
 * receipt as not yet settled.
 */
export function providerCommand(settlements?: ComputeSettlements): Command {
  const subcommands = {
    serve: providerServe,
    earnings: { help: earningsHelp, run: providerEarningsCommand(settlements) },
  };
  return {
    name: 'provider',
    help: providerHelp,
    helpFor: subcommandHelp(subcommands),
    run: dispatchSubcommand('provider', subcommands),
  };
}

/** `sextant router`; `settlements` as for providerCommand, for GET /router/earnings. */
export function routerCommand(settlements?: ComputeSettlements): Command {
  return {
    name: 'router',
    help: routerHelp,
    run: dispatchSubcommand('router', {
      serve: routerServe(settlements),
      providers: routerProviders,
      receipts: routerReceipts,
    }),
  };
}
