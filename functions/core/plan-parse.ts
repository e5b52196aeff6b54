import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { ValidationError, type Problem } from './errors.ts';
import { planSchema, type Plan } from './plan-schema.ts';
import { scheduleProblems } from './schedule.ts';

/** `duties[12].cadence` from `['duties', 12, 'cadence']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The line of the deepest node of the path that exists in the YAML document. */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function zodProblems(error: z.ZodError, locate: (path: readonly PropertyKey[]) => number | undefined = () => undefined): Problem[] {
  return error.issues.map((issue) => {
    const line = locate(issue.path);
    return { path: formatPath(issue.path), message: issue.message, ...(line === undefined ? {} : { line }) };
  });
}

/**
 * Parse and validate a plan written in YAML. Every problem is reported with its path and line;
 * nothing is thrown but ValidationError.
 */
export function parsePlan(text: string, source = 'plan'): Plan {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      source,
      doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}`, line: e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line })),
    );
  }
  const result = planSchema.safeParse(doc.toJS(), { error: (issue) => (issue.input === undefined ? 'required, but missing' : undefined) });
  const locate = (path: readonly PropertyKey[]) => lineOf(doc, counter, path);
  if (!result.success) throw new ValidationError(source, zodProblems(result.error, locate));
  const problems = scheduleProblems(result.data);
  if (problems.length > 0) {
    throw new ValidationError(
      source,
      problems.map((p) => withLine(p, locate(parsePath(p.path)))),
    );
  }
  return result.data;
}

/** `['duties', 12, 'due']` from `duties[12].due`: the inverse of formatPath. */
export function parsePath(path: string): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? ''));
  return keys;
}

function withLine(problem: Problem, line: number | undefined): Problem {
  return line === undefined ? problem : { ...problem, line };
}
