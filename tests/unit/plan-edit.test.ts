import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../functions/core/errors.ts';
import { newInstance, refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import { instancesToOpen } from '../../functions/core/opening.ts';
import { keyDatePeriod, periodContaining } from '../../functions/core/periods.ts';
import {
  addUnit,
  checkPlan,
  deleteKeyDate,
  editDuty,
  editUnit,
  instanceChanges,
  isOpen,
  putKeyDate,
  putOverride,
  requireVersion,
  retireUnit,
  setPaused,
  unitBlockers,
  versionOf,
  versionsAfter,
} from '../../functions/core/plan-edit.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { periodsOf, planCalendar, resolveOwners, scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const DUTY = 'monthly-analysis';

/** The plan of the fixture: one monthly duty, due at the end of the month, owned by 应急办 and 示例村一. */
function plan(): Plan {
  return buildPlan({ duties: [dutyInput({ owners: ['emergency-office', 'village-1'] })] });
}

/** An instance of the plan's duty for an owner and month, as the opener makes it, with some state on top. */
function instance(p: Plan, owner: string, month: string, state: Partial<InstanceRecord> = {}, dutyId = DUTY): InstanceRecord {
  const duty = p.duties.find((d) => d.id === dutyId)!;
  const unit = p.units.find((u) => u.id === owner)!;
  const record = newInstance(p, 'v1', duty, unit, scheduleFor(p, planCalendar(p), duty, periodContaining('monthly', `${month}-01`)));
  return { ...record, ...state };
}

describe('editing a duty', () => {
  it('gives the plan with the duty changed, checked again as a whole, and the duty before and after', () => {
    const before = plan();

    const edit = editDuty(before, DUTY, { due: { from: 'end', days: -10, workdays: 0, restDay: 'next' }, weight: 5 });

    expect(edit.before?.due).toEqual({ from: 'end', days: 0, workdays: 0, restDay: 'next' });
    expect(edit.after).toMatchObject({ id: DUTY, due: { from: 'end', days: -10 }, weight: 5, owners: ['emergency-office', 'village-1'] });
    expect(edit.plan.duties[0]).toEqual(edit.after);
    // The plan it was made from is left alone.
    expect(before.duties[0]?.weight).toBe(3);
  });

  it('refuses an edit that breaks a cross reference, with the path of the problem in the plan (400)', () => {
    const attempt = () => editDuty(plan(), DUTY, { owners: ['emergency-office', 'no-such-unit'] });

    expect(attempt).toThrow(InvalidInputError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidInputError).problems).toEqual([{ path: 'duties[0].owners[1]', message: 'unknown unit "no-such-unit"' }]);
    }
  });

  it('refuses a due date before the opening day, as `plan check` does', () => {
    const attempt = () => editDuty(plan(), DUTY, { opens: { from: 'end', days: 0, workdays: 0, restDay: 'next' }, due: { from: 'start', days: 0, workdays: 0, restDay: 'next' } });

    expect(attempt).toThrow(/duties\[0\]\.due.*falls due \(\d{4}-\d{2}-\d{2}\) before it opens/s);
  });

  it('answers 404 for a duty the plan does not have', () => {
    expect(() => editDuty(plan(), 'no-such-duty', { weight: 1 })).toThrow(NotFoundError);
  });
});

describe('an event duty edited while a recorded fire or hazard has an instance of it', () => {
  it('keeps the dates that instance was given from its record (a hazard deadline), and does not fail on its `<day>~<ref>` period', () => {
    const before = buildPlan({ duties: [dutyInput({ id: 'listed-supervision', cadence: 'event', event: 'major-hazard', owners: ['emergency-office'], due: { from: 'start', workdays: 30 } })] });
    const duty = before.duties[0]!;
    const unit = before.units.find((u) => u.id === 'emergency-office')!;
    const schedule = scheduleFor(before, planCalendar(before), duty, { id: '2022-06-22~hz-20220622-0a1b2c3d', cadence: 'event', starts: '2022-06-22', ends: '2022-06-22' });
    const listed = { ...newInstance(before, 'v1', duty, unit, schedule), dueOn: '2022-09-30' };

    const { plan: after } = editDuty(before, 'listed-supervision', { due: { from: 'start', days: 0, workdays: 10, restDay: 'next' } });
    const changes = instanceChanges(before, after, 'r1', [listed], '2022-07-01');

    expect(changes).toEqual({ updated: [], moved: [], opened: [] });
  });
});

