import { describe, expect, it } from 'vitest';
import { CronError, fireTimes, parseCron, parseScheduleExpression, schedulerTime } from '../../local/runtime/cron.ts';

const SHANGHAI = 'Asia/Shanghai';

function fires(expression: string, from: string, to: string, timezone = SHANGHAI): string[] {
  return fireTimes(expression, { from: new Date(from), to: new Date(to) }, timezone).map(schedulerTime);
}

describe('cron expressions of docs/architecture.md, in Asia/Shanghai', () => {
  it('fires the daily follow-up at 08:30 Shanghai, which is 00:30Z, once a day', () => {
    const window = ['2022-05-01T00:00:00+08:00', '2022-05-04T00:00:00+08:00'] as const;

    const instants = fires('cron(30 8 * * ? *)', ...window);

    expect(instants).toEqual(['2022-05-01T00:30:00Z', '2022-05-02T00:30:00Z', '2022-05-03T00:30:00Z']);
  });

  it('fires an early-morning schedule on the previous UTC day', () => {
    const instants = fires('cron(0 6 1 * ? *)', '2022-05-01T00:00:00+08:00', '2022-08-01T00:00:00+08:00');

    expect(instants).toEqual(['2022-04-30T22:00:00Z', '2022-05-31T22:00:00Z', '2022-06-30T22:00:00Z']);
  });

  it('fires the quarterly opener in the listed months only', () => {
    const instants = fires('cron(0 6 1 1,4,7,10 ? *)', '2022-01-01T00:00:00+08:00', '2023-01-01T00:00:00+08:00');

    expect(instants).toEqual(['2021-12-31T22:00:00Z', '2022-03-31T22:00:00Z', '2022-06-30T22:00:00Z', '2022-09-30T22:00:00Z']);
  });

  it('fires the monthly report on each of the first seven days', () => {
    const instants = fires('cron(0 9 1-7 * ? *)', '2022-06-01T00:00:00+08:00', '2022-07-01T00:00:00+08:00');

    expect(instants).toHaveLength(7);
    expect(instants[0]).toBe('2022-06-01T01:00:00Z');
    expect(instants[6]).toBe('2022-06-07T01:00:00Z');
  });

  it('fires the annual evaluation from 20 to 31 December only', () => {
    const instants = fires('cron(0 18 20-31 12 ? *)', '2022-01-01T00:00:00+08:00', '2023-01-01T00:00:00+08:00');

    expect(instants).toHaveLength(12);
    expect(instants[0]).toBe('2022-12-20T10:00:00Z');
    expect(instants[11]).toBe('2022-12-31T10:00:00Z');
  });

  it('fires every schedule of the plan year the expected number of times', () => {
    const year = ['2022-01-01T00:00:00+08:00', '2023-01-01T00:00:00+08:00'] as const;

    const counts = Object.fromEntries(
      ['cron(0 6 1 * ? *)', 'cron(0 6 1 1,7 ? *)', 'cron(0 6 1 1 ? *)', 'cron(0 6 1 9 ? *)', 'cron(0 6 * * ? *)', 'cron(30 8 * * ? *)'].map((e) => [e, fires(e, ...year).length]),
    );

    expect(counts).toEqual({
      'cron(0 6 1 * ? *)': 12,
      'cron(0 6 1 1,7 ? *)': 2,
      'cron(0 6 1 1 ? *)': 1,
      'cron(0 6 1 9 ? *)': 1,
      'cron(0 6 * * ? *)': 365,
      'cron(30 8 * * ? *)': 365,
    });
  });
});

