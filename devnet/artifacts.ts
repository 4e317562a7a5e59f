/**
 * Contract artifacts moved to `common/contracts/artifacts.ts` (they serve real networks too). This
 * name stays for the signed built-in skills' tests, which import it and change only with a release.
 */
export { type Artifact, linkBytecode, loadArtifact } from '../common/contracts/artifacts.ts';
