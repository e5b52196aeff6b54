/**
 * An administrator's edit of a duty on the local runtime: PATCH /duties/{id} through the Duties
 * function as API Gateway would invoke it, between days replayed on the template's own schedules.
 * The next day's follow-up already follows the new schedule: no deploy, no new execution
 * definition, and nothing sent on the days the old schedule named.
 */
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { digestItems, heardOf, shanghai, townPlan, useWorkflowHarness } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTY = 'c02-monthly-situation-analysis';

/** A duty route as API Gateway delivers it to the Duties function, sent by the town's admin at 10:00 Shanghai time on `day`. */
async function dutyRoute(routeKey: string, town: string, day: IsoDate, body: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const [method, template] = routeKey.split(' ') as [string, string];
  const event = apiGatewayEvent({
    method,
    path: template.replace('{id}', DUTY),
    routeKey,
    pathParameters: { id: DUTY },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    at: shanghai(day, '10:00'),
    claims: tokenClaims({ role: 'admin', town }),
    requestId: `duty-edit-${town}-${day}`,
  });
  const response = (await harness().runtime.invokeFunction('Duties', event)) as { statusCode: number; body: string };
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}


describe('an edited due date on the replayed days', () => {
  it('moves the reminders and escalations of the open instance: none on the old reminder days, each on its new day', async () => {
    // September 2022: due Friday 30 September, reminders on 23 and 29 September (see
    // daily-follow-up.test.ts). On 8 September the office moves it ten days earlier: due Tuesday
    // 20 September, reminders 5 and 1 working days before (13 and 19 September), yellow the next
    // working day (21), red five working days after the due date (27).
    const town = 'duty-edit';
    await harness().seedTown(townPlan(town, { duties: [DUTY] }));
    const silent = `${town}:${DUTY}:emergency-office:2022-09`;

    const beforeEdit = await harness().replay('2022-09-01', '2022-09-07');
    const edit = await dutyRoute('PATCH /duties/{id}', town, '2022-09-08', { version: 0, due: { from: 'end', days: -10 }, reason: '提前完成形势分析' });
    const edited = await harness().instance(silent);
    const afterEdit = await harness().replay('2022-09-08', '2022-09-30');
    const days = [...beforeEdit, ...afterEdit];

    expect(edit.statusCode).toBe(200);
    expect(edit.body).toMatchObject({ item: { id: DUTY, version: 1 }, revision: 1, planVersion: 'r1' });
    expect((edit.body['instances'] as { updated: string[] }).updated).toHaveLength(6);
    expect(edited).toMatchObject({ dueOn: '2022-09-20', reminders: ['2022-09-13', '2022-09-19'], yellowOn: '2022-09-21', redOn: '2022-09-27', done: ['notice'], nextActionOn: '2022-09-13' });
    expect(days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(heardOf(days, silent)).toEqual({
      '2022-09-01': ['emergency-office 新任务'],
      '2022-09-13': ['emergency-office 到期提醒'],
      '2022-09-19': ['emergency-office 到期提醒'],
      '2022-09-21': ['emergency-office 督办·黄灯', 'fire-office 督办·黄灯'],
      '2022-09-27': ['deputy-head 督办·红灯', 'emergency-office 督办·红灯', 'fire-office 督办·红灯'],
    });
    // Nothing at all about the duty on the days the old schedule named.
    const oldDays = days.filter((d) => d.day === '2022-09-23' || d.day === '2022-09-29');
    expect(oldDays.flatMap((d) => d.mail.flatMap(digestItems))).toEqual([]);
    expect(await harness().instance(silent)).toMatchObject({ escalations: [{ level: 1, on: '2022-09-21' }, { level: 2, on: '2022-09-27' }], light: 'red' });
  });

  it('sends nothing for a paused duty, and on resuming goes on from that day without the steps it missed', async () => {
    const town = 'duty-pause';
    await harness().seedTown(townPlan(town, { duties: [DUTY] }));
    const silent = `${town}:${DUTY}:emergency-office:2022-09`;

    const beforePause = await harness().replay('2022-09-01', '2022-09-21');
    const pause = await dutyRoute('POST /duties/{id}/pause', town, '2022-09-22', { version: 0, reason: '机构调整，暂停' });
    const paused = await harness().replay('2022-09-22', '2022-09-27');
    const resume = await dutyRoute('POST /duties/{id}/resume', town, '2022-09-28', { version: 1, reason: '恢复' });
    const resumed = await harness().replay('2022-09-28', '2022-10-08');

    expect([pause.statusCode, resume.statusCode]).toEqual([200, 200]);
    expect(heardOf(beforePause, silent)).toEqual({ '2022-09-01': ['emergency-office 新任务'] });
    // The reminder of 23 September fell in the pause: neither sent then nor afterwards (the
    // key-date alert before 国庆, on 26 September, is the only mail of those days, and not about it).
    expect(heardOf(paused, silent)).toEqual({});
    expect(paused.flatMap((d) => d.mail.map((m) => m.subject)).every((subject) => subject.includes('国庆'))).toBe(true);
    expect(heardOf(resumed, silent)).toEqual({
      '2022-09-29': ['emergency-office 到期提醒'],
      '2022-10-08': ['emergency-office 督办·黄灯', 'fire-office 督办·黄灯'],
    });
  });
});
