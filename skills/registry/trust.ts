import { type Address, type Hex, isAddressEqual } from 'viem';
import type { AttestationRecord } from './attestations.ts';
import type { SkillReleaseRecord } from './releases.ts';

/**
 * Whether a skill may run:
 * - `audited`: its current source hashes to the published code hash, and a trusted auditor attested
 *   that hash with a passing verdict;
 * - `unaudited`: no trusted auditor has attested it (attestations by anyone else do not count);
 * - `tampered`: its current source no longer hashes to the code hash it was published and attested with;
 * - `failed-audit`: a trusted auditor attested this code with a failing verdict;
 * - `not-published`: the registry has no release of it;
 * - `suspect`: a remote skill whose endpoint was caught building outside its declarations or the
 *   intent's bounds (skills/remote/); it does not run until a person clears the mark.
 */
export type TrustStatus = 'audited' | 'unaudited' | 'tampered' | 'failed-audit' | 'not-published' | 'suspect';

export type TrustVerdict = {
  status: TrustStatus;
  /** One sentence a person can act on. */
  detail: string;
  /** The trusted auditors whose passing attestation of this exact code counts. */
  auditors: Address[];
};

export function judgeTrust(input: {
  id: string;
  version: string;
  release: SkillReleaseRecord | undefined;
  currentCodeHash: Hex;
  attestations: readonly AttestationRecord[];
  trustedAuditors: readonly Address[];
}): TrustVerdict {
  const { id, version, release, currentCodeHash, attestations, trustedAuditors } = input;
  const name = `${id}@${version}`;
  if (!release) {
    return {
      status: 'not-published',
      detail: `${name} has no release in the registry, so no auditor can have attested it.`,
      auditors: [],
    };
  }
  if (release.codeHash.toLowerCase() !== currentCodeHash.toLowerCase()) {
    return {
      status: 'tampered',
      detail: `${name}'s source has changed since it was published and attested (code hash ${short(currentCodeHash)}, published ${short(release.codeHash)}).`,
      auditors: [],
    };
  }
  const trusted = attestations.filter(
    (attestation) =>
      attestation.codeHash.toLowerCase() === currentCodeHash.toLowerCase() &&
      trustedAuditors.some((auditor) => isAddressEqual(auditor, attestation.auditor)),
  );
  const failing = trusted.filter((attestation) => attestation.verdict === 'fail');
  if (failing.length > 0) {
    return {
      status: 'failed-audit',
      detail: `${name} failed its audit by ${[...new Set(failing.map((a) => a.auditor))].join(', ')} (${failing[0]?.reportUri}).`,
      auditors: [],
    };
  }
  const passing = trusted.filter((attestation) => attestation.verdict === 'pass');
  if (passing.length === 0) {
    const others = attestations.length - trusted.length;
    return {
      status: 'unaudited',
      detail: `${name} has no passing attestation from a trusted auditor${others > 0 ? ` (${others} by untrusted auditors not counted)` : ''}.`,
      auditors: [],
    };
  }
  // Each auditor once, however many of its attestations the registry keeps.
  const auditors = [...new Set(passing.map((a) => a.auditor))];
  return {
    status: 'audited',
    detail: `${name} is attested by ${auditors.join(', ')}.`,
    auditors,
  };
}

function short(hash: Hex): string {
  return `${hash.slice(0, 10)}…`;
}
