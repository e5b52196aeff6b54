import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import {
  applyCounts,
  applyModel,
  campaignFromPlan,
  escalationDecision,
  funnelProblems,
  recruitmentBehindEmail,
  recruitmentDuty,
  recruitmentResult,
  recruitmentWorkbook,
  STAGE_IDS,
  trajectory,
  yieldFrom,
  zeroCounts,
  type Campaign,
  type StageCounts,
} from '../../functions/core/recruitment.ts';
import { annualEvaluation, annualEvaluationEmail, monthlyReport, monthlyReportEmail } from '../../functions/core/reports.ts';
import { planCalendar, scheduleFor } from '../../functions/core/schedule.ts';
import { HEADER_ROW } from '../../functions/core/workbook.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const qingfeng = parsePlan(readFileSync(join(repoRoot, 'plans/qingfeng-2022.yaml'), 'utf8'), 'plans/qingfeng-2022.yaml');
const calendar = planCalendar(qingfeng);

function campaign2022(): Campaign {
  const campaign = campaignFromPlan(qingfeng, calendar, 2022);
  if (!campaign) throw new Error('the 2022 plan has no recruitment campaign');
  return campaign;
}

/** The 2022 campaign with these counts (the others 0). */
function withCounts(counts: Partial<StageCounts>): Campaign {
  return { ...campaign2022(), counts: { ...zeroCounts(), ...counts } };
}

/** A round that reached the interview: 15 posts, 120 registrants, 20 interviewed. */
const atInterview: Partial<StageCounts> = {
  'plan-approved': 15,
  announcement: 15,
  registration: 120,
  'qualification-review': 110,
  'written-test': 90,
  'physical-test': 50,
  interview: 20,
};

describe('the campaign from the plan', () => {
  it("takes the target, owner and deadline of item 17's duty", () => {
    const campaign = campaign2022();

    expect(recruitmentDuty(qingfeng)?.id).toBe('c17-recruit-firefighters');
    expect(campaign).toMatchObject({
      id: '2022',
      town: 'qingfeng',
      dutyId: 'c17-recruit-firefighters',
      clause: '17',
      owner: 'emergency-office',
      instanceId: 'qingfeng:c17-recruit-firefighters:emergency-office:2022',
      target: 15,
      targetUnit: '人',
      opensOn: '2022-04-15',
      deadline: '2022-12-30',
      version: 0,
      history: [],
    });
    expect(Object.values(campaign.counts)).toEqual(STAGE_IDS.map(() => 0));
  });

  it('has none in a year the plan is not in force, nor in a plan without a recruitment duty', () => {
    expect(campaignFromPlan(qingfeng, calendar, 2023)).toBeUndefined();
    expect(campaignFromPlan(buildPlan(), new WorkCalendar(), 2022)).toBeUndefined();
  });
});

describe('the funnel', () => {
  it('accepts counts that narrow stage by stage', () => {
    expect(funnelProblems({ ...zeroCounts(), ...atInterview, 'medical-check': 12, 'political-review': 12, 'public-notice': 12, hired: 11, 'induction-training': 11 })).toEqual([]);
  });

  it('refuses a stage with more candidates than the stage before, naming both', () => {
    const problems = funnelProblems({ ...zeroCounts(), ...atInterview, interview: 10, 'medical-check': 12 });

    expect(problems).toEqual([{ path: 'counts.medical-check', message: expect.stringMatching(/^体检 人数 12 多于 面试 人数 10（/) }]);
  });

  it('refuses more posts announced than approved, registrants before an announcement and more hires than posts', () => {
    expect(funnelProblems({ ...zeroCounts(), 'plan-approved': 10, announcement: 12 }).map((p) => [p.path, p.message.split('（')[0]])).toEqual([
      ['counts.announcement', '发布公告 岗位数 12 多于 招录计划审批 岗位数 10'],
    ]);
    expect(funnelProblems({ ...zeroCounts(), registration: 30 }).map((p) => p.path)).toEqual(['counts.registration']);
    expect(
      funnelProblems({ ...zeroCounts(), 'plan-approved': 15, announcement: 15, registration: 40, 'qualification-review': 40, 'written-test': 40, 'physical-test': 40, interview: 40, 'medical-check': 40, 'political-review': 40, 'public-notice': 40, hired: 16 }).map(
        (p) => p.message.split('（')[0],
      ),
    ).toEqual(['聘用 人数 16 多于 发布公告 岗位数 15']);
  });

  it('keeps who changed which stage, from what to what; a change that changes nothing is no change', () => {
    const by = { at: '2022-06-20T02:30:00.000Z', on: '2022-06-20', by: 'user-1', role: 'unit' as const, unit: 'emergency-office', note: '报名截止' };
    const campaign = withCounts({ 'plan-approved': 15, announcement: 15 });

    const next = applyCounts(campaign, { registration: 60, announcement: 15 }, by);

    expect(next.counts.registration).toBe(60);
    expect(next.history).toEqual([{ ...by, action: 'stages', changes: [{ field: 'registration', from: 0, to: 60 }] }]);
    expect(applyCounts(next, { registration: 60 }, by)).toBe(next);
    const modelled = applyModel(next, { passRates: { interview: 0.5 } }, { ...by, role: 'admin' });
    expect(modelled.model.passRates.interview).toBe(0.5);
    expect(modelled.history.at(-1)).toMatchObject({ action: 'model', changes: [{ field: 'passRates.interview', from: 0.6, to: 0.5 }] });
  });
});

