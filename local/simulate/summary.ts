import type { WorkCalendar } from '../../functions/core/calendar.ts';
import type { IsoDate } from '../../functions/core/dates.ts';
import { unitRef } from '../../functions/core/ids.ts';
import { refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import type { InstanceStatus, Light } from '../../functions/core/ladder.ts';
import type { Plan, UnitKind } from '../../functions/core/plan-schema.ts';
import { scoredInstances } from '../../functions/core/reports.ts';
import { resolveOwners } from '../../functions/core/schedule.ts';
import { scoreUnits } from '../../functions/core/scoring.ts';
import { specialSummary, type SpecialRecords, type SpecialSummary } from './special-summary.ts';

/** `fireplan simulate`'s output contract (DESIGN.md), with a few more fields for the report page. */

export type NoticeKind = 'notice' | 'reminder' | 'escalation' | 'alert' | 'digest' | 'report';

export interface SentMail {
  sentOn: IsoDate;
  to: string[];
  subject: string;
  kind: NoticeKind;
  instanceIds: string[];
}

export interface Operations {
  stateTransitions: number;
  lambdaInvocations: number;
  dynamodbReads: number;
  dynamodbWrites: number;
  emails: number;
}

export interface Summary {
  planId: string;
  from: IsoDate;
  to: IsoDate;
  seed: number;
  towns: string[];
  units: { id: string; name: string; kind: 'department' | 'village' | 'leadership' | 'other'; town: string; habit?: string }[];
  obligations: { id: string; clause: string; title: string; cadence: string; owners: string[] }[];
  instances: {
    id: string;
    obligationId: string;
    clause: string;
    owner: string;
    period: string;
    opensOn: IsoDate;
    dueOn: IsoDate;
    completedOn: IsoDate | null;
    status: InstanceStatus;
    light: Light;
    escalations: { level: number; on: IsoDate; to: string[] }[];
  }[];
  notices: ({ id: string } & SentMail)[];
  scores: { unit: string; town: string; score: number; rank: number; onTime: number; late: number; missed: number; overdue: number }[];
  operations: Operations;
  /** The special flows (issue 5): added to the DESIGN contract, one entry per town. special-summary.ts. */
  recruitment: SpecialSummary['recruitment'];
  incidents: SpecialSummary['incidents'];
  hazards: SpecialSummary['hazards'];
}

export function contractKind(kind: UnitKind): Summary['units'][number]['kind'] {
  if (kind === 'department' || kind === 'district-department') return 'department';
  if (kind === 'village' || kind === 'residential') return 'village';
  if (kind === 'leadership') return 'leadership';
  return 'other';
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SummaryInput {
  plans: Plan[];
  from: IsoDate;
  to: IsoDate;
  seed: number;
  instances: InstanceRecord[];
  mail: SentMail[];
  operations: Operations;
  calendarOf: (plan: Plan) => WorkCalendar;
  habits?: Map<string, string>;
  /** What the special flows left in the table; none when absent. */
  special?: SpecialRecords;
}

/**
 * An event instance's period id is its event's day and what it is for (`2022-06-15~fire-1`): the
 * contract's `period` is the day, as a one-off duty's is; the whole id stays in the instance's id.
 */
export function contractPeriod(periodId: string): string {
  const tilde = periodId.indexOf('~');
  return tilde < 0 ? periodId : periodId.slice(0, tilde);
}

/** The first word of a title made for one instance (`火灾事故整改：拆除…` → `火灾事故整改`). */
const generalTitle = (title: string) => title.split('：')[0] ?? title;

/** Everything sorted and every date a plain string, so that the same seed gives byte-identical JSON. */
export function buildSummary(input: SummaryInput): Summary {
  const { plans, to } = input;
  const instances = input.instances.map((i) => refresh(i, to)).sort((a, b) => byText(a.id, b.id));
  const scores = plans.flatMap((plan) => {
    const own = instances.filter((i) => i.town === plan.town.id);
    return scoreUnits(scoredInstances(own), plan.scoring, input.calendarOf(plan), to).map((s) => ({
      unit: unitRef(plan.town.id, s.unit),
      town: plan.town.id,
      score: s.score,
      rank: s.rank,
      onTime: s.onTime,
      late: s.late,
      missed: s.missed,
      overdue: s.overdue,
    }));
  });
  // Duties the system makes at run time (a fire's rectifications) are obligations too: one per duty id, with the owners of its instances.
  const planned = new Set(plans.flatMap((plan) => plan.duties.map((d) => unitRef(plan.town.id, d.id))));
  const made = new Map<string, Summary['obligations'][number]>();
  for (const i of instances) {
    const id = unitRef(i.town, i.dutyId);
    if (planned.has(id)) continue;
    const owner = unitRef(i.town, i.owner);
    const known = made.get(id);
    if (known) {
      if (!known.owners.includes(owner)) known.owners = [...known.owners, owner].sort();
    } else {
      made.set(id, { id, clause: i.clause, title: generalTitle(i.title.zh), cadence: 'event', owners: [owner] });
    }
  }
  const special = input.special ? specialSummary(input.special, instances, to, input.calendarOf) : { recruitment: [], incidents: [], hazards: [] };
  const notices = [...input.mail]
    .sort((a, b) => byText(a.sentOn, b.sentOn) || byText(a.to.join(','), b.to.join(',')) || byText(a.subject, b.subject))
    .map((m, n) => ({ id: `notice-${String(n + 1).padStart(6, '0')}`, ...m }));
  return {
    planId: plans[0]?.id ?? '',
    from: input.from,
    to,
    seed: input.seed,
    towns: plans.map((p) => p.town.id),
    units: plans.flatMap((plan) =>
      plan.units.map((u) => {
        const id = unitRef(plan.town.id, u.id);
        const habit = input.habits?.get(id);
        return { id, name: u.name, kind: contractKind(u.kind), town: plan.town.id, ...(habit ? { habit } : {}) };
      }),
    ),
    obligations: plans.flatMap((plan): Summary['obligations'] =>
      plan.duties.map((d) => ({
        id: unitRef(plan.town.id, d.id),
        clause: d.clause,
        title: d.title.zh,
        cadence: d.cadence,
        owners: resolveOwners(plan, d).map((u) => unitRef(plan.town.id, u.id)),
      })),
    ).concat([...made.values()].sort((a, b) => byText(a.id, b.id))),
    instances: instances.map((i) => ({
      id: i.id,
      obligationId: unitRef(i.town, i.dutyId),
      clause: i.clause,
      owner: unitRef(i.town, i.owner),
      period: contractPeriod(i.periodId),
      opensOn: i.opensOn,
      dueOn: i.dueOn,
      completedOn: i.completedOn,
      status: i.status,
      light: i.light,
      escalations: i.escalations.map((e) => ({ level: e.level, on: e.on, to: e.to })),
    })),
    notices,
    scores,
    operations: input.operations,
    ...special,
  };
}
