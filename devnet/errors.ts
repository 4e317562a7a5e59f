import { SextantError } from '../common/errors.ts';

/** Anything that stops the devnet from starting or running, with what to do about it. */
export class DevnetError extends SextantError {
  override name = 'DevnetError';
}

export class BinaryNotFoundError extends DevnetError {
  override name = 'BinaryNotFoundError';
}

/** A child process (anvil, Alto) ended, or never became ready; `output` is the tail of what it printed. */
export class ChildProcessError extends DevnetError {
  override name = 'ChildProcessError';
}

/** One deployment or set-up transaction failed; the message names the step. */
export class DeploymentError extends DevnetError {
  override name = 'DeploymentError';
}
