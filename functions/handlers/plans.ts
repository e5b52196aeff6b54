import { CalendarError, ConflictError, ForbiddenError, InvalidInputError, ValidationError } from '../core/errors.ts';
import { canonical, versionsAfter } from '../core/plan-edit.ts';
import { describe, diffPlans } from '../core/plan-diff.ts';
import { parsePlan } from '../core/plan-parse.ts';
import type { Plan } from '../core/plan-schema.ts';
import { planWarnings, type PlanWarning } from '../core/plan-warnings.ts';
import { activatePlan, getPlan, listPlans, uploadPlan } from '../api/routes/plans.ts';
import { actorOf } from '../adapters/audit-log.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { commit, getPlanVersion, listPlanVersions, nextVersionSeq, pageOfItems, readTownState, StaleStateError, versionId, withFreshState, type TownState } from '../adapters/plan-store.ts';

/**
 * The town's plan versions: list and read them, upload a new one (checked as `fireplan plan
 * check` checks a file, stored as a draft, answered with the diff against the active one) and
 * activate one (on the revision it was decided against: a stale one is answered 409).
 */

function diffOf(active: Plan, plan: Plan) {
  return diffPlans(active, plan).map((change) => ({ ...change, text: describe(change) }));
}

function warningText(warning: PlanWarning): string {
  switch (warning.kind) {
    case 'unknown-calendar-year':
      return `${warning.year}: no State Council holiday schedule and no overrides; working days are guessed from weekdays`;
    case 'duty-never-opens':
      return `duty ${warning.duty.id}: none of its key dates falls within the plan's dates, so it never opens`;
    case 'unit-without-contacts':
      return `unit ${warning.unit.id}: no contacts, so nothing can be delivered to it`;
  }
}

/** The active version first, then the newest. */
function sortKey(id: string, seq: number, active: boolean): string {
  return `${active ? 0 : 1}#${String(1_000_000_000 - seq).padStart(10, '0')}#${id}`;
}

const list = route(listPlans, async ({ query, principal }) => {
  const state = await readTownState(principal.town);
  const items = (await listPlanVersions(principal.town)).map((info) => {
    const active = info.id === state.planVersion && info.planId === state.planId;
    return { ...info, active, ...(active ? { revision: state.revision } : {}) };
  });
  const page = pageOfItems(items, (v) => sortKey(v.id, v.seq, v.active), query, 'plans', principal.town);
  return { status: 200, body: page };
});

const read = route(getPlan, async ({ params, principal }) => {
  const state = await readTownState(principal.town);
  const { info, plan } = await getPlanVersion(principal.town, params.id);
  const active = info.id === state.planVersion && info.planId === state.planId;
  return {
    status: 200,
    body: { ...info, active, revision: state.revision, activeVersion: state.planVersion, plan, diff: active ? [] : diffOf(state.plan, plan) },
  };
});

function parseSource(source: string): Plan {
  try {
    return parsePlan(source, 'plan');
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // A calendar that runs out of working days is still the plan's fault (as `fireplan plan check`
    // reports it), and so is a document the YAML reader gives up on (too many aliases …).
    const message = error instanceof CalendarError ? error.message : `the plan could not be read: ${(error as Error).message.split('\n')[0]}`;
    throw new InvalidInputError('plan', [{ path: '', message }]);
  }
}

const upload = route(uploadPlan, async ({ body, principal, receivedAt, requestId }) => {
  // YAML is a superset of JSON: one parser, with the line of every problem either way.
  const plan = parseSource(body.source);
  if (plan.town.id !== principal.town) throw new ForbiddenError(`the plan is for town ${plan.town.id}, not yours (${principal.town})`);
  const warnings = planWarnings(plan).map(warningText);
  const stored = await withFreshState(principal.town, async (state) => {
    const seq = await nextVersionSeq(state);
    const id = versionId(seq);
    const diff = diffOf(state.plan, plan);
    await commit({
      state,
      version: { plan, seq, origin: 'upload', createdAt: receivedAt.toISOString(), createdBy: principal.subject, ...(body.note === undefined ? {} : { note: body.note }) },
      audit: {
        town: state.town,
        at: receivedAt.toISOString(),
        actor: actorOf(principal),
        action: 'plan.upload',
        target: `plan:${id}`,
        before: null,
        after: { id, planId: plan.id, basedOn: state.planVersion, changes: diff.length, format: body.format },
        ...(body.note === undefined ? {} : { reason: body.note }),
        requestId,
      },
    });
    return { id, state, diff };
  });
  return {
    status: 201,
    body: {
      id: stored.id,
      planId: plan.id,
      activeVersion: stored.state.planVersion,
      // What POST /plans/{id}/activate is sent as `version`.
      revision: stored.state.revision,
      diff: stored.diff,
      warnings,
    },
  };
});

/** The national overrides an activation adds or changes. */
function newOverrides(active: Plan, plan: Plan) {
  const before = new Map(active.calendar.overrides.map((o) => [o.date, canonical(o)]));
  return plan.calendar.overrides.filter((o) => before.get(o.date) !== canonical(o));
}

function staleRevision(state: TownState, given: number): ConflictError {
  return new ConflictError(`the town's plan is at revision ${state.revision}, not ${given}: read it again (GET /plans) and decide again`, {
    current: { revision: state.revision, planVersion: state.planVersion, planId: state.planId },
  });
}

const activate = route(activatePlan, async ({ params, body, principal, receivedAt, requestId }) => {
  const state = await readTownState(principal.town);
  if (body.version !== state.revision) throw staleRevision(state, body.version);
  const { info, plan } = await getPlanVersion(principal.town, params.id);
  if (info.id === state.planVersion && info.planId === state.planId) {
    throw new ConflictError(`plan version ${params.id} is the active one already`, { current: { revision: state.revision, planVersion: state.planVersion, planId: state.planId } });
  }
  const revision = state.revision + 1;
  const diff = diffOf(state.plan, plan);
  try {
    await commit({
      state,
      activate: { planId: plan.id, name: plan.town.name, planVersion: info.id, itemVersions: versionsAfter(state.plan, plan, state.itemVersions, revision) },
      audit: {
        town: state.town,
        at: receivedAt.toISOString(),
        actor: actorOf(principal),
        action: 'plan.activate',
        target: `plan:${info.id}`,
        before: { planId: state.planId, planVersion: state.planVersion, revision: state.revision },
        after: { planId: plan.id, planVersion: info.id, revision },
        requestId,
      },
      calendar: { put: newOverrides(state.plan, plan) },
    });
  } catch (error) {
    // Another activation got in between the read and the write: the caller decided on a stale revision.
    if (error instanceof StaleStateError) throw staleRevision(await readTownState(principal.town), body.version);
    throw error;
  }
  return { status: 200, body: { id: info.id, planId: plan.id, revision, previousVersion: state.planVersion, diff } };
});

export const handler = httpRouter(list, read, upload, activate);
