/**
 * The router's log: one line per routed request, and one when a quarantine starts or ends, for
 * people and for grep. Each line is a kind followed by `key=value` fields, always the same fields in
 * the same order; `-` stands for a value that does not apply; a value with a space, a quote or an
 * `=` is written as a JSON string. `reason` comes last, and only when there is one.
 *
 * ```
 * route at=2026-12-06T09:43:16.123Z request=0x5f… provider=0xAb…|local|none model=qwen2.5:7b-instruct status=served|failed|aborted attempts=1 ttft_ms=42 duration_ms=310 tokens=21 claimed=38+21 receipt=accepted|rejected|none reason="…"
 * quarantine at=… provider=0xAb… status=started|lifted rejections=3 until=2026-12-06T09:58:16.123Z reason="…"
 * ```
 *
 * `tokens` is the completion tokens the router itself counted in the stream; `claimed` the prompt +
 * completion tokens of the provider's receipt. `ttft_ms` and `duration_ms` are the router's own
 * measurements of the hop that served. A provider's line is written once its receipt is checked.
 */

export type RouteLogLine = {
  request: string | undefined;
  provider: string | undefined;
  model: string;
  status: 'served' | 'failed' | 'aborted';
  attempts: number;
  ttftMs: number | undefined;
  durationMs: number | undefined;
  tokens: number | undefined;
  claimed: { prompt: number; completion: number } | undefined;
  receipt: 'accepted' | 'rejected' | 'none';
  reason: string | undefined;
};

export type QuarantineLogLine = {
  provider: string;
  status: 'started' | 'lifted';
  rejections: number;
  until: string;
  reason: string;
};

export type RouterLog = (line: string) => void;

export function formatRouteLine(line: RouteLogLine, at: Date = new Date()): string {
  return format('route', [
    ['at', at.toISOString()],
    ['request', line.request],
    ['provider', line.provider ?? 'none'],
    ['model', line.model],
    ['status', line.status],
    ['attempts', line.attempts],
    ['ttft_ms', line.ttftMs === undefined ? undefined : Math.round(line.ttftMs)],
    ['duration_ms', line.durationMs === undefined ? undefined : Math.round(line.durationMs)],
    ['tokens', line.tokens],
    ['claimed', line.claimed ? `${line.claimed.prompt}+${line.claimed.completion}` : undefined],
    ['receipt', line.receipt],
    ...(line.reason === undefined ? [] : [['reason', line.reason] as const]),
  ]);
}

export function formatQuarantineLine(line: QuarantineLogLine, at: Date = new Date()): string {
  return format('quarantine', [
    ['at', at.toISOString()],
    ['provider', line.provider],
    ['status', line.status],
    ['rejections', line.rejections],
    ['until', line.until],
    ['reason', line.reason],
  ]);
}

function format(kind: string, fields: readonly (readonly [string, string | number | undefined])[]): string {
  return [kind, ...fields.map(([key, value]) => `${key}=${value === undefined ? '-' : quoted(String(value))}`)].join(
    ' ',
  );
}

function quoted(value: string): string {
  return value !== '' && /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
}
