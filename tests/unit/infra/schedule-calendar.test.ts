import { describe, expect, it } from 'vitest';
import { SCHEDULES } from '../../../infra/constructs/schedules.ts';
import { WorkCalendar } from '../../../functions/core/calendar.ts';
import { endOfMonth, makeDate } from '../../../functions/core/dates.ts';
import { fireTimes } from '../../../local/runtime/cron.ts';

const calendar = new WorkCalendar();

/** The Asia/Shanghai dates on which a schedule fires in a year. */
function fireDays(expression: string, year: number): Set<string> {
  const times = fireTimes(expression, { from: new Date(`${year}-01-01T00:00:00+08:00`), to: new Date(`${year + 1}-01-01T00:00:00+08:00`) }, 'Asia/Shanghai');
  return new Set(times.map((t) => new Date(t.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)));
}

function schedule(id: string): string {
  const found = SCHEDULES.find((s) => s.id === id);
  if (!found) throw new Error(`no schedule ${id}`);
  return found.expression;
}

describe('schedules against the working-day calendar of every published year', () => {
  const years = Array.from({ length: 2026 - 2004 + 1 }, (_, i) => 2004 + i);

  it('fire the monthly report on the first working day of every month, even after a long holiday', () => {
    const missed = years.flatMap((year) => {
      const days = fireDays(schedule('MonthlyReport'), year);
      return Array.from({ length: 12 }, (_, m) => calendar.onOrAfter(makeDate(year, m + 1, 1))).filter((first) => first.startsWith(String(year)) && !days.has(first));
    });

    expect(missed).toEqual([]);
  });

  it('fire the recruitment check on the first working day of every month, and the exposure draft on the last working day of every quarter', () => {
    const missedChecks = years.flatMap((year) => {
      const days = fireDays(schedule('RecruitmentCheck'), year);
      return Array.from({ length: 12 }, (_, m) => calendar.onOrAfter(makeDate(year, m + 1, 1))).filter((first) => first.startsWith(String(year)) && !days.has(first));
    });
    const missedDrafts = years.flatMap((year) => {
      const days = fireDays(schedule('QuarterlyExposure'), year);
      return [3, 6, 9, 12].map((month) => calendar.onOrBefore(endOfMonth(year, month))).filter((last) => !days.has(last));
    });

    expect(missedChecks).toEqual([]);
    expect(missedDrafts).toEqual([]);
  });

  it('fire the annual evaluation on the last working day of every year', () => {
    const missed = years.filter((year) => !fireDays(schedule('AnnualEvaluation'), year).has(calendar.lastWorkdayOfYear(year)));

    expect(missed).toEqual([]);
  });
});
