// Types for format.js, so the TypeScript tests can import the browser module as it is served.
export function formatAmount(
  value: string | number,
  options?: { signed?: boolean; round?: 'nearest' | 'down' | 'up' },
): string;
export function roundAmountsInText(text: string): string;
export function direction(value: string | number): 'in' | 'out' | 'zero';
export function formatUsd(value: number | null | undefined, options?: { signed?: boolean }): string;
export function formatNumber(value: number): string;
export function formatBps(bps: number): string;
export function shortHex(value: string | null | undefined, head?: number, tail?: number): string;
export function formatWei(wei: string | number | null | undefined): string;
export function formatRemaining(ms: number): string;
