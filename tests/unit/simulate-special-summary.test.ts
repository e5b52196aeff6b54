import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { approveExposure, draftExposure, publishExposure } from '../../functions/core/exposure.ts';
import { closeHazard, listHazard, newHazard, reportProgress, type HazardInput, type HazardRecord } from '../../functions/core/hazards.ts';
import { closeInvestigation, recordIncident, type IncidentContext } from '../../functions/core/incidents.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { applyCounts, campaignFromPlan, type CampaignEscalation } from '../../functions/core/recruitment.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { specialLines } from '../../local/cli/simulate-command.ts';
import { hazardSummary, incidentSummaries, recruitmentSummary, specialSummary, type SpecialRecords } from '../../local/simulate/special-summary.ts';
import { contractPeriod } from '../../local/simulate/summary.ts';

const plan = parsePlan(readFileSync('plans/qingfeng-2022.yaml', 'utf8'), 'plans/qingfeng-2022.yaml');
const calendar = planCalendar(plan);
const ctx = (today: string): IncidentContext => ({ plan, planVersion: 'v1', calendar, today, by: 'local:admin:qingfeng' });

function hazard(id: string, today: string, input: Partial<HazardInput> = {}): { hazard: HazardRecord; instance: InstanceRecord } {
  return newHazard({
    plan,
    planVersion: 'v1',
    calendar,
    id,
    today,
    by: 'local:admin:qingfeng',
    input: { place: '示例村一 一处小餐饮店', area: 'village-1', category: 'nine-small', grade: 'general', owner: 'village-1', description: '燃气管道老化', contact: { name: '王建国', phone: '13800001234' }, ...input },
  });
}

describe('recruitment in summary.json', () => {
  it('gives target, hires, the counts in the order of the stages and the escalations with their days', () => {
    const campaign = campaignFromPlan(plan, calendar, 2022);
    if (!campaign) throw new Error('no campaign');
    const by = { at: '2022-06-15T03:00:00.000Z', on: '2022-06-15', by: 'local:unit:qingfeng:emergency-office', role: 'unit' as const, unit: 'emergency-office' };
    const stored = applyCounts(campaign, { 'plan-approved': 15, announcement: 15, registration: 60 }, by);
    const escalations: CampaignEscalation[] = [
      { month: '2022-08', on: '2022-08-01', to: ['a@example.org'], hired: 0, projected: 8, missing: 7, thinStage: 'registration' },
      { month: '2022-07', on: '2022-07-01', to: ['a@example.org'], hired: 0, projected: 8, missing: 7, thinStage: 'registration' },
    ];
    const [summary] = recruitmentSummary(plan, { campaign: stored, stored: true, escalations }, '2022-08-10', calendar);

    expect(summary).toMatchObject({ town: 'qingfeng', year: 2022, owner: 'qingfeng:emergency-office', target: 15, deadline: '2022-12-30', hired: 0, updates: 1, status: 'behind' });
    expect(summary?.byStage.map((s) => s.stage)).toEqual([
      'plan-approved',
      'announcement',
      'registration',
      'qualification-review',
      'written-test',
      'physical-test',
      'interview',
      'medical-check',
      'political-review',
      'public-notice',
      'hired',
      'induction-training',
    ]);
    expect(summary?.byStage.slice(0, 4).map((s) => [s.name, s.count])).toEqual([
      ['招录计划审批', 15],
      ['发布公告', 15],
      ['报名', 60],
      ['资格审查', 0],
    ]);
    // Sorted by month; no addresses.
    expect(summary?.escalations).toEqual([
      { month: '2022-07', on: '2022-07-01', hired: 0, projected: 8, missing: 7, thinStage: 'registration' },
      { month: '2022-08', on: '2022-08-01', hired: 0, projected: 8, missing: 7, thinStage: 'registration' },
    ]);
  });

  it('is empty for a plan without a recruitment duty', () => {
    expect(recruitmentSummary(plan, { campaign: undefined, stored: false, escalations: [] }, '2022-08-10', calendar)).toEqual([]);
  });
});

