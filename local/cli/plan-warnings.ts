import type { WorkCalendar } from '../../functions/core/calendar.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { planWarnings as findPlanWarnings, type PlanWarning } from '../../functions/core/plan-warnings.ts';

/** The plan's warnings as `fireplan plan check` prints them, one sentence each. */
export function planWarnings(plan: Plan, calendar: WorkCalendar): string[] {
  return findPlanWarnings(plan, calendar).map((warning) => describeWarning(plan, warning));
}

export function describeWarning(plan: Plan, warning: PlanWarning): string {
  switch (warning.kind) {
    case 'unknown-calendar-year': {
      const { year } = warning;
      return (
        `the holiday data has no State Council schedule for ${year} and the plan has no calendar overrides in ${year}, ` +
        `so its working days are guessed from weekdays alone: enter the ${year} schedule (holidays and 调休 working days) as calendar.overrides`
      );
    }
    case 'duty-never-opens': {
      const { duty } = warning;
      return `duty ${duty.id} (${duty.title.zh}) has cadence key-date, but none of its key dates starts between ${plan.effectiveFrom} and ${plan.effectiveTo}: it never opens`;
    }
    case 'unit-without-contacts': {
      const { unit } = warning;
      return `unit ${unit.id} (${unit.name}) has no contacts: nothing sent to it can be delivered`;
    }
  }
}
