import { localDate, type IsoDate } from '../core/dates.ts';
import { ForbiddenError, NotFoundError } from '../core/errors.ts';
import { editDuty as editDutyIn, instanceChanges, requireVersion, setPaused, versionOf, withVersion } from '../core/plan-edit.ts';
import { isRecurring, periodContaining, type Period } from '../core/periods.ts';
import type { Duty, Plan } from '../core/plan-schema.ts';
import { periodsOf, planCalendar, resolveOwners, scheduleFor } from '../core/schedule.ts';
import { editDuty, getDuty, listDuties, pauseDuty, resumeDuty } from '../api/routes/duties.ts';
import type { Principal } from '../adapters/auth.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { applyPlanEdit, editAnswer, listDutyInstances, pageOfItems, readTownState } from '../adapters/plan-store.ts';

/**
 * The duties of the town's active plan: list and read (a unit sees the duties it owns), edit,
 * pause and resume (admins). An edit is a new plan revision, applied at once to the open
 * instances it touches and never to closed ones (functions/core/plan-edit.ts).
 */

const TIME_ZONE = 'Asia/Shanghai';

function ownedBy(plan: Plan, duty: Duty, unit: string): boolean {
  return resolveOwners(plan, duty).some((u) => u.id === unit);
}

/** A unit user sees only the duties its unit owns; staff see all of their town's. */
function visibleTo(principal: Principal, plan: Plan, duty: Duty): boolean {
  return principal.role !== 'unit' || (principal.unit !== undefined && ownedBy(plan, duty, principal.unit));
}

/** The duty's dates in the period in progress on `today` (a one-off or key-date duty: its next period not yet missed); null when it has none. */
function currentSchedule(plan: Plan, duty: Duty, today: IsoDate) {
  const calendar = planCalendar(plan);
  let period: Period | undefined;
  if (isRecurring(duty.cadence)) {
    const p = periodContaining(duty.cadence, today);
    if (p.ends >= plan.effectiveFrom && p.starts <= plan.effectiveTo) period = p;
  } else if (duty.cadence === 'once' || duty.cadence === 'key-date') {
    period = periodsOf(plan, duty).find((p) => scheduleFor(plan, calendar, duty, p).missedOn >= today);
  }
  if (!period) return null;
  const { period: _period, ...dates } = scheduleFor(plan, calendar, duty, period);
  return { period: period.id, ...dates };
}

const list = route(listDuties, async ({ query, principal }) => {
  const { plan, itemVersions } = await readTownState(principal.town);
  const duties = plan.duties.filter(
    (d) =>
      visibleTo(principal, plan, d) &&
      (query.clause === undefined || d.clause === query.clause) &&
      (query.cadence === undefined || d.cadence === query.cadence) &&
      (query.owner === undefined || ownedBy(plan, d, query.owner)) &&
      (query.paused === undefined || (d.paused === true) === (query.paused === 'true')),
  );
  const items = duties.map((d) => ({ ...withVersion(d, versionOf(itemVersions, 'duty', d.id)), paused: d.paused === true }));
  return { status: 200, body: pageOfItems(items, (d) => d.id, query, 'duties', principal.town) };
});

const read = route(getDuty, async ({ params, principal, receivedAt }) => {
  const { plan, itemVersions, planVersion, revision } = await readTownState(principal.town);
  const duty = plan.duties.find((d) => d.id === params.id);
  if (!duty) throw new NotFoundError(`no duty ${params.id} in the active plan`);
  if (!visibleTo(principal, plan, duty)) throw new ForbiddenError(`duty ${params.id} is not one your unit (${principal.unit ?? 'none'}) owns`);
  return {
    status: 200,
    body: {
      ...withVersion(duty, versionOf(itemVersions, 'duty', duty.id)),
      paused: duty.paused === true,
      resolvedOwners: resolveOwners(plan, duty).map((u) => ({ id: u.id, name: u.name })),
      current: currentSchedule(plan, duty, localDate(receivedAt, TIME_ZONE)),
      planVersion,
      revision,
    },
  };
});

const edit = route(editDuty, async ({ params, body, principal, receivedAt, requestId }) => {
  const { version, reason, ...changes } = body;
  const today = localDate(receivedAt, TIME_ZONE);
  const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason }, async (state, next) => {
    const current = state.plan.duties.find((d) => d.id === params.id);
    if (!current) throw new NotFoundError(`no duty ${params.id} in the active plan`);
    requireVersion('duty', params.id, state.itemVersions, version, current);
    const changed = editDutyIn(state.plan, params.id, changes);
    const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listDutyInstances(state.town, params.id), today, { duties: new Set([params.id]) });
    return { ...changed, action: 'duty.edit', target: `duty:${params.id}`, instances };
  });
  return { status: 200, body: editAnswer(outcome, 'duty', params.id) };
});

function pauseRoute(spec: typeof pauseDuty | typeof resumeDuty, paused: boolean) {
  return route(spec, async ({ params, body, principal, receivedAt, requestId }) => {
    const today = localDate(receivedAt, TIME_ZONE);
    const outcome = await applyPlanEdit({ principal, receivedAt, requestId, reason: body.reason }, async (state, next) => {
      const current = state.plan.duties.find((d) => d.id === params.id);
      if (!current) throw new NotFoundError(`no duty ${params.id} in the active plan`);
      requireVersion('duty', params.id, state.itemVersions, body.version, current);
      const changed = setPaused(state.plan, params.id, paused, body.version);
      // Resumed: the current period is opened for owners that have no instance of it (it did not open while paused).
      const openings = paused ? undefined : { duties: new Set([params.id]) };
      const instances = instanceChanges(state.plan, changed.plan, next.planVersion, await listDutyInstances(state.town, params.id), today, openings);
      return { ...changed, action: paused ? 'duty.pause' : 'duty.resume', target: `duty:${params.id}`, instances };
    });
    return { status: 200, body: editAnswer(outcome, 'duty', params.id) };
  });
}

export const handler = httpRouter(list, read, edit, pauseRoute(pauseDuty, true), pauseRoute(resumeDuty, false));
