import { SextantError } from '../../common/errors.ts';

/** The registry refused a request: a duplicate version, a bad signature, a package that breaks the rules. */
export class SkillRegistryError extends SextantError {
  override name = 'SkillRegistryError';
  /** The HTTP status the routes answer with. */
  declare readonly status: 400 | 404 | 409;

  constructor(message: string, options: { hint?: string; status?: 400 | 404 | 409; cause?: unknown } = {}) {
    super(message, { code: 'skill-registry-refused', ...options, status: options.status ?? 400 });
  }
}

/**
 * The bytes about to be imported (or just imported) are not the bytes the code hash covers: the
 * package is refused as tampered rather than run.
 */
export class PackageCopyChangedError extends SkillRegistryError {
  override name = 'PackageCopyChangedError';
}