describe('incidents in summary.json', () => {
  const serious = recordIncident(ctx('2022-06-20'), 'fire-10', {
    occurredOn: '2022-06-15',
    place: '示例村一 自建房',
    casualties: { deaths: 1, injuries: 2 },
    socialImpact: 'minor',
    description: '电动自行车充电起火',
  });
  const closed = closeInvestigation(
    ctx('2022-07-27'),
    serious.incident,
    serious.instances.filter((i) => i.dutyId === 'c05-extended-investigation'),
    { findings: '擅自改变使用性质', responsibleParties: [{ party: 'use-management', name: '某物业公司' }], rectifications: [{ what: '拆除充电棚', owner: 'village-1', deadline: '2022-09-30' }], lookBackAfterMonths: 3 },
  );
  const minor = recordIncident(ctx('2022-08-02'), 'fire-2', { occurredOn: '2022-08-01', place: '示例村二 柴房', casualties: { deaths: 0, injuries: 0 }, socialImpact: 'none', description: '秸秆起火' });
  const instances = new Map<string, InstanceRecord>([...serious.instances, ...closed.updated, ...closed.created].map((i) => [i.id, i]));

  it('gives each fire its severity and its chain: investigation, accountability review, rectifications and look-back, with owners and dates', () => {
    const [first, second] = incidentSummaries([closed.incident, minor.incident], instances, '2022-12-31');

    // fire-2 before fire-10: by number, not by text.
    expect(first).toMatchObject({ id: 'fire-2', severity: 'minor', triggers: [], investigation: null, accountabilityReview: [], rectifications: [], lookBack: null, stage: 'no-investigation' });
    expect(second).toMatchObject({ id: 'fire-10', occurredOn: '2022-06-15', recordedOn: '2022-06-20', severity: 'serious', triggers: ['deaths'], deaths: 1, injuries: 2 });
    expect(second?.investigation?.status).toBe('closed');
    expect(second?.investigation?.closedOn).toBe('2022-07-27');
    expect(second?.investigation?.instances.map((i) => i.owner).sort()).toEqual(['qingfeng:emergency-office', 'qingfeng:fire-committee', 'qingfeng:police-station']);
    for (const i of second?.investigation?.instances ?? []) expect(i).toMatchObject({ dueOn: '2022-07-27', completedOn: '2022-07-27', status: 'on_time' });
    expect(second?.accountabilityReview).toEqual([
      expect.objectContaining({ owner: 'qingfeng:safety-committee', dutyId: 's3-3-accountability-review', dueOn: '2022-07-27', completedOn: null, status: 'open' }),
    ]);
    expect(second?.rectifications).toEqual([expect.objectContaining({ n: 1, deadline: '2022-09-30', owner: 'qingfeng:village-1', opensOn: '2022-07-27', dueOn: '2022-09-30' })]);
    expect(second?.lookBack).toMatchObject({ afterMonths: 3, on: '2022-10-27' });
    expect(second?.lookBack?.instances).toEqual([expect.objectContaining({ owner: 'qingfeng:fire-office', opensOn: '2022-10-27', dueOn: '2022-11-24' })]);
    expect(JSON.stringify([first, second])).not.toContain('某物业公司');
  });
});

