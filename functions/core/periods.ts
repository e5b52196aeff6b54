import { addDays, endOfMonth, makeDate, monthOf, yearOf, type IsoDate } from './dates.ts';
import { FireplanError } from './errors.ts';
import type { Cadence, KeyDate } from './plan-schema.ts';

/**
 * A period of a cadence. Ids follow DESIGN.md: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn`, `YYYY`; an academic
 * year (学年, September to August) is `YYYY-YYYY`; a one-off duty's period is its due date and a
 * key date's period is the key date's first day.
 */
export interface Period {
  id: string;
  cadence: Cadence;
  starts: IsoDate;
  ends: IsoDate;
  /** For cadence `key-date`: the key date this period belongs to. */
  keyDate?: KeyDate;
}

export type RecurringCadence = 'monthly' | 'quarterly' | 'semiannual' | 'annual' | 'academic-year';

export const recurringCadences: readonly RecurringCadence[] = ['monthly', 'quarterly', 'semiannual', 'annual', 'academic-year'];

export function isRecurring(cadence: Cadence): cadence is RecurringCadence {
  return (recurringCadences as readonly string[]).includes(cadence);
}

/** The period of a recurring cadence that contains a date. */
export function periodContaining(cadence: RecurringCadence, date: IsoDate): Period {
  const year = yearOf(date);
  const month = monthOf(date);
  switch (cadence) {
    case 'monthly':
      return { id: date.slice(0, 7), cadence, starts: makeDate(year, month, 1), ends: endOfMonth(year, month) };
    case 'quarterly': {
      const q = Math.ceil(month / 3);
      return { id: `${year}-Q${q}`, cadence, starts: makeDate(year, q * 3 - 2, 1), ends: endOfMonth(year, q * 3) };
    }
    case 'semiannual': {
      const h = month <= 6 ? 1 : 2;
      return { id: `${year}-H${h}`, cadence, starts: makeDate(year, h === 1 ? 1 : 7, 1), ends: endOfMonth(year, h === 1 ? 6 : 12) };
    }
    case 'annual':
      return { id: String(year), cadence, starts: makeDate(year, 1, 1), ends: makeDate(year, 12, 31) };
    case 'academic-year': {
      const first = month >= 9 ? year : year - 1;
      return { id: `${first}-${first + 1}`, cadence, starts: makeDate(first, 9, 1), ends: makeDate(first + 1, 8, 31) };
    }
  }
}

/**
 * The periods of a recurring cadence from the one in progress on `from` up to the last one that
 * starts on or before `to`.
 */
export function periodsBetween(cadence: RecurringCadence, from: IsoDate, to: IsoDate): Period[] {
  if (to < from) return [];
  const periods: Period[] = [];
  for (let period = periodContaining(cadence, from); period.starts <= to; period = periodContaining(cadence, addDays(period.ends, 1))) {
    periods.push(period);
  }
  return periods;
}

/** The period a key date defines, if the key date falls in the window. */
export function keyDatePeriod(keyDate: KeyDate): Period {
  return { id: keyDate.starts, cadence: 'key-date', starts: keyDate.starts, ends: keyDate.ends ?? keyDate.starts, keyDate };
}

/** Parse a period id back into its period; throws for an id no cadence produces. */
export function parsePeriodId(id: string): Period {
  const patterns: [RegExp, (m: RegExpExecArray) => Period][] = [
    [/^(\d{4})-(0[1-9]|1[0-2])$/, (m) => periodContaining('monthly', `${m[1]}-${m[2]}-01`)],
    [/^(\d{4})-Q([1-4])$/, (m) => periodContaining('quarterly', makeDate(Number(m[1]), Number(m[2]) * 3 - 2, 1))],
    [/^(\d{4})-H([12])$/, (m) => periodContaining('semiannual', makeDate(Number(m[1]), m[2] === '1' ? 1 : 7, 1))],
    [/^(\d{4})$/, (m) => periodContaining('annual', `${m[1]}-01-01`)],
    [/^(\d{4})-(\d{4})$/, (m) => periodContaining('academic-year', `${m[1]}-09-01`)],
  ];
  for (const [pattern, build] of patterns) {
    const match = pattern.exec(id);
    if (match) {
      const period = build(match);
      if (period.id === id) return period;
    }
  }
  throw new FireplanError(`not a period id: ${JSON.stringify(id)} (expected YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY or YYYY-YYYY)`);
}
