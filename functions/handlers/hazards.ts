import type { WorkCalendar } from '../core/calendar.ts';
import { localDate, type IsoDate } from '../core/dates.ts';
import { ConflictError, ForbiddenError, InvalidInputError } from '../core/errors.ts';
import {
  categoryLabel,
  checkVersion,
  closeHazard,
  currentOf,
  gradeLabel,
  hazardIdFor,
  hazardProblems,
  instanceIdsOf,
  listHazard,
  newHazard,
  pastDeadline,
  reportProgress,
  selfBuiltProblemLabel,
  withoutContact,
  type HazardInput,
  type HazardRecord,
} from '../core/hazards.ts';
import { hazardLedgerFilename, hazardLedgerWorkbook, houseLedgerFilename, houseLedgerWorkbook } from '../core/hazard-ledgers.ts';
import type { InstanceRecord } from '../core/instance.ts';
import { unitName } from '../core/messages.ts';
import type { Plan } from '../core/plan-schema.ts';
import { planCalendar } from '../core/schedule.ts';
import { houseIdFor, houseProblems, newHouse, problemToHazard, type SelfBuiltHouse } from '../core/self-built-houses.ts';
import { XLSX_MEDIA_TYPE } from '../core/workbook.ts';
import { bindCursor, listDigest, unbindCursor } from '../api/list-cursor.ts';
import {
  closeHazardRoute,
  createHazard,
  createHouse,
  getHazardRoute,
  getHouseRoute,
  hazardLedger,
  hazardProgress,
  houseHazard,
  houseLedger,
  listHazardRoute,
  listHazardsRoute,
  listHousesRoute,
} from '../api/routes/hazards.ts';
import { auditChange } from '../adapters/audit-log.ts';
import { requireTown, type Principal } from '../adapters/auth.ts';
import { getHazard, getHouse, hazardCreate, hazardUpdate, houseCreate, houseUpdate, listHazards, listHouses, queryHazards, queryHouses, type HazardFilter } from '../adapters/hazard-store.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { getActivePlan, getInstance, instancePut, newInstancePut, transact, type TransactItem } from '../adapters/table.ts';

/**
 * The hazard ledger (items 6, 7, 8) and item 7's baseline list of self-built houses. Every write is
 * one transaction: the hazard (or house), the instances it opens or closes, and an audit entry for
 * each, under `attribute_not_exists` or the version read; a refused request writes nothing. The
 * rules are in functions/core/hazards.ts and self-built-houses.ts; docs/hazards.md says who may do
 * what:
 *
 * - admins record, list, close and report on any hazard of their town; leaders read;
 * - a unit records a hazard in its own area or that it owns, reads those, and reports progress on
 *   those it owns or that lie in its area; it reports the rectification itself through
 *   POST /instances/{id}/report (its instance), and the committee office closes the hazard;
 * - a unit adds houses of its own area to the baseline list and turns their problems into hazards.
 */

async function townContext(town: string): Promise<{ plan: Plan; planVersion: string; calendar: WorkCalendar }> {
  const { plan, planVersion } = await getActivePlan(town);
  // The town's calendar: the State Council's under its plan's overrides (every per-town step's).
  const calendar = planCalendar(plan);
  return { plan, planVersion, calendar };
}

const today = (receivedAt: Date): IsoDate => localDate(receivedAt, 'Asia/Shanghai');

const asAudit = (hazard: HazardRecord) => withoutContact(hazard) as unknown as Record<string, unknown>;
const houseAudit = (house: SelfBuiltHouse) => ({ ...house, contact: house.contact === null ? null : 'recorded' }) as unknown as Record<string, unknown>;

function instanceBrief(record: InstanceRecord) {
  return {
    id: record.id,
    dutyId: record.dutyId,
    owner: record.owner,
    periodId: record.periodId,
    opensOn: record.opensOn,
    dueOn: record.dueOn,
    reminders: record.reminders,
    completedOn: record.completedOn,
    review: record.review ?? null,
    status: record.status,
    nextActionOn: record.nextActionOn,
  };
}

/** A unit user may act on a hazard of its own area, or that it owns. */
function requireHazardUnit(principal: Principal, hazard: Pick<HazardRecord, 'area' | 'owner' | 'id'>): void {
  if (principal.role !== 'unit') return;
  if (principal.unit !== hazard.area && principal.unit !== hazard.owner) {
    throw new ForbiddenError(`hazard ${hazard.id} is neither in the area of your unit (${principal.unit ?? 'none'}) nor owned by it`);
  }
}

