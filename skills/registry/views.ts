import { z } from 'zod';
import { AddressJson, HexJson } from '../../common/json-schemas.ts';
import { SkillManifestSchema } from '../sdk/manifest.ts';
import { AttestationRequestSchema } from './attestations.ts';

/**
 * The registry's answers of the HTTP API as zod schemas: GET /v1/skills and GET /v1/skills/:id. The
 * routes (skills/routes.ts) type their answers with them; /openapi.json publishes them.
 */

/** A skill as the API lists it: its manifest, and whether it may run and why. */
export const SkillViewSchema = SkillManifestSchema.extend({
  origin: z.enum(['builtin', 'published', 'remote']),
  endpoint: z.string().optional(),
  status: z.enum(['audited', 'unaudited', 'tampered', 'failed-audit', 'not-published', 'suspect']),
  detail: z.string(),
  codeHash: HexJson,
  auditors: z.array(AddressJson),
});
export type SkillView = z.output<typeof SkillViewSchema>;

/** An auditor's signed verdict as the registry keeps it. */
export const AttestationViewSchema = AttestationRequestSchema.extend({ auditor: AddressJson, recordedAt: z.string() });

/** GET /v1/skills. */
export const SkillListResponseSchema = z.object({ skills: z.array(SkillViewSchema) });
export type SkillListResponse = z.output<typeof SkillListResponseSchema>;

/** GET /v1/skills/:id: the skill, its attestations and its published versions. */
export const SkillDetailResponseSchema = SkillViewSchema.extend({
  attestations: z.array(AttestationViewSchema),
  versions: z.array(z.object({ version: z.string(), codeHash: HexJson })),
});
export type SkillDetailResponse = z.output<typeof SkillDetailResponseSchema>;

/** A published release as the registry keeps it: its manifest, the hash of its source and its author's signature. */
export const ReleaseViewSchema = z.object({
  id: z.string(),
  version: z.string(),
  manifest: SkillManifestSchema,
  codeHash: HexJson,
  author: AddressJson,
  authorSignature: HexJson,
  origin: z.enum(['builtin', 'published']),
  publishedAt: z.string(),
});

/** POST /v1/skills (a 201): the release recorded. */
export const PublishResponseSchema = z.object({ release: ReleaseViewSchema });
export type PublishResponse = z.output<typeof PublishResponseSchema>;

/** POST /v1/skills/:id/attestations (a 201): the attestation recorded. */
export const AttestationResponseSchema = z.object({ attestation: AttestationViewSchema });
export type AttestationResponse = z.output<typeof AttestationResponseSchema>;
