import stateCouncil from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { addDays, dayOfWeek, isIsoDate, makeDate, type IsoDate } from './dates.ts';
import { CalendarError } from './errors.ts';

/**
 * China's working-day calendar: the State Council's published holidays and make-up working days
 * (调休), from the chinese-days package, under the overrides an administrator or a plan adds for
 * years not yet published. All date arithmetic of the engine goes through here.
 */

export interface CalendarOverride {
  date: IsoDate;
  /** true: a working day (for example a 调休 Saturday); false: a rest day. */
  work: boolean;
  name: string;
}

export type DaySource = 'override' | 'state-council' | 'weekend' | 'weekday';

export interface DayDetail {
  date: IsoDate;
  work: boolean;
  /** The holiday or make-up day's name in Chinese, or 周末 / 工作日. */
  name: string;
  source: DaySource;
}

interface StateCouncilData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const published = stateCouncil as StateCouncilData;
const publishedYears: ReadonlySet<number> = new Set(
  [...Object.keys(published.holidays), ...Object.keys(published.workdays)].map((d) => Number(d.slice(0, 4))),
);

/** chinese-days stores "English name,中文名,days"; keep the Chinese name. */
function chineseName(raw: string): string {
  return raw.split(',')[1] ?? raw;
}

/** A year this far from any date is a bug in a rule, not a deadline. */
const SEARCH_LIMIT_DAYS = 366;

export class WorkCalendar {
  private readonly overrides: ReadonlyMap<IsoDate, CalendarOverride>;

  constructor(overrides: readonly CalendarOverride[] = []) {
    const map = new Map<IsoDate, CalendarOverride>();
    for (const override of overrides) {
      if (!isIsoDate(override.date)) throw new CalendarError(`override date is not YYYY-MM-DD: ${override.date}`);
      map.set(override.date, override);
    }
    this.overrides = map;
  }

  /** A new calendar with more overrides on top (later ones win). */
  withOverrides(more: readonly CalendarOverride[]): WorkCalendar {
    return new WorkCalendar([...this.overrides.values(), ...more]);
  }

  /** Whether the State Council's schedule for this year is in the holiday data. */
  isPublished(year: number): boolean {
    return publishedYears.has(year);
  }

  /** Whether any working-day rule for this year comes from somewhere other than the weekday (published data or overrides). */
  isKnown(year: number): boolean {
    if (this.isPublished(year)) return true;
    for (const date of this.overrides.keys()) if (date.startsWith(`${year}-`)) return true;
    return false;
  }

  detail(date: IsoDate): DayDetail {
    if (!isIsoDate(date)) throw new CalendarError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
    const override = this.overrides.get(date);
    if (override) return { date, work: override.work, name: override.name, source: 'override' };
    const holiday = published.holidays[date];
    if (holiday !== undefined) return { date, work: false, name: chineseName(holiday), source: 'state-council' };
    const makeUp = published.workdays[date];
    if (makeUp !== undefined) return { date, work: true, name: `${chineseName(makeUp)}调休上班`, source: 'state-council' };
    const weekend = dayOfWeek(date) === 0 || dayOfWeek(date) === 6;
    return weekend ? { date, work: false, name: '周末', source: 'weekend' } : { date, work: true, name: '工作日', source: 'weekday' };
  }

  isWorkday(date: IsoDate): boolean {
    return this.detail(date).work;
  }

  /** The date itself when it is a working day, else the next working day: how Chinese law moves a time limit that ends on a rest day. */
  onOrAfter(date: IsoDate): IsoDate {
    return this.step(date, 1, true);
  }

  /** The date itself when it is a working day, else the previous one: for deadlines worded "within" a period (年内). */
  onOrBefore(date: IsoDate): IsoDate {
    return this.step(date, -1, true);
  }

  /**
   * The n-th working day after (n > 0) or before (n < 0) a date, not counting the date itself.
   * n = 0 gives the date itself when it is a working day, else the next working day.
   */
  addWorkdays(date: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n)) throw new CalendarError(`working-day offset must be a whole number, got ${n}`);
    if (n === 0) return this.onOrAfter(date);
    const direction = n > 0 ? 1 : -1;
    let current = date;
    for (let left = Math.abs(n); left > 0; left -= 1) current = this.step(current, direction, false);
    return current;
  }

  /** Working days in the half-open range (from, to]: how many working days pass between two dates. */
  workdaysBetween(from: IsoDate, to: IsoDate): number {
    if (to <= from) return to === from ? 0 : -this.workdaysBetween(to, from);
    let count = 0;
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (this.isWorkday(d)) count += 1;
    return count;
  }

  /** Every working day in the closed range [from, to]. */
  workdaysIn(from: IsoDate, to: IsoDate): IsoDate[] {
    const days: IsoDate[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) if (this.isWorkday(d)) days.push(d);
    return days;
  }

  lastWorkdayOfYear(year: number): IsoDate {
    return this.onOrBefore(makeDate(year, 12, 31));
  }

  private step(date: IsoDate, direction: 1 | -1, inclusive: boolean): IsoDate {
    let current = inclusive ? date : addDays(date, direction);
    for (let i = 0; i < SEARCH_LIMIT_DAYS; i += 1) {
      if (this.isWorkday(current)) return current;
      current = addDays(current, direction);
    }
    throw new CalendarError(`no working day within ${SEARCH_LIMIT_DAYS} days ${direction > 0 ? 'after' : 'before'} ${date}`);
  }
}
