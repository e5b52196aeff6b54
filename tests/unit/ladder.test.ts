import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { ladderSteps, lightOf, rungRecipients, nextActionOn, statusOf, stepsDue, type InstanceProgress } from '../../functions/core/ladder.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { ladderOf, scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

// July 2022's monthly duty: opens 07-01, reminders 07-25 and 07-29, due 08-01,
// yellow 08-02, red 08-08, warning talk 08-15, missed 08-29.
const plan = buildPlan({ duties: [dutyInput()] });
const duty = plan.duties[0]!;
const schedule = scheduleFor(plan, new WorkCalendar(), duty, periodContaining('monthly', '2022-07-01'));
const steps = ladderSteps(schedule, rungRecipients(ladderOf(plan, duty)));
const open: InstanceProgress = { completedOn: null, done: [] };

function doneUpTo(day: string): InstanceProgress {
  return { completedOn: null, done: steps.filter((s) => s.on <= day).map((s) => s.key) };
}

describe('ladderSteps', () => {
  it('orders notice, reminders, yellow, red, warning talk and missed, each on its day', () => {
    expect(steps.map((s) => [s.kind, s.on, s.level])).toEqual([
      ['notice', '2022-07-01', 0],
      ['reminder', '2022-07-25', 0],
      ['reminder', '2022-07-29', 0],
      ['yellow', '2022-08-02', 1],
      ['red', '2022-08-08', 2],
      ['warning-talk', '2022-08-15', 3],
      ['missed', '2022-08-29', 0],
    ]);
  });

  it('tells the people the plan\'s ladder names at each rung', () => {
    const byKind = Object.fromEntries(steps.map((s) => [s.kind, s.notify]));

    expect(byKind['notice']).toEqual(['owner']);
    expect(byKind['yellow']).toEqual(['owner', 'fire-office']);
    expect(byKind['red']).toEqual(['owner', 'fire-office', 'deputy-head']);
    expect(byKind['warning-talk']).toEqual(['owner', 'deputy-head', 'town-head']);
    expect(byKind['missed']).toEqual([]);
  });
});

describe('stepsDue', () => {
  it('sends the notice on the opening day and nothing before it', () => {
    expect(stepsDue(steps, open, '2022-06-30').act).toEqual([]);
    expect(stepsDue(steps, open, '2022-07-01').act.map((s) => s.kind)).toEqual(['notice']);
  });

  it('escalates only after the due date, never on it', () => {
    const onDueDate = stepsDue(steps, doneUpTo('2022-08-01'), '2022-08-01');
    const dayAfter = stepsDue(steps, doneUpTo('2022-08-01'), '2022-08-02');

    expect(onDueDate.act).toEqual([]);
    expect(dayAfter.act.map((s) => s.kind)).toEqual(['yellow']);
  });

  it('climbs the rungs in order on their days', () => {
    const fired: string[] = [];
    let progress = doneUpTo('2022-08-01');
    for (const day of ['2022-08-02', '2022-08-05', '2022-08-08', '2022-08-12', '2022-08-15', '2022-08-29']) {
      const { act } = stepsDue(steps, progress, day);
      fired.push(...act.map((s) => `${day} ${s.kind}`));
      progress = { ...progress, done: [...progress.done, ...act.map((s) => s.key)] };
    }

    expect(fired).toEqual(['2022-08-02 yellow', '2022-08-08 red', '2022-08-15 warning-talk', '2022-08-29 missed']);
  });

  it('catches up with one message at the highest rung reached after days without a run', () => {
    const due = stepsDue(steps, doneUpTo('2022-08-01'), '2022-08-09');

    expect(due.act.map((s) => s.kind)).toEqual(['red']);
    expect(due.skip.map((s) => s.kind)).toEqual(['yellow']);
  });

  it('sends only the latest of several missed reminders', () => {
    const due = stepsDue(steps, doneUpTo('2022-07-01'), '2022-07-29');

    expect(due.act.map((s) => s.key)).toEqual(['reminder:2022-07-29']);
    expect(due.skip.map((s) => s.key)).toEqual(['reminder:2022-07-25']);
  });

  it('does nothing more once the work is reported', () => {
    const reported: InstanceProgress = { completedOn: '2022-07-20', done: ['notice'] };

    expect(stepsDue(steps, reported, '2022-08-10')).toEqual({ act: [], skip: [] });
    expect(nextActionOn(steps, reported)).toBeNull();
  });

  it('does nothing twice: a step already done is not due again', () => {
    expect(stepsDue(steps, { completedOn: null, done: ['notice'] }, '2022-07-01').act).toEqual([]);
  });
});

describe('nextActionOn', () => {
  it('is the day of the first step not yet done, and null when all are done', () => {
    expect(nextActionOn(steps, open)).toBe('2022-07-01');
    expect(nextActionOn(steps, doneUpTo('2022-08-02'))).toBe('2022-08-08');
    expect(nextActionOn(steps, doneUpTo('2022-12-31'))).toBeNull();
  });
});

describe('lightOf', () => {
  it.each([
    ['2022-07-10', 'green'],
    ['2022-07-25', 'yellow'],
    ['2022-08-01', 'yellow'],
    ['2022-08-05', 'yellow'],
    ['2022-08-08', 'red'],
    ['2022-09-30', 'red'],
  ] as const)('on %s an unreported instance is %s', (day, light) => {
    expect(lightOf(schedule, open, day)).toBe(light);
  });

  it('turns green when the work is reported, even late', () => {
    expect(lightOf(schedule, { completedOn: '2022-08-10' }, '2022-08-10')).toBe('green');
    expect(lightOf(schedule, { completedOn: '2022-08-10' }, '2022-08-09')).toBe('red');
  });
});

describe('statusOf', () => {
  it.each([
    [null, '2022-08-20', 'open'],
    [null, '2022-08-29', 'missed'],
    ['2022-08-01', '2022-12-31', 'on_time'],
    ['2022-08-02', '2022-12-31', 'late'],
    ['2022-08-26', '2022-12-31', 'late'],
    ['2022-08-29', '2022-12-31', 'missed'],
  ] as const)('reported %s, seen on %s: %s', (completedOn, today, status) => {
    expect(statusOf(schedule, { completedOn }, today)).toBe(status);
  });

  it('does not see a report dated after the day it is asked about', () => {
    expect(statusOf(schedule, { completedOn: '2022-07-20' }, '2022-07-10')).toBe('open');
  });
});