/** After a conditional write failed: the 409 names the hazard as it is now. */
async function hazardConflict(town: string, read: HazardRecord, error: unknown): Promise<never> {
  const now = await getHazard(town, read.id);
  throw new ConflictError(`hazard ${read.id} or one of its instances changed while this was decided (hazard version ${read.version} → ${now.version}): read it again and decide on what it is now`, {
    cause: error,
    current: currentOf(now),
  });
}

// ── hazards ──

/** Records a hazard with its rectification instance and the audit entries, all or nothing. */
async function recordHazard(
  principal: Principal,
  request: { receivedAt: Date; requestId: string },
  input: HazardInput,
  extra: TransactItem[] = [],
): Promise<{ hazard: HazardRecord; instance: InstanceRecord }> {
  const { plan, planVersion, calendar } = await townContext(principal.town);
  const on = today(request.receivedAt);
  const problems = hazardProblems(plan, input, on);
  if (problems.length > 0) throw new InvalidInputError('request body', problems);
  const id = hazardIdFor(on, request.requestId);
  const { hazard, instance } = newHazard({ plan, planVersion, calendar, id, input, today: on, by: principal.subject });
  await transact(
    'record hazard',
    [
      hazardCreate(hazard),
      newInstancePut(instance),
      ...extra,
      auditChange(principal, request.requestId, request.receivedAt, 'hazard.create', `hazard:${id}`, null, asAudit(hazard)),
      auditChange(principal, request.requestId, request.receivedAt, 'instance.open', `instance:${instance.id}`, null, { dutyId: instance.dutyId, owner: instance.owner, periodId: instance.periodId, dueOn: instance.dueOn }),
    ],
    () => new ConflictError(`hazard ${id} or its instance ${instance.id} exists already, or the house changed: send the request again`),
  );
  return { hazard, instance };
}

/**
 * A unit gives a rectification duty to itself only: handing work to another unit is the committee
 * office's (an admin's) decision, as every assignment of duties is.
 */
function requireOwnRectification(principal: Principal, owner: string): void {
  if (principal.role === 'unit' && principal.unit !== owner) {
    throw new ForbiddenError(`a unit makes itself the owner of a rectification, not ${owner}: ask the committee office to assign it to another unit`);
  }
}

const create = route(createHazard, async ({ body, receivedAt, principal, requestId }) => {
  const owner = body.owner ?? body.area;
  if (principal.role === 'unit' && principal.unit !== body.area && principal.unit !== owner) {
    throw new ForbiddenError(`a unit records hazards in its own area or that it owns (${principal.unit ?? 'none'})`);
  }
  requireOwnRectification(principal, owner);
  const { hazard, instance } = await recordHazard(principal, { receivedAt, requestId }, { ...body, owner });
  return { status: 201, body: { ...hazard, instance: instanceBrief(instance) } };
});

function hazardFilter(principal: Principal, query: { status?: 'open' | 'closed' | undefined; grade?: HazardFilter['grade']; category?: HazardFilter['category']; area?: string | undefined; owner?: string | undefined; listed?: 'true' | 'false' | undefined }): HazardFilter {
  return {
    status: query.status,
    grade: query.grade,
    category: query.category,
    area: query.area,
    owner: query.owner,
    listed: query.listed === undefined ? undefined : query.listed === 'true',
    areaOrOwner: principal.role === 'unit' ? principal.unit : undefined,
  };
}

