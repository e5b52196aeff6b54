/**
 * The incident routes (item 5 and 三(三)) as API Gateway delivers them to the `Incidents` function,
 * on dynalite with the table as the template defines it and mail through aws-ses-v2-local. The town
 * runs the 2022 Qingfeng plan as the repository has it.
 *
 * A fatal fire of Wednesday 2022-06-15, recorded on Monday 2022-06-20: its investigation and
 * accountability review count from the fire's day and are due on 2022-07-27 (30 working days),
 * with reminders on 07-20 and 07-26. Closed on Wednesday 2022-07-27, the look-back opens three
 * months later, on Thursday 2022-10-27.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../../functions/core/ids.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import type { TokenClaimsInput } from '../../local/api/local-auth.ts';
import { dynaliteTable, routeCaller, workbookOf, type Handler } from '../support/api-call.ts';
import { invoke } from '../support/lambda-invoke.ts';

const file = join(resolve(import.meta.dirname, '../..'), 'plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);
const town = 'qingfeng';
const admin: TokenClaimsInput = { role: 'admin', town, subject: 'admin-1' };
const leader: TokenClaimsInput = { role: 'leader', town };
const unit = (id: string): TokenClaimsInput => ({ role: 'unit', town, unit: id });
const otherTown = (role: 'admin' | 'leader'): TokenClaimsInput => ({ role, town: 'shuangshi' });
const address = (u: string) => `${u}@qingfeng.example.org`;

const fatal = {
  occurredOn: '2022-06-15',
  place: '青峰镇场镇某自建房',
  casualties: { deaths: 1, injuries: 2 },
  socialImpact: 'minor',
  description: '一楼电动自行车充电起火，造成1人死亡、2人受伤。',
};
const minor = { ...fatal, place: '青峰镇某村民家中厨房', casualties: { deaths: 0, injuries: 1 }, description: '厨房油锅起火，1人轻伤。' };
const closeBody = (version: number, overrides: Record<string, unknown> = {}) => ({
  version,
  findings: '建设单位擅自改变使用性质；物业未落实消防安全管理责任。',
  responsibleParties: [{ party: 'use-management', name: '张某', organisation: '某物业公司' }],
  rectifications: [
    { what: '拆除违规搭建的电动自行车充电棚', owner: 'village-1', deadline: '2022-09-30' },
    { what: '开展电动自行车充电专项检查', owner: 'emergency-office', deadline: '2022-09-15' },
  ],
  ...overrides,
});

const investigationId = (owner: string, ref = 'fire-1', day = '2022-06-15') => `${town}:c05-extended-investigation:${owner}:${day}~${ref}`;
const accountabilityId = (ref = 'fire-1', day = '2022-06-15') => `${town}:s3-3-accountability-review:safety-committee:${day}~${ref}`;
const investigators = ['emergency-office', 'fire-committee', 'police-station'];

const handlers = {} as Record<'Incidents' | 'AuditLog' | 'ReportWork' | 'FollowUp', Handler>;

const db = dynaliteTable((table) => table.putTownPlan(plan, 'v1'));
const { snapshot } = db;

beforeAll(async () => {
  handlers.Incidents = (await import('../../functions/handlers/incidents.ts')).handler;
  handlers.AuditLog = (await import('../../functions/handlers/audit-log.ts')).handler;
  handlers.ReportWork = (await import('../../functions/handlers/report-work.ts')).handler;
  handlers.FollowUp = (await import('../../functions/handlers/follow-up.ts')).handler;
});

const api = routeCaller({
  handlers,
  functionOf: (template) => (template.startsWith('/incidents') ? 'Incidents' : template === '/audit' ? 'AuditLog' : 'ReportWork'),
  requestIds: 'incident-request',
});

const record = (body: unknown, as: TokenClaimsInput = admin, at = '2022-06-20') => api('POST /incidents', { as, body, at });
const close = (id: string, body: unknown, as: TokenClaimsInput = admin, at = '2022-07-27') => api('POST /incidents/{id}/investigation/close', { id, as, body, at });
const getOne = (id: string, as: TokenClaimsInput = admin, at = '2022-07-27') => api('GET /incidents/{id}', { id, as, at });

const instancesOf = async (): Promise<InstanceRecord[]> => (await db.table.listTownInstances(town)).sort((a, b) => a.id.localeCompare(b.id));
const auditOf = async (target?: string) => (await api('GET /audit', { as: admin, at: '2022-07-28', ...(target ? { query: { target } } : {}) })).body['items'] as Record<string, unknown>[];

describe('POST /incidents', () => {
  it('records a fatal fire: the investigation for its three owners and the accountability review, with `<fire day>~fire-1` periods, its audit entry and the owners told at once', async () => {
    const answer = await record(fatal);

    expect(answer.status).toBe(201);
    expect(answer.headers['location']).toBe('/incidents/fire-1');
    expect(answer.body).toMatchObject({
      id: 'fire-1',
      serious: true,
      triggers: ['deaths'],
      stage: 'investigating',
      recordedOn: '2022-06-20',
      investigation: { status: 'open', checklist: [{ party: 'construction', label: '工程建设' }, { party: 'intermediary', label: '中介服务' }, { party: 'fire-product', label: '消防产品质量' }, { party: 'use-management', label: '使用管理' }] },
      version: 0,
      notified: [...investigators, 'safety-committee'].map(address),
      unreachable: [],
    });
    const stored = await instancesOf();
    expect(stored.map((i) => i.id)).toEqual([...investigators.map((o) => investigationId(o)), accountabilityId()]);
    for (const i of stored) expect(i).toMatchObject({ periodId: '2022-06-15~fire-1', opensOn: '2022-06-15', dueOn: '2022-07-27', done: ['notice'], nextActionOn: '2022-07-20', status: 'open' });

    const audit = await auditOf('incident:fire-1');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'incident.record', actor: { subject: 'admin-1', role: 'admin' }, before: null, after: { id: 'fire-1', occurredOn: '2022-06-15' } });
    expect(((audit[0]?.['after'] as { instanceIds: string[] }).instanceIds).sort()).toEqual(stored.map((i) => i.id));

    const mail = await db.env.mailbox.messages();
    expect(mail.map((m) => m.destination.to[0]).sort()).toEqual([...investigators, 'safety-committee'].map(address));
    const police = mail.find((m) => m.destination.to[0] === address('police-station'));
    expect(police?.subject).toBe('【火灾事故·新任务】派出所：火灾事故延伸调查（2022-06-15火灾，fire-1），请于2022-07-27前报送');
    expect(police?.body.text).toContain('调查范围：倒查工程建设、中介服务、消防产品质量、使用管理等各方主体责任');
    expect(police?.body.html).toContain('<table');
    // The mail went through the outbox of the next follow-up (Tuesday 06-21), sent, nothing left marked undelivered.
    expect((await db.table.listIntents(town, '2022-06-21')).map((i) => [i.recipient, i.purpose, i.status])).toEqual(
      [...investigators, 'safety-committee'].map((u) => [address(u), 'incident#fire-1#recorded', 'sent']),
    );
    expect(await db.table.listUndelivered('2022-06-21', shardOf(town, Number(process.env['FOLLOW_UP_SHARDS'])))).toEqual([]);
  });

  it('the next follow-up does not send the notice again; the ladder goes on from the reminders', async () => {
    await record(fatal);
    await db.env.mailbox.clear();

    const shard = shardOf(town, Number(process.env['FOLLOW_UP_SHARDS']));
    await invoke(handlers.FollowUp, 'FollowUp', { shard, date: '2022-06-21' });
    expect(await db.env.mailbox.messages()).toEqual([]);
    await invoke(handlers.FollowUp, 'FollowUp', { shard, date: '2022-07-20' });
    expect((await db.env.mailbox.messages()).map((m) => m.subject).every((s) => s.startsWith('【到期提醒】'))).toBe(true);
    expect(await db.env.mailbox.messages()).toHaveLength(4);
  });

  it('records a minor fire and opens nothing', async () => {
    const answer = await record(minor);

    expect(answer).toMatchObject({ status: 201, body: { id: 'fire-1', serious: false, stage: 'no-investigation', investigation: null, accountability: [], notified: [] } });
    expect(await instancesOf()).toEqual([]);
    expect(await db.env.mailbox.messages()).toEqual([]);
    expect(await auditOf('incident:fire-1')).toHaveLength(1);
  });

  it('numbers the town’s fires, and two fires of one day get instances of their own', async () => {
    await record(fatal);
    const second = await record({ ...fatal, place: '青峰镇某村' });

    expect(second.body['id']).toBe('fire-2');
    const ids = (await instancesOf()).map((i) => i.id);
    expect(ids).toContain(investigationId('police-station', 'fire-2'));
    expect(ids).toContain(investigationId('police-station', 'fire-1'));
    expect(ids).toHaveLength(8);
  });

  it('answers the same fire sent again (a retry after a lost answer) with 409 naming the fire: no second incident, no second mail', async () => {
    const first = await record(fatal);
    const mailed = (await db.env.mailbox.messages()).length;
    const before = await snapshot();

    const again = await record({ ...fatal, place: ` ${fatal.place} ` });

    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 409, body: { current: { id: 'fire-1' } } });
    expect(String(again.body['message'])).toMatch(/already recorded as fire-1/);
    expect(await snapshot()).toEqual(before);
    expect(await db.env.mailbox.messages()).toHaveLength(mailed);
  });

  it('gives two fires recorded at the same moment two numbers: the one that loses the race takes the next', async () => {
    const answers = await Promise.all([record(fatal), record({ ...fatal, place: '青峰镇某村' })]);

    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers.map((a) => a.body['id']).sort()).toEqual(['fire-1', 'fire-2']);
    expect(await instancesOf()).toHaveLength(8);
    expect(await auditOf()).toHaveLength(2);
  });

  it.each([
    ['dated after the request’s day in Shanghai', { ...fatal, occurredOn: '2022-06-21' }, 'occurredOn', /after today \(2022-06-20/],
    ['with a negative death count', { ...fatal, casualties: { deaths: -1, injuries: 0 } }, 'casualties.deaths', /cannot be negative/],
    ['with an unknown social impact', { ...fatal, socialImpact: 'huge' }, 'socialImpact', /.+/],
    ['with a field the API does not know', { ...fatal, town: 'qingfeng' }, '', /town/],
    ['without a place', { ...fatal, place: '' }, 'place', /where the fire was/],
  ])('refuses a fire %s with 400 naming the field, and stores nothing', async (_what, body, path, message) => {
    const before = await snapshot();

    const answer = await record(body);

    expect(answer.status).toBe(400);
    expect(answer.body['issues']).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
    expect(await snapshot()).toEqual(before);
    expect(await db.env.mailbox.messages()).toEqual([]);
  });

  it('refuses a fire dated the next day when it is still today in Shanghai (23:30 on 06-20 is 15:30 UTC)', async () => {
    const answer = await record({ ...fatal, occurredOn: '2022-06-21' }, admin, '2022-06-20T15:30:00Z');
    const ok = await record({ ...fatal, occurredOn: '2022-06-21' }, admin, '2022-06-20T16:30:00Z');

    expect(answer.status).toBe(400);
    expect(ok.status).toBe(201);
  });

  it('writes all or nothing: when one instance of the chain cannot be written, no incident, number, audit entry or mail is left', async () => {
    // An instance already where fire-1's police-station investigation would go.
    await record(fatal);
    const taken = (await instancesOf()).find((i) => i.owner === 'police-station') as InstanceRecord;
    await db.env.reset();
    await db.table.putTownPlan(plan, 'v1');
    await db.table.createInstance(taken);
    const before = await snapshot();

    const answer = await record(fatal);

    expect(answer.status).toBe(409);
    expect(await snapshot()).toEqual(before);
    expect(await db.env.mailbox.messages()).toEqual([]);
  });

  it('is for admins of the town: a leader or a unit is refused with 403 and nothing changes', async () => {
    const before = await snapshot();

    expect((await record(fatal, leader)).status).toBe(403);
    expect((await record(fatal, unit('police-station'))).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});

describe('POST /incidents/{id}/investigation/close', () => {
  it('completes the investigation, opens the rectifications and writes the look-back to open three months on, all audited; the rectification owners are told', async () => {
    await record(fatal);
    await db.env.mailbox.clear();

    const answer = await close('fire-1', closeBody(0));

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: 'fire-1',
      version: 1,
      stage: 'rectifying',
      investigation: { status: 'closed', closedOn: '2022-07-27', findings: closeBody(0).findings, responsibleParties: [{ party: 'use-management', name: '张某', organisation: '某物业公司' }] },
      rectifications: [
        { n: 1, what: '拆除违规搭建的电动自行车充电棚', owner: 'village-1', deadline: '2022-09-30', instance: { dueOn: '2022-09-30', status: 'open' } },
        { n: 2, what: '开展电动自行车充电专项检查', owner: 'emergency-office', deadline: '2022-09-15', instance: { dueOn: '2022-09-15', status: 'open' } },
      ],
      lookBack: { afterMonths: 3, on: '2022-10-27', duties: [{ dutyId: 'c05-look-back', opensOn: '2022-10-27', dueOn: '2022-11-24', instances: [{ owner: 'fire-office', nextActionOn: '2022-10-27' }] }] },
      notified: [address('emergency-office'), address('village-1')],
    });

    const stored = new Map((await instancesOf()).map((i) => [i.id, i]));
    for (const owner of investigators) expect(stored.get(investigationId(owner))).toMatchObject({ completedOn: '2022-07-27', status: 'on_time', review: 'accepted', version: 1, nextActionOn: null });
    expect(stored.get(accountabilityId())).toMatchObject({ completedOn: null, version: 0 });
    expect(stored.get(`${town}:c05-rectification:village-1:2022-07-27~fire-1-r1`)).toMatchObject({ opensOn: '2022-07-27', dueOn: '2022-09-30', done: ['notice'] });
    expect(stored.get(`${town}:c05-look-back:fire-office:2022-10-27~fire-1`)).toMatchObject({ opensOn: '2022-10-27', dueOn: '2022-11-24', done: [], nextActionOn: '2022-10-27' });
    expect(stored.size).toBe(7);

    expect((await auditOf('incident:fire-1')).map((e) => e['action'])).toEqual(['incident.close-investigation', 'incident.record']);
    expect((await auditOf(`instance:${investigationId('police-station')}`)).map((e) => [e['action'], e['reason']])).toEqual([['instance.close-investigation', '延伸调查结案（fire-1）']]);

    const mail = await db.env.mailbox.messages();
    expect(mail.map((m) => m.destination.to[0]).sort()).toEqual([address('emergency-office'), address('village-1')]);
    expect(mail.find((m) => m.destination.to[0] === address('village-1'))?.body.text).toContain('整改事项：拆除违规搭建的电动自行车充电棚');
  });

  it('takes the look-back interval from the request', async () => {
    await record(fatal);

    const answer = await close('fire-1', closeBody(0, { lookBackAfterMonths: 1 }));

    expect(answer.body).toMatchObject({ lookBack: { afterMonths: 1, on: '2022-08-27', duties: [{ opensOn: '2022-08-29' }] } });
  });

  it('answers 409 with the current version to a stale version or a second close, and 409 for a fire without an investigation; nothing changes', async () => {
    await record(fatal);
    await record(minor);
    expect((await close('fire-1', closeBody(0))).status).toBe(200);
    const before = await snapshot();

    const stale = await close('fire-1', closeBody(0), admin, '2022-07-28');
    const twice = await close('fire-1', closeBody(1), admin, '2022-07-28');
    const none = await close('fire-2', closeBody(0), admin, '2022-07-28');

    expect(stale).toMatchObject({ status: 409, body: { message: expect.stringMatching(/at version 1, not 0/), current: { id: 'fire-1', version: 1, investigation: { status: 'closed', closedOn: '2022-07-27' } } } });
    expect(twice).toMatchObject({ status: 409, body: { message: expect.stringMatching(/already closed on 2022-07-27/) } });
    expect(none).toMatchObject({ status: 409, body: { message: expect.stringMatching(/no extended investigation/) } });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a rectification of an unknown unit or with a past deadline, with 400 naming it, and 404 for an unknown incident', async () => {
    await record(fatal);
    const before = await snapshot();

    const bad = await close('fire-1', closeBody(0, { rectifications: [{ what: '整改', owner: 'no-such-unit', deadline: '2022-07-01' }] }));
    const unknown = await close('fire-9', closeBody(0));

    expect(bad.status).toBe(400);
    expect((bad.body['issues'] as { path: string }[]).map((i) => i.path)).toEqual(['rectifications[0].owner', 'rectifications[0].deadline']);
    expect(unknown.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('accepts an investigation report awaiting review as part of the close', async () => {
    await record(fatal);
    const reported = await api('POST /instances/{id}/report', { id: investigationId('police-station'), as: unit('police-station'), body: { note: '调查报告已报送', evidence: [{ kind: 'report', name: '调查报告.pdf' }] }, at: '2022-07-20' });
    expect(reported.status).toBe(200);

    await close('fire-1', closeBody(0));

    expect(await db.table.getInstance(investigationId('police-station'))).toMatchObject({ completedOn: '2022-07-20', review: 'accepted', reports: [{ n: 1, note: '调查报告已报送' }] });
  });

  it('is for admins: a leader is refused with 403', async () => {
    await record(fatal);
    expect((await close('fire-1', closeBody(0), leader)).status).toBe(403);
  });
});

describe('reading incidents', () => {
  beforeEach(async () => {
    await record(fatal);
    await record({ ...minor, occurredOn: '2022-06-18' });
    await close('fire-1', closeBody(0));
  });

  it('GET /incidents/{id} gives the whole chain with each instance as it stands', async () => {
    const answer = await getOne('fire-1', leader);

    expect(answer.status).toBe(200);
    const body = answer.body as { investigation: { duties: { instances: { owner: string; status: string }[] }[] }; accountability: { instances: { owner: string; status: string }[] }[] };
    // In the plan's order of units.
    expect(body.investigation.duties[0]?.instances.map((i) => [i.owner, i.status])).toEqual(['fire-committee', 'emergency-office', 'police-station'].map((o) => [o, 'on_time']));
    expect(body.accountability[0]?.instances.map((i) => [i.owner, i.status])).toEqual([['safety-committee', 'open']]);
  });

  it('GET /incidents lists newest first, a page at a time', async () => {
    const first = await api('GET /incidents', { as: admin, query: { limit: '1' }, at: '2022-07-28' });
    const next = first.body['next'] as string;
    const second = await api('GET /incidents', { as: admin, query: { limit: '1', cursor: next }, at: '2022-07-28' });

    expect((first.body['items'] as { id: string }[]).map((i) => i.id)).toEqual(['fire-2']);
    expect((second.body['items'] as { id: string }[]).map((i) => i.id)).toEqual(['fire-1']);
    expect(second.body['items']).toEqual([expect.objectContaining({ investigation: { status: 'closed', dueOn: '2022-07-27', closedOn: '2022-07-27' }, rectifications: 2, lookBack: { opensOn: '2022-10-27' } })]);
  });

  it('a unit reads the incidents whose duties it owns, and is refused another with 403', async () => {
    const list = await api('GET /incidents', { as: unit('village-1'), at: '2022-07-28' });
    const own = await getOne('fire-1', unit('village-1'));
    const other = await getOne('fire-2', unit('village-1'));
    const stranger = await getOne('fire-1', unit('village-2'));

    expect((list.body['items'] as { id: string }[]).map((i) => i.id)).toEqual(['fire-1']);
    expect(own.status).toBe(200);
    expect(other.status).toBe(403);
    expect(stranger.status).toBe(403);
  });

  it('refuses another town’s staff with 403, and answers 404 for an incident that does not exist', async () => {
    expect((await api('GET /incidents', { as: otherTown('leader'), query: { town }, at: '2022-07-28' })).status).toBe(403);
    expect((await getOne('fire-1', otherTown('admin'))).status).toBe(404);
    expect((await getOne('fire-7')).status).toBe(404);
    expect((await getOne('fire-x')).status).toBe(400);
  });

  it('GET /incidents/ledger.xlsx gives admins and leaders one row per incident with its chain; a unit is refused', async () => {
    const answer = await api('GET /incidents/ledger.xlsx', { as: leader, at: '2022-07-28' });
    const refused = await api('GET /incidents/ledger.xlsx', { as: unit('village-1'), at: '2022-07-28' });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(answer.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('火灾事故台账-青峰镇-2022-07-28.xlsx')}`);
    const workbook = await workbookOf(answer);
    const sheet = workbook.getWorksheet('火灾事故台账');
    expect(sheet?.getRow(3).getCell(2).value).toBe('事故编号');
    expect([sheet?.getRow(4).getCell(2).value, sheet?.getRow(5).getCell(2).value]).toEqual(['fire-1', 'fire-2']);
    expect(String(sheet?.getRow(4).getCell(16).value)).toContain('拆除违规搭建的电动自行车充电棚');
    expect(refused.status).toBe(403);
  });
});
