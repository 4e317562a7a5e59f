import { createRequire } from 'node:module';

/** One of viem's chains, as much of it as the parser reads: [export name, id, display name, testnet]. */
export type ViemChainRow = [key: string, id: number, name: string, testnet: boolean];

/** The snapshot the parser loads (viem-chains.json), and the viem version it was taken from. */
export type ViemChainSnapshot = { viem: string; chains: ViemChainRow[] };

/**
 * The rows of the installed viem's chains. Imported only by the snapshot script and its staleness
 * test: loading all of viem/chains is what the snapshot saves the CLI from.
 */
export async function viemChainSnapshot(): Promise<ViemChainSnapshot> {
  const chains = (await import('viem/chains')) as Record<string, unknown>;
  const rows: ViemChainRow[] = [];
  for (const [key, value] of Object.entries(chains)) {
    if (typeof value !== 'object' || value === null || !('id' in value) || !('name' in value)) continue;
    const chain = value as { id: number; name: string; testnet?: boolean };
    rows.push([key, chain.id, chain.name, chain.testnet === true]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const viem = (createRequire(import.meta.url)('viem/package.json') as { version: string }).version;
  return { viem, chains: rows };
}
