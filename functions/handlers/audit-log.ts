import { InvalidInputError } from '../core/errors.ts';
import { bindCursor, listDigest, unbindCursor } from '../api/list-cursor.ts';
import { listAudit as auditRoute } from '../api/routes/audit.ts';
import { listAudit } from '../adapters/audit-log.ts';
import { httpRouter, route } from '../adapters/middleware.ts';

/**
 * `GET /audit`: the caller's town's audit log, newest first, a page at a time, optionally only the
 * changes of one item (`target`) or of some days (`from`, `to`: UTC days of the entries' instants).
 * Admins and leaders (the route's roles); the log has no route that changes it.
 */
const run = route(auditRoute, async ({ query, principal }) => {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    throw new InvalidInputError('query', [{ path: 'to', message: `the last day (${query.to}) is before the first (${query.from})` }]);
  }
  // A cursor is followed only by the list that gave it out: same town, target and days.
  const digest = listDigest(['audit', principal.town, query.target, query.from, query.to]);
  const page = await listAudit(principal.town, { limit: query.limit, cursor: unbindCursor(query.cursor, digest), target: query.target, from: query.from, to: query.to });
  return { status: 200, body: { items: page.items, next: bindCursor(page.next, digest) } };
});

export const handler = httpRouter(run);
