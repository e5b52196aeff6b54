import { localDate, type IsoDate } from '../core/dates.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import {
  approveExposure,
  editExposure,
  EXPOSURE_DUTY,
  exposureCurrent,
  namesOf,
  publishExposure,
  reportPublished,
  type ExposureList,
} from '../core/exposure.ts';
import { exposureFilename, exposureWorkbook } from '../core/hazard-ledgers.ts';
import { instanceId } from '../core/ids.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { resolveOwners } from '../core/schedule.ts';
import { XLSX_MEDIA_TYPE } from '../core/workbook.ts';
import { bindCursor, listDigest, unbindCursor } from '../api/list-cursor.ts';
import { approveExposureRoute, editExposureRoute, exposureLedger, getExposureRoute, listExposuresRoute, publishExposureRoute } from '../api/routes/exposures.ts';
import { auditChange } from '../adapters/audit-log.ts';
import { requireTown } from '../adapters/auth.ts';
import { exposureUpdate, getExposure, queryExposures } from '../adapters/exposure-store.ts';
import { listHazards } from '../adapters/hazard-store.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getActivePlan, getInstance, instancePut, transact, type TransactItem } from '../adapters/table.ts';

/**
 * The quarterly exposure lists (item 8): read by admins and leaders of the town; edited (texts,
 * removals), approved and recorded as published by admins. Each change is one transaction with its
 * audit entry, under the version the admin read. An edit that puts personal data into an entry (a
 * phone number, an identity card number, the name of the hazard's contact) is refused whole with
 * a 400 naming the entry and the field; publishing is final, and reports the quarter's
 * `c08-quarterly-hazard-exposure` instance done with the list (awaiting review). docs/hazards.md.
 */

const today = (receivedAt: Date): IsoDate => localDate(receivedAt, 'Asia/Shanghai');

function summary(list: ExposureList) {
  return {
    id: list.id,
    town: list.town,
    quarter: list.quarter,
    status: list.status,
    draftedOn: list.draftedOn,
    approvedOn: list.approvedOn,
    publishedOn: list.publishedOn,
    entries: list.entries.length,
    edited: list.edited,
    version: list.version,
  };
}

/** The contacts' names of the hazards on a list: kept out of its texts. */
async function namesByHazard(town: string): Promise<Map<string, string[]>> {
  const hazards = await listHazards(town, { grade: 'major' });
  return new Map(hazards.map((h) => [h.id, namesOf(h)]));
}

/** Writes the list's next version (and more), or a 409 with the list as it is now. */
async function save(read: ExposureList, next: ExposureList, items: TransactItem[]): Promise<ExposureList> {
  try {
    await transact('save exposure list', [exposureUpdate(next), ...items], () => new ConflictError('changed'));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const now = await getExposure(read.town, read.quarter);
    throw new ConflictError(`the exposure list of ${read.quarter} changed while this was decided (version ${read.version} → ${now.version}): read it again`, {
      cause: error,
      current: exposureCurrent(now),
    });
  }
  return { ...next, version: read.version + 1 };
}

const list = route(listExposuresRoute, async ({ query, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  const digest = listDigest(['exposures', town, query.status]);
  const page = await queryExposures(town, { status: query.status }, { limit: query.limit, cursor: unbindCursor(query.cursor, digest) });
  return { status: 200, body: { items: page.items.map(summary), next: bindCursor(page.next, digest) } };
});

const one = route(getExposureRoute, async ({ params, principal }) => ({ status: 200, body: await getExposure(principal.town, params.id) }));

const edit = route(editExposureRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const read = await getExposure(principal.town, params.id);
  const next = editExposure(read, body, { by: principal.subject, on: today(receivedAt) }, await namesByHazard(principal.town));
  const saved = await save(read, next, [auditChange(principal, requestId, receivedAt, 'exposure.edit', `exposure:${read.quarter}`, read, next)]);
  return { status: 200, body: saved };
});

const approve = route(approveExposureRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const read = await getExposure(principal.town, params.id);
  const next = approveExposure(read, body.version, { by: principal.subject, on: today(receivedAt) }, await namesByHazard(principal.town));
  const saved = await save(read, next, [auditChange(principal, requestId, receivedAt, 'exposure.approve', `exposure:${read.quarter}`, read, next)]);
  return { status: 200, body: saved };
});

/** The quarter's exposure instances (one per owner of the duty) that the publication reports, as they are now. */
async function exposureInstances(town: string, quarter: string): Promise<InstanceRecord[]> {
  const { plan } = await getActivePlan(town);
  const duty = plan.duties.find((d) => d.id === EXPOSURE_DUTY);
  if (!duty) return [];
  const found = await Promise.all(
    resolveOwners(plan, duty).map(async (owner) => {
      try {
        return await getInstance(instanceId({ town, duty: duty.id, owner: owner.id, period: quarter }));
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    }),
  );
  return found.filter((i): i is InstanceRecord => i !== undefined);
}

const publish = route(publishExposureRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const read = await getExposure(principal.town, params.id);
  const next = publishExposure(read, body.version, { by: principal.subject, on: today(receivedAt) });
  const reported = (await exposureInstances(principal.town, read.quarter)).flatMap((record) => {
    const done = reportPublished(record, next);
    return done ? [{ record, done }] : [];
  });
  const saved = await save(read, next, [
    auditChange(principal, requestId, receivedAt, 'exposure.publish', `exposure:${read.quarter}`, read, next),
    ...reported.flatMap(({ record, done }) => [instancePut(done), auditChange(principal, requestId, receivedAt, 'instance.report', `instance:${record.id}`, record, done)]),
  ]);
  return { status: 200, body: { ...saved, reported: reported.map(({ done }) => ({ id: done.id, completedOn: done.completedOn, status: done.status, review: done.review, version: done.version + 1 })) } };
});

const workbook = route(exposureLedger, async ({ params, receivedAt, principal }) => {
  const found = await getExposure(principal.town, params.id);
  const { plan } = await getActivePlan(principal.town);
  const body = await exposureWorkbook(plan, found, receivedAt);
  return { status: 200, file: { contentType: XLSX_MEDIA_TYPE, body, filename: exposureFilename(plan, found) } };
});

export const handler = httpRouter(list, one, edit, approve, publish, workbook);