const list = route(listHazardsRoute, async ({ query, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  const filter = hazardFilter(principal, query);
  const digest = listDigest(['hazards', town, filter.status, filter.grade, filter.category, filter.area, filter.owner, query.listed, filter.areaOrOwner]);
  const page = await queryHazards(town, filter, { limit: query.limit, cursor: unbindCursor(query.cursor, digest) });
  return { status: 200, body: { items: page.items, next: bindCursor(page.next, digest) } };
});

const one = route(getHazardRoute, async ({ params, principal }) => {
  const hazard = await getHazard(principal.town, params.id);
  requireHazardUnit(principal, hazard);
  return { status: 200, body: hazard };
});

const close = route(closeHazardRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const hazard = await getHazard(principal.town, params.id);
  checkVersion(hazard, body.version);
  const instances = await Promise.all(instanceIdsOf(hazard).map((id) => getInstance(id)));
  const on = today(receivedAt);
  const closed = closeHazard(hazard, instances, { on, note: body.note, evidence: body.evidence, by: principal.subject });
  const before = new Map(instances.map((i) => [i.id, i]));
  try {
    await transact(
      'close hazard',
      [
        hazardUpdate(closed.hazard),
        ...closed.instances.map((i) => instancePut(i)),
        auditChange(principal, requestId, receivedAt, 'hazard.close', `hazard:${hazard.id}`, asAudit(hazard), asAudit(closed.hazard)),
        ...closed.instances.map((i) =>
          auditChange(principal, requestId, receivedAt, 'instance.accept', `instance:${i.id}`, before.get(i.id) as unknown as Record<string, unknown>, i as unknown as Record<string, unknown>),
        ),
      ],
      () => new ConflictError('changed'),
    );
  } catch (error) {
    if (error instanceof ConflictError) await hazardConflict(principal.town, hazard, error);
    throw error;
  }
  return {
    status: 200,
    body: { ...closed.hazard, version: hazard.version + 1, instances: closed.instances.map((i) => ({ ...instanceBrief(i), version: i.version + 1 })) },
  };
});

const listed = route(listHazardRoute, async ({ params, body, receivedAt, principal, requestId }) => {
  const on = today(receivedAt);
  const problems = pastDeadline(body.deadline, on);
  if (problems.length > 0) throw new InvalidInputError('request body', problems);
  const hazard = await getHazard(principal.town, params.id);
  checkVersion(hazard, body.version);
  const { plan, planVersion, calendar } = await townContext(principal.town);
  const next = listHazard({ plan, planVersion, calendar, hazard, deadline: body.deadline, today: on, by: principal.subject });
  try {
    await transact(
      'list hazard',
      [
        hazardUpdate(next.hazard),
        ...next.instances.map(newInstancePut),
        auditChange(principal, requestId, receivedAt, 'hazard.list', `hazard:${hazard.id}`, asAudit(hazard), asAudit(next.hazard), body.note),
        ...next.instances.map((i) =>
          auditChange(principal, requestId, receivedAt, 'instance.open', `instance:${i.id}`, null, { dutyId: i.dutyId, owner: i.owner, periodId: i.periodId, dueOn: i.dueOn }),
        ),
      ],
      () => new ConflictError('changed'),
    );
  } catch (error) {
    if (error instanceof ConflictError) await hazardConflict(principal.town, hazard, error);
    throw error;
  }
  return { status: 200, body: { ...next.hazard, version: hazard.version + 1, instances: next.instances.map(instanceBrief) } };
});

const progress = route(hazardProgress, async ({ params, body, receivedAt, principal, requestId }) => {
  const hazard = await getHazard(principal.town, params.id);
  requireHazardUnit(principal, hazard);
  checkVersion(hazard, body.version);
  const next = reportProgress(hazard, { on: today(receivedAt), note: body.note, by: principal.subject, evidence: body.evidence });
  try {
    await transact(
      'report hazard progress',
      [hazardUpdate(next), auditChange(principal, requestId, receivedAt, 'hazard.progress', `hazard:${hazard.id}`, asAudit(hazard), asAudit(next))],
      () => new ConflictError('changed'),
    );
  } catch (error) {
    if (error instanceof ConflictError) await hazardConflict(principal.town, hazard, error);
    throw error;
  }
  return { status: 200, body: { ...next, version: hazard.version + 1 } };
});

function filtersText(plan: Plan, filter: HazardFilter): string {
  const parts: string[] = [];
  if (filter.status) parts.push(`状态：${filter.status === 'open' ? '整改中' : '已销案'}`);
  if (filter.grade) parts.push(`等级：${gradeLabel[filter.grade]}`);
  if (filter.category) parts.push(`类别：${categoryLabel[filter.category]}`);
  if (filter.area) parts.push(`所在村（社区）：${unitName(plan, filter.area)}`);
  if (filter.owner) parts.push(`整改责任单位：${unitName(plan, filter.owner)}`);
  if (filter.listed !== undefined) parts.push(filter.listed ? '挂牌督办' : '未挂牌');
  if (filter.areaOrOwner) parts.push(`单位：${unitName(plan, filter.areaOrOwner)}`);
  return parts.length > 0 ? parts.join('；') : '全部';
}

