/**
 * The quarterly exposure of major hazards (functions/core/exposure.ts): the draft from the hazard
 * ledger with personal data removed, an admin's edits, approval and publication, and the quarter's
 * exposure duty reported with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, type ValidationError } from '../../functions/core/errors.ts';
import {
  approveExposure,
  draftExposure,
  editExposure,
  publishExposure,
  quarterLabel,
  quarterOf,
  reportPublished,
  type ExposureList,
} from '../../functions/core/exposure.ts';
import { hazardIdFor, listHazard, newHazard, type HazardInput, type HazardRecord } from '../../functions/core/hazards.ts';
import { newInstance } from '../../functions/core/instance.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { planCalendar, scheduleFor } from '../../functions/core/schedule.ts';

const file = join(import.meta.dirname, '../../plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);
const calendar = planCalendar(plan);

function hazard(seed: string, today: string, overrides: Partial<HazardInput> = {}): HazardRecord {
  const input: HazardInput = {
    place: '示例村一 兴隆路12号 综合商店',
    area: 'village-1',
    category: 'three-in-one',
    grade: 'major',
    owner: 'village-1',
    description: '住宿与经营场所未分隔',
    ...overrides,
  };
  return newHazard({ plan, planVersion: 'v1', calendar, id: hazardIdFor(today, seed), input, today, by: 'admin-1' }).hazard;
}

const names = (hazards: HazardRecord[]) => new Map(hazards.map((h) => [h.id, h.contact?.name ? [h.contact.name] : []]));
const who = { by: 'admin-1', on: '2022-07-01' };

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as ValidationError).problems;
  }
  throw new Error('expected the call to be refused');
}

describe('the quarter', () => {
  it('is the one the day falls in', () => {
    expect(quarterOf('2022-06-30')).toBe('2022-Q2');
    expect(quarterOf('2022-12-30')).toBe('2022-Q4');
    expect(quarterLabel('2022-Q2')).toBe('2022年第二季度');
  });
});

describe('the draft', () => {
  const withContact = hazard('a', '2022-05-10', {
    place: '兴隆路8号 王小明日杂店',
    description: '经营者王小明（手机138 1234 5678）在店内住宿，电动车室内充电；座机023-12345678',
    contact: { name: '王小明', phone: '13812345678' },
  });
  const listed = listHazard({ plan, planVersion: 'v1', calendar, hazard: hazard('b', '2022-06-01', { place: '鑫源五金厂仓库', category: 'plant-warehouse', measure: 'relocate' }), today: '2022-06-02', by: 'admin-1' }).hazard;
  const general = hazard('c', '2022-05-11', { grade: 'general' });
  const closed: HazardRecord = { ...hazard('d', '2022-05-12'), status: 'closed', closedOn: '2022-06-10' };
  const later = hazard('e', '2022-07-01');
  const house = hazard('f', '2022-04-20', { category: 'self-built-house', occupants: 14, problems: ['indoor-ebike-charging', 'insufficient-exits'], description: '出租屋' });

  const list = draftExposure({ plan, date: '2022-06-30', hazards: [withContact, listed, general, closed, later, house] });

  it('lists the open major hazards found by the day, listed ones first, then by the day found', () => {
    expect(list).toMatchObject({ id: '2022-Q2', quarter: '2022-Q2', town: 'qingfeng', draftedOn: '2022-06-30', status: 'draft', edited: false, removed: [], version: 0 });
    expect(list.entries.map((e) => e.hazardId)).toEqual([listed.id, house.id, withContact.id]);
    expect(list.entries[0]).toMatchObject({ listed: true, areaName: '示例村一', ownerName: '示例村一', categoryName: '厂房库房', description: '整改措施：搬。住宿与经营场所未分隔' });
    expect(list.entries[1]?.description).toBe('电动车及蓄电池在室内停放、充电；安全出口、疏散楼梯不足。出租屋');
  });

  it('carries no contact, no phone number and no name of the contact', () => {
    const entry = list.entries.find((e) => e.hazardId === withContact.id);

    expect(entry?.place).toBe('兴隆路8号 [姓名已隐去]日杂店');
    expect(entry?.description).toBe('经营者[姓名已隐去]（手机[电话已隐去]）在店内住宿，电动车室内充电；座机[电话已隐去]');
    const text = JSON.stringify(list);
    for (const secret of ['王小明', '13812345678', '138 1234 5678', '023-12345678', 'contact']) expect(text).not.toContain(secret);
  });

  it("scrubs a contact's name from another hazard's entry too", () => {
    const neighbour = hazard('g', '2022-05-13', { place: '兴隆路10号仓库', description: '与王小明日杂店共用疏散通道' });

    const both = draftExposure({ plan, date: '2022-06-30', hazards: [withContact, neighbour] });

    expect(both.entries.find((e) => e.hazardId === neighbour.id)?.description).toBe('与[姓名已隐去]日杂店共用疏散通道');
    expect(JSON.stringify(both)).not.toContain('王小明');
  });

  it('says which hazards an earlier published list carried', () => {
    const q1: ExposureList = { ...draftExposure({ plan, date: '2022-03-31', hazards: [] }), status: 'published', publishedOn: '2022-04-02', entries: [{ ...list.entries[1]!, hazardId: house.id }] };

    const again = draftExposure({ plan, date: '2022-06-30', hazards: [house], earlier: [q1] });

    expect(again.entries[0]?.exposedBefore).toEqual(['2022-Q1']);
  });

  it('is drafted with no entry when the town has no open major hazard', () => {
    expect(draftExposure({ plan, date: '2022-09-30', hazards: [general, closed] }).entries).toEqual([]);
  });
});

describe("an admin's edits", () => {
  const h1 = hazard('a', '2022-05-10', { contact: { name: '李四' } });
  const h2 = hazard('b', '2022-05-11');
  const draft = draftExposure({ plan, date: '2022-06-30', hazards: [h1, h2] });

  it('change texts and remove entries, and are recorded', () => {
    const edited = editExposure(draft, { version: 0, entries: [{ hazardId: h1.id, description: '住人与经营未分隔，已责令限期整改' }], remove: [h2.id] }, who);

    expect(edited.entries.map((e) => [e.hazardId, e.description])).toEqual([[h1.id, '住人与经营未分隔，已责令限期整改']]);
    expect(edited).toMatchObject({ status: 'draft', edited: true, removed: [h2.id], history: [{ on: '2022-07-01', by: 'admin-1', action: 'edit', edited: [h1.id], removed: [h2.id] }] });
  });

  it('are refused whole when a text carries a personal phone number, naming the entry and the field', () => {
    const problems = problemsOf(() =>
      editExposure(draft, { version: 0, entries: [{ hazardId: h2.id, place: '兴隆路9号' }, { hazardId: h1.id, description: '请联系 139-2345-6789 了解整改进度' }] }, who),
    );

    expect(problems).toEqual([
      { path: 'entries[1].description', message: `entry ${h1.id}: the description contains a personal phone number (mobile) (139******6789): an exposure list names no person and no phone number; remove it` },
    ]);
  });

  it("are refused when a text names another hazard's contact", () => {
    const problems = problemsOf(() => editExposure(draft, { version: 0, entries: [{ hazardId: h2.id, description: '仓库由李四经营' }] }, who, names([h1, h2])));

    expect(problems.map((p) => p.path)).toEqual(['entries[0].description']);
  });

  it("are refused when a text names the hazard's contact, or an entry not on the list", () => {
    const problems = problemsOf(() => editExposure(draft, { version: 0, entries: [{ hazardId: h1.id, place: '李四家' }], remove: ['hz-20220101-00000000'] }, who, names([h1, h2])));

    expect(problems.map((p) => p.path)).toEqual(['entries[0].place', 'remove[0]']);
    expect(problems[0]?.message).toContain('a personal name (李*)');
  });

  it('take an approved list back to draft, and are refused on a stale version', () => {
    const approved = { ...approveExposure(draft, 0, who), version: 1 };

    const edited = editExposure(approved, { version: 1, remove: [h2.id] }, who);

    expect(edited).toMatchObject({ status: 'draft', approvedOn: null });
    expect(() => editExposure(approved, { version: 0, remove: [h2.id] }, who)).toThrow(/at version 1, not 0/);
  });
});

describe('approval and publication', () => {
  const h1 = hazard('a', '2022-05-10');
  const draft = draftExposure({ plan, date: '2022-06-30', hazards: [h1] });

  it('go draft → approved → published, and published is final', () => {
    const approved = { ...approveExposure(draft, 0, who), version: 1 };
    const published = { ...publishExposure(approved, 1, { by: 'admin-1', on: '2022-07-04' }), version: 2 };

    expect(approved).toMatchObject({ status: 'approved', approvedOn: '2022-07-01' });
    expect(published).toMatchObject({ status: 'published', publishedOn: '2022-07-04' });
    expect(() => editExposure(published, { version: 2, remove: [h1.id] }, who)).toThrow(/published on 2022-07-04: a published list is final/);
    expect(() => publishExposure(published, 2, who)).toThrow(/final/);
    expect(() => approveExposure(published, 2, who)).toThrow(/final/);
  });

  it('refuse to publish a draft, and to approve twice', () => {
    expect(() => publishExposure(draft, 0, who)).toThrow(/is a draft: approve it before it is published/);
    const approved = { ...approveExposure(draft, 0, who), version: 1 };
    expect(() => approveExposure(approved, 1, who)).toThrow(/already approved on 2022-07-01/);
  });

  it("report the quarter's exposure duty done on the day of publication, awaiting review", () => {
    const duty = plan.duties.find((d) => d.id === 'c08-quarterly-hazard-exposure')!;
    const owner = plan.units.find((u) => u.id === 'fire-office')!;
    const record = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, calendar, duty, periodContaining('quarterly', '2022-06-30')));
    const published = publishExposure({ ...approveExposure(draft, 0, who), version: 1 }, 1, { by: 'admin-1', on: '2022-06-30' });

    const reported = reportPublished(record, published);

    expect(reported).toMatchObject({ completedOn: '2022-06-30', review: 'awaiting', status: 'on_time' });
    expect(reported?.reports[0]).toMatchObject({ n: 1, on: '2022-06-30', note: '2022年第二季度重大火灾隐患曝光清单已于2022-06-30公开，共1处。' });
    expect(reportPublished({ ...record, completedOn: '2022-06-29' }, published)).toBeUndefined();
  });
});