describe('cron window and fields', () => {
  it('includes the start of the window and excludes its end', () => {
    const instants = fires('cron(30 8 * * ? *)', '2022-05-01T00:30:00Z', '2022-05-02T00:30:00Z');

    expect(instants).toEqual(['2022-05-01T00:30:00Z']);
  });

  it('returns nothing for an empty or reversed window', () => {
    expect(fires('cron(30 8 * * ? *)', '2022-05-02T00:00:00Z', '2022-05-01T00:00:00Z')).toEqual([]);
    expect(fires('cron(30 8 * * ? *)', '2022-05-01T00:00:00Z', '2022-05-01T00:00:00Z')).toEqual([]);
  });

  it('matches day-of-week with 1 = Sunday, by number or by name', () => {
    const byNumber = fires('cron(0 9 ? * 2-6 *)', '2022-05-01T00:00:00+08:00', '2022-05-08T00:00:00+08:00');
    const byName = fires('cron(0 9 ? * MON-FRI *)', '2022-05-01T00:00:00+08:00', '2022-05-08T00:00:00+08:00');

    // 2022-05-01 is a Sunday: Monday 2 May to Friday 6 May.
    expect(byNumber).toEqual(['2022-05-02T01:00:00Z', '2022-05-03T01:00:00Z', '2022-05-04T01:00:00Z', '2022-05-05T01:00:00Z', '2022-05-06T01:00:00Z']);
    expect(byName).toEqual(byNumber);
  });

  it('supports increments, month names and a year field', () => {
    const quarterHours = fires('cron(0/15 9 1 JAN ? 2023)', '2022-01-01T00:00:00+08:00', '2024-01-01T00:00:00+08:00');

    expect(quarterHours).toEqual(['2023-01-01T01:00:00Z', '2023-01-01T01:15:00Z', '2023-01-01T01:30:00Z', '2023-01-01T01:45:00Z']);
  });

  it('evaluates in UTC when the schedule has no time zone', () => {
    const instants = fires('cron(30 8 * * ? *)', '2022-05-01T00:00:00Z', '2022-05-02T00:00:00Z', 'UTC');

    expect(instants).toEqual(['2022-05-01T08:30:00Z']);
  });

  it('fires a one-time at() schedule once, at its local time', () => {
    expect(fires('at(2022-05-10T09:00:00)', '2022-05-01T00:00:00Z', '2022-06-01T00:00:00Z')).toEqual(['2022-05-10T01:00:00Z']);
    expect(fires('at(2022-05-10T09:00:00)', '2022-06-01T00:00:00Z', '2022-07-01T00:00:00Z')).toEqual([]);
  });

  it('formats the scheduled time as the scheduler does, without milliseconds', () => {
    expect(schedulerTime(new Date(Date.UTC(2022, 4, 1, 22, 0, 0)))).toBe('2022-05-01T22:00:00Z');
  });
});

describe('what the local runtime refuses', () => {
  it.each([
    ['cron(0 6 L * ? *)', /L, W or #/],
    ['cron(0 6 ? * 6#3 *)', /L, W or #/],
    ['cron(0 6 15W * ? *)', /L, W or #/],
    ['cron(0 6 1 * 2 *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 6 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 6 1 * ?)', /expected 6 fields/],
    ['cron(0 24 * * ? *)', /hours value '24'/],
    ['cron(0 6 31-1 * ? *)', /runs backwards/],
    ['rate(5 minutes)', /rate\(\) schedules/],
    ['every day', /not a schedule expression/],
  ])('refuses %s with a clear error', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(CronError);
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });

  it('refuses a time zone with daylight saving time', () => {
    expect(() => fireTimes('cron(0 6 * * ? *)', { from: new Date('2022-01-01T00:00:00Z'), to: new Date('2022-01-02T00:00:00Z') }, 'Europe/Paris')).toThrow(
      /time zone 'Europe\/Paris' is not supported/,
    );
  });

  it('parses the fields it supports into sorted values', () => {
    const cron = parseCron('cron(5,0 6 1 1,4,7,10 ? *)');

    expect(cron.minutes).toEqual([0, 5]);
    expect(cron.hours).toEqual([6]);
    expect(cron.daysOfWeek).toBe('any');
    expect([...cron.months]).toEqual([1, 4, 7, 10]);
  });
});
