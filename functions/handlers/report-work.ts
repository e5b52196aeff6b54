import { localDate } from '../core/dates.ts';
import { ConflictError, InvalidInputError } from '../core/errors.ts';
import { parseInstanceId, type InstanceKey } from '../core/ids.ts';
import { refresh } from '../core/instance.ts';
import { reportBody, routes } from '../api/route-table.ts';
import { requireUnitOrStaff } from '../adapters/auth.ts';
import { httpHandler } from '../adapters/middleware.ts';
import { getInstance, saveInstance } from '../adapters/table.ts';

const badId = () => new InvalidInputError('path', [{ path: 'id', message: 'expected a duty instance id, town:duty:owner:period' }]);

function instanceIdFromPath(raw: string | undefined): { id: string; key: InstanceKey } {
  let id: string;
  try {
    id = decodeURIComponent(raw ?? '');
  } catch {
    throw badId();
  }
  const key = parseInstanceId(id);
  if (!key) throw badId();
  return { id, key };
}

const route = routes.find((r) => r.functionId === 'ReportWork');
if (!route) throw new Error('functions/api/route-table.ts has no route for ReportWork');

/**
 * A unit reports a duty instance done, with a note and its evidence: `POST /instances/{id}/report`.
 * The route's roles (unit, admin) are checked before this runs; a unit may report only its own
 * unit's instances, an admin any instance of their own town (on a unit's behalf). Access is decided
 * from the id alone, before the instance is read, so a refused caller learns nothing of it.
 */
export const handler = httpHandler({ roles: route.roles, body: reportBody }, async ({ event, body, receivedAt, principal }) => {
  const { id, key } = instanceIdFromPath(event.pathParameters?.['id']);
  requireUnitOrStaff(principal, key.town, key.owner);
  const today = localDate(receivedAt, 'Asia/Shanghai');
  const record = await getInstance(id);
  if (record.completedOn !== null) throw new ConflictError(`instance ${id} was already reported done on ${record.completedOn}`);
  const report = { n: record.reports.length + 1, on: today, note: body.note, evidence: body.evidence, ...(body.figure === undefined ? {} : { figure: body.figure }) };
  const saved = await saveInstance(refresh({ ...record, completedOn: today, reports: [...record.reports, report] }, today));
  return { status: 200, body: { id: saved.id, status: saved.status, light: saved.light, completedOn: saved.completedOn, dueOn: saved.dueOn, version: saved.version } };
});
