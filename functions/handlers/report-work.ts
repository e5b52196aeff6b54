import { changedFields } from '../core/audit.ts';
import { localDate } from '../core/dates.ts';
import { ConflictError } from '../core/errors.ts';
import { refresh } from '../core/instance.ts';
import { reportWork } from '../api/routes/instances.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import { requireUnitOrStaff } from '../adapters/auth.ts';
import { instanceIdFromPath } from '../adapters/http-ids.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getInstance, saveInstance } from '../adapters/table.ts';

/**
 * A unit reports a duty instance done, with a note and its evidence: `POST /instances/{id}/report`.
 * The route's roles (unit, admin) are checked before this runs; a unit may report only its own
 * unit's instances, an admin any instance of their own town (on a unit's behalf). Access is decided
 * from the id alone, before the instance is read, so a refused caller learns nothing of it.
 */
const report = route(reportWork, async ({ params, body, receivedAt, principal, requestId }) => {
  const { id, key } = instanceIdFromPath(params.id);
  requireUnitOrStaff(principal, key.town, key.owner);
  const today = localDate(receivedAt, 'Asia/Shanghai');
  const record = await getInstance(id);
  if (record.completedOn !== null) throw new ConflictError(`instance ${id} was already reported done on ${record.completedOn}`, { current: { id, version: record.version, completedOn: record.completedOn } });
  const entry = { n: record.reports.length + 1, on: today, note: body.note, evidence: body.evidence, ...(body.figure === undefined ? {} : { figure: body.figure }) };
  const next = refresh({ ...record, completedOn: today, reports: [...record.reports, entry] }, today);
  const { before, after } = changedFields(record as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
  const saved = await saveInstance(next, [
    auditPut({ town: key.town, at: receivedAt.toISOString(), actor: actorOf(principal), action: 'instance.report', target: `instance:${id}`, before, after, requestId }),
  ]);
  return { status: 200, body: { id: saved.id, status: saved.status, light: saved.light, completedOn: saved.completedOn, dueOn: saved.dueOn, version: saved.version } };
});

export const handler = httpRouter(report);
