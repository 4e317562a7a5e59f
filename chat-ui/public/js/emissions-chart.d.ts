// Types for emissions-chart.js's pure parts, so the TypeScript tests can import the browser module as it is served.
export const CHART_WIDTH: number;
export function toUnits(amount: unknown): bigint | undefined;
export function fraction(part: bigint, whole: bigint): number;
export function barLengths(
  buckets: { bucket: string; paid: string; carriedOut: string }[],
  width?: number,
  min?: number,
): { bucket: string; paid: number; carried: number }[];
export function bucketName(bucket: string): string;
export function formatPeriod(from: string, to: string): string;
export function chartSummary(report: {
  epoch: number;
  buckets: { bucket: string; paid: string; carriedOut: string }[];
}): string;