describe('what an edit does to the instances', () => {
  const today = '2022-06-15';
  const moveDueEarlier = { due: { from: 'end' as const, days: -10, workdays: 0, restDay: 'next' as const } };

  it("moves an open instance's due date, reminders and escalation days to the new schedule, keeping what was done before today", () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice'], nextActionOn: '2022-06-23', version: 1 });
    expect(open).toMatchObject({ dueOn: '2022-06-30', reminders: ['2022-06-23', '2022-06-29'] });
    const { plan: after } = editDuty(before, DUTY, moveDueEarlier);

    const changes = instanceChanges(before, after, 'r1', [open], today);

    expect(changes.moved).toEqual([]);
    expect(changes.opened).toEqual([]);
    expect(changes.updated).toHaveLength(1);
    expect(changes.updated[0]).toMatchObject({
      id: open.id,
      planVersion: 'r1',
      dueOn: '2022-06-20',
      reminders: ['2022-06-13', '2022-06-17'],
      yellowOn: '2022-06-21',
      redOn: '2022-06-27',
      missedOn: '2022-07-18',
      done: ['notice'],
      // The reminder of 13 June has passed unsent: the follow-up sends it today.
      nextActionOn: '2022-06-13',
      light: 'yellow',
      status: 'open',
      // The stored version: the write is conditional on it.
      version: 1,
    });
  });

  it('leaves a reported instance and a missed one exactly as they were', () => {
    const before = plan();
    const reported = instance(before, 'village-1', '2022-06', { completedOn: '2022-06-10', status: 'on_time', nextActionOn: null, done: ['notice'] });
    const missed = refresh(instance(before, 'emergency-office', '2022-04'), today);
    expect(missed.status).toBe('missed');
    const { plan: after } = editDuty(before, DUTY, moveDueEarlier);

    const changes = instanceChanges(before, after, 'r1', [reported, missed], today);

    expect(changes).toEqual({ updated: [], moved: [], opened: [] });
    expect(isOpen(reported, today)).toBe(false);
    expect(isOpen(missed, today)).toBe(false);
  });

  it('takes a step moved later out of what was done, so that it fires again on its new day', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice', 'reminder:2022-06-23'], nextActionOn: '2022-06-29' });
    const { plan: later } = editDuty(before, DUTY, { due: { from: 'end', days: 0, workdays: 5, restDay: 'next' } });
    const { plan: opensLater } = editDuty(before, DUTY, { opens: { from: 'start', days: 20, workdays: 0, restDay: 'next' } });

    const [dueLater] = instanceChanges(before, later, 'r1', [open], '2022-06-24').updated;
    const [noticeLater] = instanceChanges(before, opensLater, 'r1', [open], '2022-06-15').updated;

    expect(dueLater).toMatchObject({ dueOn: '2022-07-07', reminders: ['2022-06-30', '2022-07-06'], done: ['notice'], nextActionOn: '2022-06-30' });
    expect(noticeLater).toMatchObject({ opensOn: '2022-06-21', done: [], nextActionOn: '2022-06-21' });
  });

  it('leaves instances alone when the change does not touch their rules', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice'] });
    const { plan: after } = editDuty(before, DUTY, { note: '只改备注' });

    expect(instanceChanges(before, after, 'r1', [open], today)).toEqual({ updated: [], moved: [], opened: [] });
  });

  it("gives an open instance the new ladder's recipients, evidence, target and weight", () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06');
    const ladder = {
      yellow: { afterWorkdays: 1, notify: ['owner' as const] },
      red: { afterWorkdays: 3, notify: ['owner', 'deputy-head'] },
      warningTalk: { afterWorkdays: 5, notify: ['town-head'] },
      missedAfterWorkdays: 10,
    };
    const { plan: after } = editDuty(before, DUTY, { ladder, target: { value: 4, unit: '次', measure: '分析会', comparison: 'at-least' }, weight: 6 });

    const [updated] = instanceChanges(before, after, 'r1', [open], today).updated;

    expect(updated).toMatchObject({
      notify: { yellow: ['owner'], red: ['owner', 'deputy-head'], warningTalk: ['town-head'] },
      redOn: '2022-07-05',
      missedOn: '2022-07-14',
      target: { value: 4, unit: '次' },
      weight: 6,
    });
  });

  it('opens the current period for an owner added mid-period, and nothing for an owner that has its instance', () => {
    const before = plan();
    const existing = instance(before, 'emergency-office', '2022-06');
    const { plan: after } = editDuty(before, DUTY, { owners: ['emergency-office', 'village-1', 'village-2'] });

    const changes = instanceChanges(before, after, 'r1', [existing], today, { duties: new Set([DUTY]) });

    expect(changes.opened.map((r) => r.id).sort()).toEqual(['qingfeng:monthly-analysis:village-1:2022-06', 'qingfeng:monthly-analysis:village-2:2022-06']);
    expect(changes.opened[0]).toMatchObject({ planVersion: 'r1', periodId: '2022-06', version: 0, nextActionOn: '2022-06-01' });
  });

  it('moves an open instance of a one-off duty to the period of its new due date', () => {
    const once = buildPlan({
      duties: [dutyInput({ id: 'one-off', cadence: 'once', opens: { from: 'date', date: '2022-06-01' }, due: { from: 'date', date: '2022-06-30' } })],
    });
    const duty = once.duties[0]!;
    const [period] = periodsOf(once, duty);
    const open = newInstance(once, 'v1', duty, once.units.find((u) => u.id === 'emergency-office')!, scheduleFor(once, planCalendar(once), duty, period!));
    const { plan: after } = editDuty(once, 'one-off', { due: { from: 'date', date: '2022-07-15', days: 0, workdays: 0, restDay: 'next' } });

    const changes = instanceChanges(once, after, 'r1', [{ ...open, done: ['notice'], version: 2 }], today);

    expect(changes.updated).toEqual([]);
    expect(changes.moved).toHaveLength(1);
    expect(changes.moved[0]?.from.id).toBe('qingfeng:one-off:emergency-office:2022-06-30');
    expect(changes.moved[0]?.to).toMatchObject({ id: 'qingfeng:one-off:emergency-office:2022-07-15', periodId: '2022-07-15', dueOn: '2022-07-15', done: ['notice'], version: 2 });
  });
});

