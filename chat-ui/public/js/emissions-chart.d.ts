// Types for emissions-chart.js, so the TypeScript tests can import the browser module as it is served
// (its pure parts) and the page's type check sees what panel.js imports.
import type { EpochReport } from './api-types.js';

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
export function renderEmissionsReport(container: HTMLElement, report: EpochReport): void;
export function renderNoEpochs(container: HTMLElement): void;
