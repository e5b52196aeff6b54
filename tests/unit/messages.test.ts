import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { followUpTown, type Digest } from '../../functions/core/follow-up.ts';
import { newInstance, refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import { clauseLabel, digestEmail, escapeHtml, returnedReportEmail, rungAhead } from '../../functions/core/messages.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { accept, reopen, returnReport, reviewNotice } from '../../functions/core/review.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const calendar = new WorkCalendar();
const plan = buildPlan({
  duties: [dutyInput({ evidence: ['minutes', 'sign-in-sheet'], target: { value: 2, unit: '次', measure: '培训', comparison: 'at-least' } })],
});
const duty = plan.duties[0]!;
const owner = plan.units.find((u) => u.id === 'emergency-office')!;
const record = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-07-01')));
const ctx = { plan, today: '2022-08-02', consoleUrl: 'https://fireplan.example.org/' };

function digestOn(day: string, done: string[], to: string): Digest {
  const result = followUpTown(plan, [{ ...record, done }], day, calendar);
  const digest = result.digests.find((d) => d.to === to);
  if (!digest) throw new Error(`no digest for ${to}`);
  return digest;
}

describe('digestEmail', () => {
  it('says in the subject what, whose and by when, in Chinese by default', () => {
    const digest = digestOn('2022-08-02', ['notice', 'reminder:2022-07-25', 'reminder:2022-07-29'], 'emergency-office@qingfeng.example.org');

    const email = digestEmail(ctx, digest);

    expect(email.subject).toBe('【督办·黄灯】应急办：每月分析消防安全形势（2022-07），已逾期，请立即报送，2022-08-08起亮红灯');
  });

  it('says in the body what to do, by when, what evidence and how to report it', () => {
    const digest = digestOn('2022-07-01', [], 'emergency-office@qingfeng.example.org');

    const { text, html } = digestEmail(ctx, digest);

    expect(text).toContain('请于2022-08-01前完成并报送');
    expect(text).toContain('需提交材料：会议纪要、签到表');
    expect(text).toContain('出处：《测试计划》第2条');
    expect(text).toContain('目标：培训不少于2次');
    expect(text).toContain('https://fireplan.example.org/instances/qingfeng%3Amonthly-analysis%3Aemergency-office%3A2022-07');
    expect(html).toContain('<a href="https://fireplan.example.org/instances/qingfeng%3Amonthly-analysis%3Aemergency-office%3A2022-07">');
  });

  it('asks a supervisor to chase the owner, naming the owner and the next deadline', () => {
    const digest = digestOn('2022-08-02', ['notice', 'reminder:2022-07-25', 'reminder:2022-07-29'], 'fire-office@qingfeng.example.org');

    const { subject, text } = digestEmail(ctx, digest);

    expect(subject).toBe('【督办·黄灯】应急办：每月分析消防安全形势（2022-07），逾期未报，请督促其于2022-08-08前报送');
    expect(text).toContain('应急办尚未报送“每月分析消防安全形势”（期限2022-08-01），请督促其于2022-08-08前完成并报送。');
  });

  it('writes in English for a recipient who asked for it', () => {
    const digest = { ...digestOn('2022-07-01', [], 'emergency-office@qingfeng.example.org'), language: 'en' as const };

    const email = digestEmail(ctx, digest);

    expect(email.subject).toBe('[New duty] 应急办: Monthly situation analysis (2022-07), report by 2022-08-01');
    expect(email.text).toContain('Please do it and report it done by 2022-08-01.');
  });

  it('counts the items of a longer digest in its subject, by the earliest deadline, at its most urgent label', () => {
    const two = buildPlan({ duties: [dutyInput(), dutyInput({ id: 'quarterly-meeting', cadence: 'quarterly', due: { from: 'end', restDay: 'previous' } })] });
    const quarterly = two.duties[1]!;
    const overdueQuarter = newInstance(two, 'v1', quarterly, owner, scheduleFor(two, calendar, quarterly, periodContaining('quarterly', '2022-04-15')));
    const result = followUpTown(two, [{ ...record }, { ...overdueQuarter, done: ['notice', ...overdueQuarter.reminders.map((r) => `reminder:${r}`)] }], '2022-07-01', calendar);

    const email = digestEmail({ ...ctx, plan: two, today: '2022-07-01' }, result.digests[0]!);

    expect(overdueQuarter.dueOn).toBe('2022-06-30');
    expect(email.subject).toBe('【督办·黄灯】应急办：消防工作待办2项，最早须于2022-07-07前办理');
  });
});

describe('clauseLabel', () => {
  it('numbers items as the document does', () => {
    expect(clauseLabel('14')).toBe('第14条');
    expect(clauseLabel('三(二)')).toBe('三（二）');
  });
});

describe('escapeHtml', () => {
  it('escapes what a plan author or a unit could write', () => {
    expect(escapeHtml('<script>"x" & \'y\'</script>')).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });
});

describe('returnedReportEmail', () => {
  const june = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-06-01')));
  const reviewer = (on: string) => ({ by: 'admin-1', on });
  /** Reported on `reportedOn` (its notice sent on its opening day), awaiting review. */
  const reported = (base: InstanceRecord, reportedOn: string): InstanceRecord =>
    refresh({ ...base, done: ['notice'], completedOn: reportedOn, review: 'awaiting', reports: [{ n: 1, on: reportedOn, note: '已完成', evidence: [] }], version: 1 }, reportedOn);
  const returned = (base: InstanceRecord, reportedOn: string, on: string, reason = '缺少会议签到表') => returnReport(reported(base, reportedOn), reviewer(on), reason);
  const reopened = (base: InstanceRecord, reportedOn: string, on: string, reason: string) => reopen(accept(reported(base, reportedOn), reviewer(reportedOn)), reviewer(on), reason);
  const on = (today: string) => ({ ...ctx, today });

  it('tells the unit in Chinese which duty and period, that the report of its day was returned, why, with what evidence and by when', () => {
    const instance = returned(record, '2022-07-20', '2022-07-21');

    const { subject, text, html } = returnedReportEmail(on('2022-07-21'), instance, 'zh', calendar);

    expect(subject).toBe('【退回重报】应急办：每月分析消防安全形势（2022-07），请于2022-08-01前重新报送');
    expect(text).toContain('青峰镇消防安全委员会办公室于2022-07-21退回了你单位2022-07-20报送的“每月分析消防安全形势”（2022-07），该任务重新处于待办状态。');
    expect(text).toContain('退回原因：缺少会议签到表');
    expect(text).toContain('要求：请按上述意见整改或补充材料，于2022-08-01前重新报送。');
    expect(text).toContain('需提交材料：会议纪要、签到表');
    expect(text).toContain('目标：培训不少于2次');
    expect(text).toContain('报送：https://fireplan.example.org/instances/qingfeng%3Amonthly-analysis%3Aemergency-office%3A2022-07');
    expect(html).toContain('<th style="text-align:left;padding:2px 8px;vertical-align:top">退回原因</th><td style="padding:2px 8px">缺少会议签到表</td>');
    expect(html).toContain('<a href="https://fireplan.example.org/instances/qingfeng%3Amonthly-analysis%3Aemergency-office%3A2022-07">');
  });

  it('says when the work is overdue, and names the rung the next follow-up carries out and its day', () => {
    // June's analysis (due 06-30, yellow 07-01, red 07-07, warning talk 07-14, missed 07-28),
    // reported on 06-10 and returned on Friday 07-08: the follow-up of Monday 07-11 sends red.
    const instance = returned(june, '2022-06-10', '2022-07-08');

    const { subject, text } = returnedReportEmail(on('2022-07-08'), instance, 'zh', calendar);

    expect(subject).toBe('【退回重报】应急办：每月分析消防安全形势（2022-06），已逾期，请立即重新报送');
    expect(text).toContain('要求：请按上述意见整改或补充材料后立即重新报送（期限2022-06-30，现已逾期）。2022-07-11前仍未报送将亮红灯，报分管负责人并予以通报批评。');
    expect(rungAhead(instance, '2022-07-08', calendar)).toEqual({ kind: 'red', on: '2022-07-07', by: '2022-07-11' });
    // As the follow-up of that day decides.
    const followUp = followUpTown(plan, [instance], '2022-07-11', calendar);
    expect(followUp.digests.find((d) => d.to === 'emergency-office@qingfeng.example.org')?.items.map((i) => i.step.kind)).toEqual(['red']);
  });

  it('writes a reopen in English for a contact who asked for it, with the next rung still ahead', () => {
    const instance = reopened(june, '2022-06-10', '2022-07-13', 'The minutes do not match what the inspection found');

    const { subject, text, html } = returnedReportEmail(on('2022-07-13'), instance, 'en', calendar);

    expect(subject).toBe('[Reopened] 应急办: Monthly situation analysis (2022-06), overdue: report it again now');
    expect(text).toContain(
      'On 2022-07-13 the 青峰镇 fire-safety committee office reopened "Monthly situation analysis" (2022-06), which you reported on 2022-06-10 and which had been accepted: the duty is open again.',
    );
    expect(text).toContain('Reason：The minutes do not match what the inspection found');
    expect(text).toContain('To do：Please act on the reason above and report the work again now: it was due on 2022-06-30 and is overdue. If it is not reported by 2022-07-14, the town safety committee holds a warning talk.');
    expect(text).toContain('Evidence：minutes, sign-in sheet');
    expect(html).toContain('The minutes do not match what the inspection found');
  });

  it('says a return after the missed day leaves the work missed, and that the warning talk still follows', () => {
    const instance = returned(june, '2022-06-10', '2022-07-29');

    const { text } = returnedReportEmail(on('2022-07-29'), instance, 'zh', calendar);

    expect(text).toContain('（期限2022-06-30，现已逾期）。已于2022-07-28计为未完成，重新报送时请附书面情况说明。2022-08-01前仍未报送将由镇安委会进行警示约谈。');
  });

  it('escapes the reason in the HTML part and keeps it as written in the text part', () => {
    const instance = returned(record, '2022-07-20', '2022-07-21', '<b>签到表</b> & "照片"');

    const { text, html } = returnedReportEmail(on('2022-07-21'), instance, 'zh', calendar);

    expect(text).toContain('退回原因：<b>签到表</b> & "照片"');
    expect(html).toContain('&lt;b&gt;签到表&lt;/b&gt; &amp; &quot;照片&quot;');
    expect(html).not.toContain('<b>签到表');
  });

  it('refuses an instance whose last review is not a return or a reopen', () => {
    expect(() => returnedReportEmail(ctx, accept(reported(record, '2022-07-20'), reviewer('2022-07-21')), 'zh', calendar)).toThrow(/not a return or a reopen/);
  });
});

describe('rungAhead', () => {
  const june = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-06-01')));
  const open = { ...june, done: ['notice'], review: 'returned' as const };

  it('is the first rung on its own day while none has come, and none once every rung is done or while paused', () => {
    expect(rungAhead(open, '2022-06-21', calendar)).toEqual({ kind: 'yellow', on: '2022-07-01', by: '2022-07-01' });
    expect(rungAhead({ ...open, done: ['notice', 'yellow', 'red', 'warning-talk', 'missed'] }, '2022-07-29', calendar)).toBeUndefined();
    expect(rungAhead({ ...open, pausedOn: '2022-07-01' }, '2022-07-08', calendar)).toBeUndefined();
  });

  it('skips what was carried out: after red, the warning talk on its day, then the day it counts as missed', () => {
    expect(rungAhead({ ...open, done: ['notice', 'yellow', 'red'] }, '2022-07-08', calendar)).toEqual({ kind: 'warning-talk', on: '2022-07-14', by: '2022-07-14' });
    expect(rungAhead({ ...open, done: ['notice', 'yellow', 'red', 'warning-talk'] }, '2022-07-15', calendar)).toEqual({ kind: 'missed', on: '2022-07-28', by: '2022-07-28' });
  });
});

describe('reviewNotice', () => {
  const returnedOn = () => returnReport(
    refresh({ ...record, done: ['notice'], completedOn: '2022-07-20', review: 'awaiting', reports: [{ n: 1, on: '2022-07-20', note: '已完成', evidence: [] }], version: 1 }, '2022-07-20'),
    { by: 'admin-1', on: '2022-07-21' },
    '缺少会议签到表',
  );
  const withUnit = (change: Partial<(typeof plan.units)[number]>): typeof plan => ({ ...plan, units: plan.units.map((u) => (u.id === 'emergency-office' ? { ...u, ...change } : u)) });
  const contact = (email: string, language: 'zh' | 'en' = 'zh') => ({ email, language, placeholder: true });

  it('writes to every contact of the owning unit once, each in its language, under a purpose no retry repeats', () => {
    const p = withUnit({ contacts: [contact('a@qingfeng.example.org'), contact('b@qingfeng.example.org', 'en'), contact('a@qingfeng.example.org')] });

    const notice = reviewNotice({ ...ctx, plan: p, today: '2022-07-21' }, returnedOn(), calendar);

    expect(notice.purpose).toBe('returned#qingfeng:monthly-analysis:emergency-office:2022-07#1');
    expect(notice.mails.map((m) => [m.to, m.language, m.content.subject.slice(0, 6)])).toEqual([
      ['a@qingfeng.example.org', 'zh', '【退回重报】'],
      ['b@qingfeng.example.org', 'en', '[Retur'],
    ]);
  });

  it('writes to nobody when the unit has no contact, or is retired', () => {
    const none = withUnit({ contacts: [] });
    const retired = withUnit({ retired: '2022-07-01' });

    expect(reviewNotice({ ...ctx, plan: none, today: '2022-07-21' }, returnedOn(), calendar).mails).toEqual([]);
    expect(reviewNotice({ ...ctx, plan: retired, today: '2022-07-21' }, returnedOn(), calendar).mails).toEqual([]);
  });
});
