/**
 * Issue 4 end to end, as its users drive it: over real HTTP against the local server
 * (`startApiServer`) in front of the synthesized template's functions on the embedded local
 * runtime, with tokens signed by the local key, files PUT to the S3 stand-in through presigned
 * URLs, mail read from the SES stand-in's own store, and days replayed on the template's schedules.
 *
 * The server and the runtime share one clock (`now`), set by each scenario to the moment its user
 * acts: requests are dated by it, tokens are minted at it, and the S3 stand-in judges a presigned
 * URL's expiry by it (an upload URL signed in 2022 would be long expired on the system clock).
 * `startWorkflowHarness` (tests/support/workflow-runtime.ts) makes its runtime without a clock, so
 * this file makes its own runtime, with the harness's helpers (townPlan, digestItems …). The
 * scenarios run in order in one runtime; each has its own town, seeded when it starts.
 *
 * 1. an admin moves a duty's due date, and the next replayed days' notices follow the new date;
 * 2. a unit reports work with a file, the admin returns it, the unit reports again, the admin
 *    accepts; the ladder resumes while the report is returned, and stops when it is reported again;
 * 3. the ledger opens in exceljs with the right sheets and rows, for an admin and for a unit;
 * 4. a unit's calendar feed parses with ical.js, and a rotated link stops working;
 * 5. the OpenAPI document is a valid OpenAPI 3.1 document with every route of the route table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import ExcelJS from 'exceljs';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/api/route-table.ts';
import { addDays, type IsoDate } from '../../functions/core/dates.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { loadOrCreateKeys, mintToken, tokenClaims, type LocalKeys, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { startApiServer, type ApiServer } from '../../local/api/server.ts';
import type { MailMessage } from '../../local/runtime/emulators.ts';
import { createLocalRuntime, type LocalRuntime, type ScheduledRun } from '../../local/runtime/runtime.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';
import { daysFrom, digestItems, heardOf, repoRoot, shanghai, townPlan } from '../support/workflow-runtime.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MONTHLY = 'c02-monthly-situation-analysis';
const QUARTERLY = 'c02-quarterly-industry-meeting';
const ANNUAL = 'c02-annual-industry-evaluation';
/** The owners of the three duties above, in the plan's order. */
const OWNERS = ['economic-office', 'emergency-office', 'civil-affairs-office', 'culture-center', 'hospital', 'education-center'];

/** The one clock of the server and the runtime: set by each scenario to when its user acts. */
let now = new Date(shanghai('2022-04-15', '09:00'));
const clock = () => now;
function at(day: IsoDate, time: string): void {
  now = new Date(shanghai(day, time));
}

const work = mkdtempSync(join(tmpdir(), 'fireplan-api-scenarios-'));
let runtime: LocalRuntime;
let api: ApiServer;
let keys: LocalKeys;
let table: typeof import('../../functions/adapters/table.ts');

beforeAll(async () => {
  const { template, templatePath } = await loadOrSynthesize({ repoRoot });
  runtime = createLocalRuntime({ templatePath, repoRoot, env: { LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'SILENT' }, clock });
  await runtime.start();
  // Only now: the adapters read the environment the runtime has just set.
  table = await import('../../functions/adapters/table.ts');
  keys = await loadOrCreateKeys(join(work, 'data'));
  api = await startApiServer({ template, runtime, publicKey: keys.publicKey, clock });
}, 180_000);

