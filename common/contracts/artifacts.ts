import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Abi, Address, Hex } from 'viem';
import { SextantError } from '../errors.ts';
import { artifactPath, type CompiledContract, type ContractName } from './build.ts';

/** A contract artifact that cannot be loaded or linked. */
export class ArtifactError extends SextantError {
  override name = 'ArtifactError';
}

/** A compiled contract as its own npm package ships it (Hardhat's or Truffle's artifact format). */
export type Artifact = {
  contractName: string;
  abi: Abi;
  bytecode: Hex;
  /** source file → library name → where its address goes in the bytecode (byte offsets). */
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
};

const require = createRequire(import.meta.url);

/**
 * Loads an artifact from a package path, e.g.
 * `@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json`.
 */
export function loadArtifact(specifier: string): Artifact {
  let raw: {
    contractName?: string;
    abi: Abi;
    bytecode: string | { object: string };
    linkReferences?: Artifact['linkReferences'];
  };
  try {
    raw = require(specifier);
  } catch (cause) {
    throw new ArtifactError(`The contract artifact ${specifier} could not be loaded.`, {
      hint: 'Run `npm ci`: the artifacts come from the protocols’ own npm packages.',
      cause,
    });
  }
  const code = typeof raw.bytecode === 'string' ? raw.bytecode : raw.bytecode.object;
  // Some older packages (WETH9 in @uniswap/v2-periphery) ship bytecode without the 0x prefix.
  const bytecode = (code.startsWith('0x') ? code : `0x${code}`) as Hex;
  if (bytecode.length <= 2) {
    throw new ArtifactError(`The artifact ${specifier} has no bytecode (an interface or abstract contract?).`);
  }
  return {
    contractName:
      raw.contractName ??
      specifier
        .split('/')
        .pop()
        ?.replace(/\.json$/, '') ??
      specifier,
    abi: raw.abi,
    bytecode,
    linkReferences: raw.linkReferences ?? {},
  };
}

/** Writes library addresses into the placeholders the compiler left in the bytecode. */
export function linkBytecode(artifact: Artifact, libraries: Record<string, Address>): Hex {
  let hex = artifact.bytecode.slice(2);
  for (const references of Object.values(artifact.linkReferences)) {
    for (const [library, places] of Object.entries(references)) {
      const address = libraries[library];
      if (!address) {
        throw new ArtifactError(`${artifact.contractName} needs the library ${library}, which was not given.`);
      }
      for (const { start, length } of places) {
        hex = hex.slice(0, start * 2) + address.slice(2).toLowerCase() + hex.slice((start + length) * 2);
      }
    }
  }
  return `0x${hex}`;
}

/** One of Sextant's own contracts, as `npm run build:contracts` compiled it (committed in artifacts/). */
export function sextantArtifact(name: ContractName): Artifact {
  const compiled = JSON.parse(readFileSync(artifactPath(name), 'utf8')) as CompiledContract;
  return { contractName: compiled.contractName, abi: compiled.abi, bytecode: compiled.bytecode, linkReferences: {} };
}
