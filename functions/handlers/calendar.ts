import { localDate } from '../core/dates.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  deleteKeyDate as deleteKeyDateIn,
  deleteOverride as deleteOverrideIn,
  instanceChanges,
  putKeyDate as putKeyDateIn,
  putOverride as putOverrideIn,
  requireVersion,
  versionOf,
  withVersion,
} from '../core/plan-edit.ts';
import { deleteKeyDate, deleteOverride, listKeyDates, listOverrides, putKeyDate, putOverride } from '../api/routes/calendar.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { applyPlanEdit, editAnswer, pageOfItems, readTownState } from '../adapters/plan-store.ts';
import { listTownInstances } from '../adapters/table.ts';

/**
 * The working-day calendar's overrides (holidays and make-up working days, 调休) and the key dates
 * of the town's active plan. Each change is a new plan revision that reschedules the open
 * instances whose dates it moves; an override is also written to the national set every workflow
 * reads to decide whether a day is a working day.
 */

const TIME_ZONE = 'Asia/Shanghai';

const overrides = route(listOverrides, async ({ query, principal }) => {
  const { plan, itemVersions } = await readTownState(principal.town);
  const items = plan.calendar.overrides
    .filter((o) => query.year === undefined || o.date.startsWith(`${query.year}-`))
    .map((o) => withVersion(o, versionOf(itemVersions, 'override', o.date)));
  return { status: 200, body: pageOfItems(items, (o) => o.date, query, 'overrides', principal.town) };
});

const putOne = route(putOverride, async ({ params, body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const date = params.id;
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state, next) => {
    requireVersion('override', date, state.itemVersions, body.version, state.plan.calendar.overrides.find((o) => o.date === date));
    const changed = putOverrideIn(state.plan, { date, work: body.work, name: body.name });
    // Working days move the dates of any open instance around them.
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listTownInstances(state.town), today);
    return { ...changed, action: 'override.put', target: `override:${date}`, instances, calendar: { put: [{ date, work: body.work, name: body.name }] } };
  });
  return { status: 200, body: editAnswer(outcome, 'override', date) };
});

const deleteOne = route(deleteOverride, async ({ params, body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const date = params.id;
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state, next) => {
    const current = state.plan.calendar.overrides.find((o) => o.date === date);
    if (!current) throw new NotFoundError(`no calendar override on ${date} in the active plan`);
    requireVersion('override', date, state.itemVersions, body.version, current);
    const changed = deleteOverrideIn(state.plan, date);
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listTownInstances(state.town), today);
    return { ...changed, action: 'override.delete', target: `override:${date}`, instances, calendar: { remove: [date] } };
  });
  return { status: 200, body: editAnswer(outcome, 'override', date) };
});

const keyDates = route(listKeyDates, async ({ query, principal }) => {
  const { plan, itemVersions } = await readTownState(principal.town);
  const items = plan.calendar.keyDates
    .filter((k) => query.year === undefined || k.starts.startsWith(`${query.year}-`))
    .map((k) => withVersion(k, versionOf(itemVersions, 'key-date', k.id)));
  return { status: 200, body: pageOfItems(items, (k) => k.id, query, 'key-dates', principal.town) };
});

const keyDateInstances = async (town: string) => (await listTownInstances(town)).filter((r) => r.cadence === 'key-date');

const putKey = route(putKeyDate, async ({ params, body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const id = params.id;
  const { version, reason, ...fields } = body;
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason }, async (state, next) => {
    requireVersion('key-date', id, state.itemVersions, version, state.plan.calendar.keyDates.find((k) => k.id === id));
    const changed = putKeyDateIn(state.plan, { id, ...fields });
    // Key-date duties of this key date follow it: an open instance of a key date moved to other days moves with it.
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await keyDateInstances(state.town), today);
    return { ...changed, action: 'key-date.put', target: `key-date:${id}`, instances };
  });
  return { status: 200, body: editAnswer(outcome, 'key-date', id) };
});

const deleteKey = route(deleteKeyDate, async ({ params, body, principal, receivedAt, requestId }) => {
  const today = localDate(receivedAt, TIME_ZONE);
  const id = params.id;
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state) => {
    const current = state.plan.calendar.keyDates.find((k) => k.id === id);
    if (!current) throw new NotFoundError(`no key date ${id} in the active plan`);
    requireVersion('key-date', id, state.itemVersions, body.version, current);
    const changed = deleteKeyDateIn(state.plan, id, await keyDateInstances(state.town), today, body.version);
    return { ...changed, action: 'key-date.delete', target: `key-date:${id}`, instances: { updated: [], moved: [], opened: [] } };
  });
  return { status: 200, body: editAnswer(outcome, 'key-date', id) };
});

export const handler = httpRouter(overrides, putOne, deleteOne, keyDates, putKey, deleteKey);
