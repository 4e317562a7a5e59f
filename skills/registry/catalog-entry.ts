import type { Address, Hex } from 'viem';
import type { Skill } from '../sdk/define-skill.ts';
import type { SkillManifest } from '../sdk/manifest.ts';
import type { AttestationRecord } from './attestations.ts';
import type { TrustStatus } from './trust.ts';

/** A skill as the runtime sees it: its manifest, where it came from, and whether it may run. */
export type CatalogEntry = {
  manifest: SkillManifest;
  /** 'remote': served by a protocol's agent endpoint (skills/remote/), its manifest hash in the code hash's place. */
  origin: 'builtin' | 'published' | 'remote';
  /** The agent endpoint's URL, for a remote skill. */
  endpoint?: string;
  status: TrustStatus;
  detail: string;
  /** The hash of the package's files on disk, as they are at the moment this entry was read. */
  codeHash: Hex;
  attestations: AttestationRecord[];
  auditors: Address[];
  /** The loaded skill; present only when it is audited (unaudited code is never even imported). */
  skill: Skill | undefined;
};
