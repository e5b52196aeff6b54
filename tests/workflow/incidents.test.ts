/**
 * Fire incidents on the local runtime, with the synthesized template: the `Incidents` API function
 * records a fire and closes its investigation, and the DailyFollowUp state machine (on the
 * template's own schedules, day by day) follows what they opened.
 *
 * The owners of what a request opens are told by that request (through the outbox); the follow-up
 * never repeats that notice, delivers it itself when SES failed during the request, goes on with
 * the ladder, and sends the look-back's notice on the day it opens, months after the close, and not
 * before: no execution waits for it, the instance waits in the table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { address, digestItems, shanghai, townPlan, unitOf, useWorkflowHarness, type ReplayedDay, heardOf } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();
const DUTIES = ['c05-extended-investigation', 'c05-look-back', 's3-3-accountability-review'];
const INVESTIGATORS = ['emergency-office', 'fire-committee', 'police-station'];

const fatal = {
  occurredOn: '2022-06-15',
  place: '青峰镇场镇某自建房',
  casualties: { deaths: 1, injuries: 0 },
  socialImpact: 'minor',
  description: '电动自行车充电起火，造成1人死亡。',
};

type Handler = (args: { input: object }) => Promise<{ output: object }>;
interface MiddlewareStack {
  add(middleware: (next: Handler) => Handler, options: { step: 'initialize'; name: string; priority: 'high' }): void;
  remove(name: string): boolean;
}
const injected: string[] = [];
afterEach(() => {
  for (const name of injected.splice(0)) (harness().clients.sesClient.middlewareStack as unknown as MiddlewareStack).remove(name);
});

/** SES refuses every mail (throttling) until the test ends. */
function sesDown(): void {
  const stack = harness().clients.sesClient.middlewareStack as unknown as MiddlewareStack;
  stack.add(
    () => async () => {
      throw Object.assign(new Error('injected: Maximum sending rate exceeded'), { name: 'TooManyRequestsException' });
    },
    { step: 'initialize', name: 'sesDown', priority: 'high' },
  );
  injected.push('sesDown');
}

let requests = 0;

