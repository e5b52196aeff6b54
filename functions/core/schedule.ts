import { WorkCalendar } from './calendar.ts';
import { addDays, minDate, yearOf, type IsoDate } from './dates.ts';
import type { Problem } from './errors.ts';
import { isRecurring, keyDatePeriod, periodsBetween, type Period } from './periods.ts';
import { isRetired, type Duty, type Ladder, type PeriodRule, type Plan, type Unit } from './plan-schema.ts';

/** Every date an instance of a duty will meet, decided before anything is sent. */
export interface Schedule {
  period: Period;
  opensOn: IsoDate;
  dueOn: IsoDate;
  /** Working days on which a reminder goes out, earliest first; never on or before the opening day. */
  reminders: IsoDate[];
  yellowOn: IsoDate;
  redOn: IsoDate;
  warningTalkOn: IsoDate;
  missedOn: IsoDate;
  /** Set when the plan took effect mid-period and the duty was given the minimum lead time. */
  adjusted?: 'late-start';
}

export function planCalendar(plan: Plan, base: WorkCalendar = new WorkCalendar()): WorkCalendar {
  return base.withOverrides(plan.calendar.overrides);
}

export function unitsById(plan: Plan): Map<string, Unit> {
  return new Map(plan.units.map((u) => [u.id, u]));
}

/** The owning units of a duty, each once, in the plan's order of units; a retired unit owns nothing. */
export function resolveOwners(plan: Plan, duty: Duty): Unit[] {
  const ids = new Set<string>();
  const kinds = new Set<string>();
  for (const owner of duty.owners) {
    if (typeof owner === 'string') ids.add(owner);
    else kinds.add(owner.every);
  }
  return plan.units.filter((u) => (ids.has(u.id) || kinds.has(u.kind)) && !isRetired(u));
}

export function ladderOf(plan: Plan, duty: Duty): Ladder {
  const ref = duty.ladder ?? plan.defaults.ladder;
  if (typeof ref === 'object') return ref;
  const ladder = plan.ladders[ref];
  if (!ladder) throw new Error(`plan ${plan.id}: duty ${duty.id} names unknown ladder ${ref}`);
  return ladder;
}

export function remindersOf(plan: Plan, duty: Duty): number[] {
  return [...(duty.reminders ?? plan.defaults.reminders)].sort((a, b) => b - a);
}

/** Where a rule lands in a period, before any late-start adjustment. */
export function resolveRule(rule: PeriodRule, period: Period, calendar: WorkCalendar): IsoDate {
  const anchor = rule.from === 'date' ? (rule.date ?? period.starts) : rule.from === 'end' ? period.ends : period.starts;
  const shifted = addDays(anchor, rule.days);
  if (rule.workdays !== 0) return calendar.addWorkdays(shifted, rule.workdays);
  return rule.restDay === 'previous' ? calendar.onOrBefore(shifted) : calendar.onOrAfter(shifted);
}

/**
 * The periods of a duty within the plan's window: for a recurring cadence, from the one in progress
 * on the effective date to the last one that starts by the plan's end; a one-off duty's single
 * period; each key date that starts within the window. Event duties have none until an event opens one.
 */
export function periodsOf(plan: Plan, duty: Duty): Period[] {
  const { effectiveFrom: from, effectiveTo: to } = plan;
  if (isRecurring(duty.cadence)) return periodsBetween(duty.cadence, from, to);
  if (duty.cadence === 'once') {
    const starts = duty.opens.date ?? from;
    const ends = duty.due.date ?? starts;
    return [{ id: ends, cadence: 'once', starts, ends }];
  }
  if (duty.cadence === 'key-date') {
    const wanted = duty.keyDates;
    return plan.calendar.keyDates
      .filter((k) => (wanted === undefined || wanted.length === 0 || wanted.includes(k.id)) && k.starts >= from && k.starts <= to)
      .map(keyDatePeriod)
      .sort((a, b) => (a.starts < b.starts ? -1 : a.starts > b.starts ? 1 : 0));
  }
  return [];
}

/**
 * The period of a duty an event opens: the event's day. With `ref` (the incident or hazard it
 * belongs to, a kebab-case id), the id is `<day>~<ref>`, so that two events on one day give two
 * instances of the same duty for the same owner.
 */
export function eventPeriod(eventOn: IsoDate, ref?: string): Period {
  return { id: ref === undefined ? eventOn : `${eventOn}~${ref}`, cadence: 'event', starts: eventOn, ends: eventOn };
}

