import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { newInstance, type InstanceRecord } from './instance.ts';
import { isRecurring, periodContaining, type RecurringCadence } from './periods.ts';
import type { Plan } from './plan-schema.ts';
import { periodsOf, resolveOwners, scheduleFor } from './schedule.ts';

/** What a period opener handles: a recurring cadence, or `dated` for one-off and key-date duties. */
export const openingCadences = ['monthly', 'quarterly', 'semiannual', 'annual', 'academic-year', 'dated'] as const satisfies readonly (RecurringCadence | 'dated')[];

export type OpeningCadence = (typeof openingCadences)[number];

/**
 * The instances an opener creates on a day: for a recurring cadence, every duty of that cadence in
 * the period in progress (if the plan is in force during it), for every owner; for `dated`, every
 * one-off or key-date duty whose opening day has come. Creating is idempotent downstream, so
 * opening the same period twice changes nothing. A paused duty opens nothing; a retired unit gets nothing.
 */
export function instancesToOpen(plan: Plan, planVersion: string, cadence: OpeningCadence, date: IsoDate, calendar: WorkCalendar): InstanceRecord[] {
  const records: InstanceRecord[] = [];
  for (const duty of plan.duties) {
    // A paused duty opens nothing until it is resumed.
    if (duty.paused === true) continue;
    const periods =
      cadence === 'dated'
        ? duty.cadence === 'once' || duty.cadence === 'key-date'
          ? periodsOf(plan, duty)
          : []
        : duty.cadence === cadence && isRecurring(duty.cadence)
          ? [periodContaining(duty.cadence, date)].filter((p) => p.ends >= plan.effectiveFrom && p.starts <= plan.effectiveTo)
          : [];
    for (const period of periods) {
      const schedule = scheduleFor(plan, calendar, duty, period);
      if (cadence === 'dated' && schedule.opensOn > date) continue;
      for (const owner of resolveOwners(plan, duty)) records.push(newInstance(plan, planVersion, duty, owner, schedule));
    }
  }
  return records;
}
