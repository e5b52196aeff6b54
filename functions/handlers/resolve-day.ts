import { z } from 'zod';
import { WorkCalendar, type CalendarOverride } from '../core/calendar.ts';
import { endOfMonth, localDate, makeDate, monthOf, yearOf } from '../core/dates.ts';
import { loadEnv, shardsVariable } from '../adapters/env.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { listCalendarOverrides, type TownCalendarOverride } from '../adapters/table.ts';

/** Turns the scheduler's instant into the day it falls on in China, and whether it is a working day: the first state of every workflow. */
const input = z.strictObject({
  scheduledTime: z.iso.datetime({ offset: true }),
  cadence: z.enum(['monthly', 'quarterly', 'semiannual', 'annual', 'academic-year', 'dated']).optional(),
});

const env = loadEnv(z.object({ FOLLOW_UP_SHARDS: shardsVariable }));
const stateCouncil = new WorkCalendar();

/**
 * The overrides every town that declared the day agrees on, for the month and year flags (the
 * first working day of a month, the last of a year or quarter): a day is a holiday for all only
 * when every town that declared it says so.
 */
function commonOverrides(overrides: readonly TownCalendarOverride[]): CalendarOverride[] {
  const byDate = new Map<string, TownCalendarOverride[]>();
  for (const o of overrides) byDate.set(o.date, [...(byDate.get(o.date) ?? []), o]);
  return [...byDate.values()].filter((same) => same.every((o) => o.work === same[0]?.work)).map((same) => same[0] as CalendarOverride);
}

export const handler = workflowHandler(input, async ({ scheduledTime, cadence }) => {
  const date = localDate(new Date(scheduledTime), 'Asia/Shanghai');
  // Read on every run (one small query): an override an administrator adds applies from the next run.
  const overrides = await listCalendarOverrides();
  const calendar = stateCouncil.withOverrides(commonOverrides(overrides));
  const detail = calendar.detail(date);
  return {
    date,
    // A make-up working day of any town is a day to run: each town's step then judges the day by
    // its own plan's calendar, so a town's holiday is that town's only.
    workday: stateCouncil.isWorkday(date) || overrides.some((o) => o.date === date && o.work),
    dayName: detail.name,
    firstWorkdayOfMonth: calendar.onOrAfter(makeDate(yearOf(date), monthOf(date), 1)) === date,
    lastWorkdayOfYear: calendar.lastWorkdayOfYear(yearOf(date)) === date,
    lastWorkdayOfQuarter: calendar.onOrBefore(endOfMonth(yearOf(date), Math.ceil(monthOf(date) / 3) * 3)) === date,
    shards: Array.from({ length: env.FOLLOW_UP_SHARDS }, (_, i) => i),
    ...(cadence ? { cadence } : {}),
  };
});