export function scheduleFor(plan: Plan, calendar: WorkCalendar, duty: Duty, period: Period): Schedule {
  let opensOn = resolveRule(duty.opens, period, calendar);
  let dueOn = resolveRule(duty.due, period, calendar);
  let adjusted: Schedule['adjusted'];
  if (opensOn < plan.effectiveFrom && period.cadence !== 'event') {
    opensOn = calendar.onOrAfter(plan.effectiveFrom);
    const lead = plan.defaults.minimumLeadWorkdays;
    if (calendar.workdaysBetween(opensOn, dueOn) < lead) {
      dueOn = calendar.addWorkdays(opensOn, lead);
      // A deadline worded as within its period (年内) stays inside the period even when that shortens the lead.
      if (duty.due.restDay === 'previous') dueOn = minDate(dueOn, calendar.onOrBefore(period.ends));
      adjusted = 'late-start';
    }
  }
  const ladder = ladderOf(plan, duty);
  const reminders = remindersOf(plan, duty)
    .map((n) => calendar.addWorkdays(dueOn, -n))
    .filter((d, i, all) => d > opensOn && d < dueOn && all.indexOf(d) === i);
  return {
    period,
    opensOn,
    dueOn,
    reminders,
    yellowOn: calendar.addWorkdays(dueOn, ladder.yellow.afterWorkdays),
    redOn: calendar.addWorkdays(dueOn, ladder.red.afterWorkdays),
    warningTalkOn: calendar.addWorkdays(dueOn, ladder.warningTalk.afterWorkdays),
    missedOn: calendar.addWorkdays(dueOn, ladder.missedAfterWorkdays),
    ...(adjusted ? { adjusted } : {}),
  };
}

/** One row of what the year will look like: a duty, an owner, a period and its dates. */
export interface PlannedInstance {
  duty: Duty;
  owner: Unit;
  schedule: Schedule;
}

/** Every instance the plan will open, in date order, before anything is sent. */
export function plannedInstances(plan: Plan, calendar: WorkCalendar = planCalendar(plan)): PlannedInstance[] {
  const rows: PlannedInstance[] = [];
  for (const duty of plan.duties) {
    const owners = resolveOwners(plan, duty);
    for (const period of periodsOf(plan, duty)) {
      const schedule = scheduleFor(plan, calendar, duty, period);
      for (const owner of owners) rows.push({ duty, owner, schedule });
    }
  }
  return rows.sort((a, b) => compare(a.schedule.opensOn, b.schedule.opensOn) || compare(a.schedule.dueOn, b.schedule.dueOn));
}

/** Dates that bound a search; a missing end leaves that side open. */
export interface DateWindow {
  from?: IsoDate;
  to?: IsoDate;
}

/**
 * Whether an instance is running at some point in the window: its life, from the day it opens to
 * the day it counts as missed, overlaps the window, both ends included.
 */
export function runsDuring(schedule: Schedule, window: DateWindow): boolean {
  return (window.to === undefined || schedule.opensOn <= window.to) && (window.from === undefined || schedule.missedOn >= window.from);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Problems a schema cannot see because they need the calendar: a duty that falls due before it
 * opens in some period, and periods in years whose holidays are neither published nor overridden.
 */
export function scheduleProblems(plan: Plan, calendar: WorkCalendar = planCalendar(plan)): Problem[] {
  const problems: Problem[] = [];
  plan.duties.forEach((duty, index) => {
    for (const period of periodsOf(plan, duty)) {
      const opensOn = resolveRule(duty.opens, period, calendar);
      const dueOn = resolveRule(duty.due, period, calendar);
      if (dueOn < opensOn) {
        problems.push({ path: `duties[${index}].due`, message: `falls due (${dueOn}) before it opens (${opensOn}) in period ${period.id}` });
        break;
      }
    }
  });
  return problems;
}

/** Years the plan touches whose working days are only guessed from weekdays. */
export function unknownCalendarYears(plan: Plan, calendar: WorkCalendar = planCalendar(plan)): number[] {
  const years = new Set<number>();
  for (const row of plannedInstances(plan, calendar)) {
    for (const d of [row.schedule.opensOn, row.schedule.dueOn, row.schedule.missedOn]) years.add(yearOf(d));
  }
  return [...years].filter((y) => !calendar.isKnown(y)).sort((a, b) => a - b);
}
