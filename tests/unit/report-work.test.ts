import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { newInstance } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { scheduleFor } from '../../functions/core/schedule.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { buildPlan } from '../support/plan-fixture.ts';

// The handler's evidence adapter reads the bucket's name when it loads.
vi.hoisted(() => {
  process.env['EVIDENCE_BUCKET'] = 'fireplan-evidence-test';
});
const { handler } = await import('../../functions/handlers/report-work.ts');

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const plan = buildPlan();
const duty = plan.duties[0]!;
const owner = plan.units.find((u) => u.id === 'emergency-office')!;
const stored = newInstance(plan, 'v1', duty, owner, scheduleFor(plan, new WorkCalendar(), duty, periodContaining('monthly', '2022-07-01')));
const id = stored.id;

const asOwner = tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'emergency-office' });

/** `claims: null` sends the request with no authorizer's claims at all. */
function request(body: unknown, instance = id, at = '2022-07-20T02:00:00Z', claims: Record<string, unknown> | null = asOwner, action: 'report' | 'evidence' = 'report'): APIGatewayProxyEventV2 {
  const path = `/instances/${encodeURIComponent(instance)}/${action}`;
  return apiGatewayEvent({
    method: 'POST',
    path,
    routeKey: `POST /instances/{id}/${action}`,
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

beforeEach(() => {
  dynamo.reset();
  s3.reset();
});

/** What the transaction of a report writes: the instance's next version (under a version condition), then the audit entry. */
function transaction(): { instance: Record<string, unknown>; condition: unknown; audit: Record<string, unknown> } {
  const input = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input;
  const [instancePut, auditPut] = input?.TransactItems ?? [];
  return {
    instance: instancePut?.Put?.Item as Record<string, unknown>,
    condition: { ConditionExpression: instancePut?.Put?.ConditionExpression, ExpressionAttributeValues: instancePut?.Put?.ExpressionAttributeValues },
    audit: auditPut?.Put?.Item as Record<string, unknown>,
  };
}

const cancelled = (...codes: string[]) => new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('POST /instances/{id}/report', () => {
  it('marks the instance done on the request\'s day in Asia/Shanghai, awaiting review, under a version condition, audited in the same transaction', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...stored } });
    dynamo.on(TransactWriteCommand).resolves({});

    const response = await call(request(goodReport, id, '2022-07-19T17:00:00Z'));

    expect(response).toEqual({ status: 200, body: { id, status: 'on_time', light: 'green', completedOn: '2022-07-20', dueOn: '2022-08-01', version: 1 } });
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    const written = transaction();
    expect(written.condition).toEqual({ ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 0 } });
    expect(written.instance).toMatchObject({ version: 1, completedOn: '2022-07-20', review: 'awaiting', reports: [{ n: 1, on: '2022-07-20', note: goodReport.note, evidence: goodReport.evidence }] });
    expect(written.audit).toMatchObject({
      pk: 'AUDIT#qingfeng',
      entity: 'audit',
      action: 'instance.report',
      target: `instance:${id}`,
      at: '2022-07-19T17:00:00.000Z',
      actor: { subject: expect.any(String), role: 'unit', unit: 'emergency-office' },
      before: { completedOn: null, reports: [], status: 'open' },
      after: { completedOn: '2022-07-20', review: 'awaiting', status: 'on_time' },
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
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
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

  it('answers 409 when the instance was already reported, or changed meanwhile (with the version it was read at)', async () => {
    dynamo.on(GetCommand).resolvesOnce({ Item: { ...stored, completedOn: '2022-07-10', review: 'awaiting', version: 3 } }).resolves({ Item: { ...stored } });
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    const twice = await call(request(goodReport));
    const raced = await call(request(goodReport));

    expect(twice).toEqual({
      status: 409,
      body: { message: `instance ${id} was already reported done on 2022-07-10`, current: { id, version: 3, completedOn: '2022-07-10', review: 'awaiting' } },
    });
    expect(raced).toEqual({ status: 409, body: { message: `instance ${id} changed since version 0`, current: { id, version: 0 } } });
  });

  it('answers 500 (and the workflow-style StorageError behind it) when the transaction fails for another reason', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...stored } });
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ThrottlingError'));

    const response = await call(request(goodReport));

    expect(response).toEqual({ status: 500, body: { message: 'internal error' } });
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
      dynamo.on(TransactWriteCommand).resolves({});

      const response = await call(request(goodReport, id, '2022-07-20T02:00:00Z', claims));

      expect(response.status).toBe(200);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      expect(transaction().audit).toMatchObject({ action: 'instance.report', actor: { role: claims === admin ? 'admin' : 'unit' } });
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
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
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
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('refuses a leader before looking at the body', async () => {
      const response = await call(request('{not json', id, '2022-07-20T02:00:00Z', leader));

      expect(response.status).toBe(403);
    });
  });

  describe('evidence files', () => {
    const prefix = 'evidence/qingfeng/qingfeng.monthly-analysis.emergency-office.2022-07/';
    const key = `${prefix}0123456789abcdef01234567-会议纪要.pdf`;
    const withFile = (item: Record<string, unknown>) => ({ note: goodReport.note, evidence: [{ kind: 'minutes', name: '会议纪要.pdf', ...item }] });

    it('presigns a PUT of one file of the declared type and size, under the instance\'s prefix, for 15 minutes', async () => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });

      const response = await call(request({ name: '7月 会议纪要.pdf', contentType: 'application/pdf', size: 2048 }, id, '2022-07-20T02:00:00Z', asOwner, 'evidence'));

      expect(response.status).toBe(201);
      const body = response.body as { key: string; uploadUrl: string; headers: Record<string, string>; expiresAt: string; size: number };
      expect(body.key).toMatch(new RegExp(`^${prefix}[0-9a-f]{24}-7月_会议纪要\\.pdf$`));
      expect(body).toMatchObject({ size: 2048, headers: { 'content-type': 'application/pdf' }, expiresAt: '2022-07-20T02:15:00.000Z' });
      const url = new URL(body.uploadUrl);
      expect(decodeURIComponent(url.pathname)).toContain(body.key);
      expect(url.hostname).toBe('fireplan-evidence-test.s3.cn-north-1.amazonaws.com.cn');
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        'X-Amz-Date': '20220720T020000Z',
        'X-Amz-Expires': '900',
        'X-Amz-SignedHeaders': 'content-length;content-type;host',
      });
      // No checksum of an empty body that S3 would check the file against.
      expect([...url.searchParams.keys()].filter((k) => k.toLowerCase().includes('checksum'))).toEqual([]);
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('refuses a type or a size outside the limits, and another unit', async () => {
      const badType = await call(request({ name: 'a.exe', contentType: 'application/x-msdownload', size: 10 }, id, '2022-07-20T02:00:00Z', asOwner, 'evidence'));
      const tooLarge = await call(request({ name: 'a.pdf', contentType: 'application/pdf', size: 20 * 1024 * 1024 + 1 }, id, '2022-07-20T02:00:00Z', asOwner, 'evidence'));
      const otherUnit = await call(
        request({ name: 'a.pdf', contentType: 'application/pdf', size: 10 }, id, '2022-07-20T02:00:00Z', tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'village-1' }), 'evidence'),
      );

      expect([badType.status, tooLarge.status, otherUnit.status]).toEqual([400, 400, 403]);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    });

    it('refuses to presign for an instance already reported', async () => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored, completedOn: '2022-07-10' } });

      const response = await call(request({ name: 'a.pdf', contentType: 'application/pdf', size: 10 }, id, '2022-07-20T02:00:00Z', asOwner, 'evidence'));

      expect(response.status).toBe(409);
    });

    it('takes a report naming an uploaded file of the declared size, and keeps its key', async () => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });
      dynamo.on(TransactWriteCommand).resolves({});
      s3.on(HeadObjectCommand, { Bucket: 'fireplan-evidence-test', Key: key }).resolves({ ContentLength: 2048, ContentType: 'application/pdf' });

      const response = await call(request(withFile({ key, size: 2048 })));

      expect(response.status).toBe(200);
      expect(transaction().instance).toMatchObject({ reports: [{ evidence: [{ kind: 'minutes', name: '会议纪要.pdf', key, size: 2048 }] }] });
    });

    it.each([
      ['a key of another instance', { key: key.replace('2022-07', '2022-06'), size: 2048 }, /not a file of this instance/],
      ['a key of another unit', { key: key.replace('emergency-office', 'village-1'), size: 2048 }, /not a file of this instance/],
    ])('refuses %s with 400, without looking in the bucket', async (_what, item, message) => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });

      const response = await call(request(withFile(item)));

      expect(response.status).toBe(400);
      expect(response.body['issues']).toEqual([{ path: 'evidence[0].key', message: expect.stringMatching(message) }]);
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it.each([
      ['no file under the key', () => s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } })), /the file was not uploaded \(there is no file under this key\)/],
      ['a file of another size', () => s3.on(HeadObjectCommand).resolves({ ContentLength: 100 }), /the file was not uploaded \(the file under this key has 100 bytes, not 2048\)/],
    ])('answers 400 "the file was not uploaded" when there is %s, and stores nothing', async (_what, arrange, message) => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });
      arrange();

      const response = await call(request(withFile({ key, size: 2048 })));

      expect(response.status).toBe(400);
      expect(response.body['issues']).toEqual([{ path: 'evidence[0].key', message: expect.stringMatching(message) }]);
      expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('answers 500 when the bucket cannot be read', async () => {
      dynamo.on(GetCommand).resolves({ Item: { ...stored } });
      s3.on(HeadObjectCommand).rejects(new Error('connect ETIMEDOUT'));

      const response = await call(request(withFile({ key, size: 2048 })));

      expect(response).toEqual({ status: 500, body: { message: 'internal error' } });
    });
  });
});
