import { ForbiddenError } from '../core/errors.ts';
import { instanceSummary, type InstanceRecord } from '../core/instance.ts';
import { getInstanceRoute, listInstances } from '../api/routes/instances.ts';
import { requireTown, requireUnitOrStaff, type Principal } from '../adapters/auth.ts';
import { instanceIdFromPath } from '../adapters/http-ids.ts';
import { bindCursor, listDigest, unbindCursor } from '../api/list-cursor.ts';
import { queryInstances, type InstanceFilter } from '../adapters/instance-queries.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getInstance } from '../adapters/table.ts';

/**
 * Duty instances: `GET /instances` (a page of those matching the filters, one query on the access
 * pattern the filters allow, never a scan: functions/adapters/instance-queries.ts) and
 * `GET /instances/{id}` (one, whole). Admins and leaders read their town; a unit reads its own
 * unit's instances only.
 */

/** What a list shows of an instance (with its town, cadence and number of reports); `GET /instances/{id}` gives the whole record. */
function listItem(record: InstanceRecord) {
  return { ...instanceSummary(record), town: record.town, cadence: record.cadence, reports: record.reports.length };
}

/** The unit a caller's list is about: a unit user's own (another unit named explicitly is a 403), or the filter's. */
function unitOfList(principal: Principal, unit: string | undefined): string | undefined {
  if (principal.role !== 'unit') return unit;
  if (unit !== undefined && unit !== principal.unit) throw new ForbiddenError(`a unit sees only its own instances (${principal.unit ?? 'none'})`);
  return principal.unit;
}

const list = route(listInstances, async ({ query, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  const unit = unitOfList(principal, query.unit);
  const filter: InstanceFilter = { town, unit, period: query.period, duty: query.duty, status: query.status, light: query.light, review: query.review };
  // A cursor is followed only by the list that gave it out: same town, unit and filters.
  const digest = listDigest(['instances', town, unit, query.period, query.duty, query.status, query.light, query.review]);
  const page = await queryInstances(filter, { limit: query.limit, cursor: unbindCursor(query.cursor, digest) });
  return { status: 200, body: { items: page.items.map(listItem), next: bindCursor(page.next, digest) } };
});

const one = route(getInstanceRoute, async ({ params, principal }) => {
  const { id, key } = instanceIdFromPath(params.id);
  requireUnitOrStaff(principal, key.town, key.owner);
  return { status: 200, body: await getInstance(id) };
});

export const handler = httpRouter(list, one);
