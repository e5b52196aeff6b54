/**
 * PeriodOpening, as synthesized from the CDK app, on the local runtime: opening a period is safe to
 * repeat, and input the workflow cannot use fails the execution with a named error, touching nothing.
 */
import { describe, expect, it } from 'vitest';
import { address, digestItems, shanghai, useWorkflowHarness, townPlan, unitOf } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const MAY_1_06H = shanghai('2022-05-01', '06:00');

describe('PeriodOpening is idempotent', () => {
  it('opening the same cadence on the same day twice creates nothing new, and the follow-up sends each notice once', async () => {
    const town = 'open-twice';
    await harness().seedTown(townPlan(town));
    const { runtime } = harness();

    const first = await runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: MAY_1_06H });
    const afterFirst = await harness().instances(town);
    const second = await runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: MAY_1_06H });
    const afterSecond = await harness().instances(town);

    // The 2022 plan's monthly duties in May: the situation analysis of six sector departments, and the emergency office's outreach.
    expect(first.status).toBe('SUCCEEDED');
    expect(first.output).toMatchObject({ day: { date: '2022-05-01', cadence: 'monthly' }, results: [{ town, cadence: 'monthly', date: '2022-05-01', created: 7, existing: 0 }] });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toMatchObject({ results: [{ town, cadence: 'monthly', date: '2022-05-01', created: 0, existing: 7 }] });
    expect(afterFirst.map((i) => i.id).sort()).toEqual([
      `${town}:c02-monthly-situation-analysis:civil-affairs-office:2022-05`,
      `${town}:c02-monthly-situation-analysis:culture-center:2022-05`,
      `${town}:c02-monthly-situation-analysis:economic-office:2022-05`,
      `${town}:c02-monthly-situation-analysis:education-center:2022-05`,
      `${town}:c02-monthly-situation-analysis:emergency-office:2022-05`,
      `${town}:c02-monthly-situation-analysis:hospital:2022-05`,
      `${town}:c14-monthly-publicity-outreach:emergency-office:2022-05`,
    ]);
    // The second run left every stored instance exactly as the first wrote it.
    expect(afterSecond.sort((a, b) => a.id.localeCompare(b.id))).toEqual(afterFirst.sort((a, b) => a.id.localeCompare(b.id)));
    expect(afterSecond.every((i) => i.version === 0 && i.opensOn === '2022-05-05' && i.dueOn === '2022-05-31')).toBe(true);
    expect(harness().mailTo(town)).toEqual([]);

    // 5 May, the first working day after the Labour Day holiday: each owner is told once of each new duty.
    const followUp = await runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-05', '08:30') });
    const again = await runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-05', '08:30') });
    const nextDay = await runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-06', '08:30') });

    expect([followUp.status, again.status, nextDay.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const mail = harness().mailTo(town);
    expect(mail.map((m) => m.destination.to).sort()).toEqual(
      ['civil-affairs-office', 'culture-center', 'economic-office', 'education-center', 'emergency-office', 'hospital'].map((u) => [address(town, u)]),
    );
    const notices = mail.flatMap((m) => digestItems(m).map((item) => ({ to: unitOf(m.destination.to[0] ?? ''), ...item })));
    expect(notices.map((n) => n.instanceId).sort()).toEqual(afterFirst.map((i) => i.id).sort());
    for (const notice of notices) {
      expect(notice.section).toBe('新任务');
      expect(notice.instanceId.split(':')[2]).toBe(notice.to);
    }
    const stored = await harness().instances(town);
    expect(stored.every((i) => i.version === 1 && i.done.includes('notice') && i.nextActionOn === '2022-05-24')).toBe(true);
  });

  it('a later run in the same period (a scheduler retry, a replay) creates nothing new either', async () => {
    const town = 'open-late';
    await harness().seedTown(townPlan(town, { duties: ['c02-quarterly-industry-meeting'] }));

    const first = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'quarterly', scheduledTime: shanghai('2022-07-01', '06:00') });
    const replayed = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'quarterly', scheduledTime: shanghai('2022-08-15', '06:00') });

    expect(first.output).toMatchObject({ results: [{ town, created: 6, existing: 0 }] });
    expect(replayed.output).toMatchObject({ results: [{ town, created: 0, existing: 6 }] });
    expect((await harness().instances(town)).map((i) => i.periodId)).toEqual(Array(6).fill('2022-Q3'));
  });
});

describe('PeriodOpening refuses input it cannot use', () => {
  it.each([
    ['an unknown cadence and a scheduled time that is not an instant', { cadence: 'weekly', scheduledTime: 'x' }],
    ['an unknown cadence', { cadence: 'weekly', scheduledTime: MAY_1_06H }],
    ['no cadence', { scheduledTime: MAY_1_06H }],
    ['a scheduled time that is not an instant', { cadence: 'monthly', scheduledTime: '2022-05-01' }],
  ])('%s: the execution fails with InvalidInputError, and nothing is stored or sent', async (_what, input) => {
    const town = 'bad-input';
    await harness().seedTown(townPlan(town));
    const opensBefore = harness().runtime.counters.snapshot().lambdaInvocationsByFunction['OpenPeriod'] ?? 0;

    const execution = await harness().runtime.runStateMachine('PeriodOpening', input);

    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('InvalidInputError');
    expect(execution.events.some((e) => e.type === 'StateEntered' && e.state.name === 'InvalidInput')).toBe(true);
    expect(execution.events.some((e) => e.type === 'StateEntered' && (e.state.name === 'ListTowns' || e.state.name === 'OpenPeriod'))).toBe(false);
    expect(harness().runtime.counters.snapshot().lambdaInvocationsByFunction['OpenPeriod'] ?? 0).toBe(opensBefore);
    // Only what seeding wrote: the plan, the town and its registration.
    expect((await harness().itemsOf(`TOWN#${town}`)).map((i) => String(i['sk']).split('#')[0]).sort()).toEqual(['PLAN', 'TOWN']);
    expect(await harness().instances(town)).toEqual([]);
    expect(harness().mailTo(town)).toEqual([]);
    expect(harness().runtime.deadLetters).toEqual([]);
  });
});
