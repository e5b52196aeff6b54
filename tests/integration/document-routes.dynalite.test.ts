/**
 * The documents of the API on dynalite, through their handlers as API Gateway calls them: the
 * ledger (GET /ledger.xlsx) with its filters and role rules, and a unit's calendar feed with the
 * rotation of its token (POST /units/{id}/feed-token). Refused requests change nothing.
 */
import type ExcelJS from 'exceljs';
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { tokenClaims, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { dynaliteTable, routeCaller, workbookOf, type Handler } from '../support/api-call.ts';
import { documentPlan, documentRecords, ids, PLAN_VERSION, TOWN } from '../support/document-fixture.ts';
import { describeOnEngine } from '../support/dynamodb-engines.ts';

const OTHER_TOWN = 'yongxing';
const AT = '2022-07-02T02:00:00Z';
const LOCAL_HOST = '127.0.0.1:3000';

const admin: TokenClaimsInput = { role: 'admin', town: TOWN };
const leader: TokenClaimsInput = { role: 'leader', town: TOWN };
const unitUser = (unit: string, town = TOWN): TokenClaimsInput => ({ role: 'unit', town, unit });
const otherAdmin: TokenClaimsInput = { role: 'admin', town: OTHER_TOWN };
const otherLeader: TokenClaimsInput = { role: 'leader', town: OTHER_TOWN };

/** The instance ids of every row of every sheet (the last column). */
function ledgerIds(workbook: ExcelJS.Workbook): Record<string, string[]> {
  const sheets: Record<string, string[]> = {};
  for (const sheet of workbook.worksheets) {
    const rows: string[] = [];
    for (let row = 4; row <= sheet.rowCount; row++) rows.push(String(sheet.getRow(row).getCell(17).value));
    sheets[sheet.name] = rows;
  }
  return sheets;
}

function eventsOf(text: string): { uid: string; summary: string; start: string }[] {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const e = new ICAL.Event(vevent);
    return { uid: e.uid, summary: e.summary, start: e.startDate.toString() };
  });
}

function calendarName(text: string): string {
  return String(new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstPropertyValue('x-wr-calname'));
}

