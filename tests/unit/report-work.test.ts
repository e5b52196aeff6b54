import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/handlers/report-work.ts';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { buildPlan } from '../support/plan-fixture.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const plan = buildPlan();
const duty = plan.duties[0]!;
const owner = plan.units.find((u) => u.id === 'emergency-office')!;
const stored = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, new WorkCalendar(), duty, periodContaining('monthly', '2022-07-01')));
const id = stored.id;

const asOwner = tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'emergency-office' });

/** `claims: null` sends the request with no authorizer's claims at all. */
function request(body: unknown, instance = id, at = '2022-07-20T02:00:00Z', claims: Record<string, unknown> | null = asOwner): APIGatewayProxyEventV2 {
  const path = `/instances/${encodeURIComponent(instance)}/report`;
  return apiGatewayEvent({
    method: 'POST',
    path,
    routeKey: 'POST /instances/{id}/report',
    pathParameters: { id: instance },
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    at,
    ...(claims ? { claims } : {}),
    requestId: 'test',
  });
}

async function call(event: APIGatewayProxyEventV2): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

const goodReport = { note: '7月20日召开形势分析会', evidence: [{ kind: 'minutes', name: '会议纪要.pdf' }] };

beforeEach(() => dynamo.reset());

describe('POST /instances/{id}/report', () => {
  it('marks the instance done on the request\'s day in Asia/Shanghai, with the report, under a version condition', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...stored } });
    dynamo.on(PutCommand).resolves({});

    const response = await call(request(goodReport, id, '2022-07-19T17:00:00Z'));

    expect(response).toEqual({ status: 200, body: { id, status: 'on_time', light: 'green', completedOn: '2022-07-20', dueOn: '2022-08-01', version: 1 } });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': 0 },
      Item: expect.objectContaining({ completedOn: '2022-07-20', reports: [expect.objectContaining({ n: 1, note: goodReport.note })] }),
    });
  });

  it('answers 400 naming each bad field, and stores nothing', async () => {
    const response = await call(request({ note: '', evidence: [{ kind: 'selfie', name: 'x' }], extra: 1 }));

    expect(response.status).toBe(400);
    expect(response.body['issues']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'note' }),
        expect.objectContaining({ path: 'evidence[0].kind' }),
        expect.objectContaining({ path: '', message: expect.stringContaining('extra') }),
      ]),
    );
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  it.each(['qingfeng%E0%A4%A:duty:owner:2022-06', 'not-an-instance'])('answers 400 for the path id %s, naming the id', async (raw) => {
    const event = { ...request(goodReport), pathParameters: { id: raw } } as APIGatewayProxyEventV2;

    const response = await call(event);

    expect(response).toEqual({ status: 400, body: { message: 'path: 1 problem(s)', issues: [{ path: 'id', message: 'expected a duty instance id, town:duty:owner:period' }] } });
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await call(request('{not json'));

    expect(response).toEqual({ status: 400, body: { message: 'request body: 1 problem(s)', issues: [{ path: '', message: 'the body is not valid JSON' }] } });
  });

  it('answers 404 for an instance that does not exist', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await call(request(goodReport, 'qingfeng:monthly-analysis:emergency-office:2030-01'));

    expect(response.status).toBe(404);
  });

  it('answers 409 when the instance was already reported, or changed meanwhile', async () => {
    dynamo.on(GetCommand).resolvesOnce({ Item: { ...stored, completedOn: '2022-07-10' } }).resolves({ Item: { ...stored } });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'version', $metadata: {} }));

    const twice = await call(request(goodReport));
    const raced = await call(request(goodReport));

    expect(twice).toEqual({ status: 409, body: { message: `instance ${id} was already reported done on 2022-07-10` } });
    expect(raced.status).toBe(409);
  });

  it('hides the message of an unexpected failure behind a 500', async () => {
    dynamo.on(GetCommand).rejects(new Error('socket hang up at 10.0.0.1'));

    const response = await call(request(goodReport));

    expect(response).toEqual({ status: 500, body: { message: 'internal error' } });
  });

  describe('who may report', () => {
    const admin = tokenClaims({ role: 'admin', town: 'qingfeng' });
    const leader = tokenClaims({ role: 'leader', town: 'qingfeng' });
    const otherUnit = tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'village-1' });
    const otherTownUnit = tokenClaims({ role: 'unit', town: 'shuangshi', unit: 'emergency-office' });
    const otherTownAdmin = tokenClaims({ role: 'admin', town: 'shuangshi' });

    it.each([
      ['the owning unit', asOwner],
      ["an admin of the instance's town, on the unit's behalf", admin],
    ])('lets %s report, and stores the report', async (_who, claims) => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });
      dynamo.on(PutCommand).resolves({});

      const response = await call(request(goodReport, id, '2022-07-20T02:00:00Z', claims));

      expect(response.status).toBe(200);
      expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    });

    it.each([
      ['a leader (the route is for units and admins)', leader, /a leader may not do this/],
      ['another unit of the same town', otherUnit, /another unit/],
      ['a unit of the same id in another town', otherTownUnit, /another town/],
      ['an admin of another town', otherTownAdmin, /another town/],
    ])('answers 403 to %s, and neither reads nor writes the instance', async (_who, claims, message) => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });

      const response = await call(request(goodReport, id, '2022-07-20T02:00:00Z', claims));

      expect(response.status).toBe(403);
      expect(response.body['message']).toMatch(message);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
      expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    });

    it.each([
      ['no verified claims (no authorizer in front)', null],
      ['claims without a role', { sub: 'u1', 'custom:town': 'qingfeng' }],
      ['a unit token without its unit', { sub: 'u1', 'cognito:groups': '[unit]', 'custom:town': 'qingfeng' }],
      ['claims naming two roles', { sub: 'u1', 'cognito:groups': ['admin', 'unit'], 'custom:town': 'qingfeng', 'custom:unit': 'emergency-office' }],
    ])('answers 401 to %s, and neither reads nor writes', async (_who, claims) => {
      const event = request(goodReport, id, '2022-07-20T02:00:00Z', claims);

      const response = await call(event);

      expect(response.status).toBe(401);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
      expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    });

    it('refuses a leader before looking at the body', async () => {
      const response = await call(request('{not json', id, '2022-07-20T02:00:00Z', leader));

      expect(response.status).toBe(403);
    });
  });
});
