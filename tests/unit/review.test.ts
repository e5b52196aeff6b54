import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { addDays, type IsoDate } from '../../functions/core/dates.ts';
import { ConflictError } from '../../functions/core/errors.ts';
import { followUpTown } from '../../functions/core/follow-up.ts';
import { newInstance, refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { accept, reopen, returnReport, reviewStageOf } from '../../functions/core/review.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan } from '../support/plan-fixture.ts';

/**
 * June 2022's monthly analysis of 应急办, on the standard ladder: notice 06-01, reminders 06-23 and
 * 06-29, due 06-30, yellow 07-01, red 07-07, warning talk 07-14, missed 07-28.
 */
const calendar = new WorkCalendar();
const plan = buildPlan();
const duty = plan.duties[0]!;
const owner = plan.units.find((u) => u.id === 'emergency-office')!;
const june = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-06-01')));
const admin = (on: IsoDate) => ({ by: 'admin-1', on });

/** What report-work does: done on the day, awaiting review. */
function reported(record: InstanceRecord, on: IsoDate): InstanceRecord {
  const n = record.reports.length + 1;
  return refresh({ ...record, completedOn: on, review: 'awaiting', reports: [...record.reports, { n, on, note: `report ${n}`, evidence: [] }] }, on);
}

type Event = (record: InstanceRecord) => InstanceRecord;

/**
 * Replays the days from `from` to `to`: each working day the follow-up runs first (in the morning,
 * on the instance only when the due index would hold it: a next action on or before the day), then
 * the day's events (reports and reviews, later in the day). Returns what was sent, day by day, and
 * the instance at the end.
 */
function replay(start: InstanceRecord, from: IsoDate, to: IsoDate, events: Record<IsoDate, Event>): { sent: [IsoDate, string][]; skipped: [IsoDate, string][]; record: InstanceRecord } {
  let record = start;
  const sent: [IsoDate, string][] = [];
  const skipped: [IsoDate, string][] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    if (calendar.isWorkday(day) && record.nextActionOn !== null && record.nextActionOn <= day) {
      const result = followUpTown(plan, [record], day, calendar);
      const update = result.updates[0];
      const owners = result.digests.filter((d) => d.units.includes(owner.id));
      for (const item of owners.flatMap((d) => d.items)) sent.push([day, item.step.key]);
      if (update) {
        const before = new Set(record.done);
        const acted = new Set(owners.flatMap((d) => d.items.map((i) => i.step.key)));
        for (const key of update.done) if (!before.has(key) && !acted.has(key)) skipped.push([day, key]);
        record = { ...update, version: record.version + 1 };
      }
    }
    const event = events[day];
    if (event) record = { ...event(record), version: record.version + 1 };
  }
  return { sent, skipped, record };
}

describe('the review state machine', () => {
  // Its notice went out on 2022-06-01.
  const awaiting = reported({ ...june, done: ['notice'], nextActionOn: '2022-06-23' }, '2022-06-10');

  it('accepts a report awaiting review: still done on its day, on time, with the review recorded', () => {
    const accepted = accept(awaiting, admin('2022-06-13'));

    expect(accepted).toMatchObject({ review: 'accepted', completedOn: '2022-06-10', status: 'on_time', light: 'green', nextActionOn: null });
    expect(accepted.reviews).toEqual([{ report: 1, outcome: 'accepted', on: '2022-06-13', by: 'admin-1' }]);
    expect(reviewStageOf(accepted)).toBe('accepted');
  });

  it('returns a report with its reason: the instance is open again, judged on the day, back on the ladder', () => {
    const returned = returnReport(awaiting, admin('2022-07-08'), '缺少会议签到表');

    expect(returned).toMatchObject({ review: 'returned', completedOn: null, status: 'open', light: 'red', nextActionOn: '2022-06-23' });
    expect(returned.reports).toHaveLength(1);
    expect(returned.reviews).toEqual([{ report: 1, outcome: 'returned', on: '2022-07-08', by: 'admin-1', reason: '缺少会议签到表' }]);
    expect(reviewStageOf(returned)).toBe('returned');
  });

  it('reopens an accepted instance with its reason, as a return does', () => {
    const accepted = accept(awaiting, admin('2022-06-13'));

    const reopened = reopen(accepted, admin('2022-06-20'), '抽查发现纪要与实际不符');

    expect(reopened).toMatchObject({ review: 'returned', completedOn: null, status: 'open', light: 'green', nextActionOn: '2022-06-23' });
    expect(reopened.reviews?.map((r) => r.outcome)).toEqual(['accepted', 'reopened']);
  });

  it('counts a report made before reviews existed as awaiting one', () => {
    const legacy = { ...awaiting } as InstanceRecord;
    delete legacy.review;

    expect(reviewStageOf(legacy)).toBe('awaiting');
    expect(accept(legacy, admin('2022-06-13')).review).toBe('accepted');
  });

  it.each([
    ['accept an open instance', () => accept(june, admin('2022-06-13')), /is open \(no report to review\): only an instance reported and awaiting review can be accepted/],
    ['return an open instance', () => returnReport(june, admin('2022-06-13'), 'x'), /is open \(no report to review\)/],
    ['accept twice', () => accept(accept(awaiting, admin('2022-06-13')), admin('2022-06-14')), /is accepted: only an instance reported and awaiting review/],
    ['return an accepted report', () => returnReport(accept(awaiting, admin('2022-06-13')), admin('2022-06-14'), 'x'), /is accepted/],
    ['reopen a report awaiting review', () => reopen(awaiting, admin('2022-06-13'), 'x'), /is reported and awaiting review: only an instance accepted can be reopened/],
    ['return a returned report again', () => returnReport(returnReport(awaiting, admin('2022-06-13'), 'x'), admin('2022-06-14'), 'y'), /is open again/],
  ])('refuses to %s with a ConflictError naming the state', (_what, act, message) => {
    let thrown: unknown;
    try {
      act();
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ConflictError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as ConflictError).current).toMatchObject({ id: june.id, version: 0 });
  });
});

