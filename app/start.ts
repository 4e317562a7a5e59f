import { detectLlm } from '../agent-core/llm-status.ts';
import type { RunnerEnvironment } from '../agent-core/orders/runner.ts';
import {
  agentKeysFor,
  ordersIntervalSeconds,
  outcomeChanges,
  startOrderRunner,
} from '../agent-core/orders/schedule.ts';
import { chatUiRoutes } from '../chat-ui/routes.ts';
import { isDevnetSlug } from '../common/chains/registry.ts';
import type { Chain } from '../common/chains/types.ts';
import { type Command, parseCommandArgs, parsePort, serveUntilStopped, UsageError } from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { assertPortFree } from '../common/ports.ts';
import type { Settings } from '../common/settings.ts';
import { devnetOptionsFrom, startDevnetWithProgress } from '../devnet/command.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { manifestToChain } from '../devnet/manifest.ts';
import { legLine } from '../smart-accounts/bridge-continuations.ts';
import { executionEnvironment } from '../smart-accounts/environment.ts';
import { createOwnerKey, ownerAddress } from '../smart-accounts/keystore.ts';
import { migrateSmartAccounts } from '../smart-accounts/migrations.ts';
import { readPassphrase } from '../smart-accounts/passphrase.ts';
import { reconcileExecutions, startReconciliation } from '../smart-accounts/reconcile.ts';
import { ensureUser } from '../smart-accounts/users.ts';
import { accessControl, accessToken } from './access.ts';
import type { HealthDependencies } from './health.ts';
import { resolveNetwork } from './network.ts';
import { serverRuntime } from './runtime.ts';
import { createApp, listen } from './server.ts';
import { unlockNotice } from './unlock.ts';

const help = `Usage: sextant start [options]      (npm start runs this)

Starts Sextant: on CHAIN=devnet (the default) the embedded devnet first, then the HTTP server.
Runs until Ctrl-C, and then stops everything it started.

The server answers loopback names only. It prints a sign-in link (the user's access token); agents
get their own token for /mcp with \`sextant token --mcp\`, which can build and read plans but never
confirm them. Every POST/PUT/DELETE must send its body as application/json, and one carrying the
session cookie must come from the page itself (its Origin); each user may make 30 chat and 600 API
requests a minute.

Without SEXTANT_PASSPHRASE, the owner key is created at the first start with a passphrase typed in
the terminal (or the start stops, saying to set it, when there is no terminal), and confirming a plan
asks for the passphrase in the page: the key then stays unlocked in memory until it has gone unused
for SEXTANT_UNLOCK_IDLE_MINUTES (15). On the devnet, \`sextant faucet\` or the page's "Get test funds"
button (POST /v1/faucet) funds the account.

Standing orders (\`sextant orders\`) run inside the server: a pass every ORDERS_INTERVAL_SECONDS
(30 on the devnet, 60 elsewhere; 0 turns it off) makes each live order's swap of the day. It opens
each user's agent key with SEXTANT_PASSPHRASE, so without it no order runs here (the start says
so; \`sextant orders run\` runs them from a terminal).

Options:
  --port N      the server's port (default: PORT); it listens on HOST
  -h, --help    show this help

Everything else comes from the environment or .env (see .env.example).`;

