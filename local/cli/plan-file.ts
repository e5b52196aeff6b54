import { readFile } from 'node:fs/promises';
import { FireplanError, ValidationError, type Problem } from '../../functions/core/errors.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { println, type Io } from './io.ts';

export type LoadedPlan =
  | { ok: true; file: string; plan: Plan }
  | { ok: false; file: string; problems: Problem[] }
  | { ok: false; file: string; unreadable: string };

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a plan file',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Reads and validates a plan file; every way it can fail becomes data for the caller to print. */
export async function loadPlanFile(file: string): Promise<LoadedPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return { ok: false, file, unreadable: READ_ERRORS[code] ?? (error as Error).message };
  }
  try {
    return { ok: true, file, plan: parsePlan(text, file) };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, file, problems: error.problems };
    // A calendar that runs out of working days is still the plan's fault, not the program's.
    if (error instanceof FireplanError) return { ok: false, file, problems: [{ path: '', message: error.message }] };
    throw error;
  }
}

/** `FILE:LINE: path: message`, ordered by line; problems of the whole document (no line) come first. */
export function formatProblems(file: string, problems: readonly Problem[]): string[] {
  return [...problems]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map((p) => `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
}

export function reportLoadFailure(io: Io, loaded: Exclude<LoadedPlan, { ok: true }>): void {
  if ('unreadable' in loaded) {
    println(io.stderr, `fireplan: cannot read ${loaded.file}: ${loaded.unreadable}`);
    return;
  }
  for (const line of formatProblems(loaded.file, loaded.problems)) println(io.stderr, line);
  const count = loaded.problems.length;
  println(io.stderr, `${count} ${count === 1 ? 'problem' : 'problems'} in ${loaded.file}`);
}
