import { createHash } from 'node:crypto';
import { decodeCursor, encodeCursor } from './pagination.ts';

/**
 * A list route's cursor bound to the whole request that gave it out, not only to the partition the
 * query read (which `decodeCursor` checks): the query's own cursor with a digest of every filter
 * added. Followed with other filters, it is a 400 asking for the first page again, never a page
 * of another list (or a start key outside the new query's range, which DynamoDB would refuse).
 */

/** A short digest of the filters that make a list what it is (undefined and '' are the same). */
export function listDigest(filters: readonly (string | number | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify(filters.map((f) => (f === undefined ? '' : String(f)))))
    .digest('base64url')
    .slice(0, 16);
}

/** The `next` to give out: the query's cursor with the list's digest. */
export function bindCursor(next: string | null, digest: string): string | null {
  const key = next === null ? undefined : decodeCursor(next, {});
  return key === undefined ? null : encodeCursor({ ...key, list: digest });
}

/** The query's own cursor of a `cursor` the client sent back, once it is known to be this list's (else a 400). */
export function unbindCursor(cursor: string | undefined, digest: string): string | undefined {
  const key = decodeCursor(cursor, { list: digest });
  if (key === undefined) return undefined;
  const { list: _list, ...start } = key;
  return encodeCursor(start) ?? undefined;
}
