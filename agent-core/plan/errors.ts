import { SextantError } from '../../common/errors.ts';

/** Something the user must answer before a plan can exist: the question, and which field it fills. */
export class ClarifyError extends SextantError {
  override name = 'ClarifyError';
  override readonly code = 'clarify';
  readonly field: string;
  readonly intentIndex: number;

  constructor(question: string, field: string, intentIndex: number) {
    super(question);
    this.field = field;
    this.intentIndex = intentIndex;
  }
}

/** The request cannot be done here at all: an action, chain or protocol with no audited skill. */
export class UnsupportedError extends SextantError {
  override name = 'UnsupportedError';
  override readonly code = 'unsupported';
}
