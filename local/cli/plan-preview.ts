import type { WorkCalendar } from '../../functions/core/calendar.ts';
import { instanceId } from '../../functions/core/ids.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { plannedInstances, resolveOwners, runsDuring, type DateWindow, type PlannedInstance } from '../../functions/core/schedule.ts';
import { formatTable } from './text-table.ts';

export interface PreviewFilter extends DateWindow {
  unit?: string;
}

/**
 * The planned instances a person asked to see: those whose life, from opening to the day they
 * count as missed, overlaps the window, for the one unit if given. Ordered as the plan lists
 * duties and units, then by period.
 */
export function previewInstances(plan: Plan, calendar: WorkCalendar, filter: PreviewFilter): PlannedInstance[] {
  const dutyOrder = new Map(plan.duties.map((d, i) => [d.id, i]));
  const unitOrder = new Map(plan.units.map((u, i) => [u.id, i]));
  return plannedInstances(plan, calendar)
    .filter((row) => filter.unit === undefined || row.owner.id === filter.unit)
    .filter((row) => runsDuring(row.schedule, filter))
    .sort(
      (a, b) =>
        (dutyOrder.get(a.duty.id) ?? 0) - (dutyOrder.get(b.duty.id) ?? 0) ||
        (unitOrder.get(a.owner.id) ?? 0) - (unitOrder.get(b.owner.id) ?? 0) ||
        compareText(a.schedule.period.starts, b.schedule.period.starts) ||
        compareText(a.schedule.opensOn, b.schedule.opensOn),
    );
}

/** Duties that only an event opens, so no date can be shown for them in advance. */
export function unscheduledDuties(plan: Plan, filter: PreviewFilter): Plan['duties'] {
  return plan.duties.filter((d) => d.cadence === 'event' && (filter.unit === undefined || resolveOwners(plan, d).some((u) => u.id === filter.unit)));
}

export function previewJson(plan: Plan, filter: PreviewFilter, rows: readonly PlannedInstance[]): unknown {
  return {
    planId: plan.id,
    from: filter.from ?? null,
    to: filter.to ?? null,
    unit: filter.unit ?? null,
    instances: rows.map(({ duty, owner, schedule }) => ({
      id: instanceId({ town: plan.town.id, duty: duty.id, owner: owner.id, period: schedule.period.id }),
      dutyId: duty.id,
      clause: duty.clause,
      title: duty.title,
      cadence: duty.cadence,
      owner: owner.id,
      ownerName: owner.name,
      period: schedule.period.id,
      opensOn: schedule.opensOn,
      reminders: schedule.reminders,
      dueOn: schedule.dueOn,
      yellowOn: schedule.yellowOn,
      redOn: schedule.redOn,
      warningTalkOn: schedule.warningTalkOn,
      missedOn: schedule.missedOn,
      adjusted: schedule.adjusted ?? null,
    })),
    unscheduled: unscheduledDuties(plan, filter).map((d) => ({ dutyId: d.id, title: d.title, event: d.event ?? null })),
  };
}

const HEADER = ['owner', 'period', 'opens', 'reminders', 'due', 'yellow', 'red', 'warning talk', 'missed'];

export function previewTable(plan: Plan, filter: PreviewFilter, rows: readonly PlannedInstance[]): string[] {
  const lines = [`${plan.id} ${plan.title.zh}: ${describeFilter(plan, filter)}`];
  let lateStart = false;
  for (const [duty, group] of groupByDuty(rows)) {
    const cells = group.map(({ owner, schedule }) => {
      lateStart ||= schedule.adjusted === 'late-start';
      return [
        owner.name,
        schedule.period.id,
        schedule.opensOn,
        schedule.reminders.join(' ') || '-',
        schedule.adjusted === 'late-start' ? `${schedule.dueOn}*` : schedule.dueOn,
        schedule.yellowOn,
        schedule.redOn,
        schedule.warningTalkOn,
        schedule.missedOn,
      ];
    });
    lines.push('', `${duty.id}  ${duty.title.zh}  (clause ${duty.clause}, ${duty.cadence}, weight ${duty.weight})`, ...formatTable(HEADER, cells, '  '));
  }
  const unscheduled = unscheduledDuties(plan, filter);
  if (unscheduled.length > 0) {
    lines.push('', 'opened by events, so not scheduled in advance:');
    for (const d of unscheduled) lines.push(`  ${d.id}  ${d.title.zh}  (on ${d.event ?? 'an event'})`);
  }
  const dutyCount = new Set(rows.map((r) => r.duty.id)).size;
  lines.push('', rows.length === 0 ? 'no planned instances match' : `${rows.length} ${rows.length === 1 ? 'instance' : 'instances'} of ${dutyCount} ${dutyCount === 1 ? 'duty' : 'duties'}`);
  if (lateStart) lines.push(`* due date moved later: the plan took effect mid-period, and a duty gets at least ${plan.defaults.minimumLeadWorkdays} working days`);
  return lines;
}

function describeFilter(plan: Plan, filter: PreviewFilter): string {
  const { from, to } = filter;
  const window =
    from === undefined && to === undefined
      ? `the whole plan, ${plan.effectiveFrom} to ${plan.effectiveTo}`
      : `instances running (from opening to missed) at some point ${from === undefined ? `up to ${to}` : to === undefined ? `from ${from} on` : `from ${from} to ${to}`}`;
  const unit = filter.unit === undefined ? '' : `, owned by ${plan.units.find((u) => u.id === filter.unit)?.name ?? filter.unit} (${filter.unit})`;
  return window + unit;
}

function groupByDuty(rows: readonly PlannedInstance[]): Map<PlannedInstance['duty'], PlannedInstance[]> {
  const groups = new Map<PlannedInstance['duty'], PlannedInstance[]>();
  for (const row of rows) {
    const group = groups.get(row.duty);
    if (group) group.push(row);
    else groups.set(row.duty, [row]);
  }
  return groups;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
