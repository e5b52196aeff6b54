import { localDate } from '../core/dates.ts';
import { ConflictError, InvalidInputError } from '../core/errors.ts';
import { parseInstanceId } from '../core/ids.ts';
import { refresh } from '../core/instance.ts';
import { reportBody } from '../api/route-table.ts';
import { httpHandler } from '../adapters/middleware.ts';
import { getInstance, saveInstance } from '../adapters/table.ts';

const badId = () => new InvalidInputError('path', [{ path: 'id', message: 'expected a duty instance id, town:duty:owner:period' }]);

function instanceIdFromPath(raw: string | undefined): string {
  let id: string;
  try {
    id = decodeURIComponent(raw ?? '');
  } catch {
    throw badId();
  }
  if (!parseInstanceId(id)) throw badId();
  return id;
}

/** A unit reports a duty instance done, with a note and its evidence: `POST /instances/{id}/report`. */
export const handler = httpHandler(reportBody, async ({ event, body, receivedAt }) => {
  const id = instanceIdFromPath(event.pathParameters?.['id']);
  const today = localDate(receivedAt, 'Asia/Shanghai');
  const record = await getInstance(id);
  if (record.completedOn !== null) throw new ConflictError(`instance ${id} was already reported done on ${record.completedOn}`);
  const report = { n: record.reports.length + 1, on: today, note: body.note, evidence: body.evidence, ...(body.figure === undefined ? {} : { figure: body.figure }) };
  const saved = await saveInstance(refresh({ ...record, completedOn: today, reports: [...record.reports, report] }, today));
  return { status: 200, body: { id: saved.id, status: saved.status, light: saved.light, completedOn: saved.completedOn, dueOn: saved.dueOn, version: saved.version } };
});
