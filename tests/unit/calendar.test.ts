import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { localDate } from '../../functions/core/dates.ts';
import { CalendarError } from '../../functions/core/errors.ts';

/** 国务院办公厅关于2022年部分节假日安排的通知 (国办发明电〔2021〕11号). */
const holidays2022 = [
  ['2022-01-01', '2022-01-03', '元旦'],
  ['2022-01-31', '2022-02-06', '春节'],
  ['2022-04-03', '2022-04-05', '清明'],
  ['2022-04-30', '2022-05-04', '劳动节'],
  ['2022-06-03', '2022-06-05', '端午'],
  ['2022-09-10', '2022-09-12', '中秋'],
  ['2022-10-01', '2022-10-07', '国庆'],
] as const;
const makeUpWorkdays2022 = ['2022-01-29', '2022-01-30', '2022-04-02', '2022-04-24', '2022-05-07', '2022-10-08', '2022-10-09'];

function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) days.push(d.toISOString().slice(0, 10));
  return days;
}

describe('WorkCalendar against the State Council schedule for 2022', () => {
  const calendar = new WorkCalendar();

  it.each(holidays2022)('rests from %s to %s (%s)', (from, to, name) => {
    const days = eachDay(from, to);

    const details = days.map((d) => calendar.detail(d));

    expect(details.every((d) => !d.work)).toBe(true);
    expect(details.some((d) => d.name.includes(name.slice(0, 2)))).toBe(true);
  });

  it.each(makeUpWorkdays2022)('works on the make-up day %s although it is a weekend', (date) => {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();

    const detail = calendar.detail(date);

    expect([0, 6]).toContain(weekday);
    expect(detail).toMatchObject({ work: true, source: 'state-council' });
    expect(detail.name).toContain('调休');
  });

  it('counts 2022 as 249 working days: 260 weekdays, less 18 holiday weekdays, plus 7 make-up days', () => {
    const days = calendar.workdaysIn('2022-01-01', '2022-12-31');

    expect(days).toHaveLength(249);
  });

  it('treats ordinary weekends as rest days and weekdays as working days', () => {
    expect(calendar.isWorkday('2022-04-16')).toBe(false);
    expect(calendar.isWorkday('2022-04-18')).toBe(true);
  });
});

describe('moving dates that fall on rest days', () => {
  const calendar = new WorkCalendar();

  it('moves a time limit ending on a rest day to the next working day', () => {
    expect(calendar.onOrAfter('2022-04-30')).toBe('2022-05-05');
    expect(calendar.onOrAfter('2022-10-01')).toBe('2022-10-08');
  });

  it('moves a within-the-year deadline back to the last working day of the year', () => {
    expect(calendar.lastWorkdayOfYear(2022)).toBe('2022-12-30');
    expect(calendar.onOrBefore('2022-12-31')).toBe('2022-12-30');
  });

  it('keeps a working day where it is', () => {
    expect(calendar.onOrAfter('2022-04-24')).toBe('2022-04-24');
    expect(calendar.onOrBefore('2022-04-29')).toBe('2022-04-29');
  });
});

describe('working-day arithmetic', () => {
  const calendar = new WorkCalendar();

  it('steps over the National Day holiday onto its make-up Saturday', () => {
    expect(calendar.addWorkdays('2022-09-30', 1)).toBe('2022-10-08');
  });

  it('counts backwards over the Labour Day holiday', () => {
    expect(calendar.addWorkdays('2022-05-05', -1)).toBe('2022-04-29');
    expect(calendar.addWorkdays('2022-05-05', -2)).toBe('2022-04-28');
  });

  it('counts working days between two dates, the first excluded', () => {
    expect(calendar.workdaysBetween('2022-04-15', '2022-04-29')).toBe(11);
    expect(calendar.workdaysBetween('2022-04-29', '2022-04-15')).toBe(-11);
    expect(calendar.workdaysBetween('2022-04-15', '2022-04-15')).toBe(0);
  });

  it('refuses a fractional offset and a malformed date', () => {
    expect(() => calendar.addWorkdays('2022-04-15', 1.5)).toThrow(CalendarError);
    expect(() => calendar.isWorkday('2022-02-30')).toThrow(/not a date/);
  });
});

describe('years not yet published', () => {
  it('knows which years the holiday data covers', () => {
    const calendar = new WorkCalendar();

    expect(calendar.isPublished(2022)).toBe(true);
    expect(calendar.isPublished(2026)).toBe(true);
    expect(calendar.isPublished(2027)).toBe(false);
    expect(calendar.isKnown(2027)).toBe(false);
  });

  it('takes an administrator\'s overrides for 2027 on top of the weekday rule', () => {
    const calendar = new WorkCalendar().withOverrides([
      { date: '2027-01-01', work: false, name: '元旦' },
      { date: '2027-02-20', work: true, name: '春节调休上班' },
    ]);

    expect(calendar.isKnown(2027)).toBe(true);
    expect(calendar.detail('2027-01-01')).toEqual({ date: '2027-01-01', work: false, name: '元旦', source: 'override' });
    expect(calendar.isWorkday('2027-02-20')).toBe(true);
    expect(calendar.onOrAfter('2027-01-01')).toBe('2027-01-04');
  });

  it('lets an override correct a published day', () => {
    const calendar = new WorkCalendar([{ date: '2022-04-18', work: false, name: '抗洪停工' }]);

    expect(calendar.isWorkday('2022-04-18')).toBe(false);
    expect(calendar.addWorkdays('2022-04-15', 1)).toBe('2022-04-19');
  });
});

describe('localDate', () => {
  it('gives the date in Asia/Shanghai, which is ahead of UTC', () => {
    expect(localDate(new Date('2022-04-14T16:30:00Z'), 'Asia/Shanghai')).toBe('2022-04-15');
    expect(localDate(new Date('2022-04-14T15:59:59Z'), 'Asia/Shanghai')).toBe('2022-04-14');
  });
});