describe('pausing and resuming', () => {
  it('pauses a duty: the opener opens nothing for it, and its open instances have no next action', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice'], nextActionOn: '2022-06-23' });

    const paused = setPaused(before, DUTY, true, 0);
    const changes = instanceChanges(before, paused.plan, 'r1', [open], '2022-06-15');

    expect(paused.after?.paused).toBe(true);
    expect(instancesToOpen(paused.plan, 'r1', 'monthly', '2022-07-01', planCalendar(paused.plan))).toEqual([]);
    expect(instancesToOpen(before, 'v1', 'monthly', '2022-07-01', planCalendar(before))).toHaveLength(2);
    expect(changes.updated[0]).toMatchObject({ pausedOn: '2022-06-15', nextActionOn: null, dueOn: '2022-06-30', done: ['notice'] });
  });

  it('refuses to pause a paused duty, with the duty as it is (409)', () => {
    const paused = setPaused(plan(), DUTY, true, 0).plan;

    expect(() => setPaused(paused, DUTY, true, 3)).toThrow(ConflictError);
    try {
      setPaused(paused, DUTY, true, 3);
    } catch (error) {
      expect((error as ConflictError).current).toMatchObject({ id: DUTY, paused: true, version: 3 });
    }
  });

  it('resumes: the steps whose day passed during the pause are skipped, the ladder goes on from the resume day', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice'], nextActionOn: '2022-06-23' });
    const paused = setPaused(before, DUTY, true, 0).plan;
    const [pausedInstance] = instanceChanges(before, paused, 'r1', [open], '2022-06-15').updated;

    const resumed = setPaused(paused, DUTY, false, 1).plan;
    const changes = instanceChanges(paused, resumed, 'r2', [{ ...pausedInstance!, version: 1 }], '2022-06-27', { duties: new Set([DUTY]) });

    expect(changes.updated).toHaveLength(1);
    const [back] = changes.updated;
    expect(back?.pausedOn).toBeUndefined();
    // The reminder of 23 June fell in the pause: skipped, not sent late. The one of 29 June comes.
    expect(back).toMatchObject({ done: ['notice', 'reminder:2022-06-23'], nextActionOn: '2022-06-29', dueOn: '2022-06-30' });
    // The village's instance never opened while the duty was paused: resuming opens it.
    expect(changes.opened.map((r) => r.id)).toEqual(['qingfeng:monthly-analysis:village-1:2022-06']);
  });
});

