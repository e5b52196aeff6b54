/**
 * The hazard ledger, the self-built houses and the quarterly exposure lists (issue 5, items 6, 7, 8)
 * through their handlers as API Gateway delivers requests to them, on dynalite with the table as
 * the template defines it, the town running the 2022 Qingfeng plan. Requests are made at 10:00 in
 * Shanghai on the day given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HazardRecord } from '../../functions/core/hazards.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { newInstance } from '../../functions/core/instance.ts';
import { periodContaining } from '../../functions/core/periods.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planCalendar, scheduleFor } from '../../functions/core/schedule.ts';
import { HEADER_ROW } from '../../functions/core/workbook.ts';
import type { TokenClaimsInput } from '../../local/api/local-auth.ts';
import { dynaliteTable, routeCaller, workbookOf, type Handler } from '../support/api-call.ts';
import { invoke } from '../support/lambda-invoke.ts';

type AuditModule = typeof import('../../functions/adapters/audit-log.ts');

const town = 'qingfeng';
const file = join(import.meta.dirname, '../../plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);

const admin: TokenClaimsInput = { role: 'admin', town, subject: 'admin-1' };
const leader: TokenClaimsInput = { role: 'leader', town };
const unit = (id: string): TokenClaimsInput => ({ role: 'unit', town, unit: id, subject: `${id}-user` });
const otherAdmin: TokenClaimsInput = { role: 'admin', town: 'shuangshi' };

let auditLog: AuditModule;
const handlers = {} as Record<'Hazards' | 'Exposures' | 'ReportWork' | 'DraftExposure', Handler>;

const db = dynaliteTable((table) => table.putTownPlan(plan, 'v1'));
const { snapshot } = db;

beforeAll(async () => {
  auditLog = await import('../../functions/adapters/audit-log.ts');
  handlers.Hazards = (await import('../../functions/handlers/hazards.ts')).handler;
  handlers.Exposures = (await import('../../functions/handlers/exposures.ts')).handler;
  handlers.ReportWork = (await import('../../functions/handlers/report-work.ts')).handler;
  handlers.DraftExposure = (await import('../../functions/handlers/draft-exposure.ts')).handler;
});

const api = routeCaller({
  handlers,
  functionOf: (template) => (template.startsWith('/exposures') ? 'Exposures' : template.startsWith('/instances') ? 'ReportWork' : 'Hazards'),
  requestIds: 'hazard-request',
});

const store = {
  hazard: { place: '示例村一 兴隆路12号 综合商店', area: 'village-1', category: 'three-in-one', grade: 'general', description: '住宿与经营场所未分隔，疏散通道堆放杂物' },
  major: {
    place: '示例村二 鑫源五金厂仓库',
    area: 'village-2',
    category: 'plant-warehouse',
    grade: 'major',
    owner: 'economic-office',
    measure: 'relocate',
    description: '仓库内设置员工宿舍；负责人王小明（手机138 1234 5678）称月底前搬离',
    contact: { name: '王小明', phone: '13812345678' },
  },
};

async function createHazard(body: Record<string, unknown>, as: TokenClaimsInput = admin, at = '2022-06-20'): Promise<HazardRecord & { instance: { id: string; dueOn: string } }> {
  const answer = await api('POST /hazards', { body, as, at });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as unknown as HazardRecord & { instance: { id: string; dueOn: string } };
}

describe('recording a hazard', () => {
  it('stores the hazard, its rectification instance due on the deadline and the audit entries, in one go', async () => {
    const created = await createHazard({ ...store.hazard, contact: { name: '李四', phone: '023-12345678' } });

    expect(created).toMatchObject({ town, owner: 'village-1', foundOn: '2022-06-20', deadline: '2022-07-20', status: 'open', listed: null, version: 0 });
    expect(created.instance).toMatchObject({ id: `qingfeng:c08-special-governance:village-1:2022-06-20~${created.id}`, dueOn: '2022-07-20', opensOn: '2022-06-20' });
    const instance = await db.table.getInstance(created.instanceId);
    expect(instance).toMatchObject({ dutyId: 'c08-special-governance', cadence: 'event', dueOn: '2022-07-20', nextActionOn: '2022-06-20', status: 'open', version: 0 });
    // On the follow-up's due index from its opening day: the notice, reminders and escalations follow.
    const item = (await snapshot()).find((i) => i['sk'] === `INST#c08-special-governance#village-1#2022-06-20~${created.id}`);
    expect(item).toMatchObject({ duePk: expect.stringMatching(/^DUE#\d+$/), dueSk: `2022-06-20#${created.instanceId}` });
    const audit = await auditLog.listAudit(town, { limit: 10 });
    expect(audit.items.map((e) => [e.action, e.target]).sort()).toEqual([
      ['hazard.create', `hazard:${created.id}`],
      ['instance.open', `instance:${created.instanceId}`],
    ]);
    expect(JSON.stringify(audit.items)).not.toContain('023-12345678');
    expect(JSON.stringify(audit.items)).not.toContain('李四');
  });

  it('refuses a deadline in the past with a 400 naming deadline, and stores nothing', async () => {
    const before = await snapshot();

    const answer = await api('POST /hazards', { body: { ...store.hazard, deadline: '2022-06-19' }, as: admin, at: '2022-06-20' });

    expect(answer.status).toBe(400);
    expect(answer.body['issues']).toEqual([{ path: 'deadline', message: 'the deadline 2022-06-19 is in the past (today is 2022-06-20): a rectification deadline is today or a later day' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses unknown fields and a self-built house with fewer than ten occupants, storing nothing', async () => {
    const before = await snapshot();

    const unknown = await api('POST /hazards', { body: { ...store.hazard, severity: 'high' }, as: admin, at: '2022-06-20' });
    const small = await api('POST /hazards', { body: { ...store.hazard, category: 'self-built-house', occupants: 8, problems: ['indoor-ebike-charging'] }, as: admin, at: '2022-06-20' });

    expect(unknown.status).toBe(400);
    expect(small.status).toBe(400);
    expect((small.body['issues'] as { path: string }[]).map((i) => i.path)).toEqual(['occupants']);
    expect(await snapshot()).toEqual(before);
  });

  it('lets a unit record a hazard in its own area, and not in another', async () => {
    const mine = await api('POST /hazards', { body: store.hazard, as: unit('village-1'), at: '2022-06-20' });
    const theirs = await api('POST /hazards', { body: { ...store.hazard, area: 'village-2' }, as: unit('village-1'), at: '2022-06-20' });
    const leaders = await api('POST /hazards', { body: store.hazard, as: leader, at: '2022-06-20' });

    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(403);
    expect(leaders.status).toBe(403);
    expect((await db.table.listTownInstances(town)).map((i) => i.owner)).toEqual(['village-1']);
  });
});

describe('listing and reading hazards', () => {
  it('filters by status, grade, category, area and listed; a unit sees its own; pages follow next', async () => {
    const general = await createHazard(store.hazard);
    const major = await createHazard(store.major);
    await createHazard({ ...store.hazard, place: '示例村二 小餐馆', area: 'village-2', category: 'nine-small' });

    const ids = async (query: Record<string, string>, as: TokenClaimsInput = admin) => {
      const answer = await api('GET /hazards', { query, as, at: '2022-06-21' });
      expect(answer.status).toBe(200);
      return (answer.body['items'] as { id: string }[]).map((h) => h.id);
    };

    expect(await ids({ grade: 'major' })).toEqual([major.id]);
    expect(await ids({ category: 'three-in-one' })).toEqual([general.id]);
    expect(await ids({ area: 'village-2' })).toHaveLength(2);
    expect(await ids({ listed: 'false', status: 'open' })).toHaveLength(3);
    expect(await ids({ listed: 'true' })).toEqual([]);
    // economic-office owns the major hazard in village-2's area; village-1 sees its own only.
    expect(await ids({}, unit('economic-office'))).toEqual([major.id]);
    expect(await ids({}, unit('village-1'))).toEqual([general.id]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api('GET /hazards', { query: { limit: '1', ...(cursor ? { cursor } : {}) }, as: leader, at: '2022-06-21' });
      seen.push(...(page.body['items'] as { id: string }[]).map((h) => h.id));
      cursor = (page.body['next'] as string | null) ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([general.id, major.id, (await ids({ category: 'nine-small' }))[0]].sort());
  });

  it('answers GET /hazards/{id} whole to staff and to the units concerned, 403 to another unit, 404 for none', async () => {
    const major = await createHazard(store.major);

    const asAdmin = await api('GET /hazards/{id}', { id: major.id, as: admin, at: '2022-06-21' });
    const asOwner = await api('GET /hazards/{id}', { id: major.id, as: unit('economic-office'), at: '2022-06-21' });
    const asArea = await api('GET /hazards/{id}', { id: major.id, as: unit('village-2'), at: '2022-06-21' });
    const asOther = await api('GET /hazards/{id}', { id: major.id, as: unit('village-1'), at: '2022-06-21' });
    const none = await api('GET /hazards/{id}', { id: 'hz-20220620-00000000', as: admin, at: '2022-06-21' });

    expect(asAdmin).toMatchObject({ status: 200, body: { id: major.id, contact: { name: '王小明', phone: '13812345678' }, deadline: '2022-09-19' } });
    expect(asOwner.status).toBe(200);
    expect(asArea.status).toBe(200);
    expect(asOther.status).toBe(403);
    expect(none.status).toBe(404);
  });

  it("refuses another town's admin with 403 when the town is named, and shows it nothing of this town otherwise", async () => {
    const major = await createHazard(store.major);

    const named = await api('GET /hazards', { query: { town }, as: otherAdmin, at: '2022-06-21' });
    const byId = await api('GET /hazards/{id}', { id: major.id, as: otherAdmin, at: '2022-06-21' });
    const exposures = await api('GET /exposures', { query: { town }, as: otherAdmin, at: '2022-06-21' });

    expect(named.status).toBe(403);
    expect(byId.status).toBe(404);
    expect(exposures.status).toBe(403);
  });
});

describe('closing a hazard (整改销案)', () => {
  const closeBody = (version: number) => ({ version, note: '已清理疏散通道，住宿与经营区域已分隔', evidence: [{ kind: 'photos', name: '整改后现场照片' }] });

  it('reports and accepts its instance with the evidence, and refuses a second close', async () => {
    const created = await createHazard(store.hazard);

    const closed = await api('POST /hazards/{id}/close', { id: created.id, body: closeBody(0), as: admin, at: '2022-07-05' });
    const again = await api('POST /hazards/{id}/close', { id: created.id, body: closeBody(1), as: admin, at: '2022-07-06' });

    expect(closed).toMatchObject({ status: 200, body: { status: 'closed', closedOn: '2022-07-05', version: 1 } });
    expect(await db.table.getInstance(created.instanceId)).toMatchObject({ completedOn: '2022-07-05', review: 'accepted', status: 'on_time', nextActionOn: null, version: 1 });
    expect(again.status).toBe(409);
    expect(again.body['message']).toContain('was closed on 2022-07-05');
  });

  it("accepts the owner's own report of the rectification, keeping it", async () => {
    const created = await createHazard(store.hazard);
    const reported = await api('POST /instances/{id}/report', {
      id: created.instanceId,
      body: { note: '已完成整改', evidence: [{ kind: 'photos', name: '照片' }] },
      as: unit('village-1'),
      at: '2022-07-01',
    });
    expect(reported.status).toBe(200);

    const closed = await api('POST /hazards/{id}/close', { id: created.id, body: closeBody(0), as: admin, at: '2022-07-04' });

    expect(closed.status).toBe(200);
    const instance = await db.table.getInstance(created.instanceId);
    expect(instance).toMatchObject({ completedOn: '2022-07-01', review: 'accepted' });
    expect(instance.reports.map((r) => r.note)).toEqual(['已完成整改']);
  });

  it('is for admins only, needs evidence and the version read, and changes nothing when refused', async () => {
    const created = await createHazard(store.hazard);
    const before = await snapshot();

    const byUnit = await api('POST /hazards/{id}/close', { id: created.id, body: closeBody(0), as: unit('village-1'), at: '2022-07-05' });
    const noEvidence = await api('POST /hazards/{id}/close', { id: created.id, body: { ...closeBody(0), evidence: [] }, as: admin, at: '2022-07-05' });
    const stale = await api('POST /hazards/{id}/close', { id: created.id, body: closeBody(3), as: admin, at: '2022-07-05' });

    expect(byUnit.status).toBe(403);
    expect(noEvidence.status).toBe(400);
    expect((noEvidence.body['issues'] as { path: string }[])[0]?.path).toBe('evidence');
    expect(stale).toMatchObject({ status: 409, body: { current: { id: created.id, version: 0, status: 'open' } } });
    expect(await snapshot()).toEqual(before);
  });
});

describe('listed supervision (挂牌督办)', () => {
  it('opens the listed-supervision instance with its own deadline, takes progress reports, and closes with the hazard', async () => {
    const major = await createHazard(store.major);

    const listed = await api('POST /hazards/{id}/list', { id: major.id, body: { version: 0, deadline: '2022-08-31', note: '区政府挂牌督办' }, as: admin, at: '2022-06-22' });

    expect(listed.status).toBe(200);
    const listedId = `qingfeng:c08-listed-supervision:fire-office:2022-06-22~${major.id}`;
    expect(listed.body).toMatchObject({ version: 1, listed: { since: '2022-06-22', deadline: '2022-08-31', instanceIds: [listedId] } });
    expect(await db.table.getInstance(listedId)).toMatchObject({ dutyId: 'c08-listed-supervision', owner: 'fire-office', dueOn: '2022-08-31', status: 'open', nextActionOn: '2022-06-22' });
    expect((await api('GET /hazards', { query: { listed: 'true', status: 'open' }, as: leader, at: '2022-06-22' })).body['items']).toHaveLength(1);

    const progress = await api('POST /hazards/{id}/progress', { id: major.id, body: { version: 1, note: '宿舍已清空，货物搬迁中' }, as: unit('economic-office'), at: '2022-07-15' });
    const stranger = await api('POST /hazards/{id}/progress', { id: major.id, body: { version: 2, note: 'x' }, as: unit('village-1'), at: '2022-07-15' });
    expect(progress).toMatchObject({ status: 200, body: { version: 2, listed: { progress: [{ on: '2022-07-15', note: '宿舍已清空，货物搬迁中', by: 'economic-office-user', evidence: [] }] } } });
    expect(stranger.status).toBe(403);

    const closed = await api('POST /hazards/{id}/close', { id: major.id, body: { version: 2, note: '已搬离', evidence: [{ kind: 'document', name: '销案审批表' }] }, as: admin, at: '2022-08-10' });
    expect(closed.status).toBe(200);
    expect((closed.body['instances'] as { id: string }[]).map((i) => i.id).sort()).toEqual([major.instanceId, listedId].sort());
    expect(await db.table.getInstance(listedId)).toMatchObject({ completedOn: '2022-08-10', review: 'accepted' });
  });

  it('refuses a general hazard (409) and a past deadline (400), storing nothing', async () => {
    const general = await createHazard(store.hazard);
    const major = await createHazard(store.major);
    const before = await snapshot();

    const notMajor = await api('POST /hazards/{id}/list', { id: general.id, body: { version: 0 }, as: admin, at: '2022-06-22' });
    const past = await api('POST /hazards/{id}/list', { id: major.id, body: { version: 0, deadline: '2022-06-01' }, as: admin, at: '2022-06-22' });
    const notListed = await api('POST /hazards/{id}/progress', { id: major.id, body: { version: 0, note: '进展' }, as: admin, at: '2022-06-22' });

    expect(notMajor.status).toBe(409);
    expect(past.status).toBe(400);
    expect((past.body['issues'] as { path: string }[])[0]?.path).toBe('deadline');
    expect(notListed.status).toBe(409);
    expect(await snapshot()).toEqual(before);
  });
});

describe('self-built houses (item 7)', () => {
  const house = {
    address: '示例村一 3组45号',
    area: 'village-1',
    floors: 4,
    occupants: 16,
    uses: ['rental'],
    problems: [{ code: 'indoor-ebike-charging', note: '一楼楼梯间充电' }, { code: 'window-obstructions' }],
    contact: { name: '赵六', phone: '13600001111' },
  };

  it('are added by the village, listed by area and scope, and a problem turned into a hazard with its instance', async () => {
    const added = await api('POST /self-built-houses', { body: house, as: unit('village-1'), at: '2022-06-20' });
    const elsewhere = await api('POST /self-built-houses', { body: { ...house, area: 'village-2' }, as: unit('village-1'), at: '2022-06-20' });
    await api('POST /self-built-houses', { body: { ...house, address: '示例村二 1组2号', area: 'village-2', occupants: 5, problems: [] }, as: admin, at: '2022-06-20' });
    expect(added.status).toBe(201);
    expect(elsewhere.status).toBe(403);
    const id = added.body['id'] as string;

    const inScope = await api('GET /self-built-houses', { query: { inScope: 'true' }, as: leader, at: '2022-06-21' });
    const villageTwo = await api('GET /self-built-houses', { as: unit('village-2'), at: '2022-06-21' });
    expect((inScope.body['items'] as { id: string }[]).map((h) => h.id)).toEqual([id]);
    expect((villageTwo.body['items'] as { area: string; inScope: boolean }[]).map((h) => [h.area, h.inScope])).toEqual([['village-2', false]]);

    const turned = await api('POST /self-built-houses/{id}/hazards', { id, body: { version: 0, problem: 'indoor-ebike-charging', grade: 'major' }, as: unit('village-1'), at: '2022-06-21' });
    expect(turned.status).toBe(201);
    expect(turned.body).toMatchObject({ category: 'self-built-house', occupants: 16, problems: ['indoor-ebike-charging'], houseId: id, deadline: '2022-09-19', house: { version: 1 } });
    expect(await db.table.getInstance(turned.body['instanceId'] as string)).toMatchObject({ dutyId: 'c07-self-built-housing-rectification', owner: 'village-1', dueOn: '2022-09-19' });
    const stored = await api('GET /self-built-houses/{id}', { id, as: admin, at: '2022-06-21' });
    expect(stored.body['problems']).toEqual([
      { code: 'indoor-ebike-charging', note: '一楼楼梯间充电', hazardId: turned.body['id'] },
      { code: 'window-obstructions', hazardId: null },
    ]);

    const twice = await api('POST /self-built-houses/{id}/hazards', { id, body: { version: 1, problem: 'indoor-ebike-charging', grade: 'major' }, as: admin, at: '2022-06-22' });
    expect(twice.status).toBe(409);
  });

  it('refuses a problem turned into a hazard with a past deadline, leaving the house and the ledger as they were', async () => {
    const added = await api('POST /self-built-houses', { body: house, as: admin, at: '2022-06-20' });
    const before = await snapshot();

    const past = await api('POST /self-built-houses/{id}/hazards', { id: added.body['id'] as string, body: { version: 0, problem: 'window-obstructions', grade: 'general', deadline: '2022-06-01' }, as: admin, at: '2022-06-21' });

    expect(past.status).toBe(400);
    expect((past.body['issues'] as { path: string }[]).map((i) => i.path)).toEqual(['deadline']);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the quarterly exposure list', () => {
  async function drafted(): Promise<{ major: HazardRecord; second: HazardRecord }> {
    const major = await createHazard(store.major, admin, '2022-05-10');
    const second = await createHazard({ ...store.hazard, grade: 'major', place: '示例村一 兴隆路20号 出租屋' }, admin, '2022-06-01');
    await createHazard(store.hazard, admin, '2022-06-02');
    const result = await invoke(handlers.DraftExposure, 'DraftExposure', { town, date: '2022-06-30' });
    expect(result).toEqual({ town, date: '2022-06-30', quarter: '2022-Q2', created: true, status: 'draft', entries: 2 });
    return { major, second };
  }

  it('is drafted once with personal data removed, and a rerun leaves an edited draft alone', async () => {
    const { major, second } = await drafted();

    const read = await api('GET /exposures/{id}', { id: '2022-Q2', as: leader, at: '2022-06-30' });
    expect(read.status).toBe(200);
    expect((read.body['entries'] as { hazardId: string }[]).map((e) => e.hazardId)).toEqual([major.id, second.id]);
    const text = JSON.stringify(read.body);
    for (const secret of ['王小明', '13812345678', '138 1234 5678']) expect(text).not.toContain(secret);
    expect((read.body['entries'] as { description: string }[])[0]?.description).toBe('整改措施：搬。仓库内设置员工宿舍；负责人[姓名已隐去]（手机[电话已隐去]）称月底前搬离');

    const edited = await api('PATCH /exposures/{id}', { id: '2022-Q2', body: { version: 0, entries: [{ hazardId: major.id, description: '仓库内违规设置员工宿舍' }] }, as: admin, at: '2022-07-01' });
    expect(edited).toMatchObject({ status: 200, body: { version: 1, edited: true } });
    const rerun = await invoke(handlers.DraftExposure, 'DraftExposure', { town, date: '2022-06-30' });
    expect(rerun).toEqual({ town, date: '2022-06-30', quarter: '2022-Q2', created: false, status: 'draft', entries: 2 });
    expect((await snapshot()).filter((i) => String(i['sk']).startsWith('EXPOSURE#'))).toHaveLength(1);
    expect((await api('GET /exposures/{id}', { id: '2022-Q2', as: admin, at: '2022-07-01' })).body).toMatchObject({ version: 1, entries: [{ description: '仓库内违规设置员工宿舍' }, {}] });
  });

  it('refuses an edit with a personal phone number, naming the entry and the field, and changes nothing', async () => {
    const { second } = await drafted();
    const before = await snapshot();

    const answer = await api('PATCH /exposures/{id}', { id: '2022-Q2', body: { version: 0, entries: [{ hazardId: second.id, description: '房东电话 139-2345-6789' }] }, as: admin, at: '2022-07-01' });

    expect(answer.status).toBe(400);
    expect(answer.body['issues']).toEqual([
      { path: 'entries[0].description', message: `entry ${second.id}: the description contains a personal phone number (mobile) (139******6789): an exposure list names no person and no phone number; remove it` },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it("is approved and published by an admin; publishing is final and reports the quarter's exposure duty", async () => {
    const { second } = await drafted();
    const duty = plan.duties.find((d) => d.id === 'c08-quarterly-hazard-exposure')!;
    const fireOffice = plan.units.find((u) => u.id === 'fire-office')!;
    const quarterly: InstanceRecord = newInstance(plan, 'v1', duty, fireOffice, scheduleFor(plan, planCalendar(plan), duty, periodContaining('quarterly', '2022-06-30')));
    await db.table.createInstance(quarterly);

    const byLeader = await api('POST /exposures/{id}/approve', { id: '2022-Q2', body: { version: 0 }, as: leader, at: '2022-06-30' });
    const early = await api('POST /exposures/{id}/publish', { id: '2022-Q2', body: { version: 0 }, as: admin, at: '2022-06-30' });
    const removed = await api('PATCH /exposures/{id}', { id: '2022-Q2', body: { version: 0, remove: [second.id] }, as: admin, at: '2022-06-30' });
    const approved = await api('POST /exposures/{id}/approve', { id: '2022-Q2', body: { version: 1 }, as: admin, at: '2022-06-30' });
    const published = await api('POST /exposures/{id}/publish', { id: '2022-Q2', body: { version: 2 }, as: admin, at: '2022-06-30' });
    const afterwards = await api('PATCH /exposures/{id}', { id: '2022-Q2', body: { version: 3, remove: [] , entries: [{ hazardId: second.id, place: 'x' }] }, as: admin, at: '2022-07-01' });

    expect(byLeader.status).toBe(403);
    expect(early).toMatchObject({ status: 409, body: { message: expect.stringContaining('approve it before it is published') } });
    expect(removed).toMatchObject({ status: 200, body: { removed: [second.id], version: 1 } });
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved', approvedOn: '2022-06-30', version: 2 } });
    expect(published).toMatchObject({ status: 200, body: { status: 'published', publishedOn: '2022-06-30', version: 3, reported: [{ id: quarterly.id, completedOn: '2022-06-30', status: 'on_time', review: 'awaiting' }] } });
    expect(afterwards.status).toBe(409);
    expect(await db.table.getInstance(quarterly.id)).toMatchObject({ completedOn: '2022-06-30', review: 'awaiting', version: 1 });
    const listed = await api('GET /exposures', { as: admin, at: '2022-07-01' });
    expect(listed.body['items']).toEqual([expect.objectContaining({ id: '2022-Q2', status: 'published', entries: 1, version: 3 })]);
    expect((await api('GET /exposures', { as: unit('fire-office'), at: '2022-07-01' })).status).toBe(403);
  });
});

describe('the ledgers', () => {
  it('open in exceljs with their Chinese headers; contacts only for admins; the exposure list without personal data', async () => {
    await createHazard(store.major);
    await api('POST /self-built-houses', { body: { address: '3组45号', area: 'village-1', floors: 4, occupants: 16, uses: ['rental'], problems: [{ code: 'flammable-panels' }] }, as: admin, at: '2022-06-20' });
    await invoke(handlers.DraftExposure, 'DraftExposure', { town, date: '2022-06-30' });

    const forAdmin = await api('GET /hazards/ledger.xlsx', { as: admin, at: '2022-06-30' });
    const forLeader = await api('GET /hazards/ledger.xlsx', { query: { grade: 'major' }, as: leader, at: '2022-06-30' });
    const houses = await api('GET /self-built-houses/ledger.xlsx', { as: unit('village-1'), at: '2022-06-30' });
    const exposure = await api('GET /exposures/{id}/ledger.xlsx', { id: '2022-Q2', as: admin, at: '2022-06-30' });

    expect(forAdmin.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const adminSheet = (await workbookOf(forAdmin)).getWorksheet('火灾隐患台账')!;
    expect(adminSheet.getRow(HEADER_ROW).getCell(1).value).toBe('序号');
    expect(JSON.stringify(adminSheet.getSheetValues())).toContain('13812345678');
    const leaderSheet = (await workbookOf(forLeader)).getWorksheet('火灾隐患台账')!;
    expect(leaderSheet.getRow(2).getCell(1).value).toContain('等级：重大火灾隐患');
    expect(JSON.stringify(leaderSheet.getSheetValues())).not.toContain('13812345678');
    const houseBook = await workbookOf(houses);
    expect(houseBook.worksheets.map((s) => s.name)).toEqual(['底数清单', '问题台账']);
    expect(houseBook.getWorksheet('问题台账')!.getRow(HEADER_ROW + 1).getCell(5).value).toBe('违规使用易燃可燃夹芯彩钢板或其他易燃材料');
    const exposureSheet = (await workbookOf(exposure)).getWorksheet('曝光清单')!;
    expect(exposureSheet.getRow(HEADER_ROW).getCell(6).value).toBe('隐患情况');
    const values = JSON.stringify(exposureSheet.getSheetValues());
    expect(values).toContain('鑫源五金厂仓库');
    expect(values).not.toContain('13812345678');
    expect(values).not.toContain('王小明');
  });
});
