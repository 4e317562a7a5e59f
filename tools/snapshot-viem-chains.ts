/**
 * Writes agent-core/parse/embedded/viem-chains.json: the key, id, name and testnet flag of every
 * chain viem ships (`viem/chains`). The parser reads chain names from this snapshot instead of
 * importing viem/chains, which takes about 1.5 s to load on every start of the CLI. Run it after
 * upgrading viem (`npm run chains:snapshot`); a unit test fails while the snapshot differs from the
 * installed viem.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { viemChainSnapshot } from '../agent-core/parse/embedded/viem-chain-snapshot.ts';

const path = fileURLToPath(new URL('../agent-core/parse/embedded/viem-chains.json', import.meta.url));
const snapshot = await viemChainSnapshot();
// One chain per line, as the formatter (biome) keeps JSON.
const rows = snapshot.chains.map((row) => `    [${row.map((value) => JSON.stringify(value)).join(', ')}]`);
writeFileSync(path, `{\n  "viem": ${JSON.stringify(snapshot.viem)},\n  "chains": [\n${rows.join(',\n')}\n  ]\n}\n`);
console.log(`${snapshot.chains.length} chains of viem ${snapshot.viem} written to ${path}`);
