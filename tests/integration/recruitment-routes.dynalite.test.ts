/**
 * The recruitment routes (item 17) on dynalite, through their handler as API Gateway calls it:
 * reading the campaign, recording counts by stage (the owning unit 应急办 and admins), setting the
 * pass-rate model (admins), and the ledger. Refused requests — another unit, a leader writing, a
 * funnel that does not hold, a stale version — leave the table exactly as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HEADER_ROW } from '../../functions/core/workbook.ts';
import type { TokenClaimsInput } from '../../local/api/local-auth.ts';
import { dynaliteTable, routeCaller, workbookOf, type Handler, type RouteRequest } from '../support/api-call.ts';
import { describeOnEngine } from '../support/dynamodb-engines.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const TOWN = 'qingfeng';
const plan = buildPlan({
  duties: [
    dutyInput(),
    dutyInput({
      id: 'c17-recruit-firefighters',
      clause: '17',
      quote: '新招录政府专职消防员15人',
      title: { zh: '新招录政府专职消防员', en: 'Recruit new government full-time firefighters' },
      cadence: 'annual',
      due: { from: 'end', restDay: 'previous' },
      evidence: ['list', 'figures'],
      target: { value: 15, unit: '人', measure: '新招录政府专职消防员人数', comparison: 'at-least' },
      weight: 5,
    }),
  ],
});

const admin: TokenClaimsInput = { role: 'admin', town: TOWN, subject: 'admin-1' };
const leader: TokenClaimsInput = { role: 'leader', town: TOWN };
const owner: TokenClaimsInput = { role: 'unit', town: TOWN, unit: 'emergency-office', subject: 'emergency-1' };
const village: TokenClaimsInput = { role: 'unit', town: TOWN, unit: 'village-1' };
const otherTownAdmin: TokenClaimsInput = { role: 'admin', town: 'yongxing' };

/** 10:30 on 20 June 2022 in Shanghai. */
const AT = '2022-06-20T02:30:00Z';
const FUNNEL = { 'plan-approved': 15, announcement: 15, registration: 120, 'qualification-review': 110, 'written-test': 90, 'physical-test': 50, interview: 20 };