afterAll(async () => {
  await api?.close();
  await runtime?.stop();
  rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// A client of the API

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** A token as `fireplan token` mints it, issued now (on the shared clock) for an hour. */
function token(who: TokenClaimsInput): Promise<string> {
  return mintToken(keys, tokenClaims(who), { now: clock(), expiresInSeconds: 3600 });
}

async function request(method: string, path: string, who?: TokenClaimsInput, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (who) headers['authorization'] = `Bearer ${await token(who)}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

const get = (path: string, who?: TokenClaimsInput) => request('GET', path, who);
const post = (path: string, who: TokenClaimsInput, body: unknown) => request('POST', path, who, body);
const patch = (path: string, who: TokenClaimsInput, body: unknown) => request('PATCH', path, who, body);

async function download(path: string, who?: TokenClaimsInput): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${api.url}${path}`, who ? { headers: { authorization: `Bearer ${await token(who)}` } } : {});
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

const instancePath = (id: string, action = '') => `/instances/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

/** Every instance the list gives, following `next` to the end. */
async function allInstances(query: string, who: TokenClaimsInput): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/instances?${query ? `${query}&` : ''}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, who);
    expect(page.status).toBe(200);
    items.push(...(page.body['items'] as Json[]));
    cursor = page.body['next'] as string | null;
  } while (cursor);
  return items;
}

/** The town's audit log for one target, oldest first. */
async function auditOf(target: string, who: TokenClaimsInput): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/audit?target=${encodeURIComponent(target)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, who);
    expect(page.status).toBe(200);
    items.push(...(page.body['items'] as Json[]));
    cursor = page.body['next'] as string | null;
  } while (cursor);
  return items.reverse();
}

// ---------------------------------------------------------------------------------------------
// The world around it

async function seed(plan: Plan): Promise<void> {
  await table.putTownPlan(plan, 'v1');
}

/** Opens a town's period of a cadence on a day, as PeriodOpening's Map does for each town. */
async function openPeriod(town: string, cadence: string, date: IsoDate): Promise<void> {
  const result = (await runtime.invokeFunction('OpenPeriod', { town, cadence, date })) as { created?: number };
  expect(result.created).toBeGreaterThan(0);
}

/** What the SES stand-in holds, read from its own store over HTTP, as its web page reads it. */
async function mailStore(): Promise<MailMessage[]> {
  const response = await fetch(`${runtime.mailbox.url}/store`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { emails: MailMessage[] }).emails;
}

interface ReplayedDay {
  day: IsoDate;
  runs: ScheduledRun[];
  mail: MailMessage[];
}

/** Fires the template's schedules day by day (each Shanghai day from 00:00 to 24:00), with what reached the mailbox that day. */
async function replay(from: IsoDate, to: IsoDate): Promise<ReplayedDay[]> {
  const days: ReplayedDay[] = [];
  for (const day of daysFrom(from, to)) {
    const before = new Set((await mailStore()).map((m) => m.messageId));
    const runs = await runtime.fireSchedules(shanghai(day), shanghai(addDays(day, 1)));
    days.push({ day, runs, mail: (await mailStore()).filter((m) => !before.has(m.messageId)) });
  }
  return days;
}


/** The ledger's header row, as docs/api-documents.md lists it. */
const LEDGER_HEADERS = ['序号', '条款', '工作事项', '责任单位', '周期', '开始日期', '截止日期', '完成日期', '状态', '灯色', '督办记录', '审核', '报送情况', '目标与完成数', '应报材料', '佐证材料', '实例编号'];

const day = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);

// ---------------------------------------------------------------------------------------------

describe('1. an admin moves a duty’s due date, and the next replayed days’ notices follow the new date', () => {
  // September 2022, as planned: due Friday 30 September (the period's last working day), reminders
  // 5 and 1 working days before (Friday 23 and Thursday 29 September), yellow on the next working
  // day after it (8 October, a make-up working day after the National Day holiday).
  it('moves the reminders off the old days and onto the new ones, shows the new due date and audits the edit', async () => {
    const town = 'e2e-edit';
    const admin = { role: 'admin', town } as const;
    const id = `${town}:${MONTHLY}:emergency-office:2022-09`;
    await seed(townPlan(town, { duties: [MONTHLY] }));

    // Prepare: the month opens on the schedules, and the unit hears of its new task on 1 September.
    const beforeEdit = await replay('2022-09-01', '2022-09-08');
    at('2022-09-08', '17:00');
    const duty = await get(`/duties/${MONTHLY}`, admin);
    const planned = await get(instancePath(id), admin);

    // Act: ten days earlier, on the version read.
    const edit = await patch(`/duties/${MONTHLY}`, admin, { version: duty.body['version'], due: { from: 'end', days: -10, restDay: 'previous' }, reason: '提前完成形势分析，以便汇总上报' });
    const again = await patch(`/duties/${MONTHLY}`, admin, { version: duty.body['version'], due: { from: 'end', days: -5, restDay: 'previous' }, reason: '再提前' });
    const same = await patch(`/duties/${MONTHLY}`, admin, { version: 1, due: { from: 'end', days: -10, restDay: 'previous' }, reason: '重复提交' });
    const moved = await get(instancePath(id), { role: 'unit', town, unit: 'emergency-office' });
    const dutyAfter = await get(`/duties/${MONTHLY}`, admin);
    const afterEdit = await replay('2022-09-09', '2022-09-30');
    const days = [...beforeEdit, ...afterEdit];

    // Assess: what was read before the edit …
    expect(duty.status).toBe(200);
    expect(duty.body).toMatchObject({ id: MONTHLY, version: 0, due: { from: 'end', restDay: 'previous' }, current: { period: '2022-09', dueOn: '2022-09-30', reminders: ['2022-09-23', '2022-09-29'] } });
    expect(planned.body).toMatchObject({ id, dueOn: '2022-09-30', reminders: ['2022-09-23', '2022-09-29'], done: ['notice'] });
    // … the edit, once (the second writer, on the old version, is told the current one) …
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ item: { id: MONTHLY, version: 1, due: { from: 'end', days: -10 } }, changed: true });
    expect([...(edit.body['instances']['updated'] as string[])].sort()).toEqual(OWNERS.map((o) => `${town}:${MONTHLY}:${o}:2022-09`).sort());
    expect(again.status).toBe(409);
    expect(again.body['current']).toMatchObject({ id: MONTHLY, version: 1, due: { from: 'end', days: -10 } });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ changed: false, item: { version: 1 } });
    // … the instance and the duty as the unit and the admin now read them …
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id, dueOn: '2022-09-20', reminders: ['2022-09-13', '2022-09-19'], yellowOn: '2022-09-21', redOn: '2022-09-27', completedOn: null });
    expect(dutyAfter.body).toMatchObject({ version: 1, current: { period: '2022-09', dueOn: '2022-09-20' } });
    // … and the mail of the replayed days: nothing on the old reminder days, each notice on its new day.
    expect(days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(heardOf(days, id)).toEqual({
      '2022-09-01': ['emergency-office 新任务'],
      '2022-09-13': ['emergency-office 到期提醒'],
      '2022-09-19': ['emergency-office 到期提醒'],
      '2022-09-21': ['emergency-office 督办·黄灯', 'fire-office 督办·黄灯'],
      '2022-09-27': ['deputy-head 督办·红灯', 'emergency-office 督办·红灯', 'fire-office 督办·红灯'],
    });
    const oldReminderDays = days.filter((d) => d.day === '2022-09-23' || d.day === '2022-09-29');
    expect(oldReminderDays.flatMap((d) => d.mail.flatMap(digestItems)).filter((i) => i.instanceId.startsWith(`${town}:`))).toEqual([]);
    expect((await get(instancePath(id), admin)).body).toMatchObject({ dueOn: '2022-09-20', status: 'open', light: 'red', escalations: [{ level: 1, on: '2022-09-21' }, { level: 2, on: '2022-09-27' }] });

    // The audit log has the edit, by the admin, with the due rule before and after and the reason.
    const audit = await auditOf(`duty:${MONTHLY}`, admin);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      town,
      at: shanghai('2022-09-08', '17:00'),
      actor: { subject: `local:admin:${town}`, role: 'admin' },
      action: 'duty.edit',
      target: `duty:${MONTHLY}`,
      before: { due: { from: 'end', restDay: 'previous' } },
      after: { due: { from: 'end', days: -10, restDay: 'previous' } },
      reason: '提前完成形势分析，以便汇总上报',
    });
    expect(audit[0]?.['before']['due']['days'] ?? 0).toBe(0);

    // The ledger the office prints shows the new date and the escalations it led to.
    at('2022-09-30', '17:00');
    const ledger = await download('/ledger.xlsx?unit=emergency-office&period=2022-09', admin);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(ledger.bytes as unknown as ArrayBuffer);
    const row = workbook.getWorksheet('月度')?.getRow(4);
    const cell = (header: string) => row?.getCell(LEDGER_HEADERS.indexOf(header) + 1).value;
    expect(ledger.status).toBe(200);
    expect([cell('实例编号'), day(cell('截止日期')), cell('状态'), cell('灯色'), cell('督办记录')]).toEqual([id, '2022-09-20', '进行中', '红', '黄灯督办 2022-09-21；红灯通报 2022-09-27']);
  }, 240_000);

  it('sends, on the day after an edit that moved the due date into the past, the escalation the new date has reached instead of the old reminder', async () => {
    // Edited on Thursday 22 September, the eve of the old first reminder, to be due on the 20th:
    // the reminders (13, 19) and yellow (21) are past. The next follow-up, on the 23rd, sends one
    // yellow escalation (not the reminder the old date named, not a burst); red on the 27th.
    const town = 'e2e-edit-late';
    const admin = { role: 'admin', town } as const;
    const id = `${town}:${MONTHLY}:emergency-office:2022-09`;
    await seed(townPlan(town, { duties: [MONTHLY] }));
    const beforeEdit = await replay('2022-09-01', '2022-09-22');
    at('2022-09-22', '17:00');
    const { body: duty } = await get(`/duties/${MONTHLY}`, admin);

    const edit = await patch(`/duties/${MONTHLY}`, admin, { version: duty['version'], due: { from: 'end', days: -10, restDay: 'previous' }, reason: '按区里要求提前' });
    const next = await replay('2022-09-23', '2022-09-23');
    const rest = await replay('2022-09-24', '2022-09-30');

    expect(edit.status).toBe(200);
    expect(heardOf(beforeEdit, id)).toEqual({ '2022-09-01': ['emergency-office 新任务'] });
    expect(heardOf(next, id)).toEqual({ '2022-09-23': ['emergency-office 督办·黄灯', 'fire-office 督办·黄灯'] });
    expect(heardOf(rest, id)).toEqual({ '2022-09-27': ['deputy-head 督办·红灯', 'emergency-office 督办·红灯', 'fire-office 督办·红灯'] });
    expect((await get(instancePath(id), admin)).body).toMatchObject({ dueOn: '2022-09-20', escalations: [{ level: 1, on: '2022-09-23' }, { level: 2, on: '2022-09-27' }] });
  }, 240_000);
});

describe('2. a unit reports work with a file, the admin returns it, the unit reports again, the admin accepts', () => {
  // June 2022: opened on the 1st by the schedules (notice that day), reminders 23 and 29 June, due
  // Thursday 30 June. Reported on the 20th, returned on the 21st (the ladder resumes: the reminder
  // of the 23rd goes out), reported again on Friday the 24th (the ladder stops), accepted on Monday the 27th.
  const town = 'e2e-review';
  const unit = { role: 'unit', town, unit: 'emergency-office' } as const;
  const admin = { role: 'admin', town } as const;
  const id = `${town}:${MONTHLY}:emergency-office:2022-06`;

  beforeAll(async () => {
    await seed(townPlan(town, { duties: [MONTHLY] }));
  });

  /** Asks for an upload URL, PUTs the file there with the headers given: the key to report. */
  async function upload(name: string, contentType: string, bytes: Uint8Array): Promise<{ asked: Answer; put: Response; key: string }> {
    const asked = await post(instancePath(id, 'evidence'), unit, { name, contentType, size: bytes.length });
    const put = await fetch(String(asked.body['uploadUrl']), { method: String(asked.body['method']), headers: asked.body['headers'] as Record<string, string>, body: bytes });
    return { asked, put, key: String(asked.body['key']) };
  }

  it('takes the file, the report, the return with its reason, the second report and the acceptance, refuses a stale second acceptance, and audits each step in order', async () => {
    const minutes = new TextEncoder().encode('%PDF-1.4\n% 6月行业消防安全形势分析会会议纪要\n%%EOF\n');
    const signIn = new Uint8Array(2048).fill(0xff);
    const days = await replay('2022-06-01', '2022-06-20');

    // The unit, on Monday 20 June: a file, then the report naming it.
    at('2022-06-20', '10:30');
    const first = await upload('6月 会议纪要.pdf', 'application/pdf', minutes);
    const wrongFile = await fetch(String(first.asked.body['uploadUrl']), { method: 'PUT', headers: { 'content-type': 'image/png' }, body: minutes });
    const late = await post(instancePath(id, 'evidence'), unit, { name: '照片.jpg', contentType: 'image/jpeg', size: 3 });
    at('2022-06-20', '10:46');
    const expired = await fetch(String(late.body['uploadUrl']), { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(3) });
    const reported = await post(instancePath(id, 'report'), unit, {
      note: '6月20日召开行业消防安全形势分析会',
      evidence: [{ kind: 'report', name: '6月 会议纪要.pdf', key: first.key, size: minutes.length }],
    });
    const awaiting = await get(instancePath(id), admin);
    days.push(...(await replay('2022-06-21', '2022-06-21')));

    // The admin, on the 21st: returned, with a reason.
    at('2022-06-21', '09:15');
    const returned = await post(instancePath(id, 'return'), admin, { version: awaiting.body['version'], reason: '缺少会议签到表' });
    const reopened = await get(instancePath(id), unit);
    days.push(...(await replay('2022-06-22', '2022-06-24')));

    // The unit, on Friday the 24th: the sign-in sheet as well, reported again.
    at('2022-06-24', '16:00');
    const second = await upload('签到表.png', 'image/png', signIn);
    const reportedAgain = await post(instancePath(id, 'report'), unit, {
      note: '补充会议签到表',
      evidence: [
        { kind: 'report', name: '6月 会议纪要.pdf', key: first.key, size: minutes.length },
        { kind: 'sign-in-sheet', name: '签到表.png', key: second.key, size: signIn.length },
      ],
    });
    const toReview = await get(instancePath(id), admin);
    days.push(...(await replay('2022-06-25', '2022-06-27')));

    // The admin, on Monday the 27th: accepted; the same acceptance sent again, on the version it was read at.
    at('2022-06-27', '11:00');
    const accepted = await post(instancePath(id, 'accept'), admin, { version: toReview.body['version'] });
    const stale = await post(instancePath(id, 'accept'), admin, { version: toReview.body['version'] });
    const final = await get(instancePath(id), admin);
    days.push(...(await replay('2022-06-28', '2022-07-15')));

    // The file went where the URL said, as declared (and only as declared).
    expect(first.asked.status).toBe(201);
    expect(first.asked.body).toMatchObject({ name: '6月 会议纪要.pdf', size: minutes.length, method: 'PUT', headers: { 'content-type': 'application/pdf' } });
    expect(first.key.startsWith(`evidence/${town}/${id.replaceAll(':', '.')}/`)).toBe(true);
    expect(String(first.asked.body['uploadUrl']).startsWith(`${runtime.endpoints.s3}/`)).toBe(true);
    expect(first.asked.body['expiresAt']).toBe(new Date(Date.parse(shanghai('2022-06-20', '10:30')) + 15 * 60_000).toISOString());
    expect([first.put.status, wrongFile.status, second.put.status]).toEqual([200, 403, 200]);
    // A URL used after its 15 minutes, on the runtime's clock: refused.
    expect(late.status).toBe(201);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('AccessDenied');
    // Reported, awaiting review.
    expect(reported.status).toBe(200);
    expect(reported.body).toMatchObject({ id, status: 'on_time', completedOn: '2022-06-20', dueOn: '2022-06-30' });
    expect(awaiting.body).toMatchObject({ review: 'awaiting', completedOn: '2022-06-20', reports: [{ n: 1, on: '2022-06-20', evidence: [{ key: first.key, size: minutes.length }] }] });
    // Returned: open again, with the reason for the unit to read.
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ id, review: 'returned', status: 'open', completedOn: null, nextActionOn: '2022-06-23', version: (awaiting.body['version'] as number) + 1 });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ review: 'returned', completedOn: null, status: 'open' });
    expect(reopened.body['reviews']).toEqual([expect.objectContaining({ report: 1, outcome: 'returned', on: '2022-06-21', reason: '缺少会议签到表' })]);
    // Reported again, then accepted: done on the day of the second report.
    expect(second.asked.status).toBe(201);
    expect(reportedAgain.status).toBe(200);
    expect(reportedAgain.body).toMatchObject({ status: 'on_time', completedOn: '2022-06-24' });
    expect(toReview.body).toMatchObject({ review: 'awaiting', reports: [{ n: 1 }, { n: 2, on: '2022-06-24', note: '补充会议签到表' }] });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id, review: 'accepted', status: 'on_time', completedOn: '2022-06-24', version: (toReview.body['version'] as number) + 1 });
    expect(final.body).toMatchObject({ review: 'accepted', completedOn: '2022-06-24', version: accepted.body['version'] });
    expect(final.body['reviews']).toEqual([expect.objectContaining({ report: 1, outcome: 'returned' }), expect.objectContaining({ report: 2, outcome: 'accepted', on: '2022-06-27' })]);
    // The second acceptance: 409, with the version the instance is at now, and nothing changed.
    expect(stale.status).toBe(409);
    expect(stale.body['current']).toEqual({ id, version: accepted.body['version'], review: 'accepted', completedOn: '2022-06-24' });
    expect((await get(instancePath(id), admin)).body).toEqual(final.body);
    // The unit heard of its task, nothing while its report stood, the reminder of the 23rd once it was
    // returned, and nothing after it reported again.
    expect(days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(heardOf(days, id)).toEqual({ '2022-06-01': ['emergency-office 新任务'], '2022-06-23': ['emergency-office 到期提醒'] });

    // The audit log, read by a leader: report, return, report, accept, in that order, with who did each.
    const audit = await auditOf(`instance:${id}`, { role: 'leader', town });
    const unitActor = { subject: `local:unit:${town}:emergency-office`, role: 'unit', unit: 'emergency-office' };
    const adminActor = { subject: `local:admin:${town}`, role: 'admin' };
    expect(audit.map((e) => [e['action'], e['actor']])).toEqual([
      ['instance.report', unitActor],
      ['instance.return', adminActor],
      ['instance.report', unitActor],
      ['instance.accept', adminActor],
    ]);
    expect(audit.map((e) => e['at'])).toEqual([shanghai('2022-06-20', '10:46'), shanghai('2022-06-21', '09:15'), shanghai('2022-06-24', '16:00'), shanghai('2022-06-27', '11:00')]);
    expect(audit[1]).toMatchObject({ reason: '缺少会议签到表', before: { completedOn: '2022-06-20', review: 'awaiting' }, after: { completedOn: null, review: 'returned' } });
    expect(audit[3]).toMatchObject({ before: { review: 'awaiting' }, after: { review: 'accepted' } });

    // The ledger row of the instance shows the two reports, the acceptance and the files.
    at('2022-07-15', '10:00');
    const ledger = await download(`/ledger.xlsx?duty=${MONTHLY}&unit=emergency-office&period=2022-06`, admin);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(ledger.bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('月度') as ExcelJS.Worksheet;
    const cell = (header: string) => sheet.getRow(4).getCell(LEDGER_HEADERS.indexOf(header) + 1).value;
    expect(ledger.status).toBe(200);
    expect(sheet.rowCount).toBe(4);
    expect(cell('实例编号')).toBe(id);
    expect(cell('审核')).toBe('已通过（2022-06-27）');
    expect(cell('报送情况')).toBe('第1次 2022-06-20：6月20日召开行业消防安全形势分析会\n第2次 2022-06-24：补充会议签到表');
    expect(String(cell('佐证材料')).split('\n')).toEqual([`第1次：6月 会议纪要.pdf [文件 ${first.key}]`, `第2次：6月 会议纪要.pdf [文件 ${first.key}]`, `第2次：签到表.png [文件 ${second.key}]`]);
  }, 120_000);
  it('resumes the ladder of a report returned after the due date from where it stood: the next follow-up sends the rung reached, once', async () => {
    // docs/api-instances.md: reported on 06-10 and returned on Friday 07-08 — nothing while the
    // report stood; on Monday 07-11 one red escalation (the two reminders and yellow skipped); the
    // warning talk on 07-14.
    const late = 'e2e-review-late';
    const lateId = `${late}:${MONTHLY}:emergency-office:2022-06`;
    await seed(townPlan(late, { duties: [MONTHLY] }));
    const days = await replay('2022-06-01', '2022-06-09');
    at('2022-06-10', '10:00');
    const reported = await post(instancePath(lateId, 'report'), { role: 'unit', town: late, unit: 'emergency-office' }, { note: '已召开形势分析会' });
    days.push(...(await replay('2022-06-10', '2022-07-08')));
    at('2022-07-08', '17:00');
    const { body: read } = await get(instancePath(lateId), { role: 'admin', town: late });
    const returned = await post(instancePath(lateId, 'return'), { role: 'admin', town: late }, { version: read['version'], reason: '抽查发现未召开会议' });
    days.push(...(await replay('2022-07-09', '2022-07-14')));

    expect(reported.status).toBe(200);
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ review: 'returned', completedOn: null, status: 'open' });
    expect(days.flatMap((d) => d.runs).every((r) => r.execution.status === 'SUCCEEDED')).toBe(true);
    expect(heardOf(days, lateId)).toEqual({
      '2022-06-01': ['emergency-office 新任务'],
      '2022-07-11': ['deputy-head 督办·红灯', 'emergency-office 督办·红灯', 'fire-office 督办·红灯'],
      '2022-07-14': ['deputy-head 警示约谈', 'emergency-office 警示约谈', 'safety-committee 警示约谈', 'town-head 警示约谈'],
    });
    expect((await get(instancePath(lateId), { role: 'leader', town: late })).body).toMatchObject({ light: 'red', escalations: [{ level: 2, on: '2022-07-11' }, { level: 3, on: '2022-07-14' }] });
  }, 120_000);
});

describe('3. the ledger (GET /ledger.xlsx) opens in exceljs with the right rows', () => {
  const town = 'e2e-ledger';
  const admin = { role: 'admin', town } as const;
  const sheets = { monthly: '月度', quarterly: '季度', annual: '年度' } as const;
  const headers = LEDGER_HEADERS;
  const statusText: Record<string, string> = { open: '进行中', on_time: '按时完成', late: '逾期完成', missed: '未完成' };
  const lightText: Record<string, string> = { green: '绿', yellow: '黄', red: '红' };
  const plan = townPlan(town, { duties: [MONTHLY, QUARTERLY, ANNUAL] });
  const unitName = (id: string) => plan.units.find((u) => u.id === id)?.name;
  const periodText = (cadence: string) => ({ monthly: '2022年6月', quarterly: '2022年第二季度', annual: '2022年' })[cadence];
  const reported = `${town}:${MONTHLY}:emergency-office:2022-06`;

  beforeAll(async () => {
    await seed(plan);
    for (const cadence of ['monthly', 'quarterly', 'annual']) await openPeriod(town, cadence, '2022-06-01');
    at('2022-06-20', '10:30');
    const report = await post(instancePath(reported, 'report'), { role: 'unit', town, unit: 'emergency-office' }, { note: '已召开形势分析会', evidence: [{ kind: 'report', name: '形势分析报告', url: 'https://example.org/reports/6' }] });
    expect(report.status).toBe(200);
  });

  async function open(bytes: Buffer): Promise<ExcelJS.Workbook> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    return workbook;
  }

  /** The rows under the header, by header. */
  function rowsOf(sheet: ExcelJS.Worksheet): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    for (let n = 4; n <= sheet.rowCount; n++) {
      const row: Record<string, unknown> = {};
      headers.forEach((h, i) => (row[h] = sheet.getRow(n).getCell(i + 1).value));
      rows.push(row);
    }
    return rows;
  }

  /** The row a ledger should have for an instance of the list, as a client reads it. */
  function expectedRow(instance: Json) {
    return {
      条款: '第2条',
      工作事项: instance['title']['zh'],
      责任单位: unitName(instance['owner'] as string),
      周期: periodText(instance['cadence'] as string),
      开始日期: instance['opensOn'],
      截止日期: instance['dueOn'],
      完成日期: instance['completedOn'] ?? '',
      状态: statusText[instance['status'] as string],
      灯色: lightText[instance['light'] as string],
      实例编号: instance['id'],
    };
  }

  function asRead(row: Record<string, unknown>) {
    const { 条款, 工作事项, 责任单位, 周期, 开始日期, 截止日期, 完成日期, 状态, 灯色, 实例编号 } = row;
    return { 条款, 工作事项, 责任单位, 周期, 开始日期: day(开始日期), 截止日期: day(截止日期), 完成日期: day(完成日期) ?? '', 状态, 灯色, 实例编号 };
  }

  it('gives an admin one sheet per cadence, with the Chinese headers and one row per instance of the town', async () => {
    at('2022-06-25', '10:00');
    const instances = await allInstances('', admin);

    const ledger = await download('/ledger.xlsx', admin);
    const workbook = await open(ledger.bytes);

    expect(ledger.status).toBe(200);
    expect(ledger.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(ledger.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(`消防工作台账-${plan.town.name}-2022-06-25.xlsx`)}`);
    expect(instances).toHaveLength(18);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['月度', '季度', '年度']);
    for (const [cadence, name] of Object.entries(sheets)) {
      const sheet = workbook.getWorksheet(name) as ExcelJS.Worksheet;
      const rows = rowsOf(sheet);
      const ofCadence = instances.filter((i) => i['cadence'] === cadence);
      expect(sheet.getRow(3).values).toEqual([undefined, ...headers]);
      expect(String(sheet.getCell('A1').value)).toContain(`${sheet.name}`);
      expect(rows.map((r) => r['序号'])).toEqual(ofCadence.map((_, n) => n + 1));
      expect(rows.map(asRead).sort((a, b) => String(a.实例编号).localeCompare(String(b.实例编号)))).toEqual(
        ofCadence.map(expectedRow).sort((a, b) => String(a.实例编号).localeCompare(String(b.实例编号))),
      );
    }
    // The one reported, as its owner sent it.
    const june = rowsOf(workbook.getWorksheet('月度') as ExcelJS.Worksheet).find((r) => r['实例编号'] === reported);
    expect(june).toMatchObject({ 责任单位: '应急办', 周期: '2022年6月', 状态: '按时完成', 审核: '待审核', 佐证材料: '形势分析报告 https://example.org/reports/6' });
    expect([day(june?.['截止日期']), day(june?.['完成日期'])]).toEqual(['2022-06-30', '2022-06-20']);
  });

  it('gives a unit user its own rows only, and refuses another unit’s', async () => {
    at('2022-06-25', '10:00');
    const unit = { role: 'unit', town, unit: 'economic-office' } as const;

    const ledger = await download('/ledger.xlsx', unit);
    const others = await download('/ledger.xlsx?unit=emergency-office', unit);
    const workbook = await open(ledger.bytes);

    expect(ledger.status).toBe(200);
    expect(ledger.headers.get('content-disposition')).toContain(encodeURIComponent('经发办'));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['月度', '季度', '年度']);
    const rows = workbook.worksheets.flatMap((s) => rowsOf(s).map(asRead));
    expect(rows.map((r) => r.实例编号).sort()).toEqual([`${town}:${ANNUAL}:economic-office:2022`, `${town}:${MONTHLY}:economic-office:2022-06`, `${town}:${QUARTERLY}:economic-office:2022-Q2`]);
    expect(rows.every((r) => r.责任单位 === '经发办' && r.状态 === '进行中')).toBe(true);
    expect(others.status).toBe(403);
  });
});

