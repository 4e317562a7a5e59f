import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem';
import type { Verdict } from '../registry/typed-data.ts';

/**
 * The EIP-712 messages of agent endpoints, in the registry's domain (no chainId: a manifest and its
 * audit are facts about a document and a build, valid on every chain it declares).
 */
const DOMAIN = { name: 'Sextant Skill Registry', version: '1' } as const;

const MANIFEST_TYPES = {
  EndpointManifest: [
    { name: 'protocol', type: 'string' },
    { name: 'buildVersion', type: 'string' },
    { name: 'manifestHash', type: 'bytes32' },
  ],
} as const;

const ATTESTATION_TYPES = {
  EndpointAttestation: [
    { name: 'manifestHash', type: 'bytes32' },
    { name: 'buildVersion', type: 'string' },
    { name: 'verdict', type: 'string' },
    { name: 'reportUri', type: 'string' },
  ],
} as const;

/** What an endpoint's author signs: the document's manifest hash at its build version. */
export type EndpointManifestMessage = { protocol: string; buildVersion: string; manifestHash: Hex };

/** What an auditor signs about an endpoint. */
export type EndpointAttestationMessage = {
  manifestHash: Hex;
  buildVersion: string;
  verdict: Verdict;
  reportUri: string;
};

export function signEndpointManifest(author: LocalAccount, message: EndpointManifestMessage): Promise<Hex> {
  if (!author.signTypedData) throw new Error('This account cannot sign typed data.');
  return author.signTypedData({ domain: DOMAIN, types: MANIFEST_TYPES, primaryType: 'EndpointManifest', message });
}

export function endpointManifestSigner(message: EndpointManifestMessage, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: MANIFEST_TYPES,
    primaryType: 'EndpointManifest',
    message,
    signature,
  });
}

export function signEndpointAttestation(auditor: LocalAccount, message: EndpointAttestationMessage): Promise<Hex> {
  if (!auditor.signTypedData) throw new Error('This account cannot sign typed data.');
  return auditor.signTypedData({
    domain: DOMAIN,
    types: ATTESTATION_TYPES,
    primaryType: 'EndpointAttestation',
    message,
  });
}

export function endpointAttestationSigner(message: EndpointAttestationMessage, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: ATTESTATION_TYPES,
    primaryType: 'EndpointAttestation',
    message,
    signature,
  });
}
