import { SkillError } from '../sdk/errors.ts';

/** What went wrong talking to an endpoint: each kind has its own sentence, so a person knows what to do. */
export type EndpointProblem =
  | 'unreachable'
  | 'timeout'
  | 'too-large'
  | 'malformed'
  | 'http'
  | 'invalid'
  | 'signature'
  /** A skill id it serves is one this runtime already has (a local skill, or an endpoint added earlier). */
  | 'taken';

/**
 * An agent endpoint could not be used: it did not answer in time, answered too much, answered
 * something that is not the format, or signed it wrongly. Not in itself a sign of malice, so it does
 * not mark the endpoint suspect (refusals of what it built do). A SkillError, so the planner says it.
 */
export class EndpointError extends SkillError {
  override name = 'EndpointError';
  readonly problem: EndpointProblem;
  readonly endpoint: string;

  constructor(
    endpoint: string,
    problem: EndpointProblem,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
    this.endpoint = endpoint;
    this.problem = problem;
  }
}
