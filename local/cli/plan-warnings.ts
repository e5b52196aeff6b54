import type { WorkCalendar } from '../../functions/core/calendar.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { periodsOf, unknownCalendarYears } from '../../functions/core/schedule.ts';

/** What is legal in a plan file but will not work as the author probably meant. */
export function planWarnings(plan: Plan, calendar: WorkCalendar): string[] {
  const warnings: string[] = [];
  for (const year of unknownCalendarYears(plan, calendar)) {
    warnings.push(
      `the holiday data has no State Council schedule for ${year} and the plan has no calendar overrides in ${year}, ` +
        `so its working days are guessed from weekdays alone: enter the ${year} schedule (holidays and 调休 working days) as calendar.overrides`,
    );
  }
  for (const duty of plan.duties) {
    if (duty.cadence === 'key-date' && periodsOf(plan, duty).length === 0)
      warnings.push(`duty ${duty.id} (${duty.title.zh}) has cadence key-date, but none of its key dates starts between ${plan.effectiveFrom} and ${plan.effectiveTo}: it never opens`);
  }
  for (const unit of plan.units) {
    if (unit.contacts.length === 0) warnings.push(`unit ${unit.id} (${unit.name}) has no contacts: nothing sent to it can be delivered`);
  }
  return warnings;
}
