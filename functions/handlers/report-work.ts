import { z } from 'zod';
import { localDate } from '../core/dates.ts';
import { ConflictError, InvalidInputError } from '../core/errors.ts';
import { parseInstanceId } from '../core/ids.ts';
import { refresh } from '../core/instance.ts';
import { evidenceKinds } from '../core/plan-schema.ts';
import { httpHandler } from '../adapters/middleware.ts';
import { getInstance, saveInstance } from '../adapters/table.ts';

/** A unit reports a duty instance done, with a note and its evidence: `POST /instances/{id}/report`. */
export const reportBody = z.strictObject({
  note: z.string().trim().min(1, 'say in a few words what was done').max(2000),
  evidence: z
    .array(
      z.strictObject({
        kind: z.enum(evidenceKinds),
        name: z.string().trim().min(1).max(200),
        url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
      }),
    )
    .max(20)
    .default([]),
  figure: z.number().finite().min(0).max(1_000_000).optional(),
});

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

export const handler = httpHandler(reportBody, async ({ event, body, receivedAt }) => {
  const id = instanceIdFromPath(event.pathParameters?.['id']);
  const today = localDate(receivedAt, 'Asia/Shanghai');
  const record = await getInstance(id);
  if (record.completedOn !== null) throw new ConflictError(`instance ${id} was already reported done on ${record.completedOn}`);
  const report = { n: record.reports.length + 1, on: today, note: body.note, evidence: body.evidence, ...(body.figure === undefined ? {} : { figure: body.figure }) };
  const saved = await saveInstance(refresh({ ...record, completedOn: today, reports: [...record.reports, report] }, today));
  return { status: 200, body: { id: saved.id, status: saved.status, light: saved.light, completedOn: saved.completedOn, dueOn: saved.dueOn, version: saved.version } };
});
