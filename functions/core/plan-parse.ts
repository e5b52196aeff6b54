import { LineCounter, parseDocument, isNode, isScalar, visit, type Document, type YAMLError } from 'yaml';
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
  if (doc.errors.length > 0) throw new ValidationError(source, yamlProblems(doc, counter));
  if (isEmpty(doc)) throw new ValidationError(source, [{ path: '', message: 'the plan file is empty', line: 1 }]);
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

/**
 * Nothing but blanks, comments and document markers: no node, or a null one that covers no text. Said
 * as such, rather than "expected object, received null".
 */
function isEmpty(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1]);
}

/**
 * Errors after which the parser still reads the rest of the document as it was meant: anything else
 * (a bracket never closed, a wrong indentation) shifts the structure, and the errors after it are
 * mostly its echo.
 */
const CONTAINED_YAML_ERRORS: ReadonlySet<YAMLError['code']> = new Set([
  'DUPLICATE_KEY',
  'BAD_DQ_ESCAPE',
  'BAD_ALIAS',
  'TAG_RESOLVE_FAILED',
  'MULTIPLE_ANCHORS',
  'MULTIPLE_TAGS',
  'KEY_OVER_1024_CHARS',
]);

/**
 * The YAML errors worth reading, each at the line to fix: in document order, the first error of each
 * line, up to and including the first error that derails the parser.
 */
function yamlProblems(doc: Document, counter: LineCounter): Problem[] {
  const errors = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const problems: Problem[] = [];
  for (const error of errors) {
    const line = openingLine(doc, counter, error) ?? counter.linePos(error.pos[0]).line;
    if (!problems.some((p) => p.line === line)) problems.push({ path: '', message: `YAML: ${error.message.split('\n')[0]}`, line });
    if (!CONTAINED_YAML_ERRORS.has(error.code)) break;
  }
  return problems;
}

/**
 * For a flow collection (`[…]`, `{…}`) that is never closed, the line of its opening bracket: the
 * parser notices only where the next line begins. The unclosed collection is the one whose content
 * ends where the error is.
 */
function openingLine(doc: Document, counter: LineCounter, error: YAMLError): number | undefined {
  if (!/^Flow (?:sequence|map) .*end with a [\]}]$/.test(error.message.split('\n')[0] ?? '')) return undefined;
  let opening: number | undefined;
  visit(doc, (_key, node) => {
    if (isNode(node) && 'flow' in node && node.flow === true && node.range?.[1] === error.pos[0]) {
      opening = node.range[0];
      return visit.BREAK;
    }
    return undefined;
  });
  return opening === undefined ? undefined : counter.linePos(opening).line;
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
