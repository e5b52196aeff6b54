import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/handlers/resolve-day.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

const override = (town: string, date: string, work: boolean, name = '调整') => ({ pk: 'CALENDAR', sk: `DAY#${date}#${town}`, entity: 'calendar-override', town, date, work, name });

async function resolve(day: string, items: Record<string, unknown>[]) {
  dynamo.on(QueryCommand).resolves({ Items: items });
  return (await handler({ scheduledTime: `${day}T06:30:00+08:00` }, {} as Context)) as { date: string; workday: boolean; firstWorkdayOfMonth: boolean; lastWorkdayOfQuarter: boolean };
}

beforeEach(() => dynamo.reset());

describe('ResolveDay with towns’ calendar overrides', () => {
  it('runs on a Saturday that any one town declared a working day', async () => {
    const plain = await resolve('2022-12-03', []);
    const declared = await resolve('2022-12-03', [override('linjiang', '2022-12-03', true)]);

    expect(plain.workday).toBe(false);
    expect(declared.workday).toBe(true);
  });

  it("does not stop the other towns' run for one town's holiday", async () => {
    const result = await resolve('2022-06-30', [override('linjiang', '2022-06-30', false, '临时放假')]);

    expect(result.workday).toBe(true);
  });

  it('moves the month and quarter flags only when every town that declared the day agrees', async () => {
    const agreed = await resolve('2022-08-01', [override('qingfeng', '2022-08-01', false), override('linjiang', '2022-08-01', false)]);
    const disputed = await resolve('2022-08-01', [override('qingfeng', '2022-08-01', false), override('linjiang', '2022-08-01', true)]);
    const lastOfQuarter = await resolve('2022-09-30', []);

    expect(agreed.firstWorkdayOfMonth).toBe(false);
    expect(disputed.firstWorkdayOfMonth).toBe(true);
    expect(lastOfQuarter.lastWorkdayOfQuarter).toBe(true);
  });
});
