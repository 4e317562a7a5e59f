/**
 * The skill SDK, as a skill package imports it (`import { defineSkill } from 'sextant/skills/sdk'`).
 * Everything a skill needs to declare itself and build calls; nothing that signs or sends.
 */
export { formatAmount, toBaseUnits } from './amounts.ts';
export {
  type Approval,
  type AssetAmount,
  type AssetBounds,
  defineSkill,
  NATIVE_TOKEN,
  type Skill,
  type SkillBuild,
  type SkillCall,
  type SkillContext,
  type SkillReading,
} from './define-skill.ts';
export { SkillError } from './errors.ts';
export { addressInput, HumanAmount, TokenName } from './inputs.ts';
export type { FromIntent, ResolvedIntent } from './intent-input.ts';
export type { ContractPermission } from './permissions.ts';