describeOnEngine('the recruitment routes', 'dynalite', () => {
  const handlers = {} as Record<'Recruitment', Handler>;
  const db = dynaliteTable((table) => table.putTownPlan(plan, 'v1'));
  const { snapshot } = db;

  beforeAll(async () => {
    handlers.Recruitment = (await import('../../functions/handlers/recruitment.ts')).handler;
  });

  const api = routeCaller({ handlers, functionOf: () => 'Recruitment', requestIds: 'recruitment', headers: { 'user-agent': 'vitest' } });
  const send = (routeKey: string, as: TokenClaimsInput, options: Partial<RouteRequest> = {}) => api(routeKey, { as, at: AT, ...options });

  const read = (as: TokenClaimsInput, query?: Record<string, string>) => send('GET /recruitment', as, query ? { query } : {});
  const putStages = (as: TokenClaimsInput, body: unknown, id = '2022') => send('PUT /recruitment/{id}/stages', as, { id, body });
  const putModel = (as: TokenClaimsInput, body: unknown) => send('PUT /recruitment/{id}/model', as, { id: '2022', body });

  const audit = async () => (await snapshot()).filter((i) => i['entity'] === 'audit');

  describe('GET /recruitment', () => {
    it("shows the year's campaign from the plan before anything is recorded: target, deadline, the twelve stages at 0, version 0", async () => {
      const answer = await read(admin);

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: '2022',
        town: TOWN,
        dutyId: 'c17-recruit-firefighters',
        owner: 'emergency-office',
        target: 15,
        deadline: '2022-12-30',
        version: 0,
        stored: false,
        history: [],
        escalations: [],
        trajectory: { asOf: '2022-06-20', status: 'on-track', hired: 0, expected: 15 },
      });
      const stages = answer.body['stages'] as { stage: string; zh: string; count: number }[];
      expect(stages.map((s) => s.zh)).toEqual(['招录计划审批', '发布公告', '报名', '资格审查', '笔试', '体能测试', '面试', '体检', '政治考察', '公示', '聘用', '入职培训']);
      expect(stages.every((s) => s.count === 0)).toBe(true);
    });

    it('is read by the owning unit and leaders; another unit and another town are refused; a town or year without the duty is 404', async () => {
      expect((await read(owner)).status).toBe(200);
      expect((await read(leader, { year: '2022' })).status).toBe(200);
      expect((await read(village)).status).toBe(403);
      expect((await read(otherTownAdmin, { town: TOWN })).status).toBe(403);
      expect((await send('PUT /recruitment/{id}/stages', otherTownAdmin, { id: '2022', body: { version: 0, counts: FUNNEL } })).status).toBe(404);
      expect((await read(admin, { town: 'yongxing' })).status).toBe(403);
      expect((await read(admin, { year: '2023' })).status).toBe(404);
      expect((await read(admin, { year: '2022', stage: 'x' })).status).toBe(400);
    });
  });

  describe('PUT /recruitment/{id}/stages', () => {
    it('lets the owning unit record counts: stored with who and when, audited, the trajectory recomputed', async () => {
      const answer = await putStages(owner, { version: 0, counts: FUNNEL, note: '面试结束' });

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ version: 1, stored: true, counts: { registration: 120, interview: 20, hired: 0 }, trajectory: { status: 'behind', thinStage: 'interview', projected: 10 } });
      expect(answer.body['history']).toEqual([
        {
          at: '2022-06-20T02:30:00.000Z',
          on: '2022-06-20',
          by: 'emergency-1',
          role: 'unit',
          unit: 'emergency-office',
          note: '面试结束',
          action: 'stages',
          changes: Object.entries(FUNNEL).map(([field, to]) => ({ field, from: 0, to })),
        },
      ]);
      expect((await read(leader)).body).toMatchObject({ version: 1, counts: FUNNEL });
      expect(await audit()).toEqual([
        expect.objectContaining({ action: 'recruitment.stages', target: 'recruitment:2022', actor: { subject: 'emergency-1', role: 'unit', unit: 'emergency-office' }, before: null, reason: '面试结束' }),
      ]);
    });

    it('keeps the stages not given, and lets an admin record the next ones', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });

      const answer = await putStages(admin, { version: 1, counts: { 'medical-check': 18, 'political-review': 17 } });

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ version: 2, counts: { ...FUNNEL, 'medical-check': 18, 'political-review': 17 }, trajectory: { status: 'on-track' } });
      expect((answer.body['history'] as unknown[]).length).toBe(2);
    });

    it('refuses another unit and leaders, and writes nothing', async () => {
      const before = await snapshot();

      const other = await putStages(village, { version: 0, counts: FUNNEL });
      const leaderWrite = await putStages(leader, { version: 0, counts: FUNNEL });

      expect(other.status).toBe(403);
      expect(leaderWrite.status).toBe(403);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a stage with more candidates than the stage before, naming the stage, and writes nothing', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });
      const before = await snapshot();

      const answer = await putStages(owner, { version: 1, counts: { interview: 10, 'medical-check': 12 } });

      expect(answer.status).toBe(400);
      expect(answer.body['issues']).toEqual([{ path: 'counts.medical-check', message: expect.stringContaining('体检 人数 12 多于 面试 人数 10') }]);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a change to one stage that leaves a later stage above it', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });

      const answer = await putStages(owner, { version: 1, counts: { 'physical-test': 15 } });

      expect(answer.status).toBe(400);
      expect(answer.body['issues']).toEqual([{ path: 'counts.interview', message: expect.stringContaining('面试 人数 20 多于 体能测试 人数 15') }]);
    });

    it.each([
      ['a negative count', { registration: -1 }, 'counts.registration', 'a count cannot be negative'],
      ['a fraction', { interview: 2.5 }, 'counts.interview', 'expected a whole number, not a fraction'],
      ['a count that is not a number', { hired: '3' }, 'counts.hired', 'expected a whole number of people (or posts)'],
      ['an unknown stage', { 'fitness-test': 3 }, 'counts', 'unknown stage(s) "fitness-test": expected one of plan-approved, announcement'],
      ['no stage at all', {}, 'counts', 'give the count of at least one stage'],
    ])('refuses %s, naming it, and writes nothing', async (_what, counts, path, message) => {
      const before = await snapshot();

      const answer = await putStages(owner, { version: 0, counts });

      expect(answer.status).toBe(400);
      expect(answer.body['issues']).toEqual([{ path, message: expect.stringContaining(message) }]);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses an unknown field, a campaign id that is not a year, and a year without the duty', async () => {
      expect((await putStages(owner, { version: 0, counts: FUNNEL, hired: 3 })).status).toBe(400);
      expect((await putStages(owner, { version: 0, counts: FUNNEL }, 'twenty')).body['issues']).toEqual([{ path: 'id', message: 'expected a campaign id: its year, e.g. 2022' }]);
      expect((await putStages(owner, { version: 0, counts: FUNNEL }, '2023')).status).toBe(404);
    });

    it('answers a stale version with 409 and the current version, and writes nothing', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });
      const before = await snapshot();

      const stale = await putStages(admin, { version: 0, counts: { 'medical-check': 18 } });

      expect(stale.status).toBe(409);
      expect(stale.body['current']).toEqual({ id: '2022', version: 1, counts: expect.objectContaining({ interview: 20, 'medical-check': 0 }) });
      expect(stale.body['message']).toBe('recruitment campaign 2022 is at version 1, not 0: read it again and decide on what it is now');
      expect(await snapshot()).toEqual(before);
    });

    it('of two first writes from version 0, takes one and answers the other 409', async () => {
      const [a, b] = await Promise.all([putStages(owner, { version: 0, counts: FUNNEL }), putStages(admin, { version: 0, counts: { 'plan-approved': 16 } })]);

      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect((await read(admin)).body['version']).toBe(1);
      expect(await audit()).toHaveLength(1);
    });
  });

  describe('PUT /recruitment/{id}/model', () => {
    it('lets an admin set pass rates and stage days, which change the projection; refuses units and rates above 1', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });

      const byUnit = await putModel(owner, { version: 1, passRates: { 'medical-check': 0.9 } });
      const tooHigh = await putModel(admin, { version: 1, passRates: { 'medical-check': 1.5 } });
      const set = await putModel(admin, { version: 1, passRates: { 'medical-check': 0.95, 'political-review': 0.95 }, stageDays: { interview: 5 } });

      expect(byUnit.status).toBe(403);
      expect(tooHigh.status).toBe(400);
      expect(tooHigh.body['issues']).toEqual([{ path: 'passRates.medical-check', message: 'a pass rate is at most 1 (100%)' }]);
      expect(set.status).toBe(200);
      // 20 × 0.95 × 0.95 × 0.95 × 0.98 = 16.8
      expect(set.body).toMatchObject({ version: 2, model: { passRates: { 'medical-check': 0.95 }, stageDays: { interview: 5 } }, trajectory: { status: 'on-track', expected: 16.8 } });
      expect((set.body['history'] as { action: string }[]).map((h) => h.action)).toEqual(['stages', 'model']);
    });
  });

  describe('GET /recruitment/ledger.xlsx', () => {
    it('gives the funnel, the history and the escalations as a workbook with Chinese headers', async () => {
      await putStages(owner, { version: 0, counts: FUNNEL });

      const answer = await send('GET /recruitment/ledger.xlsx', leader, { query: { year: '2022' } });

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(answer.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('专职消防员招录台账-青峰镇-2022-2022-06-20.xlsx')}`);
      const workbook = await workbookOf(answer);
      expect(workbook.worksheets.map((s) => s.name)).toEqual(['招录漏斗', '更新记录', '督办记录']);
      const funnel = workbook.getWorksheet('招录漏斗')!;
      expect(String(funnel.getRow(1).getCell(1).value)).toBe('青峰镇2022年新招录政府专职消防员台账（招录漏斗）');
      expect(funnel.getRow(HEADER_ROW).getCell(2).value).toBe('环节');
      expect([HEADER_ROW + 3, HEADER_ROW + 7].map((r) => [funnel.getRow(r).getCell(2).value, funnel.getRow(r).getCell(4).value])).toEqual([
        ['报名', 120],
        ['面试', 20],
      ]);
      const history = workbook.getWorksheet('更新记录')!;
      expect(history.getRow(HEADER_ROW + 1).getCell(4).value).toBe('emergency-1');
      expect(history.getRow(HEADER_ROW + 1).getCell(6).value).toBe('应急办');
    });

    it('is refused to another unit', async () => {
      expect((await send('GET /recruitment/ledger.xlsx', village, {})).status).toBe(403);
    });
  });
});
