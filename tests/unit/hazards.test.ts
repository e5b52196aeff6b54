/**
 * The hazard ledger's rules (functions/core/hazards.ts), on the 2022 Qingfeng plan: deadlines by
 * grade, what a hazard's input may not be, the rectification instance it opens, listed supervision,
 * progress reports and closing with evidence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/core/errors.ts';
import {
  closeHazard,
  defaultDeadline,
  deadlineOf,
  hazardIdFor,
  hazardProblems,
  listHazard,
  newHazard,
  pastDeadline,
  reportProgress,
  withoutContact,
  HAZARD_ID,
  type HazardInput,
} from '../../functions/core/hazards.ts';
import { accept } from '../../functions/core/review.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planCalendar } from '../../functions/core/schedule.ts';

const file = join(import.meta.dirname, '../../plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);
const calendar = planCalendar(plan);
const version = 'v1';

const input = (overrides: Partial<HazardInput> = {}): HazardInput => ({
  place: '示例村一 兴隆路12号 综合商店',
  area: 'village-1',
  category: 'three-in-one',
  grade: 'general',
  owner: 'village-1',
  description: '住宿与经营场所未分隔，疏散通道堆放杂物',
  ...overrides,
});

const record = (overrides: Partial<HazardInput> = {}, today = '2022-06-20', seed = 'request-1') =>
  newHazard({ plan, planVersion: version, calendar, id: hazardIdFor(today, seed), input: input(overrides), today, by: 'admin-1' });

describe('deadlines by grade', () => {
  it('gives a general hazard 30 days and a major one 90, on a working day', () => {
    // Monday 20 June 2022: +30 is Wednesday 20 July; +90 is Sunday 18 September, so Monday 19 September.
    expect(defaultDeadline('general', '2022-06-20', calendar)).toBe('2022-07-20');
    expect(defaultDeadline('major', '2022-06-20', calendar)).toBe('2022-09-19');
  });

  it('moves a deadline that falls in the National Day holiday to the make-up working day after it', () => {
    // 1 September + 30 days is 1 October (holiday until 7 October); Saturday 8 October is a working day (调休).
    expect(defaultDeadline('general', '2022-09-01', calendar)).toBe('2022-10-08');
  });

  it('keeps a deadline given on a working day, and moves one given on a rest day to the next working day', () => {
    expect(deadlineOf({ grade: 'major', deadline: '2022-07-15' }, '2022-06-20', calendar)).toBe('2022-07-15');
    expect(deadlineOf({ grade: 'major', deadline: '2022-07-16' }, '2022-06-20', calendar)).toBe('2022-07-18');
  });

  it('refuses a deadline in the past, naming the field, and takes today', () => {
    expect(pastDeadline('2022-06-19', '2022-06-20')).toEqual([{ path: 'deadline', message: expect.stringContaining('the deadline 2022-06-19 is in the past (today is 2022-06-20)') }]);
    expect(pastDeadline('2022-06-20', '2022-06-20')).toEqual([]);
    expect(pastDeadline(undefined, '2022-06-20')).toEqual([]);
  });
});

describe('what a hazard may not be', () => {
  it('accepts a well-formed hazard', () => {
    expect(hazardProblems(plan, input(), '2022-06-20')).toEqual([]);
  });

  it('names every problem: past deadline, unknown units, a self-built house without occupants or problems, a measure out of place', () => {
    const problems = hazardProblems(plan, input({ area: 'nowhere', owner: 'nobody', deadline: '2022-01-01', category: 'self-built-house', measure: 'close' }), '2022-06-20');

    expect(problems.map((p) => p.path).sort()).toEqual(['area', 'deadline', 'measure', 'occupants', 'owner', 'problems']);
  });

  it('keeps item 7 to houses where ten or more people live', () => {
    const nine = hazardProblems(plan, input({ category: 'self-built-house', occupants: 9, problems: ['indoor-ebike-charging'] }), '2022-06-20');
    const ten = hazardProblems(plan, input({ category: 'self-built-house', occupants: 10, problems: ['indoor-ebike-charging'] }), '2022-06-20');

    expect(nine).toEqual([{ path: 'occupants', message: expect.stringContaining('10 or more people live (9 given)') }]);
    expect(ten).toEqual([]);
  });

  it("refuses item 7's problems on a hazard of another category", () => {
    expect(hazardProblems(plan, input({ problems: ['insufficient-exits'] }), '2022-06-20').map((p) => p.path)).toEqual(['problems']);
  });
});

describe('a new hazard', () => {
  it('gets an id of its day and request, and a rectification instance of item 8 due on its deadline', () => {
    const { hazard, instance } = record();

    expect(hazard.id).toMatch(HAZARD_ID);
    expect(hazard.id.startsWith('hz-20220620-')).toBe(true);
    expect(hazard).toMatchObject({ town: 'qingfeng', foundOn: '2022-06-20', deadline: '2022-07-20', status: 'open', closedOn: null, listed: null, version: 0 });
    expect(instance).toMatchObject({
      id: `qingfeng:c08-special-governance:village-1:2022-06-20~${hazard.id}`,
      dutyId: 'c08-special-governance',
      owner: 'village-1',
      cadence: 'event',
      periodId: `2022-06-20~${hazard.id}`,
      opensOn: '2022-06-20',
      dueOn: '2022-07-20',
      status: 'open',
      nextActionOn: '2022-06-20',
      completedOn: null,
      version: 0,
    });
    expect(hazard.instanceId).toBe(instance.id);
    // Reminders 5 and 1 working days before the due date, the ladder's rungs after it.
    expect(instance.reminders).toEqual(['2022-07-13', '2022-07-19']);
    expect(instance.yellowOn).toBe('2022-07-21');
    expect(instance.title.zh).toBe(`火灾隐患整改销案：示例村一 兴隆路12号 综合商店（${hazard.id}）`);
  });

  it("follows a factory's hazard as item 6's duty and a self-built house's as item 7's", () => {
    expect(record({ category: 'plant-warehouse', measure: 'relocate' }).instance.dutyId).toBe('c06-plant-warehouse-rectification');
    expect(record({ category: 'self-built-house', occupants: 12, problems: ['window-obstructions'] }).instance.dutyId).toBe('c07-self-built-housing-rectification');
  });

  it('recorded on a Saturday, opens on the next working day', () => {
    const { instance } = record({}, '2022-06-25');

    expect(instance.opensOn).toBe('2022-06-27');
    expect(instance.periodId.startsWith('2022-06-25~')).toBe(true);
  });

  it('keeps the contact on the hazard, and shows only that there is one without it', () => {
    const { hazard } = record({ contact: { name: '王小明', phone: '13812345678' } });

    expect(hazard.contact).toEqual({ name: '王小明', phone: '13812345678' });
    expect(JSON.stringify(withoutContact(hazard))).not.toContain('13812345678');
    expect(withoutContact(hazard).contact).toBe('recorded');
  });
});

describe('listed supervision', () => {
  it("opens the committee office's listed-supervision instance, due on the listing's deadline", () => {
    const { hazard } = record({ grade: 'major' });

    const listed = listHazard({ plan, planVersion: version, calendar, hazard, deadline: '2022-08-31', today: '2022-06-22', by: 'admin-1' });

    expect(listed.instances.map((i) => [i.id, i.dueOn, i.opensOn, i.cadence])).toEqual([[`qingfeng:c08-listed-supervision:fire-office:2022-06-22~${hazard.id}`, '2022-08-31', '2022-06-22', 'event']]);
    expect(listed.hazard.listed).toEqual({ since: '2022-06-22', deadline: '2022-08-31', progress: [], instanceIds: [listed.instances[0]?.id], by: 'admin-1' });
  });

  it("without a deadline takes the duty's own: 30 working days", () => {
    const { hazard } = record({ grade: 'major' });

    const listed = listHazard({ plan, planVersion: version, calendar, hazard, today: '2022-06-22', by: 'admin-1' });

    expect(listed.hazard.listed?.deadline).toBe(calendar.addWorkdays('2022-06-22', 30));
    expect(listed.instances[0]?.dueOn).toBe(listed.hazard.listed?.deadline);
  });

  it('is refused for a general hazard, for one listed already and for one closed', () => {
    const general = record().hazard;
    const major = record({ grade: 'major' }).hazard;
    const once = listHazard({ plan, planVersion: version, calendar, hazard: major, today: '2022-06-22', by: 'a' }).hazard;
    const closed = { ...major, status: 'closed' as const, closedOn: '2022-06-30' };

    expect(() => listHazard({ plan, planVersion: version, calendar, hazard: general, today: '2022-06-22', by: 'a' })).toThrow(/only a major hazard/);
    expect(() => listHazard({ plan, planVersion: version, calendar, hazard: once, today: '2022-06-23', by: 'a' })).toThrow(/under listed supervision since 2022-06-22/);
    expect(() => listHazard({ plan, planVersion: version, calendar, hazard: closed, today: '2022-07-01', by: 'a' })).toThrow(ConflictError);
  });

  it('takes progress reports only while listed', () => {
    const major = record({ grade: 'major' }).hazard;
    const listed = listHazard({ plan, planVersion: version, calendar, hazard: major, today: '2022-06-22', by: 'a' }).hazard;

    const next = reportProgress(listed, { on: '2022-07-01', note: '已拆除违规夹芯彩钢板', by: 'village-1-user' });

    expect(next.listed?.progress).toEqual([{ on: '2022-07-01', note: '已拆除违规夹芯彩钢板', by: 'village-1-user' }]);
    expect(() => reportProgress(major, { on: '2022-07-01', note: 'x' })).toThrow(/not under listed supervision/);
  });
});

describe('closing with evidence (整改销案)', () => {
  const closure = { on: '2022-07-05', note: '已整改，现场复查合格', evidence: [{ kind: 'photos', name: '整改后照片' }], by: 'admin-1' };

  it('reports an open instance with the closure and accepts it', () => {
    const { hazard, instance } = record();

    const closed = closeHazard(hazard, [instance], closure);

    expect(closed.hazard).toMatchObject({ status: 'closed', closedOn: '2022-07-05', closure });
    expect(closed.instances).toHaveLength(1);
    expect(closed.instances[0]).toMatchObject({ completedOn: '2022-07-05', review: 'accepted', status: 'on_time', nextActionOn: null, version: 0 });
    expect(closed.instances[0]?.reports).toEqual([{ n: 1, on: '2022-07-05', note: '已整改，现场复查合格', evidence: closure.evidence }]);
  });

  it("accepts the owner's own report awaiting review, and leaves an accepted instance as it is", () => {
    const { hazard, instance } = record();
    const reported = { ...instance, completedOn: '2022-07-01', review: 'awaiting' as const, reports: [{ n: 1, on: '2022-07-01', note: '已整改', evidence: [] }] };
    const accepted = accept(reported, { by: 'admin-1', on: '2022-07-02' });

    expect(closeHazard(hazard, [reported], closure).instances[0]).toMatchObject({ completedOn: '2022-07-01', review: 'accepted', reports: reported.reports });
    expect(closeHazard(hazard, [accepted], closure).instances).toEqual([]);
  });

  it('refuses to close a hazard twice', () => {
    const { hazard, instance } = record();
    const closed = closeHazard(hazard, [instance], closure).hazard;

    expect(() => closeHazard(closed, [], closure)).toThrow(/was closed on 2022-07-05/);
  });
});