describe('the ladder after a return, replayed day by day', () => {
  it('without reviews: notice, two reminders, yellow, red, warning talk, missed (the baseline)', () => {
    const { sent, record } = replay(june, '2022-06-01', '2022-07-31', {});

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      ['2022-06-23', 'reminder:2022-06-23'],
      ['2022-06-29', 'reminder:2022-06-29'],
      ['2022-07-01', 'yellow'],
      ['2022-07-07', 'red'],
      ['2022-07-14', 'warning-talk'],
    ]);
    expect(record).toMatchObject({ status: 'missed', nextActionOn: null });
  });

  it('reported early, returned after the red day: one red escalation the next working day, the skipped steps recorded, then the ladder goes on', () => {
    const { sent, skipped, record } = replay(june, '2022-06-01', '2022-07-31', {
      '2022-06-10': (r) => reported(r, '2022-06-10'),
      '2022-07-08': (r) => returnReport(r, admin('2022-07-08'), '缺少签到表'),
    });

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      // Nothing while the report stood; then, the Monday after the Friday return, only the highest rung reached.
      ['2022-07-11', 'red'],
      ['2022-07-14', 'warning-talk'],
    ]);
    expect(skipped).toEqual([
      ['2022-07-11', 'reminder:2022-06-23'],
      ['2022-07-11', 'reminder:2022-06-29'],
      ['2022-07-11', 'yellow'],
      ['2022-07-28', 'missed'],
    ]);
    expect(record.escalations.map((e) => [e.level, e.on])).toEqual([
      [2, '2022-07-11'],
      [3, '2022-07-14'],
    ]);
    expect(record).toMatchObject({ status: 'missed', completedOn: null, review: 'returned' });
  });

  it('returned between the two reminders: the reminder missed is sent once, then the next on its day', () => {
    const { sent } = replay(june, '2022-06-01', '2022-07-31', {
      '2022-06-10': (r) => reported(r, '2022-06-10'),
      '2022-06-24': (r) => returnReport(r, admin('2022-06-24'), '材料不全'),
      '2022-06-28': (r) => reported(r, '2022-06-28'),
    });

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      ['2022-06-27', 'reminder:2022-06-23'],
    ]);
  });

  it('returned, then reported again and accepted: late, and nothing more is sent', () => {
    const { sent, record } = replay(june, '2022-06-01', '2022-08-31', {
      '2022-06-10': (r) => reported(r, '2022-06-10'),
      '2022-07-08': (r) => returnReport(r, admin('2022-07-08'), '缺少签到表'),
      '2022-07-12': (r) => reported(r, '2022-07-12'),
      '2022-07-13': (r) => accept(r, admin('2022-07-13')),
    });

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      ['2022-07-11', 'red'],
    ]);
    expect(record).toMatchObject({ status: 'late', completedOn: '2022-07-12', review: 'accepted', nextActionOn: null });
    expect(record.reports.map((r) => r.on)).toEqual(['2022-06-10', '2022-07-12']);
    expect(record.reviews?.map((r) => [r.report, r.outcome])).toEqual([
      [1, 'returned'],
      [2, 'accepted'],
    ]);
  });

  it('accepted, then reopened after the warning-talk day: one warning talk, then missed', () => {
    const { sent, skipped } = replay(june, '2022-06-01', '2022-08-31', {
      '2022-06-10': (r) => reported(r, '2022-06-10'),
      '2022-06-13': (r) => accept(r, admin('2022-06-13')),
      '2022-07-20': (r) => reopen(r, admin('2022-07-20'), '抽查不合格'),
    });

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      ['2022-07-21', 'warning-talk'],
    ]);
    expect(skipped.map(([, key]) => key)).toEqual(['reminder:2022-06-23', 'reminder:2022-06-29', 'yellow', 'red', 'missed']);
  });

  it('returned after the missed day: missed at once, told once at the highest rung, then nothing', () => {
    const returnedOn = '2022-08-01';
    const { sent, record } = replay(june, '2022-06-01', '2022-09-30', {
      '2022-06-10': (r) => reported(r, '2022-06-10'),
      [returnedOn]: (r) => {
        const back = returnReport(r, admin(returnedOn), '材料造假');
        expect(back.status).toBe('missed');
        return back;
      },
    });

    expect(sent).toEqual([
      ['2022-06-01', 'notice'],
      ['2022-08-02', 'warning-talk'],
    ]);
    expect(record).toMatchObject({ status: 'missed', nextActionOn: null });
  });
});
