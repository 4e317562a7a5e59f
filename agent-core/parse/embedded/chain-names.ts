import { readFileSync } from 'node:fs';
// Single words no chain takes as its name: "one" (Harmony One), "mint".
import { EVERYDAY_WORDS as EVERYDAY } from './common-words.ts';
import type { ViemChainSnapshot } from './viem-chain-snapshot.ts';

/**
 * Chain names beyond our own list, from viem's chain definitions (`viem/chains`, the ~700 chains viem
 * ships, kept up to date by its maintainers; read from a snapshot, viem-chains.json, that
 * `npm run chains:snapshot` takes and a test keeps equal to the installed viem): "on Chiado", "to Metis", "on PulseChain" are reported as
 * the user named them, and the planner says which it cannot act on. Each chain gets the names a person
 * uses for it: its display name ("Gnosis Chiado"), that name without a generic tail ("Flow EVM
 * Mainnet" → "flow"), its export name split ("polygonZkEvm" → "polygon zk evm"), and a testnet's own
 * word after its family's name ("chiado", "hekla"). A single word is `strict`: it is a chain only where
 * the sentence says so ("on Flow", "from Sei", "Metis network", or "to Metis" in a bridge), since many
 * are everyday words or names ("bob", "core", "story", "ink").
 */

export type ChainEntry = {
  slug: string;
  names?: string[];
  /**
   * The name is also an everyday word ("base", "scroll") or a token ("eth", "op"): it is read as the
   * chain only after on/to/from/via or before "chain"/"network"/"mainnet".
   */
  ambiguous?: boolean;
  /** The token of the same name ("op" is also OP). */
  token?: string;
  /**
   * Stricter still (viem's single-word names: "bob", "core", "flow"): a chain only after on/onto/from/
   * via/over/across, before "chain"/"network"/"mainnet", or after "to" in a bridge.
   */
  strict?: boolean;
  /** From viem's chain list: only `names` name it (its slug is one of them, with its own strictness). */
  fromViem?: boolean;
};

/** Words that end a chain's name without naming it: "Linea Mainnet", "Sei Network", "Kava EVM". */
const GENERIC_TAIL = new Set(['mainnet', 'network', 'chain', 'evm', 'blockchain', 'l2', 'smart']);

/** "Gnosis Chiado (Testnet)" → "gnosis chiado". */
function clean(name: string): string {
  return name
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function withoutTail(name: string): string {
  const words = name.split(' ');
  while (words.length > 1 && GENERIC_TAIL.has(words[words.length - 1] ?? '')) words.pop();
  return words.join(' ');
}

/** "polygonZkEvm" → "polygon zk evm"; "opBNB" → "op bnb". */
function splitKey(key: string): string {
  return clean(key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2'));
}

type ViemChain = { id: number; name: string; testnet: boolean };

/** viem's chains by export name, from the snapshot (loading viem/chains itself takes ~1.5 s). */
function viemChains(): [string, ViemChain][] {
  const snapshot = JSON.parse(
    readFileSync(new URL('./viem-chains.json', import.meta.url), 'utf8'),
  ) as ViemChainSnapshot;
  return snapshot.chains.map(([key, id, name, testnet]) => [key, { id, name, testnet }]);
}

/**
 * The entries for viem's chains that our own list does not name. `curated` is our list: a chain any of
 * whose names it already has keeps our slug (its other names are added to it). `otherNames`: names of
 * tokens and protocols, never taken for a chain ("Maker" is the protocol, whatever chain shares it).
 */
export function viemChainEntries(curated: readonly ChainEntry[], otherNames: ReadonlySet<string>): ChainEntry[] {
  const taken = new Map<string, string>();
  for (const entry of curated) {
    for (const name of [entry.slug, ...(entry.names ?? [])]) taken.set(clean(name), entry.slug);
  }
  const chains = viemChains()
    .filter(([key]) => !/Preconf|LocalNode|InMemory|Local$|^localhost|^foundry|^hardhat|^anvil/i.test(key))
    // Mainnets first: a name both a mainnet and its testnet could take ("berachain") is the mainnet's.
    .sort(([, a], [, b]) => Number(a.testnet === true) - Number(b.testnet === true));
  const entries: ChainEntry[] = [];
  const families = new Set([...taken.keys()].filter((name) => !name.includes(' ')));
  for (const [key, chain] of chains) {
    const display = clean(chain.name);
    const full = new Set([display, withoutTail(display), splitKey(key), withoutTail(splitKey(key))]);
    // Our slug only when one of the chain's full names is ours ("linea sepolia" is not "sepolia").
    const known = [...full].map((name) => taken.get(name)).find(Boolean);
    const names = new Set(full);
    for (const name of full) {
      const words = name.split(' ');
      // "gnosis chiado" → "chiado": a testnet's own word, once its family is named before it.
      const own = words[1] ?? '';
      if (words.length === 2 && families.has(words[0] ?? '') && own.length >= 4 && !GENERIC_TAIL.has(own))
        names.add(own);
    }
    const fresh = [...names].filter(
      (name) =>
        name.length >= 3 && !taken.has(name) && !/^\d+$/.test(name) && !EVERYDAY.has(name) && !otherNames.has(name),
    );
    if (fresh.length === 0) continue;
    // Our slug when we know the chain; else its shortest name, hyphenated ("chiado", "pulsechain").
    const slug = known ?? [...fresh].sort((a, b) => a.length - b.length)[0]?.replace(/ /g, '-');
    if (!slug) continue;
    for (const name of fresh) {
      taken.set(name, slug);
      entries.push({
        slug,
        names: [name],
        fromViem: true,
        // Every name from viem, even of several words ("the root", "x layer"), needs a chain's place.
        ambiguous: true,
        strict: true,
      });
    }
  }
  return entries;
}
