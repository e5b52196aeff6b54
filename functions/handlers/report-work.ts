import { randomBytes } from 'node:crypto';
import { changedFields } from '../core/audit.ts';
import { localDate } from '../core/dates.ts';
import { ConflictError, InvalidInputError, type Problem } from '../core/errors.ts';
import { evidenceKey, evidencePrefix, isEvidenceKeyOf } from '../core/evidence.ts';
import { refresh, type InstanceRecord } from '../core/instance.ts';
import { reportWork, uploadEvidence } from '../api/routes/instances.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import { requireUnitOrStaff } from '../adapters/auth.ts';
import { presignUpload, storedFile } from '../adapters/evidence.ts';
import { instanceIdFromPath } from '../adapters/http-ids.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getInstance, saveInstance } from '../adapters/table.ts';

/**
 * A unit reports a duty instance done: `POST /instances/{id}/evidence` gives a presigned URL for
 * each file, then `POST /instances/{id}/report` reports the work with a note and the evidence.
 * The route's roles (unit, admin) are checked before this runs; a unit may act only for its own
 * unit's instances, an admin for any instance of their own town (on a unit's behalf). Access is
 * decided from the id alone, before the instance is read, so a refused caller learns nothing of it.
 */

function alreadyReported(record: InstanceRecord): ConflictError {
  return new ConflictError(`instance ${record.id} was already reported done on ${record.completedOn}`, {
    current: { id: record.id, version: record.version, completedOn: record.completedOn, review: record.review ?? 'awaiting' },
  });
}

/**
 * Every evidence file the report names by key must be this instance's, and uploaded with the size
 * declared for it: each problem is a 400 naming the item.
 */
async function checkUploadedFiles(id: string, evidence: readonly { key?: string | undefined; size?: number | undefined }[]): Promise<void> {
  const problems: Problem[] = [];
  await Promise.all(
    evidence.map(async (item, n) => {
      if (item.key === undefined) return;
      if (!isEvidenceKeyOf(id, item.key)) {
        problems.push({ path: `evidence[${n}].key`, message: `not a file of this instance: its files are under ${evidencePrefix(id)}` });
        return;
      }
      const stored = await storedFile(item.key);
      if (stored === undefined || stored.size !== item.size) {
        const found = stored === undefined ? 'there is no file under this key' : `the file under this key has ${stored.size} bytes, not ${item.size}`;
        problems.push({ path: `evidence[${n}].key`, message: `the file was not uploaded (${found}): PUT it to the upload URL first` });
      }
    }),
  );
  if (problems.length > 0) throw new InvalidInputError('request body', problems.sort((a, b) => (a.path < b.path ? -1 : 1)));
}

const report = route(reportWork, async ({ params, body, receivedAt, principal, requestId }) => {
  const { id, key } = instanceIdFromPath(params.id);
  requireUnitOrStaff(principal, key.town, key.owner);
  const today = localDate(receivedAt, 'Asia/Shanghai');
  const record = await getInstance(id);
  if (record.completedOn !== null) throw alreadyReported(record);
  await checkUploadedFiles(id, body.evidence);
  const entry = { n: record.reports.length + 1, on: today, note: body.note, evidence: body.evidence, ...(body.figure === undefined ? {} : { figure: body.figure }) };
  const next = refresh({ ...record, completedOn: today, review: 'awaiting', reports: [...record.reports, entry] }, today);
  const { before, after } = changedFields(record as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
  const saved = await saveInstance(next, [
    auditPut({ town: key.town, at: receivedAt.toISOString(), actor: actorOf(principal), action: 'instance.report', target: `instance:${id}`, before, after, requestId }),
  ]);
  return {
    status: 200,
    // The instance now awaits review (GET /instances/{id} shows it); the answer keeps the shape it had before reviews existed.
    body: { id: saved.id, status: saved.status, light: saved.light, completedOn: saved.completedOn, dueOn: saved.dueOn, version: saved.version },
  };
});

/**
 * A presigned URL to upload one evidence file of an open instance: the key is new for every call
 * (nothing is stored until the report names it), and the file's type and size are signed into the
 * URL, so S3 takes only that file, for 15 minutes.
 */
const evidence = route(uploadEvidence, async ({ params, body, receivedAt, principal }) => {
  const { id, key: parsed } = instanceIdFromPath(params.id);
  requireUnitOrStaff(principal, parsed.town, parsed.owner);
  const record = await getInstance(id);
  if (record.completedOn !== null) throw alreadyReported(record);
  const key = evidenceKey(id, randomBytes(12).toString('hex'), body.name);
  const upload = await presignUpload({ key, contentType: body.contentType, size: body.size, signedAt: receivedAt });
  return {
    status: 201,
    body: {
      key,
      name: body.name,
      size: body.size,
      uploadUrl: upload.url,
      method: 'PUT',
      headers: { 'content-type': body.contentType },
      expiresAt: upload.expiresAt,
    },
  };
});

export const handler = httpRouter(report, evidence);
