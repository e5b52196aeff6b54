import { localDate } from '../core/dates.ts';
import { NotFoundError } from '../core/errors.ts';
import { addUnit, editUnit as editUnitIn, instanceChanges, requireVersion, retireUnit as retireUnitIn, versionOf, withVersion } from '../core/plan-edit.ts';
import { isRetired } from '../core/plan-schema.ts';
import { createUnit, editUnit, getUnit, listUnits, retireUnit } from '../api/routes/units.ts';
import { requireUnitOrStaff } from '../adapters/auth.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { applyPlanEdit, editAnswer, pageOfItems, readTownState } from '../adapters/plan-store.ts';
import { listTownInstances, listUnitInstances } from '../adapters/table.ts';

/**
 * The units of the town's active plan and their contacts: list and read; add, edit and retire
 * (admins), each a new plan revision. A retired unit stays in the plan (history names it) but owns
 * nothing, is told nothing and gets no new instances; retiring is refused while anything names it.
 */

const TIME_ZONE = 'Asia/Shanghai';

const list = route(listUnits, async ({ query, principal }) => {
  const { plan, itemVersions } = await readTownState(principal.town);
  const units = plan.units.filter((u) => (query.kind === undefined || u.kind === query.kind) && (query.retired === undefined || isRetired(u) === (query.retired === 'true')));
  const items = units.map((u) => withVersion(u, versionOf(itemVersions, 'unit', u.id)));
  return { status: 200, body: pageOfItems(items, (u) => u.id, query, 'units', principal.town) };
});

const read = route(getUnit, async ({ params, principal }) => {
  // A unit user reads its own unit only: decided from the id, before anything is read.
  requireUnitOrStaff(principal, principal.town, params.id);
  const { plan, itemVersions } = await readTownState(principal.town);
  const unit = plan.units.find((u) => u.id === params.id);
  if (!unit) throw new NotFoundError(`no unit ${params.id} in the active plan`);
  return { status: 200, body: withVersion(unit, versionOf(itemVersions, 'unit', unit.id)) };
});

const create = route(createUnit, async ({ body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const id = body.unit.id;
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state, next) => {
    requireVersion('unit', id, state.itemVersions, undefined, state.plan.units.find((u) => u.id === id));
    const changed = addUnit(state.plan, body.unit);
    // The duties it owns at once (by kind: {every: village} …) open their current period for it.
    const openings = { duties: new Set(changed.plan.duties.map((d) => d.id)), owners: new Set([id]) };
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listUnitInstances(state.town, id), today, openings);
    return { ...changed, action: 'unit.create', target: `unit:${id}`, instances };
  });
  return { status: 201, body: editAnswer(outcome, 'unit', id) };
});

const edit = route(editUnit, async ({ params, body, principal, receivedAt, requestId }) => {
  const { version, reason, ...changes } = body;
  const today = localDate(receivedAt, TIME_ZONE);
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason }, async (state, next) => {
    const current = state.plan.units.find((u) => u.id === params.id);
    if (!current) throw new NotFoundError(`no unit ${params.id} in the active plan`);
    requireVersion('unit', params.id, state.itemVersions, version, current);
    const changed = editUnitIn(state.plan, params.id, changes);
    // A new kind can make it an owner of other duties ({every: kind}): their current period opens for it.
    const openings = { duties: new Set(changed.plan.duties.map((d) => d.id)), owners: new Set([params.id]) };
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listUnitInstances(state.town, params.id), today, openings);
    return { ...changed, action: 'unit.edit', target: `unit:${params.id}`, instances };
  });
  return { status: 200, body: editAnswer(outcome, 'unit', params.id) };
});

const retire = route(retireUnit, async ({ params, body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state) => {
    const current = state.plan.units.find((u) => u.id === params.id);
    if (!current) throw new NotFoundError(`no unit ${params.id} in the active plan`);
    requireVersion('unit', params.id, state.itemVersions, body.version, current);
    // Its own open instances, and any other open instance whose ladder would still tell it.
    const changed = retireUnitIn(state.plan, params.id, await listTownInstances(state.town), today, body.version);
    return { ...changed, action: 'unit.retire', target: `unit:${params.id}`, instances: { updated: [], moved: [], opened: [] } };
  });
  return { status: 200, body: editAnswer(outcome, 'unit', params.id) };
});

export const handler = httpRouter(list, read, create, edit, retire);
