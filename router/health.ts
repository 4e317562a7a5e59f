/**
 * Periodic health probes: GET /api/tags on every upstream (the local Ollama and each provider node;
 * both speak Ollama's API). The probe is cheap (it loads no model) and says two things: the upstream
 * answers, and which models it has. A provider whose last probe failed is tried only after every
 * healthy one (score.ts); a refused connection during a request marks it down at once, without
 * waiting for the next probe. Performance is measured from real requests instead (stats.ts).
 */

export type ProbeTarget = { id: string; endpoint: string };

export type ProbeState = {
  up: boolean;
  /** When the last probe finished (ms since the epoch); undefined before the first. */
  checkedAt: number | undefined;
  latencyMs: number | undefined;
  /** The models the upstream listed at the last successful probe. */
  models: string[] | undefined;
  error: string | undefined;
};

export type HealthOptions = {
  /** Who to probe; read at each round, so registrations and deregistrations take effect. */
  targets: () => ProbeTarget[];
  intervalMs?: number;
  timeoutMs?: number;
};

const UNPROBED: ProbeState = {
  up: true,
  checkedAt: undefined,
  latencyMs: undefined,
  models: undefined,
  error: undefined,
};

export class HealthMonitor {
  private readonly states = new Map<string, ProbeState>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  readonly intervalMs: number;
  readonly timeoutMs: number;

  constructor(private readonly options: HealthOptions) {
    this.intervalMs = options.intervalMs ?? 15_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  /** Probes now, then every interval. */
  async start(): Promise<void> {
    await this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    // Probing alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round over every target, in parallel; a round already running is joined, not doubled. */
  probeAll(): Promise<void> {
    this.round ??= Promise.all(this.options.targets().map((target) => this.probe(target)))
      .then(() => undefined)
      .finally(() => {
        this.round = undefined;
      });
    return this.round;
  }

  async probe(target: ProbeTarget): Promise<ProbeState> {
    const started = performance.now();
    let state: ProbeState;
    try {
      const response = await fetch(`${target.endpoint}/api/tags`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { models?: { name?: unknown; model?: unknown }[] };
      if (!Array.isArray(body.models)) throw new Error('the reply to /api/tags has no model list');
      const models = body.models.flatMap((entry) =>
        typeof entry?.name === 'string' ? [entry.name] : typeof entry?.model === 'string' ? [entry.model] : [],
      );
      state = { up: true, checkedAt: Date.now(), latencyMs: performance.now() - started, models, error: undefined };
    } catch (error) {
      const message = describe(error, this.timeoutMs);
      state = { ...this.state(target.id), up: false, checkedAt: Date.now(), latencyMs: undefined, error: message };
    }
    this.states.set(target.id.toLowerCase(), state);
    return state;
  }

  state(id: string): ProbeState {
    return this.states.get(id.toLowerCase()) ?? UNPROBED;
  }

  /** A request found it unreachable: down until a probe says otherwise. */
  markDown(id: string, reason: string): void {
    this.states.set(id.toLowerCase(), { ...this.state(id), up: false, checkedAt: Date.now(), error: reason });
  }
}

/** fetch's own message ("fetch failed") says little; its cause's code says what happened. */
function describe(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
  return code ? `${(error as Error).message} (${code})` : (error as Error).message;
}
