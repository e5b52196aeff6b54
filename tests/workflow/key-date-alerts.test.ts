/**
 * KeyDateAlerts (item 9), as synthesized from the CDK app, on the local runtime and the template's
 * own schedules: before 国庆 2022 every unit with a contact gets one risk alert, on the fifth working
 * day before the key date (26 September), listing the hazards under listed supervision in its area;
 * never a second one; nothing before. A key date entered late is alerted on the next run.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { HazardRecord } from '../../functions/core/hazards.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import type { MailMessage } from '../../local/runtime/emulators.ts';
import { address, shanghai, townPlan, unitOf, useWorkflowHarness } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTIES = ['c09-key-date-risk-alert', 'c09-key-date-inspection'];

/** The town's plan with only the key-date duties, and village-6 without a contact. */
function alertPlan(town: string): Plan {
  const plan = townPlan(town, { duties: DUTIES });
  return { ...plan, units: plan.units.map((u) => (u.id === 'village-6' ? { ...u, contacts: [] } : u)) };
}

function hazard(town: string, overrides: Partial<HazardRecord>): HazardRecord {
  return {
    id: 'hz-20220610-0a1b2c3d',
    town,
    place: '老街12号“三合一”场所',
    area: 'village-1',
    category: 'three-in-one',
    grade: 'major',
    description: '住宿与经营未分隔，疏散通道堵塞',
    owner: 'emergency-office',
    foundOn: '2022-06-10',
    deadline: '2022-09-08',
    status: 'open',
    closedOn: null,
    listed: { since: '2022-06-13', deadline: '2022-10-31', progress: [] },
    instanceId: `${town}:c08-special-governance:emergency-office:2022-06-10~hz-20220610-0a1b2c3d`,
    version: 1,
    ...overrides,
  };
}

/** Hazards written as the hazard store writes them (its own item layout). */
async function putHazards(hazards: HazardRecord[]): Promise<void> {
  // Loaded only now: the adapters read the environment the runtime has set.
  const { hazardItem } = await import('../../functions/adapters/hazard-store.ts');
  for (const h of hazards) await harness().clients.documentClient.send(new PutCommand({ TableName: harness().tableName, Item: hazardItem(h) }));
}

function alerts(mail: MailMessage[], town: string): MailMessage[] {
  return mail.filter((m) => m.subject.startsWith('【风险提示】') && m.destination.to.every((a) => a.endsWith(`@${town}.example.org`)));
}

function alertTo(mail: MailMessage[], town: string, unit: string): MailMessage {
  const found = alerts(mail, town).filter((m) => m.destination.to.includes(address(town, unit)));
  expect(found).toHaveLength(1);
  return found[0] as MailMessage;
}

function recipients(mail: MailMessage[]): string[] {
  return mail.flatMap((m) => m.destination.to.map(unitOf)).sort();
}

async function runAlerts(day: IsoDate) {
  return harness().runtime.runStateMachine('KeyDateAlerts', { scheduledTime: shanghai(day, '08:00') });
}

function entered(execution: { events: { type: string; state?: { name: string } }[] }, state: string): boolean {
  return execution.events.some((e) => e.type === 'StateEntered' && e.state?.name === state);
}