describe('hazards in summary.json', () => {
  const a = hazard('hz-20220601-00000001', '2022-06-01', { grade: 'major' });
  const b = hazard('hz-20220602-00000002', '2022-06-02', { category: 'plant-warehouse', owner: 'economic-office', measure: 'relocate' });
  const c = hazard('hz-20220603-00000003', '2022-06-03', { category: 'self-built-house', occupants: 12, problems: ['indoor-ebike-charging'] });
  const d = hazard('hz-20220606-00000004', '2022-06-06');
  const listed = listHazard({ plan, planVersion: 'v1', calendar, hazard: a.hazard, today: '2022-06-06', by: 'local:admin:qingfeng' }).hazard;
  const reported = reportProgress(listed, { on: '2022-06-20', note: '已制定整改方案' });
  const closure = (on: string) => ({ on, note: '复查合格', evidence: [{ kind: 'photos', name: '照片' }], by: 'local:admin:qingfeng' });
  const hazards = [
    reported,
    closeHazard(b.hazard, [b.instance], closure('2022-06-20')).hazard, // on time (deadline 2022-07-04)
    closeHazard(c.hazard, [c.instance], closure('2022-07-20')).hazard, // late (deadline 2022-07-04)
    d.hazard, // open, deadline 2022-07-06
  ];
  const draft = draftExposure({ plan, date: '2022-06-30', hazards });
  const published = publishExposure(approveExposure(draft, 0, { by: 'admin', on: '2022-06-30' }), 0, { by: 'admin', on: '2022-07-01' });
  const q3 = draftExposure({ plan, date: '2022-09-30', hazards, earlier: [published] });

  it('counts by grade, category and status, closed on time or late, and lists the listed ones and the quarterly lists', () => {
    const summary = hazardSummary(plan, [...hazards].reverse(), [q3, published], '2022-08-01');

    expect(summary).toMatchObject({
      town: 'qingfeng',
      total: 4,
      byGrade: { general: 3, major: 1 },
      byCategory: { 'nine-small': 2, 'self-built-house': 1, 'plant-warehouse': 1 },
      byStatus: { open: 2, closed: 2 },
      closedOnTime: 1,
      closedLate: 1,
      openOverdue: 1,
      selfBuiltHouses: 1,
    });
    // In the order of the API's categories.
    expect(Object.keys(summary.byCategory)).toEqual(['nine-small', 'self-built-house', 'plant-warehouse']);
    expect(summary.listed).toEqual([
      {
        id: 'hz-20220601-00000001',
        grade: 'major',
        category: 'nine-small',
        area: 'qingfeng:village-1',
        owner: 'qingfeng:village-1',
        foundOn: '2022-06-01',
        deadline: '2022-08-30',
        listedOn: '2022-06-06',
        listedDeadline: listed.listed?.deadline,
        progressReports: 1,
        status: 'open',
        closedOn: null,
      },
    ]);
    expect(summary.exposures).toEqual([
      { quarter: '2022-Q2', status: 'published', entries: 1, listedEntries: 1, draftedOn: '2022-06-30', edited: false, approvedOn: '2022-06-30', publishedOn: '2022-07-01' },
      { quarter: '2022-Q3', status: 'draft', entries: 1, listedEntries: 1, draftedOn: '2022-09-30', edited: false, approvedOn: null, publishedOn: null },
    ]);
  });

  it('carries no personal data: no names, phones, places or descriptions', () => {
    const text = JSON.stringify(hazardSummary(plan, hazards, [published], '2022-08-01'));

    expect(text).not.toContain('王建国');
    expect(text).not.toContain('13800001234');
    expect(text).not.toContain('小餐饮店');
    expect(text).not.toContain('燃气管道');
  });
});

describe('the special fields together', () => {
  it('gives one entry per town, the instances as they stand on the last day', () => {
    const records: SpecialRecords = {
      towns: [{ plan, campaign: { campaign: campaignFromPlan(plan, calendar, 2022), stored: false, escalations: [] }, incidents: [], hazards: [], exposures: [] }],
    };
    const summary = specialSummary(records, [], '2022-12-31', () => calendar);

    expect(summary.recruitment).toHaveLength(1);
    expect(summary.recruitment[0]).toMatchObject({ target: 15, hired: 0, updates: 0 });
    expect(summary.incidents).toEqual([]);
    expect(summary.hazards).toEqual([
      { town: 'qingfeng', total: 0, byGrade: { general: 0, major: 0 }, byCategory: {}, byStatus: { open: 0, closed: 0 }, closedOnTime: 0, closedLate: 0, openOverdue: 0, selfBuiltHouses: 0, listed: [], exposures: [] },
    ]);
  });

  it('gives an event instance’s day as its period, as the contract has it for a one-off duty', () => {
    expect(contractPeriod('2022-06-15~fire-1')).toBe('2022-06-15');
    expect(contractPeriod('2022-06-20~hz-20220620-1a2b3c4d')).toBe('2022-06-20');
    expect(contractPeriod('2022-Q2')).toBe('2022-Q2');
    expect(contractPeriod('2022-10-01')).toBe('2022-10-01');
  });

  it('prints a line each, and says so when an older summary.json has none of the fields', () => {
    expect(specialLines({ notices: [] })).toEqual([
      'recruitment: none',
      'incidents: 0 fire(s), 0 serious; investigations closed 0 of 0, accountability reviews 0, rectifications 0, look-backs 0',
      'hazards: 0 (general 0, major 0; self-built houses 0); closed 0 (on time 0, late 0), open 0; listed 0; exposure lists 0, published 0',
      'key-date alerts: 0 mail(s) on 0 day(s)',
    ]);
  });
});