describe('the yield model', () => {
  const { model } = campaign2022();

  it('multiplies the pass rates from a stage to the hire', () => {
    expect(yieldFrom(model, 'hired')).toBe(1);
    expect(yieldFrom(model, 'public-notice')).toBeCloseTo(0.98, 10);
    expect(yieldFrom(model, 'interview')).toBeCloseTo(0.65 * 0.85 * 0.95 * 0.98, 10);
    expect(yieldFrom(model, 'registration')).toBeCloseTo(0.95 * 0.8 * 0.6 * 0.6 * 0.65 * 0.85 * 0.95 * 0.98, 10);
    expect(yieldFrom(model, 'announcement')).toBeUndefined();
    expect(yieldFrom(model, 'induction-training')).toBeUndefined();
  });
});

describe('the trajectory', () => {
  it('is on track before anyone registered while a whole round still fits before the deadline', () => {
    const t = trajectory(campaign2022(), '2022-06-01', calendar);

    expect(t).toMatchObject({ status: 'on-track', reasons: [], hired: 0, expected: 15, projected: 15, daysNeeded: 113, finishesOn: '2022-09-22', daysLeft: 212, monthsLeft: 7 });
  });

  it('falls behind on time when a whole round no longer fits, and names the stage to start', () => {
    const t = trajectory(campaign2022(), '2022-10-10', calendar);

    expect(t).toMatchObject({ status: 'behind', reasons: ['time'], thinStage: 'plan-approved', finishesOn: '2023-01-31' });
  });

  it('falls behind when fewer posts are approved than the target', () => {
    const t = trajectory(withCounts({ 'plan-approved': 10 }), '2022-06-01', calendar);

    expect(t).toMatchObject({ status: 'behind', reasons: ['posts', 'yield'], thinStage: 'plan-approved', projected: 10, missing: 5 });
  });

  it('projects the hires from the front of the pipeline and names the stage where it is thin', () => {
    const t = trajectory(withCounts(atInterview), '2022-08-01', calendar);

    // 20 interviewed × 0.65 × 0.85 × 0.95 × 0.98 = 10.29
    expect(t).toMatchObject({ status: 'behind', reasons: ['yield'], front: 'interview', inPipeline: 20, expected: 10.3, projected: 10, missing: 5, neededAtFront: 30, thinStage: 'interview' });
    expect(t.stages.find((s) => s.stage === 'physical-test')).toMatchObject({ count: 50, passRate: 0.6, observedRate: 0.556, projection: 15.4, required: 49 });
  });

  it('names the first stage that cannot yield the target: too few registrants', () => {
    const t = trajectory(withCounts({ 'plan-approved': 15, announcement: 15, registration: 60 }), '2022-07-01', calendar);

    expect(t).toMatchObject({ status: 'behind', reasons: ['yield'], thinStage: 'registration', neededAtFront: 107, expected: 8.4 });
  });

  it('is on track when those at the public notice will make up the target', () => {
    const t = trajectory(withCounts({ ...atInterview, interview: 20, 'medical-check': 17, 'political-review': 16, 'public-notice': 15, hired: 10 }), '2022-11-01', calendar);

    expect(t).toMatchObject({ status: 'on-track', inPipeline: 5, expected: 14.9, projected: 15, daysNeeded: 14 });
  });

  it('is done at the target, whatever the date', () => {
    const full = { ...atInterview, interview: 20, 'medical-check': 17, 'political-review': 16, 'public-notice': 15, hired: 15 };
    expect(trajectory(withCounts(full), '2022-09-01', calendar)).toMatchObject({ status: 'done', thinStage: null, missing: 0, daysNeeded: 0 });
  });

  it('after a round that fell short, asks for a supplementary round and says by when it must be announced', () => {
    const t = trajectory(withCounts({ ...atInterview, interview: 20, 'medical-check': 13, 'political-review': 12, 'public-notice': 12, hired: 12 }), '2022-09-01', calendar);

    expect(t).toMatchObject({ status: 'behind', reasons: ['yield'], inPipeline: 0, expected: 12, missing: 3, daysNeeded: 93, latestRestart: '2022-09-28', actBy: '2022-09-16' });
  });

  it('is not open before the duty opens, and closed after the deadline', () => {
    expect(trajectory(campaign2022(), '2022-04-01', calendar).status).toBe('not-open');
    expect(trajectory(campaign2022(), '2023-01-04', calendar)).toMatchObject({ status: 'closed', daysLeft: 0 });
  });
});

