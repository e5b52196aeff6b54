import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type GetCommandInput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { shardOf } from '../../functions/core/ids.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { newInstance, refresh, type InstanceRecord } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { handler } from '../../functions/handlers/review-work.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { buildPlan } from '../support/plan-fixture.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
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

beforeEach(() => {
  dynamo.reset();
  ses.reset();
});

const contact = 'emergency-office@qingfeng.example.org';
/** Reviewed on 2022-07-21 (Thursday): the mail belongs to the outbox of the next follow-up, Friday 2022-07-22. */
const outboxDay = '2022-07-22';
const shard = shardOf('qingfeng', 16);
const marker = { pk: `OUTBOX#${outboxDay}#${shard}`, sk: 'TOWN#qingfeng' };

/**
 * The table as the handler sees it: the instance (as the last transaction left it), the town and its
 * active plan, no calendar overrides, and the outbox of the day (what the transactions recorded,
 * with the status the mailer's updates gave it).
 */
function table(instance: InstanceRecord, townPlan: Plan = plan, planVersion = 'v1') {
  let current: Record<string, unknown> = { ...instance };
  const outbox = new Map<string, Record<string, unknown>>();
  dynamo.on(GetCommand).callsFake((input: GetCommandInput) => {
    const { pk, sk } = input.Key as { pk: string; sk: string };
    if (sk === 'TOWN') return { Item: { pk, sk, entity: 'town', town: 'qingfeng', name: '青峰镇', planId: townPlan.id, planVersion } };
    if (sk.startsWith('PLAN#')) return { Item: { pk, sk, entity: 'plan', plan: JSON.stringify(townPlan) } };
    return { Item: { ...current } };
  });
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const pk = input.ExpressionAttributeValues?.[':pk'] as string;
    return { Items: pk === `MAIL#qingfeng#${outboxDay}` ? [...outbox.values()].map((i) => ({ ...i })) : [] };
  });
  dynamo.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Record<string, unknown> } }[] }) => {
    const puts = input.TransactItems.map((t) => t.Put?.Item).filter((i) => i !== undefined);
    for (const item of puts) {
      if (item['entity'] === 'instance') current = item;
      if (item['entity'] === 'mail') outbox.set(String(item['sk']), { ...item });
    }
    return {};
  });
  dynamo.on(UpdateCommand).callsFake((input: { Key: { sk: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
    const intent = outbox.get(input.Key.sk);
    const status = input.ExpressionAttributeValues[':sending'] ?? input.ExpressionAttributeValues[':s'];
    if (intent) intent['status'] = status;
    return {};
  });
  dynamo.on(DeleteCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  return { outbox };
}

const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

describe('POST /instances/{id}/accept, /return, /reopen', () => {
  it('returns a report: open again, the reason kept in the instance and in the audit entry of the same transaction', async () => {
    table(awaiting);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const response = await review('return', { version: 1, reason: '缺少签到表' });

    expect(response).toEqual({
      status: 200,
      body: { id, review: 'returned', status: 'open', light: 'green', completedOn: null, dueOn: '2022-08-01', nextActionOn: '2022-07-25', version: 2, notified: [contact] },
    });
    const [instancePut, auditPut] = written();
    expect(instancePut?.Put).toMatchObject({ ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 }, Item: { version: 2, completedOn: null, review: 'returned' } });
    expect(instancePut?.Put?.Item?.['reviews']).toEqual([{ report: 1, outcome: 'returned', on: '2022-07-21', by: 'admin-1', reason: '缺少签到表' }]);
    expect(auditPut?.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'AUDIT#qingfeng', action: 'instance.return', target: `instance:${id}`, reason: '缺少签到表', actor: { subject: 'admin-1', role: 'admin' } },
    });
  });

  describe('telling the unit', () => {
    it('records the mail to the unit and the undelivered mark in the transaction of the return, then sends it once and clears the mark', async () => {
      table(awaiting);
      ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

      const response = await review('return', { version: 1, reason: '缺少签到表' });

      expect(response.status).toBe(200);
      const [items] = transactions();
      expect(items).toHaveLength(4);
      expect(items?.[2]?.Put).toMatchObject({
        ConditionExpression: 'attribute_not_exists(pk)',
        Item: {
          pk: `MAIL#qingfeng#${outboxDay}`,
          sk: `${contact}#returned#${id}#1`,
          entity: 'mail',
          town: 'qingfeng',
          date: outboxDay,
          recipient: contact,
          purpose: `returned#${id}#1`,
          kind: 'notice',
          status: 'recorded',
          instanceIds: [id],
          subject: '【退回重报】应急办：每月分析消防安全形势（2022-07），请于2022-08-01前重新报送',
          text: expect.stringContaining('退回原因：缺少签到表'),
          html: expect.stringContaining('缺少签到表'),
        },
      });
      expect(items?.[3]?.Put).toEqual({ TableName: 'fireplan-test', Item: { ...marker, entity: 'outbox', town: 'qingfeng' } });
      expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
      expect(ses).toHaveReceivedCommandWith(SendEmailCommand, { Destination: { ToAddresses: [contact] } });
      expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { Key: marker });
    });

    it('tells of a reopen too, under its own purpose', async () => {
      const accepted = { ...awaiting, review: 'accepted' as const, reviews: [{ report: 1, outcome: 'accepted' as const, on: '2022-07-20', by: 'admin-1' }] };
      table(accepted);
      ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

      const response = await review('reopen', { version: 1, reason: '抽查发现纪要与实际不符' });

      expect(response.body).toMatchObject({ review: 'returned', notified: [contact] });
      expect(transactions()[0]?.[2]?.Put?.Item).toMatchObject({ sk: `${contact}#reopened#${id}#2`, subject: expect.stringMatching(/^【重新办理】/) });
      expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    });

    it('answers a retried return (the same version) with 409, and neither records nor sends a second mail', async () => {
      const { outbox } = table(awaiting);
      ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

      const first = await review('return', { version: 1, reason: '缺少签到表' });
      const retried = await review('return', { version: 1, reason: '缺少签到表' });

      expect(first.status).toBe(200);
      expect(retried).toMatchObject({ status: 409, body: { current: { id, version: 2, review: 'returned' } } });
      expect(transactions()).toHaveLength(1);
      expect([...outbox.values()].map((i) => [i['recipient'], i['status']])).toEqual([[contact, 'sent']]);
      expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    });

    it('answers 409 and sends nothing when a concurrent return won the race: the transaction, intent included, is all or nothing', async () => {
      table(awaiting);
      dynamo
        .on(TransactWriteCommand)
        .rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));

      const response = await review('return', { version: 1, reason: '缺少签到表' });

      expect(response.status).toBe(409);
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    });

    it('still answers 200 when SES fails: the mail stays in the outbox and the mark stays set for the next follow-up', async () => {
      const { outbox } = table(awaiting);
      ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded', $metadata: {} }));

      const response = await review('return', { version: 1, reason: '缺少签到表' });

      expect(response).toMatchObject({ status: 200, body: { review: 'returned', notified: [contact] } });
      expect([...outbox.values()].map((i) => i['status'])).toEqual(['retryable']);
      expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
      // Set again after the failure, in case a concurrent review of the town cleared it meanwhile.
      expect(dynamo).toHaveReceivedCommandWith(PutCommand, { Item: { ...marker, entity: 'outbox', town: 'qingfeng' } });
    });

    it('tells nobody when the unit has no contact, and says so', async () => {
      const unreachable = { ...plan, units: plan.units.map((u) => (u.id === 'emergency-office' ? { ...u, contacts: [] } : u)) };
      table(awaiting, unreachable, 'v1-no-contacts');

      const response = await review('return', { version: 1, reason: '缺少签到表' });

      expect(response).toMatchObject({ status: 200, body: { review: 'returned', notified: [] } });
      expect(transactions()[0]).toHaveLength(2);
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(dynamo).not.toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':pk': `MAIL#qingfeng#${outboxDay}` } });
      expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    });

    it('sends nothing on an accept, and reads no plan for it', async () => {
      table(awaiting);

      const response = await review('accept', { version: 1 });

      expect(response.status).toBe(200);
      expect(response.body).not.toHaveProperty('notified');
      expect(transactions()[0]).toHaveLength(2);
      expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 1);
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
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