const ledger = route(hazardLedger, async ({ query, receivedAt, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  const filter = hazardFilter(principal, query);
  const { plan } = await getActivePlan(town);
  const hazards = await listHazards(town, filter);
  const body = await hazardLedgerWorkbook({ plan, hazards, filters: filtersText(plan, filter), madeAt: receivedAt, withContacts: principal.role === 'admin' });
  return { status: 200, file: { contentType: XLSX_MEDIA_TYPE, body, filename: hazardLedgerFilename(plan, localDate(receivedAt, plan.timeZone)) } };
});

// ── self-built houses ──

/** A unit user works on the houses of its own area only. */
function requireHouseArea(principal: Principal, area: string): void {
  if (principal.role === 'unit' && principal.unit !== area) throw new ForbiddenError(`a unit keeps the self-built houses of its own area (${principal.unit ?? 'none'})`);
}

const addHouse = route(createHouse, async ({ body, receivedAt, principal, requestId }) => {
  requireHouseArea(principal, body.area);
  const { plan } = await getActivePlan(principal.town);
  const problems = houseProblems(plan, body);
  if (problems.length > 0) throw new InvalidInputError('request body', problems);
  const on = today(receivedAt);
  const house = newHouse(plan, houseIdFor(on, requestId), body, on, principal.subject);
  await transact('add self-built house', [houseCreate(house), auditChange(principal, requestId, receivedAt, 'house.create', `house:${house.id}`, null, houseAudit(house))], () => new ConflictError(`house ${house.id} exists already: send the request again`));
  return { status: 201, body: house };
});

const houses = route(listHousesRoute, async ({ query, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  if (principal.role === 'unit' && query.area !== undefined) requireHouseArea(principal, query.area);
  const area = principal.role === 'unit' ? principal.unit : query.area;
  const inScope = query.inScope === undefined ? undefined : query.inScope === 'true';
  const digest = listDigest(['houses', town, area, query.inScope]);
  const page = await queryHouses(town, { area, inScope }, { limit: query.limit, cursor: unbindCursor(query.cursor, digest) });
  return { status: 200, body: { items: page.items, next: bindCursor(page.next, digest) } };
});

const house = route(getHouseRoute, async ({ params, principal }) => {
  const found = await getHouse(principal.town, params.id);
  requireHouseArea(principal, found.area);
  return { status: 200, body: found };
});

const housesLedger = route(houseLedger, async ({ query, receivedAt, principal }) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  if (principal.role === 'unit' && query.area !== undefined) requireHouseArea(principal, query.area);
  const area = principal.role === 'unit' ? principal.unit : query.area;
  const inScope = query.inScope === undefined ? undefined : query.inScope === 'true';
  const { plan } = await getActivePlan(town);
  const found = await listHouses(town, { area, inScope });
  const parts = [...(area ? [`所在村（社区）：${unitName(plan, area)}`] : []), ...(inScope === undefined ? [] : [inScope ? '纳入综合治理' : '未纳入综合治理'])];
  const body = await houseLedgerWorkbook({ plan, houses: found, filters: parts.join('；') || '全部', madeAt: receivedAt, withContacts: principal.role === 'admin' });
  return { status: 200, file: { contentType: XLSX_MEDIA_TYPE, body, filename: houseLedgerFilename(plan, localDate(receivedAt, plan.timeZone)) } };
});

const problemHazard = route(houseHazard, async ({ params, body, receivedAt, principal, requestId }) => {
  const found = await getHouse(principal.town, params.id);
  requireHouseArea(principal, found.area);
  if (found.version !== body.version) {
    throw new ConflictError(`house ${found.id} is at version ${found.version}, not ${body.version}: read it again`, { current: { id: found.id, version: found.version, problems: found.problems } });
  }
  const on = today(receivedAt);
  const hazardId = hazardIdFor(on, requestId);
  const turned = problemToHazard(found, body, hazardId, selfBuiltProblemLabel[body.problem]);
  if ('problems' in turned) throw new InvalidInputError('request body', turned.problems);
  requireOwnRectification(principal, turned.input.owner);
  const { hazard, instance } = await recordHazard(principal, { receivedAt, requestId }, turned.input, [
    houseUpdate(turned.house),
    auditChange(principal, requestId, receivedAt, 'house.problem-to-hazard', `house:${found.id}`, houseAudit(found), houseAudit(turned.house)),
  ]);
  return { status: 201, body: { ...hazard, instance: instanceBrief(instance), house: { id: found.id, version: found.version + 1, problems: turned.house.problems } } };
});

export const handler = httpRouter(create, list, ledger, one, close, listed, progress, addHouse, houses, housesLedger, house, problemHazard);
