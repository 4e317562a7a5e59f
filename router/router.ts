import { type Address, type Hex, zeroAddress } from 'viem';
import type { Db } from '../common/database.ts';
import type { ComputeSettlements } from './earnings.ts';
import { HealthMonitor } from './health.ts';
import type { HopLimits } from './hop.ts';
import { migrateRouter } from './migrations.ts';
import { DEFAULT_QUARANTINE, type QuarantineRecord, type QuarantineSettings, Quarantines } from './quarantine.ts';
import { deregisterProvider, listProviders, type ProviderRecord, registerProvider } from './registry.ts';
import type { RouterLog } from './route-log.ts';
import { DEFAULT_WEIGHTS, orderCandidates, type Scored, type ScoreInput, type ScoreWeights } from './score.ts';
import { RollingStats, type StatsOptions } from './stats.ts';
import { DEFAULT_TOKEN_TOLERANCE, type TokenTolerance } from './tokens.ts';
import type { ProviderDeregistration, ProviderRegistration } from './typed-data.ts';
import { sameModel } from './wire/ollama.ts';

/**
 * The consumer-side router's state: its upstreams (the user's own Ollama and the registered
 * providers), their health and statistics, and its settings. proxy.ts routes requests through it;
 * server.ts serves it over HTTP.
 */

/** The time limits of a routed request: each hop's (hop.ts), and the whole request's. */
export type RouteLimits = HopLimits & {
  /** The whole request, across every failover (a slow trickle cannot hold a client forever). */
  totalMs: number;
  /** How many upstreams one request may try. */
  maxAttempts: number;
};

/**
 * A cold model load on the local Ollama takes tens of seconds, and counts as time to first token;
 * a stuck provider should not hold the client much longer than that.
 */
export const DEFAULT_LIMITS: RouteLimits = {
  connectMs: 3_000,
  firstTokenMs: 60_000,
  idleMs: 30_000,
  totalMs: 10 * 60_000,
  maxAttempts: 3,
};

export const LOCAL_ID = 'local';

export type RouterOptions = {
  db: Db;
  /** The user's own Ollama (a base URL), or undefined for none. */
  local?: string | undefined;
  /** Send to the local Ollama first whenever it is up and has the model (default true). */
  preferLocal?: boolean;
  /** Who the router consumes for: the address providers sign their receipts to. */
  consumer?: Address;
  /** Only these providers may register. */
  allowlist?: readonly Address[] | undefined;
  limits?: Partial<RouteLimits>;
  weights?: ScoreWeights;
  tolerance?: TokenTolerance;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  stats?: StatsOptions;
  /** When a run of rejected receipts quarantines a provider, and for how long (quarantine.ts). */
  quarantine?: Partial<QuarantineSettings>;
  /** Where the log lines go (route-log.ts): one per routed request; none by default. */
  log?: RouterLog;
  /** The settled epochs' compute buckets, for GET /router/earnings (given by app/; earnings.ts). */
  computeSettlements?: ComputeSettlements;
};

/** One upstream a request may go to. */
export type Candidate = ScoreInput & {
  endpoint: string;
  /** The registered provider; undefined for the local Ollama, which signs no receipts. */
  provider: ProviderRecord | undefined;
};

