import { SextantError } from '../../common/errors.ts';

/** A standing order cannot be made, found or changed as asked; the message says why, the hint what to do. */
export class OrderError extends SextantError {
  override name = 'OrderError';
}

export class OrderNotFoundError extends OrderError {
  override name = 'OrderNotFoundError';
  override readonly code = 'not-found';
  override readonly status = 404;
}