describe('the escalation decision', () => {
  const behind = trajectory(withCounts(atInterview), '2022-08-01', calendar);

  it('escalates a campaign that is behind, once a month', () => {
    expect(escalationDecision(behind, [])).toEqual({ escalate: true, month: '2022-08' });
    expect(escalationDecision(behind, [{ month: '2022-07' }])).toEqual({ escalate: true, month: '2022-08' });
    expect(escalationDecision(behind, [{ month: '2022-08' }])).toMatchObject({ escalate: false, why: 'already escalated in 2022-08' });
  });

  it('does not escalate a campaign on track, done, not open or closed', () => {
    expect(escalationDecision(trajectory(campaign2022(), '2022-06-01', calendar), []).escalate).toBe(false);
    expect(escalationDecision(trajectory(campaign2022(), '2022-04-01', calendar), []).escalate).toBe(false);
    expect(escalationDecision(trajectory(campaign2022(), '2023-01-04', calendar), []).escalate).toBe(false);
  });
});

describe('the escalation mail', () => {
  const campaign = withCounts(atInterview);
  const t = trajectory(campaign, '2022-08-01', calendar);

  it('says in Chinese how many are missing, where the pipeline is thin and what to do by when', () => {
    const mail = recruitmentBehindEmail(qingfeng, campaign, t, 'zh');

    expect(mail.subject).toBe('【招录督办】青峰镇2022年新招录政府专职消防员进度滞后：目标15人，已聘用0人，预计缺口5人（薄弱环节：面试），请于2022-08-15前提出补救措施');
    expect(mail.text).toContain('截止日期2022-12-30（还有151天，约5个月）');
    expect(mail.text).toContain('薄弱环节：面试，现有20人，按模型预计只能聘用约10.3人；完成目标需要约30人。');
    expect(mail.text).toContain('请应急办于2022-08-15前提出补救措施');
    expect(mail.text).toContain('补录最迟须于2022-09-28前发布公告');
    expect(mail.text).toContain('面试 | 20 | 60% | 30 | 10.3');
    expect(mail.html).toContain('<h3>招录各环节人数</h3>');
  });

  it('says the same in English', () => {
    const mail = recruitmentBehindEmail(qingfeng, campaign, t, 'en');

    expect(mail.subject).toBe('[Recruitment behind] 青峰镇 2022 full-time firefighters: target 15, hired 0, about 5 missing (thin at interview); remedy by 2022-08-15');
    expect(mail.text).toContain('Thin at interview: 20 candidates, expected to yield about 10.3 hires; the target needs about 30.');
    expect(mail.text).toContain('please propose a remedy by 2022-08-15');
  });

  it('escapes what it puts in HTML', () => {
    const plan = { ...qingfeng, title: { ...qingfeng.title, zh: '消防<b>工作要点' } };
    const mail = recruitmentBehindEmail(plan, campaign, t, 'zh');

    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('《消防&lt;b&gt;工作要点》第17条要求“新招录政府专职消防员15人”');
  });
});

