/**
 * Compiles Sextant's own contracts (the capital deposit pool, the reward token and the bundle guard)
 * with the npm `solc` and writes their artifacts beside them, in `artifacts/`. The artifacts are
 * committed, so nothing compiles at install or start; a test compiles again and checks the committed
 * bytecode is what these sources give. Run after editing a .sol file: `npm run build:contracts`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The contracts this folder holds; each file declares one contract of the same name. */
export const CONTRACTS = ['SextantDepositPool', 'SextantRewardToken', 'SextantBundleGuard'] as const;
export type ContractName = (typeof CONTRACTS)[number];

/** Pinned in package.json: the same sources must give the same bytecode on every machine. */
export const SOLC_VERSION = '0.8.26';

export type CompiledContract = {
  contractName: ContractName;
  abi: Abi;
  bytecode: Hex;
  compiler: string;
  /** sha256 of the contract's own source file, to tell a stale artifact at a glance. */
  sourceHash: string;
};

export function artifactPath(name: ContractName): string {
  return join(here, 'artifacts', `${name}.json`);
}

export function sourceHash(name: ContractName): string {
  return createHash('sha256')
    .update(readFileSync(join(here, `${name}.sol`)))
    .digest('hex');
}

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
};

/** Resolves `@openzeppelin/contracts/…` imports from node_modules; nothing else may be imported. */
function findImport(path: string): { contents: string } | { error: string } {
  if (!path.startsWith('@openzeppelin/contracts/'))
    return { error: `Only @openzeppelin/contracts imports are allowed, not ${path}.` };
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `${path} is not installed; run npm ci.` };
  }
}

/**
 * How each contract is optimised. The guard runs inside every bundle, so it is compiled for the least
 * gas per call (the IR pipeline inlines its small helpers; many runs favour cheap calls over size).
 */
const SETTINGS: Record<ContractName, { runs: number; viaIR: boolean }> = {
  SextantDepositPool: { runs: 200, viaIR: false },
  SextantRewardToken: { runs: 200, viaIR: false },
  SextantBundleGuard: { runs: 1_000_000, viaIR: true },
};

export function compileContracts(): CompiledContract[] {
  const solc = require('solc') as { version(): string; compile(input: string, options: object): string };
  const compiler = solc.version();
  if (!compiler.startsWith(`${SOLC_VERSION}+`))
    throw new Error(`solc ${compiler} is installed; these contracts are built with ${SOLC_VERSION}. Run npm ci.`);
  return CONTRACTS.map((name) => {
    const input = {
      language: 'Solidity',
      sources: { [`${name}.sol`]: { content: readFileSync(join(here, `${name}.sol`), 'utf8') } },
      settings: {
        optimizer: { enabled: true, runs: SETTINGS[name].runs },
        viaIR: SETTINGS[name].viaIR,
        evmVersion: 'cancun',
        // No metadata hash: the bytecode then depends on the sources alone, not on file paths.
        metadata: { bytecodeHash: 'none' },
        outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
      },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as SolcOutput;
    const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
    if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
    const contract = output.contracts[`${name}.sol`]?.[name];
    if (!contract) throw new Error(`solc produced no ${name}.`);
    return {
      contractName: name,
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}` as Hex,
      compiler,
      sourceHash: sourceHash(name),
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  process.stderr.write(`Compiling ${CONTRACTS.join(', ')} with solc ${SOLC_VERSION}…\n`);
  for (const contract of compileContracts()) {
    writeFileSync(artifactPath(contract.contractName), `${JSON.stringify(contract, null, 2)}\n`);
    process.stderr.write(`  ${artifactPath(contract.contractName)} (${(contract.bytecode.length - 2) / 2} bytes)\n`);
  }
  process.stderr.write(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}
