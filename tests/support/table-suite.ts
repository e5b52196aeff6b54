/**
 * The table repository (functions/adapters/table.ts) against a real DynamoDB engine, with the
 * table as the synthesized template defines it. One suite, run once per engine by
 * tests/integration/table.<engine>.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/core/errors.ts';
import { shardOf } from '../../functions/core/ids.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { instancesToOpen } from '../../functions/core/opening.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { describeOnEngine, engineTitles, startIntegrationEnvironment, type EngineName, type IntegrationEnvironment } from './dynamodb-engines.ts';
import { buildPlan, dutyInput } from './plan-fixture.ts';

type TableModule = typeof import('../../functions/adapters/table.ts');

const owners = ['emergency-office', 'village-1', 'village-2'];

function planOf(town = 'qingfeng'): Plan {
  return buildPlan({ town: { id: town, name: `${town}镇` }, duties: [dutyInput({ owners })] });
}

/** The instances a monthly opener creates on a day (opening day 2022-06-01, due 2022-06-30 for June). */
function monthly(date: string, plan = planOf()): InstanceRecord[] {
  return instancesToOpen(plan, 'v1', 'monthly', date, planCalendar(plan));
}

function ownedBy(records: InstanceRecord[], owner: string): InstanceRecord {
  const record = records.find((r) => r.owner === owner);
  if (!record) throw new Error(`no instance of ${owner}`);
  return record;
}

