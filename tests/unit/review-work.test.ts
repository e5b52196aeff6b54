import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance, refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { handler } from '../../functions/handlers/review-work.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { buildPlan } from '../support/plan-fixture.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const plan = buildPlan();
const duty = plan.duties[0]!;
const opened = newInstance(plan, 'v1', duty, plan.units.find((u) => u.id === 'emergency-office')!, scheduleFor(plan, new WorkCalendar(), duty, periodContaining('monthly', '2022-07-01')));
/** Reported on 2022-07-20 and awaiting review, at version 1. */
const awaiting: InstanceRecord = refresh(
  { ...opened, done: ['notice'], completedOn: '2022-07-20', review: 'awaiting', reports: [{ n: 1, on: '2022-07-20', note: '已完成', evidence: [] }], version: 1 },
  '2022-07-20',
);
const id = awaiting.id;
const admin: TokenClaimsInput = { role: 'admin', town: 'qingfeng', subject: 'admin-1' };

async function review(action: 'accept' | 'return' | 'reopen', body: unknown, who: TokenClaimsInput | null = admin) {
  const event = apiGatewayEvent({
    method: 'POST',
    path: `/instances/${encodeURIComponent(id)}/${action}`,
    routeKey: `POST /instances/{id}/${action}`,
    pathParameters: { id },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    at: '2022-07-21T02:00:00Z',
    ...(who ? { claims: tokenClaims(who) } : {}),
    requestId: 'review-test',
  });
  const result = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

const written = () => dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

beforeEach(() => dynamo.reset());

describe('POST /instances/{id}/accept, /return, /reopen', () => {
  it('returns a report: open again, the reason kept in the instance and in the audit entry of the same transaction', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...awaiting } });
    dynamo.on(TransactWriteCommand).resolves({});

    const response = await review('return', { version: 1, reason: '缺少签到表' });

    expect(response).toEqual({
      status: 200,
      body: { id, review: 'returned', status: 'open', light: 'green', completedOn: null, dueOn: '2022-08-01', nextActionOn: '2022-07-25', version: 2 },
    });
    const [instancePut, auditPut] = written();
    expect(instancePut?.Put).toMatchObject({ ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 }, Item: { version: 2, completedOn: null, review: 'returned' } });
    expect(instancePut?.Put?.Item?.['reviews']).toEqual([{ report: 1, outcome: 'returned', on: '2022-07-21', by: 'admin-1', reason: '缺少签到表' }]);
    expect(auditPut?.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'AUDIT#qingfeng', action: 'instance.return', target: `instance:${id}`, reason: '缺少签到表', actor: { subject: 'admin-1', role: 'admin' } },
    });
  });

  it('answers 409 with the current version to a stale one, before writing', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...awaiting, version: 4 } });

    const response = await review('accept', { version: 1 });

    expect(response).toEqual({
      status: 409,
      body: { message: `instance ${id} is at version 4, not 1: read it again and decide on what it is now`, current: { id, version: 4, review: 'awaiting', completedOn: '2022-07-20' } },
    });
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 409 with the version it is at now when someone else wrote in between', async () => {
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: { ...awaiting } })
      .resolves({ Item: { ...awaiting, version: 2, review: 'accepted' } });
    dynamo.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));

    const response = await review('accept', { version: 1 });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ message: expect.stringContaining('changed while this was decided (version 1 → 2)'), current: { id, version: 2, review: 'accepted' } });
  });

  it('answers 409 naming the state for an action the state does not take', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...awaiting } });

    const response = await review('reopen', { version: 1, reason: '抽查' });

    expect(response).toMatchObject({ status: 409, body: { message: expect.stringContaining('is reported and awaiting review: only an instance accepted can be reopened') } });
  });

  describe('who may review', () => {
    it.each([
      ['a leader', { role: 'leader', town: 'qingfeng' } as TokenClaimsInput, 403],
      ['the owning unit', { role: 'unit', town: 'qingfeng', unit: 'emergency-office' } as TokenClaimsInput, 403],
      ['an admin of another town', { role: 'admin', town: 'shuangshi' } as TokenClaimsInput, 403],
      ['nobody (no verified claims)', null, 401],
    ])('refuses %s, and neither reads nor writes', async (_who, who, status) => {
      dynamo.on(GetCommand).resolves({ Item: { ...awaiting } });

      const responses = await Promise.all([review('accept', { version: 1 }, who), review('return', { version: 1, reason: 'x' }, who), review('reopen', { version: 1, reason: 'x' }, who)]);

      expect(responses.map((r) => r.status)).toEqual([status, status, status]);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it.each([
      ['without a version', 'accept', {}, 'version'],
      ['with an unknown field', 'accept', { version: 1, note: 'x' }, ''],
      ['a return without its reason', 'return', { version: 1 }, 'reason'],
      ['a reopen with an empty reason', 'reopen', { version: 1, reason: '  ' }, 'reason'],
    ] as const)('answers 400 to a body %s', async (_what, action, body, path) => {
      const response = await review(action, body);

      expect(response.status).toBe(400);
      expect(response.body['issues']).toEqual([expect.objectContaining({ path })]);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    });
  });
});
