import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { annualEvaluation, annualEvaluationEmail, monthlyReport, monthlyReportEmail, previousMonth, reportReaders, sanctionNoticeEmail } from '../../functions/core/reports.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const calendar = new WorkCalendar();
const plan = buildPlan({ duties: [dutyInput({ owners: ['emergency-office', 'village-1', 'village-2'], due: { from: 'end', restDay: 'previous' } })] });
const duty = plan.duties[0]!;

function instance(owner: string, month: string, patch: Partial<InstanceRecord> = {}): InstanceRecord {
  const unit = plan.units.find((u) => u.id === owner)!;
  return { ...newInstance(plan, 'v1', duty, unit, scheduleFor(plan, calendar, duty, periodContaining('monthly', `${month}-01`))), ...patch };
}

// May 2022: due 2022-05-31.
const may = [
  instance('emergency-office', '2022-05', { completedOn: '2022-05-20' }),
  instance('village-1', '2022-05', { completedOn: '2022-06-02' }),
  instance('village-2', '2022-05'),
];

describe('monthlyReport', () => {
  it('covers the month before the report day', () => {
    expect(previousMonth('2022-06-01')).toBe('2022-05');
    expect(previousMonth('2022-01-04')).toBe('2021-12');
  });

  it('counts what fell due in the month, and lists what is overdue with its owner', () => {
    const report = monthlyReport(plan, may, '2022-06-09', calendar);

    expect(report.month).toBe('2022-05');
    expect(report.dueInMonth).toEqual({ total: 3, onTime: 1, late: 1, missed: 0, open: 1 });
    expect(report.overdue).toEqual([
      { instanceId: 'qingfeng:monthly-analysis:village-2:2022-05', owner: 'village-2', title: '每月分析消防安全形势', dueOn: '2022-05-31', light: 'red', workdaysOverdue: 6 },
    ]);
  });

  it('ranks the units and names those that nobody can reach', () => {
    const report = monthlyReport(plan, may, '2022-06-09', calendar);

    expect(report.scores.map((s) => [s.unit, s.score, s.rank])).toEqual([
      ['emergency-office', 100, 1],
      ['village-1', 80, 2],
      ['village-2', 0, 3],
    ]);
    expect(report.unreachable).toEqual([{ unit: 'village-2', name: '示例村二', duties: 1 }]);
  });

  it('writes a Chinese email with the board, the table and the overdue list', () => {
    const email = monthlyReportEmail(plan, monthlyReport(plan, may, '2022-06-09', calendar), 'zh');

    expect(email.subject).toBe('【月度通报】青峰镇2022年5月消防工作：到期3项，按时完成率33%，逾期未报1项（红灯1项）');
    expect(email.text).toContain('示例村二 | 1');
    expect(email.html).toContain('<h3>逾期未报送事项</h3>');
  });

  it('goes to leadership and the committees', () => {
    expect(reportReaders(plan).map((u) => u.id)).toEqual(['town-head', 'deputy-head', 'fire-office']);
  });
});

describe('annualEvaluation', () => {
  it('names the units 三(三) says face criticism or a warning talk, with the reasons', () => {
    const year = [
      ...may,
      instance('village-1', '2022-06', { completedOn: '2022-06-30' }),
      instance('village-2', '2022-06', { escalations: [{ level: 3, on: '2022-07-15', to: [] }] }),
    ];

    const evaluation = annualEvaluation(plan, year, '2022-12-30', calendar);

    expect(evaluation.sanctions).toEqual([{ unit: 'village-2', sanction: 'warning-talk', reasons: ['score 0.0 < 60', 'a duty reached the warning-talk rung'] }]);
    expect(evaluation.scores.find((s) => s.unit === 'village-1')?.score).toBe(90);
  });

  it('criticises a unit below the criticism threshold', () => {
    const evaluation = annualEvaluation(plan, [instance('village-1', '2022-05', { completedOn: '2022-06-10' })], '2022-12-30', calendar);

    expect(evaluation.sanctions).toEqual([{ unit: 'village-1', sanction: 'criticism', reasons: ['score 60.0 < 80'] }]);
  });

  it('tells leadership and the sanctioned unit, with every deduction', () => {
    const evaluation = annualEvaluation(plan, may, '2022-12-30', calendar);

    const summary = annualEvaluationEmail(plan, evaluation, 'zh');
    const notice = sanctionNoticeEmail(plan, evaluation, 'village-2', 'zh');

    expect(summary.subject).toBe('【年度考评】青峰镇2022年消防工作实绩考核：第一名应急办，通报批评0个单位，警示约谈1个单位');
    expect(notice.subject).toBe('【警示约谈】示例村二：2022年消防工作实绩考核得分0.0，请于下一工作周内提交整改说明');
    expect(notice.text).toContain('qingfeng:monthly-analysis:village-2:2022-05 | 2 | ladder.missedAfterWorkdays | 3');
  });
});
