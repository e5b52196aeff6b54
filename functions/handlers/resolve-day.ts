import { z } from 'zod';
import { WorkCalendar } from '../core/calendar.ts';
import { endOfMonth, localDate, makeDate, monthOf, yearOf } from '../core/dates.ts';
import { loadEnv, shardsVariable } from '../adapters/env.ts';
import { workflowHandler } from '../adapters/middleware.ts';
import { listCalendarOverrides } from '../adapters/table.ts';

/** Turns the scheduler's instant into the day it falls on in China, and whether it is a working day: the first state of every workflow. */
const input = z.strictObject({
  scheduledTime: z.iso.datetime({ offset: true }),
  cadence: z.enum(['monthly', 'quarterly', 'semiannual', 'annual', 'academic-year', 'dated']).optional(),
});

const env = loadEnv(z.object({ FOLLOW_UP_SHARDS: shardsVariable }));
const stateCouncil = new WorkCalendar();

export const handler = workflowHandler(input, async ({ scheduledTime, cadence }) => {
  const date = localDate(new Date(scheduledTime), 'Asia/Shanghai');
  // Read on every run (one small query): an override an administrator adds applies from the next run.
  const calendar = stateCouncil.withOverrides(await listCalendarOverrides());
  const detail = calendar.detail(date);
  return {
    date,
    workday: detail.work,
    dayName: detail.name,
    firstWorkdayOfMonth: calendar.onOrAfter(makeDate(yearOf(date), monthOf(date), 1)) === date,
    lastWorkdayOfYear: calendar.lastWorkdayOfYear(yearOf(date)) === date,
    lastWorkdayOfQuarter: calendar.onOrBefore(endOfMonth(yearOf(date), Math.ceil(monthOf(date) / 3) * 3)) === date,
    shards: Array.from({ length: env.FOLLOW_UP_SHARDS }, (_, i) => i),
    ...(cadence ? { cadence } : {}),
  };
});
