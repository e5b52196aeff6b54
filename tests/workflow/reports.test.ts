/**
 * MonthlyReport and AnnualEvaluation, as synthesized from the CDK app, on the local runtime and the
 * template's own schedules: each goes out on its one day, once, to leadership and the committees.
 */
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { MailMessage } from '../../local/runtime/emulators.ts';
import { address, daysFrom, shanghai, useWorkflowHarness, townPlan, unitOf, type ReplayedDay } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTY = 'c02-monthly-situation-analysis';
/** 镇政府主要负责人, 分管负责人, 镇安委会, 镇消防安全委员会 and its office: the plan's leadership and committees. */
const READERS = ['deputy-head', 'fire-committee', 'fire-office', 'safety-committee', 'town-head'];
/** The owners of the duty who never report, by the name the plan gives them. */
const SILENT = { 'civil-affairs-office': '民社办', 'culture-center': '文化服务中心', 'education-center': '教管中心', 'emergency-office': '应急办', hospital: '医院' };

/**
 * A town running the monthly situation analysis of its six sector departments for `month`
 * (`2022-09`): the economic office reports it on `reportOn`, the five others never do.
 */
async function monthOfWork(town: string, month: string, reportOn: IsoDate): Promise<void> {
  await harness().seedTown(townPlan(town, { duties: [DUTY] }));
  const opening = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: shanghai(`${month}-01`, '06:00') });
  expect(opening.status).toBe('SUCCEEDED');
  const report = await harness().report(`${town}:${DUTY}:economic-office:${month}`, reportOn);
  expect(report).toMatchObject({ statusCode: 200, body: { status: 'on_time' } });
}

function monthlyReports(mail: MailMessage[], town: string): MailMessage[] {
  return mail.filter((m) => m.subject.startsWith('【月度通报】') && m.destination.to.every((a) => a.endsWith(`@${town}.example.org`)));
}

function recipients(mail: MailMessage[]): string[] {
  return mail.flatMap((m) => m.destination.to.map(unitOf)).sort();
}

/** The days on which mail matching `pick` went out, with how many messages. */
function sendingDays(days: ReplayedDay[], pick: (mail: MailMessage[]) => MailMessage[]): Record<IsoDate, number> {
  return Object.fromEntries(days.map((d) => [d.day, pick(d.mail).length]).filter(([, n]) => n !== 0));
}

/** What a monthly report says is overdue: the rows of its last-but-one table (owner, duty, due, working days overdue, light). */
function overdueRows(message: MailMessage): string[] {
  const text = message.body.text ?? '';
  const section = text.slice(text.indexOf('■ 逾期未报送事项'), text.indexOf('■ 无联系方式的责任单位'));
  return section.split('\n').slice(2).filter((line) => line.trim() !== '');
}

function expectOverdueListed(message: MailMessage, dueOn: IsoDate, workdaysOverdue: number): void {
  expect(overdueRows(message).sort()).toEqual(Object.values(SILENT).map((name) => `${name} | 每月分析行业消防安全形势 | ${dueOn} | ${workdaysOverdue} | yellow`).sort());
  expect(message.body.text).not.toMatch(/经发办 \| 每月分析行业消防安全形势/);
  for (const name of Object.values(SILENT)) expect(message.body.html).toContain(name);
}

