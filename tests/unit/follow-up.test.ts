import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { followUpTown } from '../../functions/core/follow-up.ts';
import { newInstance, type InstanceRecord } from '../../functions/core/instance.ts';
import { instancesToOpen } from '../../functions/core/opening.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const calendar = new WorkCalendar();
const plan = buildPlan({
  duties: [
    dutyInput({ owners: ['emergency-office', 'village-1'] }),
    dutyInput({ id: 'quarterly-meeting', cadence: 'quarterly', owners: ['emergency-office'], due: { from: 'end', restDay: 'previous' } }),
  ],
});

function july(dutyIndex = 0, owner = 'emergency-office'): InstanceRecord {
  const duty = plan.duties[dutyIndex]!;
  const unit = plan.units.find((u) => u.id === owner)!;
  return newInstance(plan, 'v1', duty, unit, scheduleFor(plan, calendar, duty, periodContaining(duty.cadence as 'monthly', '2022-07-01')));
}

describe('followUpTown', () => {
  it('sends nothing and changes nothing on a rest day', () => {
    const result = followUpTown(plan, [july()], '2022-07-02', calendar);

    expect(result).toMatchObject({ restDay: true, updates: [], digests: [] });
  });

  it('groups everything a recipient must hear today into one digest', () => {
    const instances = [july(0, 'emergency-office'), july(1, 'emergency-office')];

    const result = followUpTown(plan, instances, '2022-07-01', calendar);

    expect(result.digests).toHaveLength(1);
    expect(result.digests[0]).toMatchObject({ to: 'emergency-office@qingfeng.example.org', units: ['emergency-office'] });
    expect(result.digests[0]?.items.map((i) => [i.instance.dutyId, i.step.kind])).toEqual([
      ['monthly-analysis', 'notice'],
      ['quarterly-meeting', 'notice'],
    ]);
    expect(result.updates.map((u) => u.done)).toEqual([['notice'], ['notice']]);
  });

  it('tells the owner and the supervisors at yellow, and records the escalation with its addresses', () => {
    const overdue = { ...july(), done: ['notice', 'reminder:2022-07-25', 'reminder:2022-07-29'] };

    const result = followUpTown(plan, [overdue], '2022-08-02', calendar);

    expect(result.digests.map((d) => [d.to, d.items[0]?.role])).toEqual([
      ['emergency-office@qingfeng.example.org', 'owner'],
      ['fire-office@qingfeng.example.org', 'supervisor'],
    ]);
    expect(result.updates[0]?.escalations).toEqual([
      { level: 1, on: '2022-08-02', to: ['emergency-office@qingfeng.example.org', 'fire-office@qingfeng.example.org'] },
    ]);
    expect(result.updates[0]).toMatchObject({ light: 'yellow', nextActionOn: '2022-08-08' });
  });

  it('reports an owner with no contact address instead of skipping it silently', () => {
    const village2 = july(0, 'village-1');
    const unreachable = { ...village2, id: village2.id.replace('village-1', 'village-2'), owner: 'village-2' };

    const result = followUpTown(plan, [unreachable], '2022-07-01', calendar);

    expect(result.digests).toEqual([]);
    expect(result.missingContacts).toEqual([{ instanceId: unreachable.id, unit: 'village-2', step: 'notice' }]);
    expect(result.updates[0]?.done).toEqual(['notice']);
  });

  it('sends nothing for a duty paused after the due index was read, whether the instance or only the plan says so yet', () => {
    const overdue = { ...july(), done: ['notice'] };
    const pausedPlan = { ...plan, duties: plan.duties.map((d, i) => (i === 0 ? { ...d, paused: true } : d)) };

    const instanceSaysSo = followUpTown(plan, [{ ...overdue, pausedOn: '2022-07-20' }], '2022-08-02', calendar);
    const planSaysSo = followUpTown(pausedPlan, [overdue], '2022-08-02', calendar);
    const neither = followUpTown(plan, [overdue], '2022-08-02', calendar);

    expect(instanceSaysSo).toMatchObject({ digests: [], updates: [] });
    expect(planSaysSo).toMatchObject({ digests: [], updates: [] });
    expect(neither.digests.length).toBeGreaterThan(0);
  });

  it('leaves a reported instance alone', () => {
    const reported = { ...july(), completedOn: '2022-07-20', done: ['notice'], nextActionOn: null };

    const result = followUpTown(plan, [reported], '2022-08-02', calendar);

    expect(result.digests).toEqual([]);
  });
});

describe('instancesToOpen', () => {
  it('opens the period in progress for every owner of every duty of the cadence', () => {
    const records = instancesToOpen(plan, 'v1', 'monthly', '2022-07-01', calendar);

    expect(records.map((r) => r.id)).toEqual(['qingfeng:monthly-analysis:emergency-office:2022-07', 'qingfeng:monthly-analysis:village-1:2022-07']);
  });

  it('opens nothing for a period outside the plan\'s window', () => {
    expect(instancesToOpen(plan, 'v1', 'monthly', '2023-02-01', calendar)).toEqual([]);
  });

  it('opens one-off and key-date duties only once their opening day has come', () => {
    const dated = buildPlan({
      calendar: { overrides: [], keyDates: [{ id: 'national-day', name: '国庆', kind: 'holiday', starts: '2022-10-01', ends: '2022-10-07' }] },
      duties: [dutyInput({ id: 'alert', cadence: 'key-date', opens: { from: 'start', workdays: -5 }, due: { from: 'start', workdays: -2 } })],
    });

    expect(instancesToOpen(dated, 'v1', 'dated', '2022-09-23', calendar)).toEqual([]);
    expect(instancesToOpen(dated, 'v1', 'dated', '2022-09-26', calendar).map((r) => r.id)).toEqual(['qingfeng:alert:emergency-office:2022-10-01']);
  });
});