export class Router {
  readonly db: Db;
  readonly computeSettlements: ComputeSettlements | undefined;
  readonly local: string | undefined;
  readonly preferLocal: boolean;
  readonly consumer: Address;
  readonly allowlist: readonly Address[] | undefined;
  readonly limits: RouteLimits;
  readonly weights: ScoreWeights;
  readonly tolerance: TokenTolerance;
  readonly stats: RollingStats;
  readonly health: HealthMonitor;
  readonly quarantines: Quarantines;
  readonly log: RouterLog;
  private providers: ProviderRecord[];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: RouterOptions) {
    this.db = options.db;
    this.computeSettlements = options.computeSettlements;
    migrateRouter(this.db);
    this.local = options.local?.replace(/\/+$/, '');
    this.preferLocal = options.preferLocal ?? true;
    this.consumer = options.consumer ?? zeroAddress;
    this.allowlist = options.allowlist;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.weights = options.weights ?? DEFAULT_WEIGHTS;
    this.tolerance = options.tolerance ?? DEFAULT_TOKEN_TOLERANCE;
    this.stats = new RollingStats(options.stats);
    this.quarantines = new Quarantines(this.db, { ...DEFAULT_QUARANTINE, ...options.quarantine });
    this.log = options.log ?? (() => {});
    this.providers = listProviders(this.db);
    this.health = new HealthMonitor({
      targets: () => [
        ...(this.local ? [{ id: LOCAL_ID, endpoint: this.local }] : []),
        ...this.providers.map((p) => ({ id: p.address, endpoint: p.endpoint })),
      ],
      ...(options.probeIntervalMs === undefined ? {} : { intervalMs: options.probeIntervalMs }),
      ...(options.probeTimeoutMs === undefined ? {} : { timeoutMs: options.probeTimeoutMs }),
    });
  }

  /** Starts the health probes (the first round completes before this resolves). */
  start(): Promise<void> {
    return this.health.start();
  }

  /** Stops probing and waits for receipts still being checked. */
  async close(): Promise<void> {
    this.health.stop();
    await this.settled();
  }

  async register(registration: ProviderRegistration, signature: Hex): Promise<ProviderRecord> {
    const record = await registerProvider(this.db, registration, signature, { allowlist: this.allowlist });
    this.providers = listProviders(this.db);
    // Probe the newcomer now rather than at the next round (without holding up its registration).
    this.track(this.health.probe({ id: record.address, endpoint: record.endpoint }));
    return record;
  }

  async deregister(deregistration: ProviderDeregistration, signature: Hex): Promise<ProviderRecord> {
    const record = await deregisterProvider(this.db, deregistration, signature);
    this.providers = listProviders(this.db);
    return record;
  }

  registeredProviders(): readonly ProviderRecord[] {
    return this.providers;
  }

  /** The upstreams that offer `model`, in the order a request tries them (score.ts); quarantined providers are left out. */
  candidates(model: string): Scored<Candidate>[] {
    const candidates: Candidate[] = [];
    const offered = this.providers.some((provider) => provider.models.some((name) => sameModel(name, model)));
    if (this.local) {
      const probe = this.health.state(LOCAL_ID);
      // The local Ollama is asked when it has the model, when its models are not known yet, and when
      // nobody else offers it (it may have been pulled since the last probe; if not, Ollama's own 404 answers).
      if (!probe.models || !offered || probe.models.some((name) => sameModel(name, model))) {
        candidates.push({
          id: LOCAL_ID,
          local: true,
          up: probe.up,
          endpoint: this.local,
          provider: undefined,
          pricePerMTokens: 0n,
          stake: 0n,
          stats: this.stats.summary(LOCAL_ID, model),
        });
      }
    }
    for (const provider of this.providers) {
      if (!provider.models.some((name) => sameModel(name, model))) continue;
      if (this.quarantines.active(provider.address)) continue;
      candidates.push({
        id: provider.address,
        local: false,
        up: this.health.state(provider.address).up,
        endpoint: provider.endpoint,
        provider,
        pricePerMTokens: provider.pricePerMTokens,
        stake: provider.stake,
        stats: this.stats.summary(provider.address, model),
      });
    }
    return orderCandidates(candidates, { weights: this.weights, preferLocal: this.preferLocal });
  }

  /** The providers that offer `model` but are quarantined, with why. */
  quarantinedFor(model: string): QuarantineRecord[] {
    return this.providers.flatMap((provider) => {
      if (!provider.models.some((name) => sameModel(name, model))) return [];
      const record = this.quarantines.active(provider.address);
      return record ? [record] : [];
    });
  }

  /** Every model some upstream offers: the local Ollama's (as last probed) and the providers'. */
  models(): { name: string; local: boolean; providers: Address[] }[] {
    const byName = new Map<string, { name: string; local: boolean; providers: Address[] }>();
    const entry = (name: string) => {
      const key = [...byName.keys()].find((known) => sameModel(known, name)) ?? name;
      const found = byName.get(key) ?? { name: key, local: false, providers: [] };
      byName.set(key, found);
      return found;
    };
    for (const name of this.local ? (this.health.state(LOCAL_ID).models ?? []) : []) entry(name).local = true;
    for (const provider of this.providers) {
      for (const name of provider.models) entry(name).providers.push(provider.address);
    }
    return [...byName.values()];
  }

  /** Keeps track of work that finishes after the response (receipt checks), so tests and shutdown can wait. */
  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
