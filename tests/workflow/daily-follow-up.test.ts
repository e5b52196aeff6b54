/**
 * DailyFollowUp, as synthesized from the CDK app, on the local runtime: nothing on rest days (调休
 * included), and the escalation ladder of the 2022 Qingfeng plan replayed day by day on the
 * template's own schedules.
 */
import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { address, digestItems, heardOf, qingfengPlan, shanghai, useWorkflowHarness, townPlan } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTY = 'c02-monthly-situation-analysis';

function followUpInvocations(): number {
  return harness().runtime.counters.snapshot().lambdaInvocationsByFunction['FollowUp'] ?? 0;
}

function entered(execution: { events: { type: string; state?: { name: string } }[] }, state: string): boolean {
  return execution.events.some((e) => e.type === 'StateEntered' && e.state?.name === state);
}

describe('DailyFollowUp on rest days', () => {
  it.each([
    ['2022-05-14', 'a Saturday that is not a make-up working day', 'monthly', '2022-05-01'],
    ['2022-10-04', 'a National Day holiday (a Tuesday)', 'monthly', '2022-09-01'],
  ])('on %s, %s, ends in RestDay: no FollowUp, no mail, nothing written — even with notices due', async (day, _what, cadence, opening) => {
    const town = `rest-${day}`;
    await harness().seedTown(townPlan(town, { duties: [DUTY] }));
    await harness().runtime.runStateMachine('PeriodOpening', { cadence, scheduledTime: shanghai(opening, '06:00') });
    const before = await harness().instances(town);
    // Work is due: every instance's opening notice is waiting for the follow-up.
    expect(before).toHaveLength(6);
    expect(before.every((i) => i.nextActionOn !== null && i.nextActionOn < day && i.done.length === 0)).toBe(true);
    const invocations = followUpInvocations();

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai(day, '08:30') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ day: { date: day, workday: false } });
    expect(entered(execution, 'RestDay')).toBe(true);
    expect(entered(execution, 'ForEachShard') || entered(execution, 'FollowUp')).toBe(false);
    expect(execution.lambdaInvocations).toBe(1); // ResolveDay only
    expect(followUpInvocations()).toBe(invocations);
    expect(harness().mailTo(town)).toEqual([]);
    expect(await harness().instances(town)).toEqual(before);
  });

  it('on 2022-05-07, the Saturday worked in exchange for the Labour Day holiday (调休), it follows up as on any working day', async () => {
    const town = 'makeup-saturday';
    await harness().seedTown(townPlan(town, { duties: [DUTY] }));
    await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: shanghai('2022-05-01', '06:00') });
    const invocations = followUpInvocations();

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-07', '08:30') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ day: { date: '2022-05-07', workday: true } });
    expect(entered(execution, 'RestDay')).toBe(false);
    expect(followUpInvocations() - invocations).toBe(16); // one per shard (FOLLOW_UP_SHARDS)
    const owners = ['civil-affairs-office', 'culture-center', 'economic-office', 'education-center', 'emergency-office', 'hospital'];
    expect(harness().mailTo(town).map((m) => m.destination.to).sort()).toEqual(owners.map((u) => [address(town, u)]));
    expect(harness().mailTo(town).flatMap(digestItems).map((i) => i.section)).toEqual(Array(6).fill('新任务'));
    expect((await harness().instances(town)).every((i) => i.done.includes('notice') && i.version === 1)).toBe(true);
  });

  // The calendar overrides are national (a year's State Council schedule): the workflow's own working-day decision uses them.
  it('on a working day that the plan calendar adds (an override), it follows that town up', async () => {
    const town = 'override-workday';
    const plan = townPlan(town, { duties: [DUTY] });
    plan.calendar.overrides.push({ date: '2022-05-14', work: true, name: '调休（镇政府通知）' });
    await harness().seedTown(plan);
    await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: shanghai('2022-05-01', '06:00') });

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-14', '08:30') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution, 'RestDay')).toBe(false);
    expect(harness().mailTo(town)).toHaveLength(6);
  });
});


