import type { WorkCalendar } from '../../functions/core/calendar.ts';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { ExposureList, ExposureStatus } from '../../functions/core/exposure.ts';
import { hazardCategories, type HazardCategory, type HazardGrade, type HazardRecord } from '../../functions/core/hazards.ts';
import { unitRef } from '../../functions/core/ids.ts';
import { incidentStage, type ChainDuty, type IncidentRecord, type IncidentStage, type SeriousTrigger, type SocialImpact } from '../../functions/core/incidents.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import type { InstanceStatus } from '../../functions/core/ladder.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { RECRUITMENT_STAGES, trajectory, type Campaign, type CampaignEscalation, type StageId, type TrajectoryStatus } from '../../functions/core/recruitment.ts';

/**
 * The special flows in summary.json (issue 5, point 6): `recruitment`, `incidents` and `hazards`,
 * one entry per town (with `town`, as `scores` has), from what the replay left in the table. Pure,
 * sorted, every date a plain string: the same seed gives byte-identical JSON. No personal data:
 * no names, phones, places or descriptions, only ids, units, categories, counts and dates.
 */

/** What the replay left in the table, per town. */
export interface SpecialRecords {
  towns: {
    plan: Plan;
    campaign: { campaign: Campaign | undefined; stored: boolean; escalations: CampaignEscalation[] };
    incidents: IncidentRecord[];
    hazards: HazardRecord[];
    exposures: ExposureList[];
  }[];
}

export interface RecruitmentSummary {
  town: string;
  year: number;
  /** The recruitment duty's instance (scored in the annual evaluation). */
  instanceId: string;
  owner: string;
  target: number;
  deadline: IsoDate;
  hired: number;
  /** The trajectory on the last day replayed: hires to expect and whether behind. */
  projected: number;
  status: TrajectoryStatus;
  /** Counts in the order of the stages. */
  byStage: { stage: StageId; name: string; count: number }[];
  /** Updates the owner recorded. */
  updates: number;
  /** The months the RecruitmentCheck escalated, with the day and what it said. */
  escalations: { month: string; on: IsoDate; hired: number; projected: number; missing: number; thinStage: StageId | null }[];
}

export interface ChainInstanceSummary {
  id: string;
  dutyId: string;
  owner: string;
  opensOn: IsoDate;
  dueOn: IsoDate;
  completedOn: IsoDate | null;
  status: InstanceStatus;
}

export interface IncidentSummary {
  town: string;
  id: string;
  occurredOn: IsoDate;
  recordedOn: IsoDate;
  /** `serious`: a death or major social impact (opens the chain); `minor`: recorded only. */
  severity: 'serious' | 'minor';
  triggers: SeriousTrigger[];
  deaths: number;
  injuries: number;
  socialImpact: SocialImpact;
  /** Where the chain stands on the last day replayed. */
  stage: IncidentStage;
  investigation: { status: 'open' | 'closed'; closedOn: IsoDate | null; instances: ChainInstanceSummary[] } | null;
  accountabilityReview: ChainInstanceSummary[];
  rectifications: (ChainInstanceSummary & { n: number; deadline: IsoDate })[];
  lookBack: { afterMonths: number; on: IsoDate; instances: ChainInstanceSummary[] } | null;
}

export interface ListedHazardSummary {
  id: string;
  grade: HazardGrade;
  category: HazardCategory;
  area: string;
  owner: string;
  foundOn: IsoDate;
  deadline: IsoDate;
  listedOn: IsoDate;
  listedDeadline: IsoDate;
  progressReports: number;
  status: 'open' | 'closed';
  closedOn: IsoDate | null;
}

export interface ExposureSummary {
  quarter: string;
  status: ExposureStatus;
  entries: number;
  listedEntries: number;
  draftedOn: IsoDate;
  edited: boolean;
  approvedOn: IsoDate | null;
  publishedOn: IsoDate | null;
}

export interface HazardSummary {
  town: string;
  total: number;
  byGrade: Record<HazardGrade, number>;
  /** The categories found, in the order of the API's list. */
  byCategory: Partial<Record<HazardCategory, number>>;
  byStatus: { open: number; closed: number };
  /** Closed by the deadline, or after it; open and past it. */
  closedOnTime: number;
  closedLate: number;
  openOverdue: number;
  /** Hazards in self-built houses where ten or more live (item 7). */
  selfBuiltHouses: number;
  listed: ListedHazardSummary[];
  exposures: ExposureSummary[];
}