describe('units', () => {
  it('adds a unit with its contacts, and refuses one whose id exists', () => {
    const before = plan();

    const added = addUnit(before, { id: 'village-3', name: '示例村三', kind: 'village', contacts: [{ email: 'v3@qingfeng.example.org', language: 'zh', placeholder: true }] });

    expect(added.before).toBeNull();
    expect(added.plan.units.map((u) => u.id)).toContain('village-3');
    expect(() => addUnit(before, { id: 'village-1', name: '重复', kind: 'village', contacts: [] })).toThrow(/duplicate id "village-1"/);
  });

  it('edits contacts and removes a parent with null', () => {
    const edit = editUnit(plan(), 'deputy-head', { parent: null, contacts: [{ email: 'deputy@qingfeng.example.org', language: 'zh', placeholder: true }] });

    expect(edit.before?.parent).toBe('town-head');
    expect(edit.after).not.toHaveProperty('parent');
    expect(edit.after?.contacts.map((c) => c.email)).toEqual(['deputy@qingfeng.example.org']);
  });

  it('refuses to retire a unit that duties, ladders or open instances name, listing each (409)', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06');
    const closed = instance(before, 'emergency-office', '2022-05', { completedOn: '2022-05-20', status: 'on_time' });

    const owner = unitBlockers(before, 'emergency-office', [open, closed], '2022-06-15');
    const supervisor = unitBlockers(before, 'fire-office', [], '2022-06-15');

    expect(owner).toEqual({
      duties: [{ id: DUTY, title: '每月分析消防安全形势', as: ['owner'] }],
      ladders: [],
      instances: [{ id: open.id, dutyId: DUTY, owner: 'emergency-office', periodId: '2022-06', dueOn: '2022-06-30' }],
    });
    expect(supervisor).toEqual({ duties: [{ id: DUTY, title: '每月分析消防安全形势', as: ['ladder'] }], ladders: ['standard'], instances: [] });
    // An open instance whose ladder, as it was opened, still tells the unit stands in the way too.
    expect(unitBlockers(before, 'fire-office', [open, closed], '2022-06-15').instances.map((i) => i.id)).toEqual([open.id]);
    try {
      retireUnit(before, 'emergency-office', [open, closed], '2022-06-15', 4);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).message).toContain(open.id);
      expect((error as ConflictError).current).toMatchObject({ id: 'emergency-office', version: 4, blockers: owner });
    }
  });

  it('retires a unit nothing names: it stays in the plan, owns nothing by kind, and a duty naming it again is refused', () => {
    const before = buildPlan({ duties: [dutyInput({ owners: [{ every: 'village' }] })] });

    const retired = retireUnit(before, 'village-2', [], '2022-06-15', 0);

    expect(retired.after).toMatchObject({ id: 'village-2', retired: '2022-06-15' });
    expect(resolveOwners(retired.plan, retired.plan.duties[0]!).map((u) => u.id)).toEqual(['village-1']);
    expect(instancesToOpen(retired.plan, 'r1', 'monthly', '2022-07-01', planCalendar(retired.plan)).map((r) => r.owner)).toEqual(['village-1']);
    expect(() => editDuty(retired.plan, DUTY, { owners: ['village-2'] })).toThrow(InvalidInputError);
    expect(() => checkPlan({ ...retired.plan, duties: [{ ...retired.plan.duties[0]!, owners: ['village-2'] }] })).toThrow(/unit "village-2" is retired/);
  });
});

