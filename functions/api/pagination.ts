import { z } from 'zod';
import { InvalidInputError } from '../core/errors.ts';

/**
 * Opaque cursors for the list routes: the base64url of the query's last key, which the route checks
 * belongs to the query it is given back to (a cursor of another town, index or filter is refused
 * with 400, never followed). Clients must not read them; their format may change.
 */

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE).describe(`items per page, 1–${MAX_PAGE}`),
  cursor: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9_-]+$/, 'expected the opaque cursor of a previous page (`next`)')
    .optional()
    .describe('the `next` of the previous page'),
};

/** The answer of a list route: a page of items and the cursor of the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export type StartKey = Record<string, string | number>;

export function encodeCursor(key: StartKey | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const badCursor = (message: string) => new InvalidInputError('query', [{ path: 'cursor', message }]);

/**
 * The start key of a cursor, or undefined without one. `expected` names the key attributes whose
 * values the query fixes (its partition key): a cursor that says otherwise is refused.
 */
export function decodeCursor(cursor: string | undefined, expected: Record<string, string>): StartKey | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not a cursor this API gave out');
  }
  if (key === null || typeof key !== 'object' || Array.isArray(key)) throw badCursor('not a cursor this API gave out');
  const entries = Object.entries(key);
  if (entries.length === 0 || entries.length > 6 || entries.some(([, v]) => (typeof v !== 'string' || v.length > 600) && typeof v !== 'number')) {
    throw badCursor('not a cursor this API gave out');
  }
  for (const [name, value] of Object.entries(expected)) {
    if ((key as Record<string, unknown>)[name] !== value) throw badCursor('the cursor belongs to another list: ask for the first page again');
  }
  return key as StartKey;
}
