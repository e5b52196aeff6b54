import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import type { Duty } from '../../functions/core/plan-schema.ts';
import { plannedInstances, resolveOwners } from '../../functions/core/schedule.ts';

const plan = parsePlan(readFileSync('plans/qingfeng-2022.yaml', 'utf8'), 'plans/qingfeng-2022.yaml');
const source = readFileSync('../shared/seed/000_68136cc265473cb2.txt', 'utf8');
const allClauses = [...Array.from({ length: 17 }, (_, i) => String(i + 1)), '三(一)', '三(二)', '三(三)'];

function duty(id: string): Duty {
  const found = plan.duties.find((d) => d.id === id);
  if (!found) throw new Error(`the 2022 plan has no duty ${id}`);
  return found;
}

function ownerIds(d: Duty): string[] {
  return resolveOwners(plan, d).map((u) => u.id);
}

describe('the 2022 Qingfeng plan', () => {
  it.each(allClauses)('turns item %s into at least one duty', (clause) => {
    expect(plan.duties.filter((d) => d.clause === clause).length).toBeGreaterThan(0);
  });

  it('cites only items the document has', () => {
    expect(plan.duties.map((d) => d.clause).filter((c) => !allClauses.includes(c))).toEqual([]);
  });

  it('quotes every clause word for word from the document', () => {
    const flat = source.replace(/\s+/g, '');

    const misquoted = plan.duties.filter((d) => d.quote.split('……').some((fragment) => !flat.includes(fragment.replace(/\s+/g, ''))));

    expect(misquoted.map((d) => d.id)).toEqual([]);
  });

  it('gives every duty at least one owner with a contact address', () => {
    const orphans = plan.duties.filter((d) => resolveOwners(plan, d).every((u) => u.contacts.length === 0));

    expect(orphans.map((d) => d.id)).toEqual([]);
  });

  it('marks every contact address as a placeholder on example.org', () => {
    const contacts = plan.units.flatMap((u) => u.contacts);

    expect(contacts.length).toBe(plan.units.length);
    expect(contacts.every((c) => c.placeholder && c.email.endsWith('.example.org'))).toBe(true);
  });

  it('lists the units the document names, by their names in the document', () => {
    const names = plan.units.map((u) => u.name);

    for (const name of ['经发办', '应急办', '民社办', '文化服务中心', '医院', '教管中心', '规环办', '城建办', '派出所', '司法所', '社保所', '农业服务中心', '镇安委会', '镇消防安全委员会', '镇消防安全委员会办公室', '镇政府主要负责人', '分管负责人'])
      expect(names).toContain(name);
    expect(plan.units.filter((u) => u.kind === 'village' || u.kind === 'residential').length).toBeGreaterThan(0);
  });
});

describe('cadences, counts and targets as the document states them', () => {
  it('item 2: 每月分析形势、每季度召开会议、每年组织考评, by the departments it names', () => {
    const named = ['economic-office', 'emergency-office', 'civil-affairs-office', 'culture-center', 'hospital', 'education-center'];

    expect(duty('c02-monthly-situation-analysis').cadence).toBe('monthly');
    expect(duty('c02-quarterly-industry-meeting').cadence).toBe('quarterly');
    expect(duty('c02-annual-industry-evaluation').cadence).toBe('annual');
    for (const id of ['c02-monthly-situation-analysis', 'c02-quarterly-industry-meeting', 'c02-annual-industry-evaluation']) expect(ownerIds(duty(id))).toEqual(named);
  });

  it('item 3: 每半年组织消防培训和疏散演练', () => {
    expect(duty('c03-key-unit-semiannual-training-drill').cadence).toBe('semiannual');
  });

  it('item 4: 季度例会', () => {
    expect(duty('c04-committee-quarterly-meeting').cadence).toBe('quarterly');
  });

  it('item 8: 每季度集中曝光一批重大火灾隐患', () => {
    expect(duty('c08-quarterly-hazard-exposure').cadence).toBe('quarterly');
  });

  it('item 9: alerts before every key date the document lists', () => {
    const alert = duty('c09-key-date-risk-alert');
    const keyDates = plan.calendar.keyDates.map((k) => k.name);

    expect(alert.cadence).toBe('key-date');
    expect(keyDates).toEqual(expect.arrayContaining(['五一', '国庆', '党的二十大', '市第六次党代会', '西洽会', '智博会']));
  });

  it('item 10: 年内补齐场镇市政消火栓, due on the last working day of 2022', () => {
    const hydrants = plannedInstances(plan).filter((r) => r.duty.id === 'c10-hydrants-within-year');

    expect(hydrants.map((r) => r.schedule.dueOn)).toEqual(['2022-12-30']);
  });

  it('item 14: 一名消防宣传员 and 不少于一次疏散逃生演练 in every village and community', () => {
    const villages = plan.units.filter((u) => u.kind === 'village' || u.kind === 'residential').map((u) => u.id);

    expect(duty('c14-publicity-officer').target).toMatchObject({ value: 1, unit: '名' });
    expect(duty('c14-village-evacuation-drill').target).toMatchObject({ value: 1, unit: '次', comparison: 'at-least' });
    expect(ownerIds(duty('c14-village-evacuation-drill'))).toEqual(villages);
  });

  it('item 14: 每月 outreach by 应急办, 每学年不低于4课时 in schools, 每年培训不少于2次', () => {
    expect(duty('c14-monthly-publicity-outreach')).toMatchObject({ cadence: 'monthly', owners: ['emergency-office'] });
    expect(duty('c14-school-fire-lessons')).toMatchObject({ cadence: 'academic-year', target: { value: 4, unit: '课时', comparison: 'at-least' } });
    expect(duty('c14-key-group-training')).toMatchObject({ cadence: 'annual', target: { value: 2, unit: '次', comparison: 'at-least' } });
  });

  it('item 17: 新招录政府专职消防员15人 within the year', () => {
    expect(duty('c17-recruit-firefighters')).toMatchObject({ cadence: 'annual', target: { value: 15, unit: '人' }, due: { from: 'end', restDay: 'previous' } });
  });

  it('item 5 and 三(三): a serious fire opens the extended investigation and the accountability review', () => {
    expect(duty('c05-extended-investigation')).toMatchObject({ cadence: 'event', event: 'serious-fire' });
    expect(duty('s3-3-accountability-review')).toMatchObject({ cadence: 'event', event: 'serious-fire' });
    expect(duty('c05-look-back')).toMatchObject({ cadence: 'event', event: 'investigation-closed' });
  });

  it('gives duties opened mid-period at least the minimum lead, and keeps within-period deadlines in their period', () => {
    const rows = plannedInstances(plan);

    for (const row of rows.filter((r) => r.schedule.adjusted === 'late-start')) expect(row.schedule.dueOn >= '2022-04-28').toBe(true);
    for (const row of rows.filter((r) => r.duty.due.restDay === 'previous')) expect(row.schedule.dueOn <= row.schedule.period.ends).toBe(true);
  });
});
