import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { periodsOf, plannedInstances, resolveOwners, runsDuring, scheduleFor, scheduleProblems, unknownCalendarYears, type Schedule } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const calendar = new WorkCalendar();

describe('scheduleFor', () => {
  it('opens a monthly duty on the first working day and makes it due on the last day, moved to the next working day', () => {
    const plan = buildPlan({ duties: [dutyInput()] });
    const duty = plan.duties[0]!;

    const schedule = scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-07-01'));

    expect(schedule).toMatchObject({ opensOn: '2022-07-01', dueOn: '2022-08-01' });
    expect(schedule.reminders).toEqual(['2022-07-25', '2022-07-29']);
    expect(schedule).toMatchObject({ yellowOn: '2022-08-02', redOn: '2022-08-08', warningTalkOn: '2022-08-15', missedOn: '2022-08-29' });
    expect(schedule.adjusted).toBeUndefined();
  });

  it('moves a month-end that falls in the Labour Day holiday to the first working day after it', () => {
    const plan = buildPlan({ duties: [dutyInput()] });

    const schedule = scheduleFor(plan, calendar, plan.duties[0]!, periodContaining('monthly', '2022-04-15'));

    expect(schedule.dueOn).toBe('2022-05-05');
  });

  it('gives a duty that opens late the minimum lead of working days', () => {
    const plan = buildPlan({ duties: [dutyInput({ cadence: 'quarterly', due: { from: 'start', days: 20 } })] });

    const schedule = scheduleFor(plan, calendar, plan.duties[0]!, periodContaining('quarterly', '2022-04-15'));

    expect(schedule.opensOn).toBe('2022-04-15');
    expect(calendar.workdaysBetween(schedule.opensOn, schedule.dueOn)).toBe(10);
    expect(schedule.dueOn).toBe('2022-04-28');
    expect(schedule.adjusted).toBe('late-start');
  });

  it('keeps a within-the-year deadline inside the year and on its last working day', () => {
    const plan = buildPlan({ duties: [dutyInput({ cadence: 'annual', due: { from: 'end', restDay: 'previous' }, target: { value: 15, unit: '人', measure: '新招录政府专职消防员' } })] });

    const schedule = scheduleFor(plan, calendar, plan.duties[0]!, periodContaining('annual', '2022-04-15'));

    expect(schedule.opensOn).toBe('2022-04-15');
    expect(schedule.dueOn).toBe('2022-12-30');
  });

  it('counts working days before a key date for an alert', () => {
    const plan = buildPlan({
      calendar: { overrides: [], keyDates: [{ id: 'national-day', name: '国庆', kind: 'holiday', starts: '2022-10-01', ends: '2022-10-07' }] },
      duties: [dutyInput({ cadence: 'key-date', opens: { from: 'start', workdays: -5 }, due: { from: 'start', workdays: -2 } })],
    });
    const duty = plan.duties[0]!;

    const [period] = periodsOf(plan, duty);
    const schedule = scheduleFor(plan, calendar, duty, period!);

    expect(period?.id).toBe('2022-10-01');
    expect(schedule).toMatchObject({ opensOn: '2022-09-26', dueOn: '2022-09-29' });
  });

  it('drops reminders that would fall on or before the opening day', () => {
    const plan = buildPlan({ duties: [dutyInput({ cadence: 'once', opens: { from: 'date', date: '2022-06-01' }, due: { from: 'date', date: '2022-06-06' } })] });

    const schedule = scheduleFor(plan, calendar, plan.duties[0]!, periodsOf(plan, plan.duties[0]!)[0]!);

    expect(schedule.dueOn).toBe('2022-06-06');
    expect(schedule.reminders).toEqual(['2022-06-02']);
  });
});

describe('owners and planned instances', () => {
  it('expands "every village" to each village, once, in the plan\'s order', () => {
    const plan = buildPlan({ duties: [dutyInput({ owners: [{ every: 'village' }, 'village-1'] })] });

    const owners = resolveOwners(plan, plan.duties[0]!);

    expect(owners.map((u) => u.id)).toEqual(['village-1', 'village-2']);
  });

  it('plans one instance per owner and period, none for an event duty', () => {
    const plan = buildPlan({
      duties: [
        dutyInput({ owners: [{ every: 'village' }] }),
        dutyInput({ id: 'investigation', cadence: 'event', event: 'serious-fire', due: { from: 'start', workdays: 30 } }),
      ],
    });

    const rows = plannedInstances(plan);

    expect(rows).toHaveLength(2 * 9);
    expect(rows.every((r) => r.duty.id === 'monthly-analysis')).toBe(true);
    expect(rows[0]?.schedule.opensOn).toBe('2022-04-15');
  });
});

describe('scheduleProblems', () => {
  it('finds a duty that falls due before it opens', () => {
    const plan = buildPlan({ duties: [dutyInput({ opens: { from: 'start', days: 20 }, due: { from: 'start', days: 5 } })] });

    const problems = scheduleProblems(plan);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'duties[0].due' });
    expect(problems[0]?.message).toMatch(/falls due \(\d{4}-\d\d-\d\d\) before it opens/);
  });
});

describe('runsDuring', () => {
  const schedule = { opensOn: '2022-08-01', missedOn: '2022-09-28' } as Schedule;

  it.each([
    [{}, true],
    [{ from: '2022-09-28' }, true],
    [{ from: '2022-09-29' }, false],
    [{ to: '2022-08-01' }, true],
    [{ to: '2022-07-31' }, false],
    [{ from: '2022-08-10', to: '2022-08-20' }, true],
    [{ from: '2022-06-01', to: '2022-12-31' }, true],
  ])('counts an instance open 2022-08-01 and missed 2022-09-28 as running during %j: %s', (window, expected) => {
    expect(runsDuring(schedule, window)).toBe(expected);
  });
});

describe('unknownCalendarYears', () => {
  it('lists the years whose working days are only guessed, earliest first', () => {
    const plan = buildPlan({ effectiveFrom: '2027-04-15', effectiveTo: '2028-12-31', document: { number: '测试〔2027〕1号', issuedOn: '2027-04-15', issuer: '青峰镇人民政府' } });

    const years = unknownCalendarYears(plan, calendar);

    expect(years).toEqual([2027, 2028, 2029]);
  });
});
