/** The one error hierarchy of Fireplan. Every domain error extends FireplanError and can carry a cause. */
export class FireplanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface Problem {
  /** Dotted path to the offending field, e.g. `duties[12].cadence`. Empty for the whole document. */
  path: string;
  message: string;
  /** 1-based line in the source file, when the input came from a file. */
  line?: number;
}

/** Input that does not satisfy its schema or its cross-references. Carries every problem found, not just the first. */
export class ValidationError extends FireplanError {
  readonly problems: Problem[];
  constructor(subject: string, problems: Problem[], options?: { cause?: unknown }) {
    super(`${subject}: ${problems.length} problem(s)\n${problems.map(formatProblem).join('\n')}`, options);
    this.problems = problems;
  }
}

export class CalendarError extends FireplanError {}

/** A workflow or API input that fails its schema; state machines fail the execution with this name. */
export class InvalidInputError extends ValidationError {}

export class NotFoundError extends FireplanError {}

/** The caller is not known: no verified claims, or claims that do not name one user of one town in one role (HTTP 401). */
export class UnauthorizedError extends FireplanError {}

/** The caller is known but may not do this: a role the route does not allow, another town, another unit (HTTP 403). */
export class ForbiddenError extends FireplanError {}

/**
 * The item changed since it was read (a version or state condition failed), or its state forbids the
 * change: the caller re-reads and decides. `current` is what the caller should re-read from: the
 * item as it now is, with its version (HTTP 409 sends it), or what stands in the way.
 */
export class ConflictError extends FireplanError {
  readonly current?: unknown;
  constructor(message: string, options?: { cause?: unknown; current?: unknown }) {
    super(message, options);
    if (options?.current !== undefined) this.current = options.current;
  }
}

/** The table could not be read or written; retrying the step is safe, since every write is conditional. */
export class StorageError extends FireplanError {}

/** SES still throttles after the SDK's own retries: the workflow retries the step with backoff. */
export class EmailThrottledError extends FireplanError {}

export function formatProblem(problem: Problem): string {
  const where = problem.path === '' ? '(document)' : problem.path;
  const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${where}${line}: ${problem.message}`;
}