/** A request to the Incidents function as API Gateway delivers it, from an admin of the town, at 10:30 in Shanghai. */
async function incidents(town: string, routeKey: string, day: IsoDate, body: unknown, id?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const [method, template] = routeKey.split(' ') as [string, string];
  requests += 1;
  const event = apiGatewayEvent({
    method,
    path: id === undefined ? template : template.replace('{id}', id),
    routeKey,
    ...(id === undefined ? {} : { pathParameters: { id } }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    at: shanghai(day, '10:30'),
    claims: tokenClaims({ role: 'admin', town, subject: 'admin-1' }),
    requestId: `incident-workflow-${requests}`,
  });
  const response = (await harness().runtime.invokeFunction('Incidents', event)) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}


const succeeded = (days: readonly ReplayedDay[]) => days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED');

describe('a serious fire on the local runtime', () => {
  it('its owners are told when it is recorded; the DailyFollowUp does not tell them again, and reminds them on the ladder’s days', async () => {
    const town = 'fire-told';
    await harness().seedTown(townPlan(town, { duties: DUTIES }));
    const investigation = (owner: string) => `${town}:c05-extended-investigation:${owner}:2022-06-15~fire-1`;

    const recorded = await incidents(town, 'POST /incidents', '2022-06-20', fatal);

    expect(recorded.status).toBe(201);
    const told = harness().mailTo(town);
    expect(told.map((m) => unitOf(m.destination.to[0] ?? '')).sort()).toEqual([...INVESTIGATORS, 'safety-committee']);
    expect(told.every((m) => m.subject.startsWith('【火灾事故·新任务】'))).toBe(true);
    expect(told.find((m) => m.destination.to[0] === address(town, 'police-station'))?.body.text).toContain(`任务编号 ${investigation('police-station')}`);

    // Due 2022-07-27 (30 working days after the fire of 06-15); reminders on 07-20 and 07-26.
    const days = await harness().replay('2022-06-21', '2022-07-26');

    expect(succeeded(days)).toBe(true);
    expect(harness().runtime.deadLetters).toEqual([]);
    expect(heardOf(days, investigation('police-station'))).toEqual({ '2022-07-20': ['police-station 到期提醒'], '2022-07-26': ['police-station 到期提醒'] });
    // Before the first reminder, no mail of the follow-up names an instance of the fire (a notice again, say).
    expect(days.filter((d) => d.day < '2022-07-20').flatMap((d) => d.mail.flatMap(digestItems)).filter((i) => i.instanceId.includes('~fire-1'))).toEqual([]);
    expect(await harness().instance(investigation('police-station'))).toMatchObject({ done: ['notice', 'reminder:2022-07-20', 'reminder:2022-07-26'], escalations: [] });
  });

  it('when SES fails during the request, the fire is still recorded, and the next DailyFollowUp delivers its notices, once', async () => {
    const town = 'fire-ses-down';
    await harness().seedTown(townPlan(town, { duties: DUTIES }));
    sesDown();

    const recorded = await incidents(town, 'POST /incidents', '2022-06-20', fatal);

    expect(recorded).toMatchObject({ status: 201, body: { id: 'fire-1', notified: [...INVESTIGATORS, 'safety-committee'].map((u) => address(town, u)) } });
    expect(harness().mailTo(town)).toEqual([]);
    (harness().clients.sesClient.middlewareStack as unknown as MiddlewareStack).remove(injected.pop() ?? '');

    const days = await harness().replay('2022-06-21', '2022-06-22');

    expect(succeeded(days)).toBe(true);
    const [tuesday, wednesday] = days as [ReplayedDay, ReplayedDay];
    expect(tuesday.mail.map((m) => [unitOf(m.destination.to[0] ?? ''), m.subject.startsWith('【火灾事故·新任务】')]).sort()).toEqual(
      [...INVESTIGATORS, 'safety-committee'].map((u) => [u, true]),
    );
    expect(wednesday.mail).toEqual([]);
    expect(harness().mailTo(town)).toHaveLength(4);
  });

  it('after the close, the rectification owners are told at once, and the look-back’s notice goes out on its opening day three months later, and not before', async () => {
    const town = 'fire-look-back';
    await harness().seedTown(townPlan(town, { duties: DUTIES }));
    const lookBack = `${town}:c05-look-back:fire-office:2022-10-27~fire-1`;
    const rectification = `${town}:c05-rectification:village-1:2022-07-27~fire-1-r1`;
    expect((await incidents(town, 'POST /incidents', '2022-06-20', fatal)).status).toBe(201);
    const before = harness().mailTo(town).length;

    const closed = await incidents(
      town,
      'POST /incidents/{id}/investigation/close',
      '2022-07-27',
      {
        version: 0,
        findings: '物业未落实消防安全管理责任。',
        responsibleParties: [{ party: 'use-management', name: '某物业公司' }],
        rectifications: [{ what: '拆除违规搭建的电动自行车充电棚', owner: 'village-1', deadline: '2022-12-15' }],
      },
      'fire-1',
    );

    expect(closed).toMatchObject({ status: 200, body: { lookBack: { duties: [{ opensOn: '2022-10-27' }] }, notified: [address(town, 'village-1')] } });
    expect(harness().mailTo(town).slice(before).map((m) => m.subject)).toEqual([
      '【火灾事故·整改任务】示例村一：火灾事故整改：拆除违规搭建的电动自行车充电棚（2022-06-15火灾，fire-1），请于2022-12-15前报送',
    ]);
    expect(await harness().instance(lookBack)).toMatchObject({ opensOn: '2022-10-27', dueOn: '2022-11-24', done: [], nextActionOn: '2022-10-27' });

    const days = await harness().replay('2022-07-28', '2022-10-28');

    expect(succeeded(days)).toBe(true);
    expect(harness().runtime.deadLetters).toEqual([]);
    expect(heardOf(days, lookBack)).toEqual({ '2022-10-27': ['fire-office 新任务'] });
    // The rectification is not told again; nothing of the look-back before its day.
    expect(Object.values(heardOf(days, rectification)).flat().some((h) => h.endsWith('新任务'))).toBe(false);
    expect(await harness().instance(lookBack)).toMatchObject({ done: ['notice'], nextActionOn: '2022-11-17', status: 'open' });
  });
});