describe('calendar overrides and key dates', () => {
  it('a declared holiday moves the dates of open instances around it', () => {
    const before = plan();
    const open = instance(before, 'emergency-office', '2022-06', { done: ['notice'] });

    const holiday = putOverride(before, { date: '2022-06-30', work: false, name: '镇里临时放假' });
    const [updated] = instanceChanges(before, holiday.plan, 'r1', [open], '2022-06-15').updated;

    expect(holiday.before).toBeNull();
    expect(updated?.dueOn).toBe('2022-07-01');
  });

  it('a key date moved to other days moves the open instance of its period with it', () => {
    const base = buildPlan({
      calendar: { overrides: [], keyDates: [{ id: 'national-day', name: '国庆', kind: 'holiday', starts: '2022-10-01', ends: '2022-10-07' }] },
      duties: [dutyInput({ id: 'alert', cadence: 'key-date', opens: { from: 'start', workdays: -5 }, due: { from: 'start', workdays: -2 } })],
    });
    const duty = base.duties[0]!;
    const keyDate = base.calendar.keyDates[0]!;
    const open = newInstance(base, 'v1', duty, base.units.find((u) => u.id === 'emergency-office')!, scheduleFor(base, planCalendar(base), duty, keyDatePeriod(keyDate)));

    const moved = putKeyDate(base, { ...keyDate, starts: '2022-10-08', ends: '2022-10-09' });
    const changes = instanceChanges(base, moved.plan, 'r1', [open], '2022-09-20');

    expect(changes.moved).toHaveLength(1);
    expect(changes.moved[0]?.to).toMatchObject({ id: 'qingfeng:alert:emergency-office:2022-10-08', periodId: '2022-10-08' });
  });

  it('refuses to remove a key date a duty names or an open instance depends on, listing them (409)', () => {
    const base = buildPlan({
      calendar: { overrides: [], keyDates: [{ id: 'national-day', name: '国庆', kind: 'holiday', starts: '2022-10-01', ends: '2022-10-07' }] },
      duties: [dutyInput({ id: 'alert', cadence: 'key-date', keyDates: ['national-day'], opens: { from: 'start', workdays: -5 }, due: { from: 'start', workdays: -2 } })],
    });
    const duty = base.duties[0]!;
    const open = newInstance(base, 'v1', duty, base.units.find((u) => u.id === 'emergency-office')!, scheduleFor(base, planCalendar(base), duty, keyDatePeriod(base.calendar.keyDates[0]!)));

    try {
      deleteKeyDate(base, 'national-day', [open], '2022-09-26', 2);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).current).toMatchObject({
        id: 'national-day',
        version: 2,
        blockers: { duties: [{ id: 'alert', as: ['key-date'] }], instances: [{ id: open.id }] },
      });
    }
  });
});

describe('item versions', () => {
  it('gives the revision to the items a change touches and keeps the others', () => {
    const before = plan();
    const versions = { 'duty:monthly-analysis': 2, 'unit:village-1': 1 };
    const { plan: after } = editDuty(before, DUTY, { weight: 4 });

    const next = versionsAfter(before, after, versions, 3);

    expect(next).toEqual({ 'duty:monthly-analysis': 3, 'unit:village-1': 1 });
    expect(versionOf(next, 'unit', 'emergency-office')).toBe(0);
  });

  it('drops a removed item and versions a new one at the revision', () => {
    const before = buildPlan({ calendar: { overrides: [{ date: '2027-10-01', work: false, name: '国庆节' }], keyDates: [] } });
    const after = buildPlan({ calendar: { overrides: [{ date: '2027-10-08', work: true, name: '调休' }], keyDates: [] } });

    expect(versionsAfter(before, after, { 'override:2027-10-01': 4 }, 5)).toEqual({ 'override:2027-10-08': 5 });
  });

  it('answers a stale version with the item as it now is and its version (409)', () => {
    const duty = plan().duties[0]!;

    expect(() => requireVersion('duty', DUTY, { 'duty:monthly-analysis': 4 }, 4, duty)).not.toThrow();
    try {
      requireVersion('duty', DUTY, { 'duty:monthly-analysis': 4 }, 3, duty);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).current).toEqual({ ...duty, version: 4 });
    }
  });

  it('refuses to add an item that exists, and to replace one that no longer does', () => {
    const override = { date: '2027-10-01', work: false, name: '国庆节' };

    expect(() => requireVersion('override', '2027-10-01', {}, undefined, undefined)).not.toThrow();
    expect(() => requireVersion('override', '2027-10-01', {}, undefined, override)).toThrow(/exists already \(version 0\)/);
    expect(() => requireVersion('override', '2027-10-01', {}, 2, undefined)).toThrow(/no longer exists/);
  });
});
