import { type Address, type Hex, isAddressEqual } from 'viem';
import type { AttestationRecord } from '../registry/attestations.ts';
import type { SkillReleaseRecord } from '../registry/releases.ts';
import { judgeTrust, type TrustVerdict } from '../registry/trust.ts';
import type { SkillManifest } from '../sdk/manifest.ts';
import { remoteSkillProblem } from './actions.ts';
import {
  type EndpointAttestation,
  type EndpointDocument,
  EndpointDocumentSchema,
  firstIssue,
  manifestHash,
} from './document.ts';
import { EndpointError } from './errors.ts';
import { endpointAttestationSigner, endpointManifestSigner } from './typed-data.ts';

/** An attestation as verified: who signed it (recovered), and whether it is about this document at this build. */
export type VerifiedAttestation = EndpointAttestation & { auditor: Address; applies: boolean };

/** A manifest document whose author signature checks out. */
export type VerifiedDocument = {
  document: EndpointDocument;
  manifestHash: Hex;
  attestations: VerifiedAttestation[];
  /** Attestations whose signature does not recover: counted nowhere, reported. */
  unreadableAttestations: number;
};

/**
 * Checks a document as fetched: the format, each skill belonging to the document's protocol, and the
 * author's EIP-712 signature over {protocol, buildVersion, manifestHash}. Attestations are recovered
 * here; whether their auditors are trusted is decided when the catalog loads (the trusted set is
 * configuration, not a fact about the document).
 */
export async function verifyEndpointDocument(endpoint: string, raw: unknown): Promise<VerifiedDocument> {
  const parsed = EndpointDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EndpointError(endpoint, 'invalid', `${endpoint}'s manifest is not valid: ${firstIssue(parsed.error)}.`, {
      hint: 'The format is in skills/remote/README.md.',
    });
  }
  const document = parsed.data;
  for (const skill of document.skills) {
    if (skill.protocol !== document.protocol || !skill.id.startsWith(`${document.protocol}/`)) {
      throw new EndpointError(
        endpoint,
        'invalid',
        `${endpoint}'s manifest is not valid: ${skill.id} is not a skill of ${document.protocol} (an endpoint serves its own protocol's skills, with ids "${document.protocol}/…").`,
      );
    }
  }
  const ids = document.skills.map((skill) => skill.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new EndpointError(endpoint, 'invalid', `${endpoint}'s manifest lists ${duplicate} twice.`);

  const hash = manifestHash(raw as EndpointDocument);
  let signer: Address | undefined;
  try {
    signer = await endpointManifestSigner(
      { protocol: document.protocol, buildVersion: document.buildVersion, manifestHash: hash },
      document.signature,
    );
  } catch {
    signer = undefined;
  }
  if (!signer || !isAddressEqual(signer, document.author)) {
    throw new EndpointError(
      endpoint,
      'signature',
      `${endpoint}'s manifest is not signed by its author ${document.author}${signer ? ` (the signature is ${signer}'s)` : ''}.`,
      {
        hint: 'The signature is EIP-712 EndpointManifest {protocol, buildVersion, manifestHash} over exactly the document served; see skills/remote/README.md.',
      },
    );
  }

  const attestations: VerifiedAttestation[] = [];
  let unreadableAttestations = 0;
  for (const attestation of document.attestations) {
    const { signature, ...message } = attestation;
    const auditor = await endpointAttestationSigner(message, signature).catch(() => undefined);
    if (!auditor) {
      unreadableAttestations += 1;
      continue;
    }
    attestations.push({
      ...attestation,
      auditor,
      applies:
        attestation.manifestHash.toLowerCase() === hash.toLowerCase() &&
        attestation.buildVersion === document.buildVersion,
    });
  }
  return { document, manifestHash: hash, attestations, unreadableAttestations };
}

/** One remote skill judged: usable (with a trust verdict) or skipped (with the reason). */
export type RemoteSkillJudgement = { manifest: SkillManifest; attestations: AttestationRecord[] } & (
  | ({ skipped: false } & TrustVerdict)
  | { skipped: true; reason: string }
);

/**
 * The loading rule for remote skills, the same as for local ones with the manifest hash in the code
 * hash's place: a skill may run only if a trusted auditor attested this document's hash at its declared
 * build version with a passing verdict (judgeTrust). A skill Sextant cannot hold to an intent, or whose
 * id a local skill (or an endpoint added earlier) already has, is skipped with the reason.
 */
export function judgeRemoteSkills(
  verified: VerifiedDocument,
  options: { trustedAuditors: readonly Address[]; takenIds: ReadonlySet<string> },
): RemoteSkillJudgement[] {
  const { document, manifestHash: hash } = verified;
  return document.skills.map((manifest) => {
    const attestations: AttestationRecord[] = verified.attestations
      .filter((attestation) => attestation.applies)
      .map((attestation) => ({
        skillId: manifest.id,
        version: manifest.version,
        codeHash: attestation.manifestHash,
        verdict: attestation.verdict,
        reportUri: attestation.reportUri,
        auditor: attestation.auditor,
        signature: attestation.signature,
        recordedAt: '',
      }));
    if (options.takenIds.has(manifest.id)) {
      return {
        manifest,
        attestations,
        skipped: true,
        reason: `a local skill or an earlier endpoint has the id ${manifest.id}`,
      };
    }
    const problem = remoteSkillProblem(manifest);
    if (problem) return { manifest, attestations, skipped: true, reason: problem };
    const verdict = judgeTrust({
      id: manifest.id,
      version: manifest.version,
      release: { codeHash: hash } as SkillReleaseRecord,
      currentCodeHash: hash,
      attestations,
      trustedAuditors: options.trustedAuditors,
    });
    if (verdict.status === 'unaudited') {
      const elsewhere = verified.attestations.filter((a) => !a.applies).length;
      if (elsewhere > 0) {
        verdict.detail = `${verdict.detail.replace(/\.$/, '')} (${elsewhere} attestation(s) are over another manifest hash or build version, ${document.buildVersion} here).`;
      }
    }
    return { manifest, attestations, skipped: false, ...verdict };
  });
}