export function tableSuite(engine: EngineName): void {
  describeOnEngine('the table repository', engine, () => {
    let env: IntegrationEnvironment;
    let table: TableModule;
    let shards: number;

    beforeAll(async () => {
      env = await startIntegrationEnvironment(engine);
      // Only now: the adapter reads TABLE_NAME and creates its clients when it loads.
      table = await import('../../functions/adapters/table.ts');
      shards = Number(process.env['FOLLOW_UP_SHARDS']);
      const t = env.timings;
      console.info(`[${engineTitles[engine]}] started in ${Math.round(t.engineStartupMs)} ms; table created in ${Math.round(t.createTableMs)} ms; template read in ${Math.round(t.templateMs)} ms`);
    }, 120_000);

    afterAll(async () => {
      await env?.stop();
    }, 30_000);

    beforeEach(async () => {
      await env.reset();
    });

    it('runs on the table as the template defines it: pk/sk and the due, unit and period indexes, all projecting ALL', async () => {
      const described = await env.describeTable();
      const byName = <T extends { AttributeName?: string; IndexName?: string }>(list: T[] = []) =>
        [...list].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));

      expect(process.env['TABLE_NAME']).toBe(described.TableName);
      expect(described.TableStatus).toBe('ACTIVE');
      expect(described.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(byName(described.AttributeDefinitions)).toEqual(byName(env.table.attributeDefinitions));
      expect(byName(described.GlobalSecondaryIndexes).map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection, IndexStatus: i.IndexStatus }))).toEqual(
        byName(env.table.globalSecondaryIndexes).map((i) => ({ ...i, IndexStatus: 'ACTIVE' })),
      );
      expect(byName(described.GlobalSecondaryIndexes).map((i) => i.IndexName)).toEqual([table.DUE_INDEX, table.PERIOD_INDEX, table.UNIT_INDEX].sort());
      expect(described.GlobalSecondaryIndexes?.every((i) => i.Projection?.ProjectionType === 'ALL')).toBe(true);
    });

    it('registers a town with its active plan, and lists the towns', async () => {
      const plan = planOf();

      await table.putTownPlan(plan, 'v1');
      await table.putTownPlan(planOf('shuanghe'), 'v1');

      expect((await table.listTowns()).sort()).toEqual(['qingfeng', 'shuanghe']);
      expect(await table.getActivePlan('qingfeng')).toEqual({ plan, planVersion: 'v1' });
      await expect(table.getActivePlan('nowhere')).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('creates an instance once: a second create of the same id is refused and changes nothing', async () => {
      const record = ownedBy(monthly('2022-06-01'), 'emergency-office');

      const first = await table.createInstance(record);
      const second = await table.createInstance({ ...record, title: { zh: '改写', en: 'overwritten' }, version: 7 });

      expect([first, second]).toEqual([true, false]);
      expect(await table.getInstance(record.id)).toEqual(record);
    });

    it('saves under the version it read; a stale version raises ConflictError and leaves the stored item as it was', async () => {
      const record = ownedBy(monthly('2022-06-01'), 'emergency-office');
      await table.createInstance(record);
      const saved = await table.saveInstance({ ...record, light: 'yellow' });

      const stale = table.saveInstance({ ...record, light: 'red', done: ['notice'] });

      await expect(stale).rejects.toThrow(ConflictError);
      expect(saved.version).toBe(1);
      expect(await table.getInstance(record.id)).toEqual(saved);
      expect((await table.saveInstance({ ...saved, light: 'green' })).version).toBe(2);
    });

    it('reads a missing instance as NotFoundError', async () => {
      await expect(table.getInstance('qingfeng:monthly-analysis:emergency-office:2021-01')).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('holds an instance in the sparse due index only while it has a next action, found on and after that day', async () => {
      const record = ownedBy(monthly('2022-06-01'), 'emergency-office');
      const shard = shardOf(record.town, shards);
      const dueIds = async (date: string, inShard = shard) => (await table.queryDue(inShard, date)).map((r) => r.id);
      await table.createInstance(record);

      expect(record.nextActionOn).toBe('2022-06-01');
      expect(await dueIds('2022-05-31')).toEqual([]);
      expect(await dueIds('2022-06-01')).toEqual([record.id]);
      expect(await dueIds('2022-12-31')).toEqual([record.id]);
      expect(await dueIds('2022-12-31', (shard + 1) % shards)).toEqual([]);
      expect(await table.queryDue(shard, '2022-06-01')).toEqual([record]);

      // The notice went out: the next action is the first reminder, and the index entry moves with it.
      const noticed = await table.saveInstance({ ...record, done: ['notice'], nextActionOn: '2022-06-23' });
      expect(await dueIds('2022-06-22')).toEqual([]);
      expect(await dueIds('2022-06-23')).toEqual([record.id]);

      // Reported done: nothing more to do, so it leaves the index, but stays in the table.
      await table.saveInstance({ ...noticed, completedOn: '2022-06-20', status: 'on_time', nextActionOn: null });
      expect(await dueIds('2022-12-31')).toEqual([]);
      expect(await table.getInstance(record.id)).toMatchObject({ completedOn: '2022-06-20', nextActionOn: null, version: 2 });
    });

    it('lists a unit\'s instances by due date and a period\'s instances, through their indexes, within one town', async () => {
      const june = monthly('2022-06-01');
      const july = monthly('2022-07-01');
      const elsewhere = monthly('2022-06-01', planOf('shuanghe'));
      for (const record of [...july, ...june, ...elsewhere]) await table.createInstance(record);

      const unit = await table.listUnitInstances('qingfeng', 'village-1');
      const period = await table.listPeriodInstances('qingfeng', '2022-06');

      expect(unit.map((r) => [r.periodId, r.dueOn])).toEqual([
        ['2022-06', '2022-06-30'],
        ['2022-07', '2022-08-01'], // 31 July 2022 is a Sunday: the fixture's duty moves to the next working day
      ]);
      expect(unit).toEqual([ownedBy(june, 'village-1'), ownedBy(july, 'village-1')]);
      expect(period.map((r) => r.id).sort()).toEqual(june.map((r) => r.id).sort());
      expect(await table.listPeriodInstances('qingfeng', '2022-08')).toEqual([]);
      expect((await table.listTownInstances('qingfeng')).length).toBe(6);
    });

    describe('mail intents (the outbox)', () => {
      const intent = {
        town: 'qingfeng',
        date: '2022-06-01',
        recipient: 'emergency-office@qingfeng.example.org',
        purpose: 'digest',
        kind: 'notice' as const,
        subject: '【新任务】应急办：每月分析消防安全形势（2022-06）',
        text: '请于2022-06-30前完成并报送。',
        html: '<p>请于2022-06-30前完成并报送。</p>',
        instanceIds: ['qingfeng:monthly-analysis:emergency-office:2022-06'],
      };

      it('are recorded once, keeping their first content', async () => {
        const first = await table.recordIntent(intent);
        const again = await table.recordIntent({ ...intent, subject: 'changed' });

        expect([first, again]).toEqual([true, false]);
        expect(await table.listIntents('qingfeng', '2022-06-01')).toEqual([{ ...intent, status: 'recorded' }]);
      });

      it('are taken for sending once; a mail being sent or sent is never taken again', async () => {
        await table.recordIntent(intent);

        const first = await table.startSending(intent);
        const whileSending = await table.startSending(intent);
        await table.settleIntent(intent, 'sent', { messageId: 'm-1' });
        const afterSent = await table.startSending(intent);

        expect([first, whileSending, afterSent]).toEqual([true, false, false]);
        expect(await table.listIntents('qingfeng', '2022-06-01')).toEqual([expect.objectContaining({ status: 'sent', messageId: 'm-1' })]);
      });

      it('are taken again after SES throttled them, once', async () => {
        await table.recordIntent(intent);
        await table.startSending(intent);
        await table.settleIntent(intent, 'retryable', { reason: 'TooManyRequestsException' });

        const attempts = [await table.startSending(intent), await table.startSending(intent)];

        expect(attempts).toEqual([true, false]);
      });

      it('are kept apart per recipient, purpose and day', async () => {
        const recorded = [
          await table.recordIntent(intent),
          await table.recordIntent({ ...intent, recipient: 'village-1@qingfeng.example.org' }),
          await table.recordIntent({ ...intent, purpose: 'monthly-report#2022-05' }),
          await table.recordIntent({ ...intent, date: '2022-06-02' }),
        ];
        await table.settleIntent({ ...intent, purpose: 'monthly-report#2022-05' }, 'rejected', { reason: 'MessageRejected' });

        expect(recorded.every(Boolean)).toBe(true);
        expect((await table.listIntents('qingfeng', '2022-06-01')).map((i) => [i.recipient, i.purpose, i.status]).sort()).toEqual([
          ['emergency-office@qingfeng.example.org', 'digest', 'recorded'],
          ['emergency-office@qingfeng.example.org', 'monthly-report#2022-05', 'rejected'],
          ['village-1@qingfeng.example.org', 'digest', 'recorded'],
        ]);
      });
    });
  });
}