export interface SpecialSummary {
  recruitment: RecruitmentSummary[];
  incidents: IncidentSummary[];
  hazards: HazardSummary[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function recruitmentSummary(plan: Plan, stored: SpecialRecords['towns'][number]['campaign'], to: IsoDate, calendar: WorkCalendar): RecruitmentSummary[] {
  const campaign = stored.campaign;
  if (!campaign) return [];
  const t = trajectory(campaign, to, calendar);
  const town = plan.town.id;
  return [
    {
      town,
      year: campaign.year,
      instanceId: campaign.instanceId,
      owner: unitRef(town, campaign.owner),
      target: campaign.target,
      deadline: campaign.deadline,
      hired: campaign.counts.hired,
      projected: t.projected,
      status: t.status,
      byStage: RECRUITMENT_STAGES.map((s) => ({ stage: s.id, name: s.zh, count: campaign.counts[s.id] })),
      updates: campaign.history.filter((h) => h.action === 'stages').length,
      escalations: [...stored.escalations]
        .sort((a, b) => byText(a.month, b.month))
        .map((e) => ({ month: e.month, on: e.on, hired: e.hired, projected: e.projected, missing: e.missing, thinStage: e.thinStage })),
    },
  ];
}

function chain(ids: readonly string[], instances: ReadonlyMap<string, InstanceRecord>): ChainInstanceSummary[] {
  return ids.flatMap((id) => {
    const i = instances.get(id);
    return i ? [{ id: i.id, dutyId: i.dutyId, owner: unitRef(i.town, i.owner), opensOn: i.opensOn, dueOn: i.dueOn, completedOn: i.completedOn, status: i.status }] : [];
  });
}

const idsOf = (duties: readonly ChainDuty[]) => duties.flatMap((d) => d.instanceIds);

/** The incident numbers in order: fire-2 before fire-10. */
const incidentOrder = (a: IncidentRecord, b: IncidentRecord) => byText(a.town, b.town) || Number(a.id.slice(5)) - Number(b.id.slice(5));

export function incidentSummaries(incidents: readonly IncidentRecord[], instances: ReadonlyMap<string, InstanceRecord>, to: IsoDate): IncidentSummary[] {
  return [...incidents].sort(incidentOrder).map((incident) => ({
    town: incident.town,
    id: incident.id,
    occurredOn: incident.occurredOn,
    recordedOn: incident.recordedOn,
    severity: incident.serious ? 'serious' : 'minor',
    triggers: incident.triggers,
    deaths: incident.casualties.deaths,
    injuries: incident.casualties.injuries,
    socialImpact: incident.socialImpact,
    stage: incidentStage(incident, instances, to),
    investigation: incident.investigation
      ? { status: incident.investigation.status, closedOn: incident.investigation.closedOn, instances: chain(idsOf(incident.investigation.duties), instances) }
      : null,
    accountabilityReview: chain(idsOf(incident.accountability), instances),
    rectifications: incident.rectifications.flatMap((r) => chain([r.instanceId], instances).map((c) => ({ n: r.n, deadline: r.deadline, ...c }))),
    lookBack: incident.lookBack ? { afterMonths: incident.lookBack.afterMonths, on: incident.lookBack.on, instances: chain(idsOf(incident.lookBack.duties), instances) } : null,
  }));
}

export function hazardSummary(plan: Plan, hazards: readonly HazardRecord[], exposures: readonly ExposureList[], to: IsoDate): HazardSummary {
  const town = plan.town.id;
  const sorted = [...hazards].sort((a, b) => byText(a.foundOn, b.foundOn) || byText(a.id, b.id));
  const byCategory: Partial<Record<HazardCategory, number>> = {};
  for (const category of hazardCategories) {
    const n = sorted.filter((h) => h.category === category).length;
    if (n > 0) byCategory[category] = n;
  }
  const closed = sorted.filter((h) => h.status === 'closed');
  return {
    town,
    total: sorted.length,
    byGrade: { general: sorted.filter((h) => h.grade === 'general').length, major: sorted.filter((h) => h.grade === 'major').length },
    byCategory,
    byStatus: { open: sorted.length - closed.length, closed: closed.length },
    closedOnTime: closed.filter((h) => h.closedOn !== null && h.closedOn <= h.deadline).length,
    closedLate: closed.filter((h) => h.closedOn !== null && h.closedOn > h.deadline).length,
    openOverdue: sorted.filter((h) => h.status === 'open' && h.deadline < to).length,
    selfBuiltHouses: sorted.filter((h) => h.category === 'self-built-house').length,
    listed: sorted.flatMap((h) =>
      h.listed
        ? [
            {
              id: h.id,
              grade: h.grade,
              category: h.category,
              area: unitRef(town, h.area),
              owner: unitRef(town, h.owner),
              foundOn: h.foundOn,
              deadline: h.deadline,
              listedOn: h.listed.since,
              listedDeadline: h.listed.deadline,
              progressReports: h.listed.progress.length,
              status: h.status,
              closedOn: h.closedOn,
            },
          ]
        : [],
    ),
    exposures: [...exposures]
      .sort((a, b) => byText(a.quarter, b.quarter))
      .map((e) => ({
        quarter: e.quarter,
        status: e.status,
        entries: e.entries.length,
        listedEntries: e.entries.filter((entry) => entry.listed).length,
        draftedOn: e.draftedOn,
        edited: e.edited,
        approvedOn: e.approvedOn,
        publishedOn: e.publishedOn,
      })),
  };
}

/** The three fields, from the records and the replay's instances as they stand on `to`. */
export function specialSummary(records: SpecialRecords, instances: readonly InstanceRecord[], to: IsoDate, calendarOf: (plan: Plan) => WorkCalendar): SpecialSummary {
  const byId = new Map(instances.map((i) => [i.id, i]));
  return {
    recruitment: records.towns.flatMap((t) => recruitmentSummary(t.plan, t.campaign, to, calendarOf(t.plan))),
    incidents: incidentSummaries(
      records.towns.flatMap((t) => t.incidents),
      byId,
      to,
    ),
    hazards: records.towns.map((t) => hazardSummary(t.plan, t.hazards, t.exposures, to)),
  };
}
