import type { WorkCalendar } from './calendar.ts';
import type { Duty, Plan, Unit } from './plan-schema.ts';
import { periodsOf, planCalendar, unknownCalendarYears } from './schedule.ts';

/** What is legal in a plan but will not work as its author probably meant. */
export type PlanWarning =
  /** Working days in this year are guessed from weekdays: no State Council schedule, no overrides. */
  | { kind: 'unknown-calendar-year'; year: number }
  /** A key-date duty none of whose key dates falls in the plan's window, so it never opens. */
  | { kind: 'duty-never-opens'; duty: Duty }
  /** A unit nothing can be delivered to. */
  | { kind: 'unit-without-contacts'; unit: Unit };

export function planWarnings(plan: Plan, calendar: WorkCalendar = planCalendar(plan)): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const year of unknownCalendarYears(plan, calendar)) warnings.push({ kind: 'unknown-calendar-year', year });
  for (const duty of plan.duties) {
    if (duty.cadence === 'key-date' && periodsOf(plan, duty).length === 0) warnings.push({ kind: 'duty-never-opens', duty });
  }
  for (const unit of plan.units) {
    if (unit.contacts.length === 0) warnings.push({ kind: 'unit-without-contacts', unit });
  }
  return warnings;
}
