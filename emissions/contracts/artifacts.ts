import { readFileSync } from 'node:fs';
import type { Artifact } from '../../devnet/artifacts.ts';
import { artifactPath, type CompiledContract, type ContractName } from './build.ts';

/** One of Sextant's own contracts, as `npm run build:contracts` compiled it (committed in artifacts/). */
export function sextantArtifact(name: ContractName): Artifact {
  const compiled = JSON.parse(readFileSync(artifactPath(name), 'utf8')) as CompiledContract;
  return { contractName: compiled.contractName, abi: compiled.abi, bytecode: compiled.bytecode, linkReferences: {} };
}
