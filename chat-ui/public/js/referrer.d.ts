// Types for referrer.js, so the TypeScript tests can import the browser module as it is served.
export type ReferrerStorage = { getItem(key: string): string | null; setItem(key: string, value: string): void };
export function rememberReferrer(search: string, storage?: ReferrerStorage | undefined): string | undefined;