describe('KeyDateAlerts before 国庆 2022', () => {
  it('on Monday 26 September, on the schedules, every unit with a contact gets one risk alert with its area’s listed hazards; nothing before, nothing after', async () => {
    const town = 'kda-national';
    const plan = alertPlan(town);
    await harness().seedTown(plan);
    await putHazards([
      hazard(town, {}),
      hazard(town, { id: 'hz-20220701-11111111', place: '滨河社区3栋自建房', area: 'community-1', category: 'self-built-house', owner: 'construction-office' }),
      hazard(town, { id: 'hz-20220702-22222222', place: '未挂牌的一般隐患', grade: 'general', listed: null }),
      hazard(town, { id: 'hz-20220703-33333333', place: '已销案的隐患', status: 'closed', closedOn: '2022-09-01' }),
    ]);
    const reachable = plan.units.filter((u) => u.contacts.length > 0).map((u) => u.id);
    expect(reachable).toHaveLength(plan.units.length - 1);

    // Friday 23 (the working day before the alert day), the weekend, Monday 26 (alert day), Tuesday 27.
    const days = await harness().replay('2022-09-23', '2022-09-27');

    const runs = days.flatMap((d) => d.runs).filter((r) => r.stateMachine === 'KeyDateAlerts');
    expect(runs.map((r) => [r.scheduledTime.slice(0, 10), r.execution.status])).toEqual(days.map((d) => [d.day, 'SUCCEEDED']));
    expect(runs.map((r) => entered(r.execution, 'RestDay'))).toEqual([false, true, true, false, false]);
    expect(Object.fromEntries(days.map((d) => [d.day, alerts(d.mail, town).length]))).toEqual({
      '2022-09-23': 0,
      '2022-09-24': 0,
      '2022-09-25': 0,
      '2022-09-26': reachable.length,
      '2022-09-27': 0,
    });
    const sent = alerts(harness().mailTo(town), town);
    expect(recipients(sent)).toEqual([...reachable].sort());

    const village = alertTo(sent, town, 'village-1');
    expect(village.subject).toBe('【风险提示】示例村一：国庆（2022-10-01至2022-10-07）火灾防范提级，请于2022-09-30前完成隐患排查，辖区挂牌督办隐患1处');
    expect(village.body.text).toContain('防范提级期：2022-09-26至2022-10-07');
    expect(village.body.text).toContain('1. 老街12号“三合一”场所（“三合一”场所）：住宿与经营未分隔，疏散通道堵塞；整改责任单位：应急办；挂牌督办期限：2022-10-31');
    expect(village.body.text).not.toMatch(/滨河社区3栋|未挂牌的一般隐患|已销案的隐患/);
    expect(village.body.html).toContain('老街12号');

    const community = alertTo(sent, town, 'community-1');
    expect(community.body.text).toContain('滨河社区3栋自建房');
    expect(community.body.text).not.toContain('老街12号');
    expect(alertTo(sent, town, 'village-2').body.text).toContain('辖区目前没有挂牌督办的重大火灾隐患。');

    // The inspectors: their instance opened by the dated opener that morning, with its due date; the town's listed hazards.
    const police = alertTo(sent, town, 'police-station');
    const inspection = `${town}:c09-key-date-inspection:police-station:2022-10-01`;
    expect(police.body.text).toContain(`重要节点消防安全检查和涉会涉节场所重点监护：2022-09-26开始，请于2022-09-30前完成并报送`);
    expect(police.body.text).toContain(`任务编号 ${inspection}`);
    expect(police.body.text).toMatch(/全镇挂牌督办的重大火灾隐患（2处）/);
    expect(await harness().instance(inspection)).toMatchObject({ opensOn: '2022-09-26', dueOn: '2022-09-30', periodId: '2022-10-01' });

    // Run again on the alert day (a retry, a manual rerun): nothing more goes out.
    const rerun = await runAlerts('2022-09-26');
    expect(rerun.status).toBe('SUCCEEDED');
    expect(rerun.output).toMatchObject({ results: [{ town, date: '2022-09-26', sent: 0 }] });
    expect(alerts(harness().mailTo(town), town)).toHaveLength(reachable.length);

    // The outbox holds each alert once, under the key date's purpose, on the day it went out.
    const outbox = await harness().itemsOf(`MAIL#${town}#2022-09-26`);
    expect(outbox.filter((i) => i['purpose'] === 'key-date-alert#national-day').map((i) => [i['kind'], i['status']])).toEqual(
      reachable.map(() => ['alert', 'sent']),
    );
  });

  it('fills the gap when the dated opener has not opened the key date’s duties: they exist, open on the alert day, and the alert points to them', async () => {
    const town = 'kda-gap';
    await harness().seedTown(alertPlan(town));

    const execution = await runAlerts('2022-09-26');

    expect(execution.status).toBe('SUCCEEDED');
    const instances = (await harness().instances(town)).filter((i) => i.periodId === '2022-10-01');
    expect(instances.map((i) => [i.dutyId, i.owner, i.opensOn, i.dueOn, i.nextActionOn]).sort()).toEqual([
      ['c09-key-date-inspection', 'emergency-office', '2022-09-26', '2022-09-30', '2022-09-26'],
      ['c09-key-date-inspection', 'police-station', '2022-09-26', '2022-09-30', '2022-09-26'],
      ['c09-key-date-risk-alert', 'fire-office', '2022-09-26', '2022-09-29', '2022-09-26'],
    ]);
    expect(alertTo(harness().mailTo(town), town, 'emergency-office').body.text).toContain(`任务编号 ${town}:c09-key-date-inspection:emergency-office:2022-10-01`);

    // The opener coming after (it opens the earlier key dates' duties of the year too) leaves these as they are.
    const opening = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'dated', scheduledTime: shanghai('2022-09-26', '09:00') });
    expect(opening.status).toBe('SUCCEEDED');
    expect((await harness().instances(town)).filter((i) => i.periodId === '2022-10-01')).toEqual(instances);
  });

  it('a key date entered fewer than 5 working days before it is alerted on the next run, once', async () => {
    const town = 'kda-late';
    const plan = alertPlan(town);
    await harness().seedTown(plan);
    // 31 May would be its alert day (5 working days before 8 June, over the Dragon Boat holiday): it is not in the plan yet.
    expect((await runAlerts('2022-05-31')).status).toBe('SUCCEEDED');
    expect(alerts(harness().mailTo(town), town)).toEqual([]);

    // Entered on Monday 6 June (as PUT /key-dates/{id} activates a new plan version).
    await harness().seedTown(
      { ...plan, calendar: { ...plan.calendar, keyDates: [...plan.calendar.keyDates, { id: 'fire-drill-week', name: '全镇消防演练周', kind: 'event', starts: '2022-06-08', ends: '2022-06-10' }] } },
      'v2',
    );
    const late = await runAlerts('2022-06-06');
    const next = await runAlerts('2022-06-07');

    expect([late.status, next.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const sent = alerts(harness().mailTo(town), town);
    expect(sent).toHaveLength(plan.units.length - 1);
    expect(alertTo(sent, town, 'village-1').subject).toBe('【风险提示】示例村一：全镇消防演练周（2022-06-08至2022-06-10）火灾防范提级，请于2022-06-07前完成隐患排查');
    expect(next.output).toMatchObject({ results: [{ town, date: '2022-06-07', sent: 0, keyDates: [{ id: 'fire-drill-week', recorded: 0 }] }] });
  });
});
