import { type Address, isAddress } from 'viem';
import { z } from 'zod';
import { INTENT_ACTIONS } from '../../common/intent-actions.ts';
import type { Skill } from './define-skill.ts';
import { parsePermissions } from './permissions.ts';

const PermissionSchema = z.object({
  contract: z.string().min(1),
  functions: z.array(z.string()),
  payable: z.boolean().optional(),
});

/**
 * A skill's manifest: everything in its definition but the code, as JSON. It is what the registry
 * stores and signs over (with the code hash), what `GET /v1/skills` lists, and what a protocol's
 * agent endpoint serves for its remote skills.
 */
export const SkillManifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/, 'must be "protocol/action" in lower case'),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version'),
  title: z.string().min(1).max(120),
  description: z.string().min(1).max(2000),
  protocol: z.string().regex(/^[a-z0-9-]+$/),
  author: z.string().refine((value) => isAddress(value, { strict: false }), 'not an address') as z.ZodType<Address>,
  kind: z.enum(['action', 'read']),
  actions: z.array(z.enum(INTENT_ACTIONS)).min(1),
  chains: z.array(z.string().min(1)).min(1),
  hasQuote: z.boolean(),
  /** The input as JSON Schema (draft 2020-12), generated from the zod schema; the LLM's tool parameters. */
  input: z.record(z.string(), z.unknown()),
  contracts: z.record(z.string(), z.array(PermissionSchema)).superRefine((contracts, context) => {
    for (const [chain, permissions] of Object.entries(contracts)) {
      try {
        parsePermissions(permissions);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `contracts on ${chain}: ${(error as Error).message}` });
      }
    }
  }),
});

export type SkillManifest = z.infer<typeof SkillManifestSchema>;

export function skillManifest(skill: Skill): SkillManifest {
  return {
    id: skill.id,
    version: skill.version,
    title: skill.title,
    description: skill.description,
    protocol: skill.protocol,
    author: skill.author,
    kind: skill.kind,
    actions: [...skill.actions],
    chains: [...skill.chains],
    hasQuote: skill.kind === 'action' && typeof skill.quote === 'function',
    input: z.toJSONSchema(skill.input, { io: 'input' }) as Record<string, unknown>,
    contracts: Object.fromEntries(
      Object.entries(skill.contracts).map(([chain, permissions]) => [
        chain,
        permissions.map((permission) => ({ ...permission, functions: [...permission.functions] })),
      ]),
    ),
  };
}