describe('the ledger', () => {
  it('is a workbook with the funnel, the history and the escalations, under Chinese headers', async () => {
    const by = { at: '2022-06-20T02:30:00.000Z', on: '2022-06-20', by: 'user-1', role: 'unit' as const, unit: 'emergency-office' };
    const campaign = { ...applyCounts(withCounts({ 'plan-approved': 15, announcement: 15 }), { registration: 60 }, by), version: 2 };
    const t = trajectory(campaign, '2022-07-01', calendar);

    const bytes = await recruitmentWorkbook({
      plan: qingfeng,
      campaign,
      trajectory: t,
      escalations: [{ month: '2022-07', on: '2022-07-01', to: ['town-head@qingfeng.example.org'], hired: 0, projected: 8, missing: 7, thinStage: 'registration' }],
      madeAt: new Date('2022-07-01T02:00:00Z'),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);

    expect(workbook.worksheets.map((s) => s.name)).toEqual(['招录漏斗', '更新记录', '督办记录']);
    const funnel = workbook.getWorksheet('招录漏斗')!;
    expect(funnel.getRow(HEADER_ROW).values).toEqual([undefined, '序号', '环节', '计数口径', '人数', '较上一环节', '模型通过率', '完成目标需要', '按模型预计聘用', '环节用时（天）']);
    expect(funnel.getRow(HEADER_ROW + 3).values).toEqual([undefined, 3, '报名', '人数', 60, undefined, undefined, 107, 8.4, 10]);
    const history = workbook.getWorksheet('更新记录')!;
    expect(history.getRow(HEADER_ROW + 1).getCell(2).value).toBe('2022-06-20 10:30');
    expect(history.getRow(HEADER_ROW + 1).getCell(8).value).toBe('报名：0 → 60');
    expect(workbook.getWorksheet('督办记录')!.getRow(HEADER_ROW + 1).getCell(7).value).toBe('报名');
  });
});

// The reports, on a small plan with a monthly duty and the recruitment duty, both of 应急办.
const plan = buildPlan({
  duties: [
    dutyInput(),
    dutyInput({
      id: 'c17-recruit-firefighters',
      clause: '17',
      quote: '新招录政府专职消防员15人',
      title: { zh: '新招录政府专职消防员', en: 'Recruit new government full-time firefighters' },
      cadence: 'annual',
      due: { from: 'end', restDay: 'previous' },
      evidence: ['list'],
      target: { value: 15, unit: '人', measure: '新招录政府专职消防员人数', comparison: 'at-least' },
      weight: 5,
    }),
  ],
});
const workCalendar = new WorkCalendar();
const [monthly, recruiting] = plan.duties as [(typeof plan.duties)[0], (typeof plan.duties)[0]];
const office = plan.units.find((u) => u.id === 'emergency-office')!;
const monthlyInstance = (month: string, patch: Partial<InstanceRecord> = {}) => ({
  ...newInstance(plan, 'v1', monthly, office, scheduleFor(plan, workCalendar, monthly, periodContaining('monthly', `${month}-01`))),
  ...patch,
});
const recruitingInstance = (patch: Partial<InstanceRecord> = {}) => ({
  ...newInstance(plan, 'v1', recruiting, office, scheduleFor(plan, workCalendar, recruiting, periodContaining('annual', '2022-06-01'))),
  ...patch,
});

describe('the monthly report', () => {
  it('shows the recruitment funnel with the trajectory', () => {
    const campaign = { ...campaignFromPlan(plan, workCalendar, 2022)!, counts: { ...zeroCounts(), ...atInterview } };

    const report = monthlyReport(plan, [monthlyInstance('2022-07', { completedOn: '2022-07-20' })], '2022-08-01', workCalendar, campaign);
    const email = monthlyReportEmail(plan, report, 'zh');

    expect(report.recruitment?.trajectory).toMatchObject({ status: 'behind', projected: 10, thinStage: 'interview' });
    expect(email.text).toContain('■ 新招录政府专职消防员进度（第17条，应急办，截止2022-12-30）：目标15人，已聘用0人，预计约10人，进度滞后（缺口5人，薄弱环节：面试）');
    expect(email.text).toContain('报名 | 120 | — | 107 | 16.9');
    expect(monthlyReportEmail(plan, report, 'en').text).toContain('target 15, hired 0, expected about 10, behind (5 missing; thin at interview)');
  });

  it('has no funnel without a campaign', () => {
    const report = monthlyReport(plan, [], '2022-08-01', workCalendar);

    expect(report.recruitment).toBeUndefined();
    expect(monthlyReportEmail(plan, report, 'zh').text).not.toContain('招录');
  });
});

describe('the annual evaluation of item 17', () => {
  const year = [monthlyInstance('2022-11', { completedOn: '2022-11-20' }), recruitingInstance({ completedOn: '2022-12-20' })];
  const campaign = campaignFromPlan(plan, workCalendar, 2022)!;

  it('scores hired against the target: 12 of 15 earns 80% of the duty', () => {
    const result = recruitmentResult({ ...campaign, counts: { ...campaign.counts, hired: 12 } }, true, undefined)!;

    const evaluation = annualEvaluation(plan, year, '2022-12-30', workCalendar, result);

    const score = evaluation.scores.find((s) => s.unit === 'emergency-office')!;
    // 3 + 5 × 0.8 of 8
    expect(score).toMatchObject({ earned: 7, possible: 8, score: 87.5 });
    expect(score.deductions).toEqual([
      {
        instanceId: 'qingfeng:c17-recruit-firefighters:emergency-office:2022',
        dutyId: 'c17-recruit-firefighters',
        clause: '17',
        rule: 'target',
        ruleRef: 'duties[c17-recruit-firefighters].target',
        weight: 5,
        credit: 0.8,
        pointsLost: 1,
        reason: 'hired 12 of the target 15 (recruitment campaign): 80% of the credit',
      },
    ]);
    expect(evaluation.recruitment).toMatchObject({ hired: 12, target: 15, fulfilment: 0.8, pointsLost: 1, scored: true, source: 'campaign' });
    expect(annualEvaluationEmail(plan, evaluation, 'zh').text).toContain('应急办 | 15 | 12 | 80% | 1 | 招录进度登记');
  });

  it('costs nothing at the target, and everything with nobody hired', () => {
    const full = annualEvaluation(plan, year, '2022-12-30', workCalendar, recruitmentResult({ ...campaign, counts: { ...campaign.counts, hired: 15 } }, true, undefined));
    const none = annualEvaluation(plan, year, '2022-12-30', workCalendar, recruitmentResult(campaign, false, year[1]));

    expect(full.scores[0]).toMatchObject({ unit: 'emergency-office', score: 100, deductions: [] });
    expect(none.recruitment).toMatchObject({ hired: 0, source: 'none', pointsLost: 5 });
    expect(none.scores[0]).toMatchObject({ score: 37.5 });
    expect(none.sanctions).toEqual([{ unit: 'emergency-office', sanction: 'warning-talk', reasons: ['score 37.5 < 60'] }]);
  });

  it('counts the duty on the day it is due even when not yet reported, and reads a reported figure without a campaign', () => {
    const unreported = [year[0]!, recruitingInstance({ reports: [{ n: 1, on: '2022-12-29', note: '已招录', evidence: [], figure: 9 }] })];

    const evaluation = annualEvaluation(plan, unreported, '2022-12-30', workCalendar, recruitmentResult(campaign, false, unreported[1]));

    expect(evaluation.recruitment).toMatchObject({ hired: 9, source: 'report', timeliness: 1, pointsLost: 2 });
    expect(evaluation.scores[0]).toMatchObject({ counted: 2, earned: 6, possible: 8, score: 75 });
  });

  it('is as before without a recruitment result', () => {
    expect(annualEvaluation(plan, year, '2022-12-30', workCalendar).scores[0]).toMatchObject({ score: 100, counted: 2 });
  });
});
