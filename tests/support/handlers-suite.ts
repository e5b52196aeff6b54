/**
 * The Lambda handlers invoked directly, as Lambda would (JSON event, Lambda-like context), against
 * a real DynamoDB engine and aws-ses-v2-local. One suite, run once per engine by
 * tests/integration/handlers.<engine>.test.ts.
 *
 * The town runs a small plan: two monthly duties, opened on the first of the month. 应急办
 * (emergency-office) and 示例村一 (village-1) owe both and have one address each; 示例村二
 * (village-2) owes the first and has no address. Leadership and the committee office read the
 * reports.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../../functions/core/ids.ts';
import { describeOnEngine, engineTitles, startIntegrationEnvironment, type EngineName, type IntegrationEnvironment } from './dynamodb-engines.ts';
import { invoke, invokeHttp, reportRequest } from './lambda-invoke.ts';
import { buildPlan, dutyInput } from './plan-fixture.ts';

type TableModule = typeof import('../../functions/adapters/table.ts');
type Handler = Parameters<typeof invoke>[0];

const town = 'qingfeng';
const plan = buildPlan({
  duties: [
    dutyInput({ owners: ['emergency-office', 'village-1', 'village-2'] }),
    dutyInput({
      id: 'monthly-inspection',
      clause: '5',
      quote: '每月开展检查',
      title: { zh: '每月开展消防安全检查', en: 'Monthly fire-safety inspection' },
      owners: ['emergency-office', 'village-1'],
      evidence: ['photos'],
    }),
  ],
});
const PLAN_VERSION = 'v1';

const address = (unit: string) => `${unit}@qingfeng.example.org`;
const instance = (duty: string, owner: string, period = '2022-06') => `${town}:${duty}:${owner}:${period}`;
const analysis = (owner: string) => instance('monthly-analysis', owner);
const inspection = (owner: string) => instance('monthly-inspection', owner);
const juneInstances = [analysis('emergency-office'), analysis('village-1'), analysis('village-2'), inspection('emergency-office'), inspection('village-1')];
const goodReport = { note: '6月20日召开消防安全形势分析会', evidence: [{ kind: 'minutes', name: '会议纪要.pdf' }] };

export function handlersSuite(engine: EngineName): void {
  describeOnEngine('the handlers', engine, () => {
    let env: IntegrationEnvironment;
    let table: TableModule;
    const handlers = {} as Record<'OpenPeriod' | 'FollowUp' | 'ReportWork' | 'MonthlyReport' | 'AnnualEvaluation', Handler>;
    let shard: number;

    beforeAll(async () => {
      env = await startIntegrationEnvironment(engine);
      // Only now: handlers and adapters read their environment and create their clients when they load.
      table = await import('../../functions/adapters/table.ts');
      handlers.OpenPeriod = (await import('../../functions/handlers/open-period.ts')).handler;
      handlers.FollowUp = (await import('../../functions/handlers/follow-up.ts')).handler;
      handlers.ReportWork = (await import('../../functions/handlers/report-work.ts')).handler;
      handlers.MonthlyReport = (await import('../../functions/handlers/monthly-report.ts')).handler;
      handlers.AnnualEvaluation = (await import('../../functions/handlers/annual-evaluation.ts')).handler;
      shard = shardOf(town, Number(process.env['FOLLOW_UP_SHARDS']));
      const t = env.timings;
      console.info(`[${engineTitles[engine]}] started in ${Math.round(t.engineStartupMs)} ms; table created in ${Math.round(t.createTableMs)} ms; template read in ${Math.round(t.templateMs)} ms`);
    }, 120_000);

    afterAll(async () => {
      await env?.stop();
    }, 30_000);

    beforeEach(async () => {
      await env.reset();
      await table.putTownPlan(plan, PLAN_VERSION);
    });

    const openPeriod = (date: string, cadence = 'monthly') => invoke(handlers.OpenPeriod, 'OpenPeriod', { town, cadence, date });
    const followUp = (date: string, onShard = shard) => invoke(handlers.FollowUp, 'FollowUp', { shard: onShard, date });
    const report = (id: string, body: unknown, at: string) => invokeHttp(handlers.ReportWork, 'ReportWork', reportRequest(id, body, at));
    const recipients = async () => (await env.mailbox.messages()).map((m) => m.destination.to.join(',')).sort();

    describe('OpenPeriod', () => {
      it('creates the period\'s instances for every owner, and creates nothing when run again', async () => {
        const first = await openPeriod('2022-06-01');
        const again = await openPeriod('2022-06-01');

        expect(first).toEqual({ town, cadence: 'monthly', date: '2022-06-01', created: 5, existing: 0 });
        expect(again).toEqual({ town, cadence: 'monthly', date: '2022-06-01', created: 0, existing: 5 });
        const stored = await table.listPeriodInstances(town, '2022-06');
        expect(stored.map((r) => r.id).sort()).toEqual([...juneInstances].sort());
        expect(stored.every((r) => r.version === 0 && r.status === 'open' && r.nextActionOn === '2022-06-01')).toBe(true);
      });

      it('refuses input outside its contract with InvalidInputError, and stores nothing', async () => {
        await expect(openPeriod('2022-06-01', 'weekly')).rejects.toMatchObject({ name: 'InvalidInputError' });
        await expect(invoke(handlers.OpenPeriod, 'OpenPeriod', { town, cadence: 'monthly' })).rejects.toMatchObject({ name: 'InvalidInputError' });

        expect(await table.listTownInstances(town)).toEqual([]);
      });
    });

    describe('FollowUp', () => {
      it('sends one digest per recipient, writes the new state, and reports an owner without an address', async () => {
        await openPeriod('2022-06-01');

        const result = await followUp('2022-06-01');

        expect(result).toMatchObject({ shard, date: '2022-06-01', afterTown: town, more: false, towns: 1, instances: 5, emails: 2, uncertain: 0, unreachable: [{ town, unit: 'village-2', instances: 1 }] });
        const mail = await env.mailbox.messages();
        expect(mail.map((m) => m.destination.to).sort()).toEqual([[address('emergency-office')], [address('village-1')]]);
        for (const message of mail) {
          expect(message.from).toBe(process.env['MAIL_FROM']);
          expect(message.body.text).toContain('每月分析消防安全形势');
          expect(message.body.text).toContain('每月开展消防安全检查');
        }
        expect((await table.listIntents(town, '2022-06-01')).map((i) => [i.recipient, i.status])).toEqual([
          [address('emergency-office'), 'sent'],
          [address('village-1'), 'sent'],
        ]);
        // Every instance moved on, the one whose owner has no address too: its notice is not pending for ever.
        for (const id of juneInstances) {
          expect(await table.getInstance(id)).toMatchObject({ version: 1, done: ['notice'], nextActionOn: '2022-06-23' });
        }
      });

      it('finds nothing more to do when run again the same day, and nothing on another shard', async () => {
        await openPeriod('2022-06-01');
        await followUp('2022-06-01');

        const again = await followUp('2022-06-01');
        const otherShard = await followUp('2022-06-01', (shard + 1) % Number(process.env['FOLLOW_UP_SHARDS']));

        expect(again).toMatchObject({ towns: 0, instances: 0, emails: 0, more: false });
        expect(again).not.toHaveProperty('afterTown');
        expect(otherShard).toMatchObject({ towns: 0, instances: 0, emails: 0 });
        expect(await recipients()).toEqual([address('emergency-office'), address('village-1')]);
      });

      it('does not mail twice when a run sent its digests but could not write the new state', async () => {
        await openPeriod('2022-06-01');
        const before = await table.listTownInstances(town);
        await followUp('2022-06-01');
        // As if that run had crashed after sending: the stored state is the one before it.
        for (const record of before) await table.saveInstance({ ...record, version: record.version + 1 });

        const rerun = await followUp('2022-06-01');

        expect(rerun).toMatchObject({ instances: 5, emails: 0, uncertain: 0 });
        expect(await recipients()).toEqual([address('emergency-office'), address('village-1')]);
      });

      it('sends the reminders on their day, to the owners only', async () => {
        await openPeriod('2022-06-01');
        await followUp('2022-06-01');
        await env.mailbox.clear();

        const result = await followUp('2022-06-23');

        expect(result).toMatchObject({ instances: 5, emails: 2, unreachable: [{ town, unit: 'village-2', instances: 1 }] });
        expect(await recipients()).toEqual([address('emergency-office'), address('village-1')]);
        expect(await table.getInstance(analysis('village-1'))).toMatchObject({ done: ['notice', 'reminder:2022-06-23'], nextActionOn: '2022-06-29', light: 'yellow' });
      });
    });

    describe('ReportWork', () => {
      beforeEach(async () => {
        await openPeriod('2022-06-01');
      });

      it('answers 200 and stores the report; the instance leaves the due index', async () => {
        const response = await report(analysis('emergency-office'), goodReport, '2022-06-20T02:00:00Z');

        expect(response).toEqual({
          status: 200,
          body: { id: analysis('emergency-office'), status: 'on_time', light: 'green', completedOn: '2022-06-20', dueOn: '2022-06-30', version: 1 },
        });
        expect(await table.getInstance(analysis('emergency-office'))).toMatchObject({
          completedOn: '2022-06-20',
          nextActionOn: null,
          reports: [{ n: 1, on: '2022-06-20', note: goodReport.note, evidence: goodReport.evidence }],
        });
        expect((await table.queryDue(shard, '2022-12-31')).map((r) => r.id)).not.toContain(analysis('emergency-office'));
      });

      it('takes the day in Asia/Shanghai: 17:00 UTC is the next morning there', async () => {
        const response = await report(analysis('village-1'), goodReport, '2022-06-30T17:00:00Z');

        expect(response.body).toMatchObject({ completedOn: '2022-07-01', status: 'late' });
      });

      it('answers 409 to a second report of the same instance, and keeps the first', async () => {
        await report(analysis('emergency-office'), goodReport, '2022-06-20T02:00:00Z');

        const second = await report(analysis('emergency-office'), { note: '再报一次' }, '2022-06-21T02:00:00Z');

        expect(second.status).toBe(409);
        expect(second.body['message']).toContain('already reported');
        expect(await table.getInstance(analysis('emergency-office'))).toMatchObject({ version: 1, completedOn: '2022-06-20', reports: [{ n: 1, note: goodReport.note }] });
      });

      it('answers 400 with the zod issues for a bad body, and stores nothing', async () => {
        const before = await table.getInstance(analysis('village-1'));

        const response = await report(analysis('village-1'), { note: '', evidence: [{ kind: 'selfie', name: 'x' }], extra: 1 }, '2022-06-20T02:00:00Z');
        const notJson = await report(analysis('village-1'), '{not json', '2022-06-20T02:00:00Z');

        expect(response.status).toBe(400);
        expect(response.body['issues']).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ path: 'note', message: expect.any(String) }),
            expect.objectContaining({ path: 'evidence[0].kind', message: expect.any(String) }),
            expect.objectContaining({ path: '', message: expect.stringContaining('extra') }),
          ]),
        );
        expect(notJson).toEqual({ status: 400, body: { message: 'request body: 1 problem(s)', issues: [{ path: '', message: 'the body is not valid JSON' }] } });
        expect(await table.getInstance(analysis('village-1'))).toEqual(before);
      });

      it('answers 404 for an instance that does not exist, and 400 for an id that cannot be one', async () => {
        const unknown = await report(instance('monthly-analysis', 'emergency-office', '2021-01'), goodReport, '2022-06-20T02:00:00Z');
        const malformed = await report('not-an-instance', goodReport, '2022-06-20T02:00:00Z');

        expect(unknown.status).toBe(404);
        expect(malformed.status).toBe(400);
        expect(await table.listTownInstances(town)).toHaveLength(5);
      });
    });

    describe('MonthlyReport', () => {
      it('mails leadership and the committee office once, on the first working day of the month only', async () => {
        await openPeriod('2022-06-01');
        await report(analysis('emergency-office'), goodReport, '2022-06-20T02:00:00Z');

        const notThatDay = await invoke(handlers.MonthlyReport, 'MonthlyReport', { town, date: '2022-07-04' });
        const mailBefore = await recipients();
        const onTheDay = await invoke(handlers.MonthlyReport, 'MonthlyReport', { town, date: '2022-07-01' });
        const repeated = await invoke(handlers.MonthlyReport, 'MonthlyReport', { town, date: '2022-07-01' });

        expect(notThatDay).toMatchObject({ sent: 0, skipped: 'not the first working day of the month' });
        expect(mailBefore).toEqual([]);
        // Four of June's five instances were not reported by their due date; village-2 cannot be reached.
        expect(onTheDay).toEqual({ town, date: '2022-07-01', month: '2022-06', sent: 3, overdue: 4, unreachable: 1 });
        expect(repeated).toMatchObject({ sent: 0 });
        expect(await recipients()).toEqual([address('deputy-head'), address('fire-office'), address('town-head')]);
      });
    });

    describe('AnnualEvaluation', () => {
      it('mails the evaluation and the sanctions once, on the last working day of the year only', async () => {
        await openPeriod('2022-06-01');
        await report(analysis('emergency-office'), goodReport, '2022-06-20T02:00:00Z');
        await report(inspection('emergency-office'), goodReport, '2022-06-21T02:00:00Z');

        const notThatDay = await invoke(handlers.AnnualEvaluation, 'AnnualEvaluation', { town, date: '2022-12-29' });
        const mailBefore = await recipients();
        const onTheDay = await invoke(handlers.AnnualEvaluation, 'AnnualEvaluation', { town, date: '2022-12-30' });
        const repeated = await invoke(handlers.AnnualEvaluation, 'AnnualEvaluation', { town, date: '2022-12-30' });

        expect(notThatDay).toMatchObject({ sent: 0, skipped: 'not the last working day of the year' });
        expect(mailBefore).toEqual([]);
        expect(onTheDay).toMatchObject({ town, date: '2022-12-30', year: 2022 });
        const sanctioned = (onTheDay['sanctions'] as { unit: string }[]).map((s) => s.unit).sort();
        // 应急办 did all its work; both villages missed theirs.
        expect(sanctioned).toEqual(['village-1', 'village-2']);
        // Leadership and the office get the evaluation; the sanctioned village with an address gets its notice.
        expect(onTheDay['sent']).toBe(4);
        expect(repeated).toMatchObject({ sent: 0 });
        expect(await recipients()).toEqual([address('deputy-head'), address('fire-office'), address('town-head'), address('village-1')]);
      });
    });
  });
}