export const startCommand: Command = {
  name: 'start',
  help,
  async run(argv, { settings, stdout, stderr }) {
    const { values } = parseCommandArgs('start', argv, {
      port: { type: 'string' },
    });
    const host = settings.host;
    const port = parsePort(values.port, '--port', settings.port);
    // Before the devnet's few seconds of start-up, not after them.
    await assertPortFree(host, port, 'the Sextant server', 'PORT');

    let devnet: Devnet | undefined;
    let deps: HealthDependencies & { chain: Chain };
    if (isDevnetSlug(settings.chain)) {
      // Before any chain starts: a second chain the settings do not start cannot be the home chain.
      assertSecondChainStarts(settings);
      devnet = await startDevnetWithProgress(devnetOptionsFrom(settings), stderr);
      // The home chain: the devnet's first, or its second with CHAIN=devnet-l2.
      const home = settings.chain === 'devnet' ? devnet.manifest : devnet.l2?.manifest;
      if (!home) {
        await devnet.stop();
        throw new Error('The devnet started without its second chain.');
      }
      deps = {
        chain: manifestToChain(home),
        rpcUrl: home.rpcUrl,
        bundlerUrl: home.bundlerUrl,
        llm: () => detectLlm(settings.ollama),
      };
    } else {
      deps = await realNetwork(settings);
    }

    // Executions a previous run left pending or submitted are settled before anything new starts.
    const db = openDatabase(databasePath(settings.dataDir));
    migrateSmartAccounts(db);
    const network = {
      chain: deps.chain,
      rpcUrl: deps.rpcUrl,
      bundlerUrl: deps.bundlerUrl ?? '',
      paymasterUrl: settings.paymasterUrl,
      isDevnet: isDevnetSlug(settings.chain),
    };
    // With or without a bundler: a transaction an address in EIP-7702 mode sent itself (no bundler)
    // is settled from the chain alone, and so is an operation once its nonce is used.
    const report = await reconcileExecutions(executionEnvironment(db, network));
    if (report.checked > 0) {
      stderr(
        `Reconciled ${report.checked} unfinished execution(s): ${report.settled.map((s) => `${s.id} → ${s.status}`).join(', ') || 'none settled yet'}${report.unreachable ? ' (the bundler or the chain did not answer; they are checked again while the server runs)' : ''}\n`,
      );
    }
    // And while it runs: an operation whose answer was lost, or that a bundler forgot, is settled
    // from the chain within a pass or two, not at the next start.
    const reconciler = startReconciliation(executionEnvironment(db, network), {
      intervalMs: network.isDevnet ? 5_000 : 30_000,
      onReport: (report) => {
        if (report.settled.length === 0) return;
        stderr(`Reconciled: ${report.settled.map((s) => `${s.id} → ${s.status}`).join(', ')}\n`);
      },
      onError: (error) => stderr(`Reconciliation failed: ${(error as Error).message}\n`),
    });

    let server: Awaited<ReturnType<typeof listen>>;
    let url: string;
    let runtime: Awaited<ReturnType<typeof serverRuntime>> | undefined;
    let orders: { stop: () => Promise<void> } | undefined;
    let ordersLine: string;
    try {
      // The user the printed link signs in: their owner key is created on first start.
      ensureUser(db, settings.user);
      let typed: string | undefined;
      if (!ownerAddress(db, settings.user)) {
        const passphrase = await readPassphrase(`create the owner key of user "${settings.user}"`);
        await createOwnerKey(db, settings.user, passphrase);
        if (!process.env.SEXTANT_PASSPHRASE) typed = passphrase;
      }
      runtime = await serverRuntime(db, network, settings);
      // The passphrase just typed also opens the key for the first confirmation (then the idle time applies).
      if (typed) await runtime.keys.unlock(settings.user, typed);
      const access = accessControl(db, settings.dataDir);
      const app = createApp({
        ...deps,
        access,
        skills: runtime.skills,
        agent: runtime.agent,
        keys: runtime.keys,
        page: chatUiRoutes(),
      });
      server = await listen(app, host, port);
      url = `${server.url}/?token=${accessToken(settings.dataDir, settings.user)}`;
      ({ orders, line: ordersLine } = startStandingOrders(
        { ...executionEnvironment(db, network), rewards: runtime.agent.agent.rewards },
        settings,
        stderr,
      ));
    } catch (error) {
      await orders?.stop();
      runtime?.keys.close();
      await reconciler.stop();
      db.close();
      await devnet?.stop();
      throw error;
    }
    const llm = await detectLlm(settings.ollama);
    const keys = unlockNotice(runtime.keys);
    stdout(`Sextant is running on ${deps.chain.name} (chain ${deps.chain.chainId}).
  open     ${url}
  user     ${settings.user} (another user's link: sextant token --user NAME)
  api      ${server.url}/openapi.json (Authorization: Bearer <the token>)
  mcp      ${server.url}/mcp (MCP over streamable HTTP; give agents the MCP token, \`sextant token --mcp\`: it builds plans, never confirms them)
  llm      ${llm.provider === 'ollama' ? `Ollama ${llm.model} at ${llm.host}` : `embedded parser — ${llm.detail}`}
${keys ? `  keys     ${keys}\n` : ''}  orders   ${ordersLine}
${network.isDevnet ? `  funds    test funds: \`sextant faucet\` (another terminal), or the page's "Get test funds" button\n` : ''}${devnet?.l2 ? `  chains   ${devnet.manifest.name} ${devnet.manifest.chainId} at ${devnet.manifest.rpcUrl}; ${devnet.l2.manifest.name} ${devnet.l2.manifest.chainId} at ${devnet.l2.manifest.rpcUrl} (CHAIN=devnet-l2 acts there)\n` : ''}Press Ctrl-C to stop.
`);
    return serveUntilStopped(
      stderr,
      async () => {
        await server.close();
        await orders?.stop();
        runtime?.keys.close();
        await reconciler.stop();
        db.close();
        await devnet?.stop();
      },
      devnet?.crashed,
    );
  },
};

/** With CHAIN=devnet-l2, the devnet must start its second chain: on (DEVNET_L2), and not a chain joined. */
function assertSecondChainStarts(settings: Settings): void {
  if (settings.chain !== 'devnet-l2') return;
  if (!settings.devnet.l2) {
    throw new UsageError('CHAIN=devnet-l2 selects the devnet’s second chain, and DEVNET_L2=0 turns it off.', {
      hint: 'Unset DEVNET_L2 (or set it to 1), or unset CHAIN.',
    });
  }
  if (settings.rpcUrl !== undefined) {
    throw new UsageError(
      'CHAIN=devnet-l2 with RPC_URL: `sextant start` joins a running chain as the devnet’s first chain only, so it has no second chain to act on.',
      {
        hint: 'Unset RPC_URL to start both chains here, or set CHAIN=devnet to join the chain at RPC_URL.',
      },
    );
  }
}

/**
 * The standing orders' runner inside the server, and the banner's line about it. It runs only with
 * SEXTANT_PASSPHRASE: the agent keys must open unattended, and the server never asks its terminal.
 * Passes never overlap; what changes is logged, a failed pass too, and neither stops the server.
 */
function startStandingOrders(
  env: Omit<RunnerEnvironment, 'agentKey'>,
  settings: Settings,
  stderr: (text: string) => void,
  passphrase: string | undefined = process.env.SEXTANT_PASSPHRASE,
): { orders: { stop: () => Promise<void> } | undefined; line: string } {
  const seconds = ordersIntervalSeconds(settings.ordersIntervalSeconds, { isDevnet: isDevnetSlug(settings.chain) });
  if (seconds === 0) return { orders: undefined, line: 'the runner is off (ORDERS_INTERVAL_SECONDS=0)' };
  if (!passphrase) {
    return {
      orders: undefined,
      line: 'standing orders wait: the runner opens agent keys with SEXTANT_PASSPHRASE, which is not set (`sextant orders run` runs them from a terminal)',
    };
  }
  const keys = agentKeysFor(env.db, passphrase);
  const runnerEnv: RunnerEnvironment = { ...env, agentKey: keys.agentKey, ownerKey: keys.ownerKey };
  const changes = outcomeChanges();
  /** Legs and key problems already written to the log: each is said once. */
  const told = new Set<string>();
  const startedAt = Date.now();
  const orders = startOrderRunner(runnerEnv, {
    intervalMs: seconds * 1000,
    onPass: ({ orders: report, legs }) => {
      for (const { orderId, outcome } of changes(report)) stderr(`Standing order ${orderId}: ${outcome}\n`);
      // A leg after a bridge, once it has run or been dropped; a user whose key did not open, once.
      for (const { userId, legs: theirs, problem } of legs ?? []) {
        if (problem && !told.has(`${userId}:${problem}`)) {
          told.add(`${userId}:${problem}`);
          stderr(`Legs after a bridge of ${userId} wait: ${problem}\n`);
        }
        for (const leg of theirs ?? []) {
          // Settled since this server started, not the user's older legs.
          if (leg.status === 'waiting' || told.has(leg.id) || Date.parse(leg.updatedAt) < startedAt) continue;
          told.add(leg.id);
          stderr(`${legLine(userId, leg)}\n`);
        }
      }
    },
    onError: (error) =>
      stderr(`Standing orders' pass failed (the next one tries again): ${(error as Error).message}\n`),
  });
  return { orders, line: `the runner checks them every ${seconds} s (\`sextant orders list\`)` };
}

/** A real network from the registry (through resolveNetwork), checked against the RPC it is reached through. */
async function realNetwork(settings: Settings): Promise<HealthDependencies & { chain: Chain }> {
  const { chain, rpcUrl, bundlerUrl } = resolveNetwork(settings);
  let chainId: number;
  try {
    chainId = Number(await jsonRpc<string>(rpcUrl, 'eth_chainId', [], 5000));
  } catch (error) {
    throw new UsageError(`RPC_URL does not answer: ${(error as Error).message}`, {
      hint: 'Check the URL and your network connection.',
    });
  }
  if (chainId !== chain.chainId) {
    throw new UsageError(`RPC_URL serves chain ${chainId}, but CHAIN=${settings.chain} is chain ${chain.chainId}.`, {
      hint: 'Point RPC_URL at the chain CHAIN names, or change CHAIN.',
    });
  }
  return { chain, rpcUrl, bundlerUrl, llm: () => detectLlm(settings.ollama) };
}