describe('4. a unit’s calendar feed (GET /units/{id}/calendar.ics) parses, and a rotated link stops working', () => {
  const town = 'e2e-feed';
  const admin = { role: 'admin', town } as const;

  beforeAll(async () => {
    await seed(townPlan(town, { duties: [MONTHLY, QUARTERLY] }));
    await openPeriod(town, 'monthly', '2022-06-01');
    await openPeriod(town, 'quarterly', '2022-06-01');
  });

  function events(text: string) {
    const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
    return { calendar, events: calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent)) };
  }

  it('serves one all-day event per instance of the unit on its due date, to the link without a bearer token; after a rotation only the new link works', async () => {
    at('2022-06-25', '10:00');
    const meeting = `${town}:${QUARTERLY}:emergency-office:2022-Q2`;
    const report = await post(instancePath(meeting, 'report'), { role: 'unit', town, unit: 'emergency-office' }, { note: '6月24日召开第二季度行业消防安全工作会议' });
    const mine = await allInstances('unit=emergency-office', admin);

    const made = await post('/units/emergency-office/feed-token', admin, { reason: '发给应急办订阅' });
    const feed = await fetch(String(made.body['url']));
    const text = await feed.text();
    at('2022-06-27', '09:00');
    const rotated = await post('/units/emergency-office/feed-token', admin, { reason: '链接外泄，更换' });
    const oldLink = await fetch(String(made.body['url']));
    const newLink = await fetch(String(rotated.body['url']));
    const otherUnit = await fetch(String(rotated.body['url']).replace('/units/emergency-office/', '/units/economic-office/'));

    expect(report.status).toBe(200);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ unit: 'emergency-office', version: 1, token: expect.stringMatching(new RegExp(`^${town}_[A-Za-z0-9_-]{43}$`)) });
    expect(made.headers.get('cache-control')).toBe('no-store');
    expect(String(made.body['url'])).toBe(`${api.url}/units/emergency-office/calendar.ics?token=${encodeURIComponent(String(made.body['token']))}`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toContain('text/calendar');
    const { calendar, events: vevents } = events(text);
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(`${townPlan(town).town.name}消防工作 · 应急办`);
    expect(mine.map((i) => i['id']).sort()).toEqual([`${town}:${MONTHLY}:emergency-office:2022-06`, `${town}:${QUARTERLY}:emergency-office:2022-Q2`]);
    expect(vevents.map((e) => e.uid).sort()).toEqual(mine.map((i) => `${i['id']}@fireplan`).sort());
    for (const instance of mine) {
      const event = vevents.find((e) => e.uid === `${instance['id']}@fireplan`);
      expect(event?.startDate.isDate).toBe(true);
      expect(event?.startDate.toString()).toBe(instance['dueOn']);
      expect(event?.endDate.toString()).toBe(addDays(instance['dueOn'] as IsoDate, 1));
      expect(event?.summary).toBe(`【消防】${instance['title']['zh']} 截止${instance['id'] === meeting ? '（已报送）' : ''}`);
    }
    expect(rotated.status).toBe(201);
    expect(rotated.body['version']).toBe(2);
    expect(rotated.body['token']).not.toBe(made.body['token']);
    expect(oldLink.status).toBe(404);
    expect(await oldLink.json()).toEqual({ message: 'no calendar feed at this address' });
    expect(newLink.status).toBe(200);
    expect(events(await newLink.text()).events).toHaveLength(2);
    expect(otherUnit.status).toBe(404);
    const audit = await auditOf('feed-token:emergency-office', admin);
    expect(audit.map((e) => [e['action'], e['after']['version'], e['reason']])).toEqual([
      ['feed-token.rotate', 1, '发给应急办订阅'],
      ['feed-token.rotate', 2, '链接外泄，更换'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(String(made.body['token']).split('_')[1]);
  });
});

