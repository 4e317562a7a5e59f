import { SextantError } from '../../common/errors.ts';

/** A skill could not do what it was asked (bad input, a limit, nothing to quote). Says why and what to do. */
export class SkillError extends SextantError {
  override name = 'SkillError';
  override readonly code = 'skill-failed';
}

/** A skill definition breaks the SDK's rules (found when it is defined, long before it runs). */
export class SkillDefinitionError extends SextantError {
  override name = 'SkillDefinitionError';
}

/**
 * Why the runtime refuses to use a skill. Each reason is distinct so the planner and the UI can say
 * exactly what is wrong: never audited, changed since its audit, audited and failed, or caught
 * calling something its manifest does not declare.
 */
export type RefusalReason =
  | 'not-published'
  | 'unaudited'
  | 'tampered'
  | 'failed-audit'
  | 'undeclared-call'
  | 'unsupported-chain'
  | 'suspect';

export class SkillRefusedError extends SextantError {
  override name = 'SkillRefusedError';
  override readonly code = 'skill-refused';
  readonly reason: RefusalReason;
  readonly skillId: string;

  constructor(skillId: string, reason: RefusalReason, message: string, options: { hint?: string } = {}) {
    super(message, options);
    this.skillId = skillId;
    this.reason = reason;
  }
}
