import { changedFields } from '../core/audit.ts';
import type { WorkCalendar } from '../core/calendar.ts';
import { localDate, yearOf } from '../core/dates.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { Plan } from '../core/plan-schema.ts';
import {
  applyCounts,
  applyModel,
  funnelProblems,
  recruitmentLedgerFilename,
  recruitmentWorkbook,
  RECRUITMENT_LEDGER_MEDIA_TYPE,
  trajectory,
  type Campaign,
  type CampaignEscalation,
  type Updater,
} from '../core/recruitment.ts';
import { planCalendar } from '../core/schedule.ts';
import { getRecruitment, recruitmentLedger, updateModel, updateStages } from '../api/routes/recruitment.ts';
import { actorOf, auditPut } from '../adapters/audit-log.ts';
import { requireTown, requireUnitOrStaff, type Principal } from '../adapters/auth.ts';
import { httpRouter, route, type RouteResult } from '../adapters/middleware.ts';
import { loadCampaign, saveCampaign, type StoredCampaign } from '../adapters/recruitment-store.ts';
import { getActivePlan } from '../adapters/table.ts';

/**
 * The recruitment of government full-time firefighters (item 17; docs/recruitment.md):
 *
 * - `GET /recruitment?year=` — the campaign of a year, with its trajectory as of the request's day;
 * - `PUT /recruitment/{id}/stages` — the owning unit (or an admin) records counts by stage;
 * - `PUT /recruitment/{id}/model` — an admin sets the pass rates and stage durations;
 * - `GET /recruitment/ledger.xlsx?year=` — the funnel, the history and the escalations.
 *
 * The campaign is the plan's recruitment duty for the year (target, owner, deadline): it exists as
 * soon as the plan has the duty, and is stored at its first change (version 0 → 1). Admins and
 * leaders of the town read it, and the owning unit; another unit is refused (403). Every write is
 * conditional on the version the caller read and audited in the same transaction; a funnel that
 * does not hold is a 400 naming the stage, and nothing is written.
 */

interface Loaded extends StoredCampaign {
  plan: Plan;
  calendar: WorkCalendar;
  campaign: Campaign;
}

async function load(town: string, year: number): Promise<Loaded> {
  const { plan } = await getActivePlan(town);
  const calendar = planCalendar(plan);
  const found = await loadCampaign(plan, calendar, year);
  if (!found.campaign) throw new NotFoundError(`town ${town} has no recruitment campaign in ${year}: the active plan has no recruitment duty in force that year`);
  return { ...found, campaign: found.campaign, plan, calendar };
}

/** The campaign as the API shows it: the record, its trajectory on the day and its escalations. */
function view(campaign: Campaign, escalations: CampaignEscalation[], stored: boolean, asOf: string, calendar: WorkCalendar) {
  const t = trajectory(campaign, asOf, calendar);
  const { stages, ...rest } = t;
  return { ...campaign, stored, stages, trajectory: rest, escalations };
}

function currentOf(campaign: Campaign) {
  return { id: campaign.id, version: campaign.version, counts: campaign.counts };
}

const readYear = (principal: Principal, query: { year?: number | undefined; town?: string | undefined }, receivedAt: Date) => {
  const town = query.town ?? principal.town;
  requireTown(principal, town);
  return { town, year: query.year ?? yearOf(localDate(receivedAt, 'Asia/Shanghai')) };
};

const getCampaign = route(getRecruitment, async ({ query, principal, receivedAt }) => {
  const { town, year } = readYear(principal, query, receivedAt);
  const { campaign, escalations, stored, plan, calendar } = await load(town, year);
  requireUnitOrStaff(principal, town, campaign.owner);
  return { status: 200, body: view(campaign, escalations, stored, localDate(receivedAt, plan.timeZone), calendar) };
});

interface WriteRequest {
  params: { id: string };
  body: { version: number; note?: string | undefined };
  principal: Principal;
  receivedAt: Date;
  requestId: string;
}

/** Reads the campaign, checks who and which version, applies the change and writes it with its audit entry. */
async function write(request: WriteRequest, action: 'recruitment.stages' | 'recruitment.model', change: (campaign: Campaign, by: Updater) => Campaign): Promise<RouteResult> {
  const { params, body, principal, receivedAt, requestId } = request;
  const town = principal.town;
  const year = Number(params.id);
  const { campaign, escalations, stored, plan, calendar } = await load(town, year);
  requireUnitOrStaff(principal, town, campaign.owner);
  if (body.version !== campaign.version) {
    throw new ConflictError(`recruitment campaign ${campaign.id} is at version ${campaign.version}, not ${body.version}: read it again and decide on what it is now`, {
      current: currentOf(campaign),
    });
  }
  const on = localDate(receivedAt, plan.timeZone);
  const by: Updater = {
    at: receivedAt.toISOString(),
    on,
    by: principal.subject,
    role: principal.role,
    ...(principal.unit ? { unit: principal.unit } : {}),
    ...(body.note ? { note: body.note } : {}),
  };
  const next = change(campaign, by);
  if (next === campaign) return { status: 200, body: view(campaign, escalations, stored, on, calendar) };
  const { history: _h1, ...beforeFields } = campaign;
  const { history: _h2, ...afterFields } = next;
  const { before, after } = changedFields(beforeFields as unknown as Record<string, unknown>, afterFields as unknown as Record<string, unknown>);
  const saved = await saveCampaign(next, campaign.version, [
    auditPut({
      town,
      at: receivedAt.toISOString(),
      actor: actorOf(principal),
      action,
      target: `recruitment:${campaign.id}`,
      before: stored ? before : null,
      after,
      ...(body.note ? { reason: body.note } : {}),
      requestId,
    }),
  ]);
  return { status: 200, body: view(saved, escalations, true, on, calendar) };
}

const putStages = route(updateStages, (request) =>
  write(request, 'recruitment.stages', (campaign, by) => {
    const counts = { ...campaign.counts, ...Object.fromEntries(Object.entries(request.body.counts).filter(([, v]) => v !== undefined)) };
    const problems = funnelProblems(counts);
    if (problems.length > 0) throw new InvalidInputError('request body', problems);
    return applyCounts(campaign, request.body.counts, by);
  }),
);

const putModel = route(updateModel, (request) =>
  write(request, 'recruitment.model', (campaign, by) => applyModel(campaign, { ...(request.body.passRates ? { passRates: request.body.passRates } : {}), ...(request.body.stageDays ? { stageDays: request.body.stageDays } : {}) }, by)),
);

const ledger = route(recruitmentLedger, async ({ query, principal, receivedAt }) => {
  const { town, year } = readYear(principal, query, receivedAt);
  const { campaign, escalations, plan, calendar } = await load(town, year);
  requireUnitOrStaff(principal, town, campaign.owner);
  const madeOn = localDate(receivedAt, plan.timeZone);
  const body = await recruitmentWorkbook({ plan, campaign, trajectory: trajectory(campaign, madeOn, calendar), escalations, madeAt: receivedAt });
  return { status: 200, file: { contentType: RECRUITMENT_LEDGER_MEDIA_TYPE, body, filename: recruitmentLedgerFilename(plan, year, madeOn) } };
});

export const handler = httpRouter(getCampaign, putStages, putModel, ledger);
