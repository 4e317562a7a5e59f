import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem';

/**
 * The EIP-712 messages of the registry. No chainId in the domain: a skill release and its audit are
 * facts about code, valid on every chain the skill supports.
 */
const DOMAIN = { name: 'Sextant Skill Registry', version: '1' } as const;

const RELEASE_TYPES = {
  SkillRelease: [
    { name: 'id', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'codeHash', type: 'bytes32' },
  ],
} as const;

const ATTESTATION_TYPES = {
  SkillAttestation: [
    { name: 'skillId', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'codeHash', type: 'bytes32' },
    { name: 'verdict', type: 'string' },
    { name: 'reportUri', type: 'string' },
  ],
} as const;

/** What an author signs when publishing. */
export type SkillRelease = { id: string; version: string; codeHash: Hex };

export type Verdict = 'pass' | 'fail';

/** What an auditor signs. */
export type SkillAttestation = { skillId: string; version: string; codeHash: Hex; verdict: Verdict; reportUri: string };

export function signRelease(author: LocalAccount, release: SkillRelease): Promise<Hex> {
  if (!author.signTypedData) throw new Error('This account cannot sign typed data.');
  return author.signTypedData({ domain: DOMAIN, types: RELEASE_TYPES, primaryType: 'SkillRelease', message: release });
}

export function releaseSigner(release: SkillRelease, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: RELEASE_TYPES,
    primaryType: 'SkillRelease',
    message: release,
    signature,
  });
}

export function signAttestation(auditor: LocalAccount, attestation: SkillAttestation): Promise<Hex> {
  if (!auditor.signTypedData) throw new Error('This account cannot sign typed data.');
  return auditor.signTypedData({
    domain: DOMAIN,
    types: ATTESTATION_TYPES,
    primaryType: 'SkillAttestation',
    message: attestation,
  });
}

export function attestationSigner(attestation: SkillAttestation, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: ATTESTATION_TYPES,
    primaryType: 'SkillAttestation',
    message: attestation,
    signature,
  });
}
