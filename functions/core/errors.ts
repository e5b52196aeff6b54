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

export class NotFoundError extends FireplanError {}

export function formatProblem(problem: Problem): string {
  const where = problem.path === '' ? '(document)' : problem.path;
  const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${where}${line}: ${problem.message}`;
}
