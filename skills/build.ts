import { z } from 'zod';
import type { Skill, SkillBuild, SkillContext, SkillReading } from './sdk/define-skill.ts';
import { SkillError, SkillRefusedError } from './sdk/errors.ts';
import { assertCallsDeclared } from './sdk/permissions.ts';
import { servesChain } from './sdk/serves-chain.ts';

/**
 * The one way the runtime runs a skill's `build`: the input is checked against the skill's schema,
 * the chain against its declared chains, and every call it returns against the contracts and
 * selectors its manifest declares (any other call refuses the whole build).
 */
export async function buildSkillCalls(skill: Skill, input: unknown, ctx: SkillContext): Promise<SkillBuild> {
  if (skill.kind !== 'action') throw new SkillError(`${skill.id} is read-only; it builds no calls.`);
  assertChainSupported(skill, ctx);
  const build = await skill.build(parseInput(skill, input), ctx);
  assertCallsDeclared(skill.id, skill.contracts, ctx.chain, build.calls, ctx.userTokens);
  return build;
}

/** A skill's read-only preview (swap output, health factor after), when it has one. */
export async function quoteSkill(skill: Skill, input: unknown, ctx: SkillContext): Promise<SkillReading | undefined> {
  if (skill.kind !== 'action' || !skill.quote) return undefined;
  assertChainSupported(skill, ctx);
  return skill.quote(parseInput(skill, input), ctx);
}

/** Runs a read-only skill (balance, price, total supply). */
export async function readSkill(skill: Skill, input: unknown, ctx: SkillContext): Promise<SkillReading> {
  if (skill.kind !== 'read') throw new SkillError(`${skill.id} is not read-only; plan it instead.`);
  assertChainSupported(skill, ctx);
  return skill.read(parseInput(skill, input), ctx);
}

/** The input as the skill receives it (its schema's defaults applied); a SkillError naming the field when it does not fit. */
export function parseInput(skill: Skill, input: unknown): unknown {
  const parsed = skill.input.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'input';
  throw new SkillError(`${skill.id}: ${field}: ${issue?.message ?? 'invalid'}.`, {
    hint: `It expects ${JSON.stringify(z.toJSONSchema(skill.input, { io: 'input' }).properties ?? {})}.`,
  });
}

function assertChainSupported(skill: Skill, ctx: SkillContext): void {
  if (!servesChain(skill.chains, ctx.chain.slug)) {
    throw new SkillRefusedError(skill.id, 'unsupported-chain', `${skill.id} does not support ${ctx.chain.name}.`, {
      hint: `It supports ${skill.chains.join(', ')}.`,
    });
  }
}