describe('5. the OpenAPI document (GET /openapi.json)', () => {
  it('is a valid OpenAPI 3.1 document listing every route of the route table, served to a token holder only', async () => {
    at('2022-06-25', '10:00');
    const town = 'e2e-openapi';

    const document = await get('/openapi.json', { role: 'unit', town, unit: 'emergency-office' });
    const anonymous = await get('/openapi.json');
    const validation = await new Validator().validate(JSON.parse(JSON.stringify(document.body)));

    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toContain('application/json');
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(document.body['openapi']).toBe('3.1.0');
    expect(document.body['servers']).toEqual([expect.objectContaining({ url: api.url })]);
    const served = Object.entries(document.body['paths'] as Json).flatMap(([path, item]) =>
      Object.keys(item as Json)
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.sort()).toEqual(routes.map((r) => r.routeKey).sort());
    for (const route of routes) {
      const [method, path] = route.routeKey.split(' ') as [string, string];
      const operation = document.body['paths'][path][method.toLowerCase()] as Json;
      expect(operation['summary']).toBe(route.summary);
      expect(operation['security']).toEqual(route.auth === 'feed-token' ? [{ feedToken: [] }] : [{ bearer: [] }]);
      const pathParameters = (operation['parameters'] ?? []).filter((p: Json) => p['in'] === 'path').map((p: Json) => p['name']);
      expect(pathParameters).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
    }
    expect(anonymous.status).toBe(401);
  });
});
