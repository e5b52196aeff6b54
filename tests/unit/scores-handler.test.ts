import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { handler } from '../../functions/handlers/scores.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const plan = buildPlan({ town: { id: 'scoretown', name: '计分镇' }, duties: [dutyInput({ owners: ['emergency-office', 'village-1'] })] });
const calendar = new WorkCalendar();

/** June 2022's instance of a unit (due 2022-06-30), reported on a day or not at all. */
function june(owner: string, completedOn: string | null): InstanceRecord {
  const duty = plan.duties[0]!;
  const record = newInstance(plan, 'v1', duty, plan.units.find((u) => u.id === owner)!, scheduleFor(plan, calendar, duty, periodContaining('monthly', '2022-06-01')));
  return { ...record, completedOn };
}

function arrange(instances: InstanceRecord[]): void {
  dynamo.on(GetCommand, { Key: { pk: 'TOWN#scoretown', sk: 'TOWN' } }).resolves({ Item: { town: 'scoretown', planId: plan.id, planVersion: 'v1' } });
  dynamo.on(GetCommand, { Key: { pk: 'TOWN#scoretown', sk: `PLAN#${plan.id}#v1` } }).resolves({ Item: { plan: JSON.stringify(plan) } });
  dynamo.on(QueryCommand).resolves({ Items: instances.map((i) => ({ ...i })) });
}

async function scores(query: Record<string, string>, at: string, who: TokenClaimsInput = { role: 'leader', town: 'scoretown' }) {
  const event = apiGatewayEvent({ method: 'GET', path: '/scores', routeKey: 'GET /scores', query, at, claims: tokenClaims(who), requestId: 'test' });
  const result = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

beforeEach(() => dynamo.reset());

describe('GET /scores', () => {
  it("judges as of the request's day in Asia/Shanghai: 16:30 UTC on 30 June is already 1 July there", async () => {
    arrange([june('emergency-office', '2022-06-20'), june('village-1', null)]);

    const onDueDay = await scores({ year: '2022' }, '2022-06-30T15:30:00Z');
    const dayAfter = await scores({ year: '2022' }, '2022-06-30T16:30:00Z');

    expect(onDueDay.body).toMatchObject({ asOf: '2022-06-30', items: [{ unit: 'emergency-office', score: 100 }] });
    expect(dayAfter.body).toMatchObject({ asOf: '2022-07-01' });
    expect(dayAfter.body['items']).toEqual([
      expect.objectContaining({ unit: 'emergency-office', score: 100, rank: 1, deductions: [] }),
      expect.objectContaining({ unit: 'village-1', score: 0, rank: 2, deductions: [expect.objectContaining({ rule: 'overdue', ruleRef: 'due', weight: 3, pointsLost: 3 })] }),
    ]);
  });

  it('reads the town with one query on its partition, never a scan', async () => {
    arrange([]);

    await scores({ year: '2022' }, '2022-07-01T02:00:00Z');

    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'TOWN#scoretown', ':prefix': 'INST#' } });
  });

  it.each([
    [{ year: '2022', period: '2023-Q1' }, 'period'],
    [{ year: '2022', period: '2022-13' }, 'period'],
    [{ year: '1999' }, 'year'],
    [{ year: '2022', asOf: '2022-02-30' }, 'asOf'],
    [{ year: '2022', cursor: 'eyJsaXN0IjoieCIsIm9mZnNldCI6MX0' }, 'cursor'],
  ])('answers 400 to %j, naming %s, before reading anything', async (query, path) => {
    const response = await scores(query, '2022-07-01T02:00:00Z');

    expect(response.status).toBe(400);
    expect(response.body['issues']).toEqual([expect.objectContaining({ path })]);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it('gives a unit its own score, and 403 for another unit', async () => {
    arrange([june('emergency-office', '2022-06-20'), june('village-1', null)]);
    const villager = { role: 'unit', town: 'scoretown', unit: 'village-1' } as const;

    const own = await scores({ year: '2022' }, '2022-07-01T02:00:00Z', villager);
    const other = await scores({ year: '2022', unit: 'emergency-office' }, '2022-07-01T02:00:00Z', villager);

    expect((own.body['items'] as { unit: string; rank: number }[]).map((s) => [s.unit, s.rank])).toEqual([['village-1', 2]]);
    expect(other.status).toBe(403);
  });
});