describe('the escalation ladder, replayed day by day on the schedules', () => {
  it('notice, reminders before the due date, nothing on it, then yellow, red and warning talk on their working days, to the ladder’s recipients; a report stops it', async () => {
    // September 2022: due Friday 30 September, then the National Day holiday (1–7 October) and two
    // make-up working days (Saturday 8 and Sunday 9 October). Nobody reports, except the economic
    // office, on Monday 26 September (after the first reminder, before the second).
    const town = 'ladder';
    // What the expectations below are read from: the plan's standard ladder (working days after the due date).
    const plan = qingfengPlan();
    const duty = plan.duties.find((d) => d.id === DUTY);
    expect(duty?.cadence).toBe('monthly');
    expect(duty?.ladder ?? plan.defaults.ladder).toBe('standard');
    expect(duty?.reminders ?? plan.defaults.reminders).toEqual([5, 1]);
    expect(plan.ladders['standard']).toEqual({
      yellow: { afterWorkdays: 1, notify: ['owner', 'fire-office'] },
      red: { afterWorkdays: 5, notify: ['owner', 'fire-office', 'deputy-head'] },
      warningTalk: { afterWorkdays: 10, notify: ['owner', 'deputy-head', 'town-head', 'safety-committee'] },
      missedAfterWorkdays: 20,
    });
    await harness().seedTown(townPlan(town, { duties: [DUTY] }));
    const silent = `${town}:${DUTY}:emergency-office:2022-09`;
    const prompt = `${town}:${DUTY}:economic-office:2022-09`;

    const untilReport = await harness().replay('2022-09-01', '2022-09-26');
    const report = await harness().report(prompt, '2022-09-26');
    const untilDue = await harness().replay('2022-09-27', '2022-09-30');
    const onDueDate = await harness().instance(silent);
    const afterDue = await harness().replay('2022-10-01', '2022-10-20');
    const days = [...untilReport, ...untilDue, ...afterDue];

    // The schedules opened the period on 1 September and ran every day's follow-up without failing.
    expect(days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(harness().runtime.deadLetters).toEqual([]);
    expect(onDueDate).toMatchObject({ opensOn: '2022-09-01', dueOn: '2022-09-30', reminders: ['2022-09-23', '2022-09-29'], escalations: [], light: 'yellow', status: 'open' });

    expect(heardOf(days, silent)).toEqual({
      '2022-09-01': ['emergency-office 新任务'],
      '2022-09-23': ['emergency-office 到期提醒'],
      '2022-09-29': ['emergency-office 到期提醒'],
      // Nothing on the due date, nothing on the holiday; yellow on the first working day after it.
      '2022-10-08': ['emergency-office 督办·黄灯', 'fire-office 督办·黄灯'],
      '2022-10-12': ['deputy-head 督办·红灯', 'emergency-office 督办·红灯', 'fire-office 督办·红灯'],
      '2022-10-19': ['deputy-head 警示约谈', 'emergency-office 警示约谈', 'safety-committee 警示约谈', 'town-head 警示约谈'],
    });
    // No mail at all on the rest days of the window (weekends, Mid-Autumn and National Day).
    const restDays = ['2022-09-03', '2022-09-04', '2022-09-10', '2022-09-11', '2022-09-12', '2022-09-17', '2022-09-18', '2022-09-24', '2022-09-25', '2022-10-01', '2022-10-02', '2022-10-03', '2022-10-04', '2022-10-05', '2022-10-06', '2022-10-07', '2022-10-15', '2022-10-16'];
    const restDayMail = days.filter((d) => restDays.includes(d.day)).flatMap((d) => d.mail.map((m) => `${d.day} ${m.destination.to.join(',')} ${m.subject}`));
    expect(days.filter((d) => restDays.includes(d.day))).toHaveLength(restDays.length);
    expect(restDayMail).toEqual([]);

    const stored = await harness().instance(silent);
    const at = (...units: string[]) => units.map((u) => address(town, u)).sort();
    expect(stored.escalations).toEqual([
      { level: 1, on: '2022-10-08', to: at('emergency-office', 'fire-office') },
      { level: 2, on: '2022-10-12', to: at('emergency-office', 'fire-office', 'deputy-head') },
      { level: 3, on: '2022-10-19', to: at('emergency-office', 'deputy-head', 'town-head', 'safety-committee') },
    ]);
    expect(stored).toMatchObject<Partial<InstanceRecord>>({ status: 'open', light: 'red', completedOn: null, nextActionOn: '2022-11-02' });

    // The report before the due date: accepted as on time; after it, nothing more about that duty.
    expect(report).toMatchObject({ statusCode: 200, body: { id: prompt, status: 'on_time', light: 'green', completedOn: '2022-09-26' } });
    expect(heardOf(days, prompt)).toEqual({ '2022-09-01': ['economic-office 新任务'], '2022-09-23': ['economic-office 到期提醒'] });
    expect(await harness().instance(prompt)).toMatchObject<Partial<InstanceRecord>>({ status: 'on_time', light: 'green', escalations: [], nextActionOn: null, completedOn: '2022-09-26' });
  });
});
