import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { followUpTown, type Digest } from '../../functions/core/follow-up.ts';
import { newInstance } from '../../functions/core/instance.ts';
import { clauseLabel, digestEmail, escapeHtml } from '../../functions/core/messages.ts';
import { periodContaining } from '../../functions/core/periods.ts';
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