describe('the monthly report', () => {
  it('goes out on the first working day of the month only, once, to leadership and the committees, listing what is overdue and whose it is', async () => {
    // June 2022: Wednesday 1 June is the first working day; the schedule fires at 09:00 on days 1–10.
    const town = 'monthly-june';
    await monthOfWork(town, '2022-05', '2022-05-20');

    const days = await harness().replay('2022-06-01', '2022-06-08');

    const runs = days.flatMap((d) => d.runs).filter((r) => r.stateMachine === 'MonthlyReport');
    expect(runs.map((r) => [r.scheduledTime.slice(0, 10), r.execution.status])).toEqual(daysFrom('2022-06-01', '2022-06-08').map((d) => [d, 'SUCCEEDED']));
    expect(runs.map((r) => r.execution.events.some((e) => e.type === 'StateEntered' && e.state.name === 'NotFirstWorkdayOfMonth'))).toEqual([false, true, true, true, true, true, true, true]);
    expect(sendingDays(days, (mail) => monthlyReports(mail, town))).toEqual({ '2022-06-01': READERS.length });
    const [report] = monthlyReports(days[0]?.mail ?? [], town);
    expect(recipients(monthlyReports(harness().mailTo(town), town))).toEqual(READERS);
    expect(report?.subject).toBe(`【月度通报】青峰镇（${town}）2022年5月消防工作：到期6项，按时完成率17%，逾期未报5项（红灯0项）`);
    if (report) expectOverdueListed(report, '2022-05-31', 1);
  });

  it('after the National Day holiday it goes out on Saturday 8 October, the make-up working day, and on no other day', async () => {
    const town = 'monthly-october';
    await monthOfWork(town, '2022-09', '2022-09-20');

    const sent: Record<IsoDate, number> = {};
    for (const day of daysFrom('2022-10-01', '2022-10-10')) {
      const before = harness().mailTo(town).length;
      const execution = await harness().runtime.runStateMachine('MonthlyReport', { scheduledTime: shanghai(day, '09:00') });
      expect(execution.status).toBe('SUCCEEDED');
      if (harness().mailTo(town).length > before) sent[day] = harness().mailTo(town).length - before;
    }
    const rerun = await harness().runtime.runStateMachine('MonthlyReport', { scheduledTime: shanghai('2022-10-08', '09:00') });

    expect(sent).toEqual({ '2022-10-08': READERS.length });
    expect(rerun.output).toMatchObject({ results: [{ town, month: '2022-09', sent: 0 }] });
    const reports = monthlyReports(harness().mailTo(town), town);
    expect(recipients(reports)).toEqual(READERS);
    for (const report of reports) expectOverdueListed(report, '2022-09-30', 1);
  });

  // The first working day of October 2022 is the 8th, after the National Day holiday: the schedule must still fire then.
  it('on the schedules, the September 2022 report reaches leadership on 8 October', async () => {
    const town = 'monthly-october-scheduled';
    await monthOfWork(town, '2022-09', '2022-09-20');

    const days = await harness().replay('2022-10-01', '2022-10-09');

    expect(sendingDays(days, (mail) => monthlyReports(mail, town))).toEqual({ '2022-10-08': READERS.length });
  });
});

describe('the annual evaluation', () => {
  it('goes out on 30 December 2022, the last working day of the year, only: the evaluation to leadership and the committees, a sanction notice to each lagging unit', async () => {
    const town = 'annual';
    await monthOfWork(town, '2022-10', '2022-10-20');

    const days = await harness().replay('2022-12-20', '2022-12-31');

    const runs = days.flatMap((d) => d.runs).filter((r) => r.stateMachine === 'AnnualEvaluation');
    expect(runs.map((r) => r.scheduledTime)).toEqual(daysFrom('2022-12-20', '2022-12-31').map((d) => shanghai(d, '18:00').replace('.000Z', 'Z')));
    expect(runs.every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(runs.filter((r) => !r.execution.events.some((e) => e.type === 'StateEntered' && e.state.name === 'NotLastWorkdayOfYear')).map((r) => r.scheduledTime)).toEqual(['2022-12-30T10:00:00Z']);

    const evaluations = (mail: MailMessage[]) => mail.filter((m) => m.subject.startsWith('【年度考评】') && m.destination.to.every((a) => a.endsWith(`@${town}.example.org`)));
    const sanctions = (mail: MailMessage[]) => mail.filter((m) => /^【(警示约谈|通报批评)】.*实绩考核/.test(m.subject) && m.destination.to.every((a) => a.endsWith(`@${town}.example.org`)));
    expect(sendingDays(days, evaluations)).toEqual({ '2022-12-30': READERS.length });
    expect(sendingDays(days, sanctions)).toEqual({ '2022-12-30': Object.keys(SILENT).length });
    const all = harness().mailTo(town);
    expect(recipients(evaluations(all))).toEqual(READERS);
    expect(recipients(sanctions(all))).toEqual(Object.keys(SILENT).sort());
    // The economic office reported on time: first, and not sanctioned; the five silent units face a warning talk (三(三)).
    expect(evaluations(all)[0]?.subject).toBe(`【年度考评】青峰镇（${town}）2022年消防工作实绩考核：第一名经发办，通报批评0个单位，警示约谈5个单位`);
    for (const message of sanctions(all)) expect(message.subject).toMatch(/^【警示约谈】/);
    expect(all.some((m) => m.destination.to.includes(address(town, 'economic-office')) && m.subject.includes('实绩考核'))).toBe(false);
  });
});