describeOnEngine('the document routes', 'dynalite', () => {
  const plan = documentPlan();
  const otherPlan: Plan = { ...plan, id: 'yongxing-2022', town: { id: OTHER_TOWN, name: '永兴镇' } };
  const handlers = {} as Record<'Ledger' | 'CalendarFeed', Handler>;

  const db = dynaliteTable(async (table) => {
    await table.putTownPlan(plan, PLAN_VERSION);
    await table.putTownPlan(otherPlan, PLAN_VERSION);
    for (const record of documentRecords(plan)) await table.createInstance(record);
    const otherRecord: InstanceRecord = { ...documentRecords(plan)[1]!, id: `${OTHER_TOWN}:monthly-analysis:village-1:2022-06`, town: OTHER_TOWN, planId: otherPlan.id };
    await table.createInstance(otherRecord);
  });
  const { snapshot } = db;

  beforeAll(async () => {
    handlers.Ledger = (await import('../../functions/handlers/ledger.ts')).handler;
    handlers.CalendarFeed = (await import('../../functions/handlers/calendar-feed.ts')).handler;
  });

  const api = routeCaller({
    handlers,
    functionOf: (template) => (template === '/ledger.xlsx' ? 'Ledger' : 'CalendarFeed'),
    requestIds: 'documents',
    headers: { host: LOCAL_HOST, 'user-agent': 'vitest' },
  });
  const ledger = (as: TokenClaimsInput, query?: Record<string, string>) => api('GET /ledger.xlsx', { as, at: AT, ...(query ? { query } : {}) });
  const rotate = (unit: string, as: TokenClaimsInput, body?: unknown) => api('POST /units/{id}/feed-token', { id: unit, as, body, at: AT });
  const feed = (unit: string, query: Record<string, string>) => api('GET /units/{id}/calendar.ics', { id: unit, query, at: AT });

  describe('GET /ledger.xlsx', () => {
    it('gives an admin every instance of the town, one sheet per cadence, as an xlsx file named after the town and the day', async () => {
      const answer = await ledger(admin);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(answer.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('消防工作台账-青峰镇-2022-07-02.xlsx')}`);
      const sheets = ledgerIds(await workbookOf(answer));
      expect(Object.keys(sheets)).toEqual(['月度', '季度']);
      expect(sheets['月度']?.sort()).toEqual([ids.analysis('emergency-office'), ids.analysis('village-1'), ids.analysis('village-2')].sort());
      expect(sheets['季度']).toEqual([ids.meeting()]);
    });

    it('filters as GET /instances does', async () => {
      const missed = ledgerIds(await workbookOf(await ledger(admin, { status: 'missed' })));
      const villageJune = ledgerIds(await workbookOf(await ledger(leader, { unit: 'village-1', period: '2022-06' })));
      const meetings = ledgerIds(await workbookOf(await ledger(leader, { duty: 'quarterly-meeting' })));
      const awaiting = ledgerIds(await workbookOf(await ledger(admin, { review: 'awaiting', light: 'green' })));
      const none = await workbookOf(await ledger(admin, { unit: 'village-2', status: 'on_time' }));

      expect(missed).toEqual({ 月度: [ids.analysis('village-2')] });
      expect(villageJune).toEqual({ 月度: [ids.analysis('village-1')] });
      expect(meetings).toEqual({ 季度: [ids.meeting()] });
      expect(awaiting).toEqual({ 季度: [ids.meeting()] });
      expect(none.worksheets.map((s) => s.name)).toEqual(['台账']);
      expect(String(none.worksheets[0]?.getCell('A2').value)).toContain('责任单位：示例村二；状态：按时完成');
    });

    it('gives a unit user its own unit only, with or without the unit filter', async () => {
      const own = ledgerIds(await workbookOf(await ledger(unitUser('village-1'))));
      const named = await ledger(unitUser('village-1'), { unit: 'village-1' });

      expect(own).toEqual({ 月度: [ids.analysis('village-1')] });
      expect(named.status).toBe(200);
      expect(named.headers['content-disposition']).toContain(encodeURIComponent('消防工作台账-青峰镇-示例村一-2022-07-02.xlsx'));
    });

    it('refuses another unit to a unit user, another town to anyone, and a query it does not know', async () => {
      const before = await snapshot();

      const otherUnit = await ledger(unitUser('village-1'), { unit: 'village-2' });
      const otherTown = await ledger(otherLeader, { town: TOWN });
      const otherTownUnit = await ledger(unitUser('village-1', OTHER_TOWN), { town: TOWN });
      const paging = await ledger(admin, { limit: '10' });
      const badStatus = await ledger(admin, { status: 'done' });

      expect(otherUnit.status).toBe(403);
      expect(otherTown.status).toBe(403);
      expect(otherTownUnit.status).toBe(403);
      expect(paging.status).toBe(400);
      expect(badStatus.status).toBe(400);
      expect(badStatus.body['issues']).toEqual([expect.objectContaining({ path: 'status' })]);
      expect(await snapshot()).toEqual(before);
    });

    it('gives the staff of another town their own town’s ledger', async () => {
      const answer = await ledger(otherLeader);

      expect(ledgerIds(await workbookOf(answer))).toEqual({ 月度: [`${OTHER_TOWN}:monthly-analysis:village-1:2022-06`] });
    });
  });

  describe('the calendar feed and its token', () => {
    it('makes a token an admin sees once; the feed works with it and the table keeps only its hash, with an audit entry', async () => {
      const made = await rotate('village-1', admin, { reason: '首次开通' });

      expect(made.status).toBe(201);
      expect(made.headers['cache-control']).toBe('no-store');
      const { url, token, version } = made.body as { url: string; token: string; version: number };
      expect(version).toBe(1);
      expect(url).toBe(`http://${LOCAL_HOST}/units/village-1/calendar.ics?token=${token}`);
      const answer = await feed('village-1', { token: new URL(url).searchParams.get('token') ?? '' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/calendar; charset=utf-8');
      const text = answer.bytes.toString('utf8');
      expect(calendarName(text)).toBe('青峰镇消防工作 · 示例村一');
      expect(eventsOf(text)).toEqual([{ uid: `${ids.analysis('village-1')}@fireplan`, summary: '【消防】每月分析消防安全形势 截止（已逾期）', start: '2022-06-30' }]);

      const items = await snapshot();
      const stored = JSON.stringify(items);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice(token.indexOf('_') + 1));
      expect(items).toContainEqual(expect.objectContaining({ pk: `TOWN#${TOWN}`, sk: 'FEED#village-1', entity: 'feed-token', version: 1, hash: expect.any(String) }));
      const audit = items.filter((i) => i['entity'] === 'audit');
      expect(audit).toEqual([
        expect.objectContaining({
          town: TOWN,
          action: 'feed-token.rotate',
          target: 'feed-token:village-1',
          reason: '首次开通',
          before: null,
          after: { version: 1, createdAt: new Date(AT).toISOString(), createdBy: tokenClaims(admin)['sub'] },
        }),
      ]);
    });

    it('stops the old link when the token is rotated; the new one works', async () => {
      const first = (await rotate('village-1', admin)).body['token'] as string;

      const second = await rotate('village-1', admin);

      const token = second.body['token'] as string;
      expect(second.body['version']).toBe(2);
      expect((await feed('village-1', { token: first })).status).toBe(404);
      expect((await feed('village-1', { token })).status).toBe(200);
      const audit = (await snapshot()).filter((i) => i['entity'] === 'audit');
      const versions = audit.map((a) => [(a['before'] as { version?: number } | null)?.version ?? null, (a['after'] as { version: number }).version]);
      expect(versions.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
        [null, 1],
        [1, 2],
      ]);
    });

    it('refuses forged, foreign and malformed tokens alike, without telling whether the unit exists', async () => {
      const token = (await rotate('village-1', admin)).body['token'] as string;
      const foreign = (await rotate('village-1', otherAdmin)).body['token'] as string;
      const before = await snapshot();
      const secret = (t: string) => t.slice(t.indexOf('_') + 1);
      const flipped = `${TOWN}_${secret(token).slice(0, -1)}${secret(token).endsWith('A') ? 'B' : 'A'}`;

      const forged = await feed('village-1', { token: flipped });
      const otherUnit = await feed('village-2', { token });
      const unknownUnit = await feed('no-such-unit', { token });
      const foreignSecret = await feed('village-1', { token: `${TOWN}_${secret(foreign)}` });
      const unknownTown = await feed('village-1', { token: `atlantis_${secret(token)}` });
      const malformed = await feed('village-1', { token: 'x'.repeat(60) });
      const missing = await feed('village-1', {});
      const extra = await feed('village-1', { token, unit: 'village-2' });

      for (const refused of [forged, otherUnit, unknownUnit, foreignSecret, unknownTown]) {
        expect(refused.status).toBe(404);
        expect(refused.body).toEqual({ message: 'no calendar feed at this address' });
      }
      expect([malformed.status, missing.status, extra.status]).toEqual([400, 400, 400]);
      expect(await snapshot()).toEqual(before);
    });

    it('gives a token of another town that town’s feed, never this town’s', async () => {
      const foreign = (await rotate('village-1', otherAdmin)).body['token'] as string;

      const answer = await feed('village-1', { token: foreign });

      const text = answer.bytes.toString('utf8');
      expect(calendarName(text)).toBe('永兴镇消防工作 · 示例村一');
      expect(eventsOf(text).map((e) => e.uid)).toEqual([`${OTHER_TOWN}:monthly-analysis:village-1:2022-06@fireplan`]);
    });

    it('refuses a rotation written from a stale version (two admins at once): the token stored first stays, and so does the log', async () => {
      const { feedTokenPut, getFeedToken, hashToken } = await import('../../functions/adapters/feed-tokens.ts');
      const { auditPut } = await import('../../functions/adapters/audit-log.ts');
      const token = (await rotate('village-1', admin)).body['token'] as string;
      const before = await snapshot();
      const late = { town: TOWN, unit: 'village-1', hash: hashToken('late'), version: 1, createdAt: AT, createdBy: 'admin-2' };
      const entry = auditPut({ town: TOWN, at: AT, actor: { subject: 'admin-2', role: 'admin' }, action: 'feed-token.rotate', target: 'feed-token:village-1', before: null, after: { version: 1 }, requestId: 'late' });

      const write = db.table.transact('rotate feed token', [feedTokenPut(late, undefined), entry], () => new Error('conflict'));

      await expect(write).rejects.toThrow('conflict');
      expect((await getFeedToken(TOWN, 'village-1'))?.hash).toBe(hashToken(token));
      expect(await snapshot()).toEqual(before);
    });

    it('lets admins only rotate, for a unit of the active plan, and changes nothing when it refuses', async () => {
      const before = await snapshot();

      const byLeader = await rotate('village-1', leader);
      const byUnit = await rotate('village-1', unitUser('village-1'));
      const unknown = await rotate('no-such-unit', admin);
      const badBody = await rotate('village-1', admin, { reason: '', token: 'mine' });

      expect(byLeader.status).toBe(403);
      expect(byUnit.status).toBe(403);
      expect(unknown.status).toBe(404);
      expect(badBody.status).toBe(400);
      expect(await snapshot()).toEqual(before);
    });
  });
});
