import { type Address, type Hex, isAddress, isHex, keccak256, stringToBytes } from 'viem';
import { z } from 'zod';
import { type SkillManifest, SkillManifestSchema } from '../sdk/manifest.ts';

/**
 * The agent endpoint format (the spec is skills/remote/README.md): a protocol serves this document at
 * `<endpoint>/.well-known/sextant-skills.json` and builds calls at `POST <endpoint>/build`.
 */

export const WELL_KNOWN_PATH = '/.well-known/sextant-skills.json';
export const BUILD_PATH = '/build';

/** The most a manifest document and a build response may weigh; anything larger is refused unread. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;
export const MAX_BUILD_RESPONSE_BYTES = 64 * 1024;

const hexHash = z
  .string()
  .refine((value) => isHex(value) && value.length === 66, 'a 32-byte 0x hash') as z.ZodType<Hex>;
const signature = z.string().refine((value) => isHex(value) && value.length >= 132, 'a 0x signature') as z.ZodType<Hex>;
const address = z.string().refine((value) => isAddress(value, { strict: false }), 'a 0x address') as z.ZodType<Address>;
/** Amounts travel as decimal strings of base units: JSON numbers lose precision past 2^53. */
const baseUnits = z
  .string()
  .regex(/^\d{1,78}$/, 'a decimal string of base units')
  .transform((value) => BigInt(value));

/** An auditor's verdict on one manifest document at one build version; the auditor is recovered from the signature. */
export const EndpointAttestationSchema = z.object({
  manifestHash: hexHash,
  buildVersion: z.string().min(1).max(200),
  verdict: z.enum(['pass', 'fail']),
  reportUri: z.string().min(1).max(2000),
  signature,
});
export type EndpointAttestation = z.infer<typeof EndpointAttestationSchema>;

export const EndpointDocumentSchema = z.object({
  /** The protocol's slug, as in intents and skill manifests. */
  protocol: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case slug'),
  /** The version of the service behind POST /build; attestations name it, so a new build needs a new audit. */
  buildVersion: z.string().min(1).max(200),
  skills: z.array(SkillManifestSchema).min(1).max(32),
  /** Who signed the document: EIP-712 EndpointManifest {protocol, buildVersion, manifestHash}. */
  author: address,
  signature,
  attestations: z.array(EndpointAttestationSchema).max(32).default([]),
});
export type EndpointDocument = z.infer<typeof EndpointDocumentSchema>;

export const BuildRequestSchema = z.object({
  skill: z.string().min(1).max(100),
  input: z.record(z.string(), z.unknown()),
  chainId: z.number().int().positive(),
  account: address,
});
export type BuildRequest = z.infer<typeof BuildRequestSchema>;

const assetAmount = z.object({ token: address, amount: baseUnits });

export const BuildResponseSchema = z.object({
  calls: z
    .array(
      z.object({
        to: address,
        value: baseUnits,
        data: z
          .string()
          .refine((value) => isHex(value) && value.length % 2 === 0, 'even-length 0x hex')
          .refine((value) => value.length <= 2 + 2 * 24 * 1024, 'at most 24 KiB of calldata') as z.ZodType<Hex>,
      }),
    )
    .min(1)
    .max(16),
  /** What the endpoint claims; Sextant derives the bounds it enforces from the intent, and checks these against them. */
  bounds: z.object({ gives: z.array(assetAmount).max(16), receives: z.array(assetAmount).max(16) }).optional(),
  approvals: z
    .array(z.object({ token: address, spender: address, amount: baseUnits }))
    .max(8)
    .optional(),
  summary: z.string().max(500).optional(),
});
export type BuildResponse = z.infer<typeof BuildResponseSchema>;

/**
 * JSON with object keys sorted (by UTF-16 code unit, as JavaScript sorts) and no whitespace: the form
 * the manifest hash is computed over, so the same document hashes the same wherever it is re-serialized.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The manifest hash: keccak256 of the canonical JSON of `{protocol, buildVersion, skills}` exactly as
 * served (unknown fields included). The author's signature and the auditors' attestations are over it.
 */
export function manifestHash(document: { protocol: unknown; buildVersion: unknown; skills: unknown }): Hex {
  const { protocol, buildVersion, skills } = document;
  return keccak256(stringToBytes(canonicalJson({ protocol, buildVersion, skills })));
}

/** The manifest part of a document a local endpoint serves, as the hash covers it. */
export function manifestBody(protocol: string, buildVersion: string, skills: SkillManifest[]) {
  return { protocol, buildVersion, skills };
}

// Bidirectional overrides and isolates, zero-width characters, and C0/C1 controls: text that can hide
// or reorder what a person reads.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Third-party text (a remote skill's title or description, an endpoint's error) made fit to display:
 * control and invisible characters dropped, whitespace collapsed, cut to `max` characters. It stays
 * data: nothing here makes it safe to put in a prompt, and the runtime never does.
 */
export function displayText(text: string, max: number): string {
  const clean = text.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

/** The first issue of a zod error as "field: message". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
}
