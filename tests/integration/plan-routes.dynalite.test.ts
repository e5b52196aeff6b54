/**
 * The plan-editing routes (issue 4: plans, duties, units, calendar overrides and key dates) as API
 * Gateway delivers them to their handlers, on dynalite with the table as the template defines it.
 *
 * The town runs the small plan of tests/support/plan-fixture.ts with two monthly duties: 应急办
 * (emergency-office) and 示例村一 (village-1) owe both, 示例村二 (village-2) owes the analysis only.
 * June 2022 is opened: five instances, due 2022-06-30 (reminders 06-23 and 06-29).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../functions/core/audit.ts';
import type { TokenClaimsInput } from '../../local/api/local-auth.ts';
import { dynaliteTable, routeCaller, type Handler } from '../support/api-call.ts';
import { invoke } from '../support/lambda-invoke.ts';
import { buildPlan, dutyInput, planInput } from '../support/plan-fixture.ts';

type AuditModule = typeof import('../../functions/adapters/audit-log.ts');

/** A town of its own for each test: plan versions are cached by town and id, and a wiped table reuses ids. */
let town = 'qingfeng';
let towns = 0;
const duties = [
  dutyInput({ owners: ['emergency-office', 'village-1', 'village-2'] }),
  dutyInput({ id: 'monthly-inspection', clause: '5', quote: '每月开展检查', title: { zh: '每月开展消防安全检查', en: 'Monthly inspection' }, owners: ['emergency-office', 'village-1'], evidence: ['photos'] }),
];
const townPlan = () => buildPlan({ town: { id: town, name: '青峰镇' }, duties });
const analysis = (owner: string, period = '2022-06') => `${town}:monthly-analysis:${owner}:${period}`;
const inspection = (owner: string, period = '2022-06') => `${town}:monthly-inspection:${owner}:${period}`;

const admin = (): TokenClaimsInput => ({ role: 'admin', town, subject: 'admin-1' });
const otherAdmin = (): TokenClaimsInput => ({ role: 'admin', town, subject: 'admin-2' });
const leader = (): TokenClaimsInput => ({ role: 'leader', town });
const unitUser = (id: string): TokenClaimsInput => ({ role: 'unit', town, unit: id });

let audit: AuditModule;
const handlers = {} as Record<'Plans' | 'Duties' | 'Units' | 'Calendar' | 'OpenPeriod', Handler>;

const db = dynaliteTable(async (table) => {
  towns += 1;
  town = `qingfeng-${towns}`;
  await table.putTownPlan(townPlan(), 'v1');
  await invoke(handlers.OpenPeriod, 'OpenPeriod', { town, cadence: 'monthly', date: '2022-06-01' });
});
const { snapshot } = db;

beforeAll(async () => {
  audit = await import('../../functions/adapters/audit-log.ts');
  handlers.Plans = (await import('../../functions/handlers/plans.ts')).handler as Handler;
  handlers.Duties = (await import('../../functions/handlers/duties.ts')).handler as Handler;
  handlers.Units = (await import('../../functions/handlers/units.ts')).handler as Handler;
  handlers.Calendar = (await import('../../functions/handlers/calendar.ts')).handler as Handler;
  handlers.OpenPeriod = (await import('../../functions/handlers/open-period.ts')).handler as Handler;
});

const FUNCTIONS: Record<string, 'Plans' | 'Duties' | 'Units' | 'Calendar'> = { plans: 'Plans', duties: 'Duties', units: 'Units', calendar: 'Calendar', 'key-dates': 'Calendar' };

/** A request as API Gateway delivers it to the function behind `routeKey`, at a day (10:00 in Shanghai) or an instant. */
const api = routeCaller({
  handlers,
  functionOf: (template) => {
    const fn = FUNCTIONS[template.split('/')[1] ?? ''];
    if (!fn) throw new Error(`no function for ${template}`);
    return fn;
  },
  requestIds: 'plan-routes',
  headers: { 'user-agent': 'vitest' },
});

async function auditEntries(): Promise<AuditEntry[]> {
  return (await audit.listAudit(town, { limit: 100 })).items;
}

const reason = '镇消防安全委员会办公室调整';

describe('POST /plans and POST /plans/{id}/activate', () => {
  const uploaded = () => planInput({ town: { id: town, name: '青峰镇' }, duties: [duties[0]!, { ...duties[1]!, weight: 5 }] });

  it('refuses a malformed plan with every problem and its line (400), and stores nothing', async () => {
    const source = stringify({ ...uploaded(), duties: [{ ...duties[0]!, cadence: 'weekly' }, duties[1]] });
    const line = source.split('\n').findIndex((l) => l.includes('weekly')) + 1;
    const before = await snapshot();

    const response = await api('POST /plans', { body: { source }, as: admin(), at: '2022-06-15' });
    const broken = await api('POST /plans', { body: { source: 'id: [unclosed\nunits: 1\n' }, as: admin(), at: '2022-06-15' });

    expect(response.status).toBe(400);
    expect(response.body['issues']).toEqual([expect.objectContaining({ path: 'duties[0].cadence', line })]);
    expect(broken.status).toBe(400);
    expect(broken.body['issues']).toEqual([expect.objectContaining({ line: 1, message: expect.stringContaining('YAML') })]);
    // Aliases that expand exponentially (a "billion laughs"): the YAML reader gives up, and so does the route, with a 400.
    const layer = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(`*${of}`).join(', ')}]`;
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', layer('b', 'a'), layer('c', 'b'), layer('d', 'c'), layer('e', 'd')].join('\n');
    const exploded = await api('POST /plans', { body: { source: bomb }, as: admin(), at: '2022-06-15' });
    expect(exploded.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a plan of another town (403), and stores nothing", async () => {
    const before = await snapshot();

    const response = await api('POST /plans', { body: { source: stringify({ ...uploaded(), town: { id: 'shuangshi', name: '双石镇' } }) }, as: admin(), at: '2022-06-15' });

    expect(response.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('stores a draft answered with its diff; activating it on the current revision makes it the plan the routes read; a stale revision is 409', async () => {
    const upload = await api('POST /plans', { body: { source: stringify(uploaded()), note: '检查权重上调' }, as: admin(), at: '2022-06-15' });

    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ id: 'r1', planId: 'test-2022', activeVersion: 'v1', revision: 0, warnings: [expect.stringContaining('village-2')] });
    expect(upload.body['diff']).toEqual([expect.objectContaining({ kind: 'duty-weight-changed', subject: 'duty monthly-inspection', before: 3, after: 5 })]);
    // A draft: the active plan is still the seeded one.
    expect((await db.table.getActivePlan(town)).planVersion).toBe('v1');
    const draft = await api('GET /plans/{id}', { id: 'r1', as: leader(), at: '2022-06-15' });
    expect(draft.body).toMatchObject({ id: 'r1', active: false, activeVersion: 'v1', revision: 0, plan: { duties: [{ weight: 3 }, { weight: 5 }] } });
    expect(draft.body['diff']).toEqual([expect.objectContaining({ kind: 'duty-weight-changed', text: expect.stringContaining('weight 3 → 5') })]);

    const activated = await api('POST /plans/{id}/activate', { id: 'r1', body: { version: 0 }, as: admin(), at: '2022-06-15' });
    const stale = await api('POST /plans/{id}/activate', { id: 'v1', body: { version: 0 }, as: admin(), at: '2022-06-15' });
    const inspectionDuty = await api('GET /duties/{id}', { id: 'monthly-inspection', as: leader(), at: '2022-06-15' });
    const list = await api('GET /plans', { query: {}, as: leader(), at: '2022-06-15' });

    expect(activated).toMatchObject({ status: 200, body: { id: 'r1', revision: 1, previousVersion: 'v1' } });
    expect(stale).toMatchObject({ status: 409, body: { current: { revision: 1, planVersion: 'r1' } } });
    expect(inspectionDuty.body).toMatchObject({ weight: 5, version: 1, planVersion: 'r1', revision: 1 });
    expect(list.body['items']).toEqual([
      expect.objectContaining({ id: 'r1', active: true, revision: 1, origin: 'upload', note: '检查权重上调' }),
      expect.objectContaining({ id: 'v1', active: false, origin: 'seed' }),
    ]);
    expect((await auditEntries()).map((e) => [e.action, e.target]).sort()).toEqual([
      ['plan.activate', 'plan:r1'],
      ['plan.upload', 'plan:r1'],
    ]);
  });
});

describe('PATCH /duties/{id}', () => {
  const earlier = { from: 'end', days: -10 };

  it("moves the due date of the duty's open instances, leaves a reported one, and logs one entry with before and after", async () => {
    const done = await db.table.getInstance(analysis('village-1'));
    await db.table.saveInstance({ ...done, completedOn: '2022-06-10', status: 'on_time', nextActionOn: null });
    const reportedBefore = await db.table.getInstance(analysis('village-1'));

    const response = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, due: earlier, reason }, as: admin(), at: '2022-06-15' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ item: { id: 'monthly-analysis', due: { from: 'end', days: -10 }, version: 1 }, changed: true, revision: 1, planVersion: 'r1' });
    expect((response.body['instances'] as { updated: string[] }).updated.sort()).toEqual([analysis('emergency-office'), analysis('village-2')]);
    expect(await db.table.getInstance(analysis('emergency-office'))).toMatchObject({ dueOn: '2022-06-20', reminders: ['2022-06-13', '2022-06-17'], planVersion: 'r1', version: 1 });
    expect(await db.table.getInstance(analysis('village-1'))).toEqual(reportedBefore);
    // The other duty's instances are not touched.
    expect(await db.table.getInstance(inspection('emergency-office'))).toMatchObject({ dueOn: '2022-06-30', version: 0 });
    // The openers read the new plan.
    expect((await db.table.getActivePlan(town)).plan.duties[0]?.due).toMatchObject(earlier);
    const entries = await auditEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'duty.edit',
      target: 'duty:monthly-analysis',
      actor: { subject: 'admin-1', role: 'admin' },
      before: { due: { from: 'end', days: 0 } },
      after: { due: { from: 'end', days: -10 } },
      reason,
    });
  });

  it('answers a stale version 409 with the duty as it now is and its version, and changes nothing', async () => {
    await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, due: earlier, reason }, as: admin(), at: '2022-06-15' });
    const before = await snapshot();

    const stale = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, weight: 9, reason }, as: otherAdmin(), at: '2022-06-15' });

    expect(stale.status).toBe(409);
    expect(stale.body['current']).toMatchObject({ id: 'monthly-analysis', weight: 3, due: { days: -10 }, version: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it('lands two concurrent edits of different duties, one after the other', async () => {
    const [a, b] = await Promise.all([
      api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, weight: 4, reason }, as: admin(), at: '2022-06-15' }),
      api('PATCH /duties/{id}', { id: 'monthly-inspection', body: { version: 0, weight: 6, reason }, as: otherAdmin(), at: '2022-06-15' }),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body['revision'], b.body['revision']].sort()).toEqual([1, 2]);
    const { plan: active } = await db.table.getActivePlan(town);
    expect(active.duties.map((d) => [d.id, d.weight])).toEqual([
      ['monthly-analysis', 4],
      ['monthly-inspection', 6],
    ]);
    const list = await api('GET /duties', { query: {}, as: leader(), at: '2022-06-15' });
    expect((list.body['items'] as { id: string; version: number }[]).map((d) => d.version).sort()).toEqual([1, 2]);
    expect((await auditEntries()).map((e) => e.target).sort()).toEqual(['duty:monthly-analysis', 'duty:monthly-inspection']);
  });

  it('refuses a body that would break the plan (400 with the path), and changes nothing', async () => {
    const before = await snapshot();

    const response = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, owners: ['nobody'], reason }, as: admin(), at: '2022-06-15' });
    const unknownField = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, clause: '9', reason }, as: admin(), at: '2022-06-15' });
    const leaderTries = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, weight: 1, reason }, as: leader(), at: '2022-06-15' });

    expect(response.status).toBe(400);
    expect(response.body['issues']).toEqual([{ path: 'duties[0].owners[0]', message: 'unknown unit "nobody"' }]);
    expect(unknownField.status).toBe(400);
    expect(leaderTries.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('pauses a duty (its open instances leave the due index) and resumes it', async () => {
    const paused = await api('POST /duties/{id}/pause', { id: 'monthly-inspection', body: { version: 0, reason }, as: admin(), at: '2022-06-15' });
    const afterPause = await db.table.getInstance(inspection('emergency-office'));
    const resumed = await api('POST /duties/{id}/resume', { id: 'monthly-inspection', body: { version: 1, reason }, as: admin(), at: '2022-06-27' });

    expect(paused).toMatchObject({ status: 200, body: { item: { paused: true, version: 1 } } });
    expect(afterPause).toMatchObject({ pausedOn: '2022-06-15', nextActionOn: null });
    expect(resumed).toMatchObject({ status: 200, body: { item: { version: 2 } } });
    expect(await db.table.getInstance(inspection('emergency-office'))).toMatchObject({ nextActionOn: '2022-06-01', done: ['reminder:2022-06-23'] });
    expect((await auditEntries()).map((e) => e.action).sort()).toEqual(['duty.pause', 'duty.resume']);
  });

  it('refuses a change that would need more writes than one transaction takes (409), and changes nothing', async () => {
    // A town of 100 villages that all owe one monthly duty: moving its due date would rewrite 100 open instances.
    const villages = Array.from({ length: 100 }, (_, i) => ({ id: `v-${i + 1}`, name: `村${i + 1}`, kind: 'village' as const, contacts: [] }));
    const base = planInput();
    const large = buildPlan({ town: { id: town, name: '青峰镇' }, units: [...base.units.filter((u) => u.kind !== 'village'), ...villages], duties: [dutyInput({ owners: [{ every: 'village' }] })] });
    await db.table.putTownPlan(large, 'v2');
    await invoke(handlers.OpenPeriod, 'OpenPeriod', { town, cadence: 'monthly', date: '2022-06-01' });
    const before = await snapshot();

    const response = await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, due: earlier, reason }, as: admin(), at: '2022-06-15' });

    expect(response.status).toBe(409);
    expect(response.body['message']).toContain('more than one transaction takes (100)');
    // 100 villages' instances, and the 3 the seeded plan had opened (they stay with their owners): 103, plus the plan, the town and the audit entry.
    expect(response.body['current']).toEqual({ writes: 106, instanceWrites: 103, limit: 100 });
    expect(await snapshot()).toEqual(before);
  });
});

describe('GET /duties', () => {
  it('pages with an opaque cursor, and shows a unit only the duties it owns', async () => {
    const first = await api('GET /duties', { query: { limit: '1' }, as: leader(), at: '2022-06-15' });
    const second = await api('GET /duties', { query: { limit: '1', cursor: String(first.body['next']) }, as: leader(), at: '2022-06-15' });
    const village2 = await api('GET /duties', { query: {}, as: unitUser('village-2'), at: '2022-06-15' });
    const notOwned = await api('GET /duties/{id}', { id: 'monthly-inspection', as: unitUser('village-2'), at: '2022-06-15' });

    expect((first.body['items'] as { id: string }[]).map((d) => d.id)).toEqual(['monthly-analysis']);
    expect(second.body).toMatchObject({ items: [{ id: 'monthly-inspection', version: 0 }], next: null });
    expect((village2.body['items'] as { id: string }[]).map((d) => d.id)).toEqual(['monthly-analysis']);
    expect(notOwned.status).toBe(403);
  });
});

describe('units', () => {
  it('refuses to retire a unit while duties and open instances name it, listing each (409), and changes nothing', async () => {
    const before = await snapshot();

    const response = await api('POST /units/{id}/retire', { id: 'village-2', body: { version: 0, reason }, as: admin(), at: '2022-06-15' });

    expect(response.status).toBe(409);
    expect(response.body['current']).toMatchObject({
      id: 'village-2',
      version: 0,
      blockers: { duties: [{ id: 'monthly-analysis', as: ['owner'] }], ladders: [], instances: [{ id: analysis('village-2'), dueOn: '2022-06-30' }] },
    });
    expect(await snapshot()).toEqual(before);
  });

  it('creates a unit (201), edits its contacts on its version, and retires it once nothing names it', async () => {
    const created = await api('POST /units', {
      body: { unit: { id: 'village-3', name: '示例村三', kind: 'village', contacts: [{ email: 'village-3@qingfeng.example.org', placeholder: true }] }, reason },
      as: admin(),
      at: '2022-06-15',
    });
    const edited = await api('PATCH /units/{id}', { id: 'village-3', body: { version: 1, contacts: [{ email: 'v3@qingfeng.example.org', placeholder: true }], reason }, as: admin(), at: '2022-06-16' });
    const retired = await api('POST /units/{id}/retire', { id: 'village-3', body: { version: 2, reason }, as: admin(), at: '2022-06-17' });
    const own = await api('GET /units/{id}', { id: 'village-3', as: unitUser('village-3'), at: '2022-06-17' });
    const other = await api('GET /units/{id}', { id: 'village-1', as: unitUser('village-3'), at: '2022-06-17' });

    expect(created).toMatchObject({ status: 201, body: { item: { id: 'village-3', version: 1 }, revision: 1 } });
    expect(edited).toMatchObject({ status: 200, body: { item: { contacts: [{ email: 'v3@qingfeng.example.org' }], version: 2 } } });
    expect(retired).toMatchObject({ status: 200, body: { item: { retired: '2022-06-17', version: 3 } } });
    expect(own).toMatchObject({ status: 200, body: { id: 'village-3', retired: '2022-06-17', version: 3 } });
    expect(other.status).toBe(403);
    const entries = await auditEntries();
    expect(entries.map((e) => e.action).sort()).toEqual(['unit.create', 'unit.edit', 'unit.retire']);
    expect(entries.find((e) => e.action === 'unit.create')).toMatchObject({ before: null, after: { id: 'village-3', name: '示例村三' } });
    expect(entries.find((e) => e.action === 'unit.edit')).toMatchObject({ before: { contacts: [{ email: 'village-3@qingfeng.example.org' }] }, after: { contacts: [{ email: 'v3@qingfeng.example.org' }] } });
  });
});

describe('calendar overrides and key dates', () => {
  it("a declared holiday reschedules open instances and is written to the town's entries of the set ResolveDay reads; removing it puts both back", async () => {
    const put = await api('PUT /calendar/overrides/{id}', { id: '2022-06-30', body: { work: false, name: '镇里临时放假', reason }, as: admin(), at: '2022-06-15' });

    expect(put).toMatchObject({ status: 200, body: { item: { date: '2022-06-30', work: false, version: 1 } } });
    expect(await db.table.getInstance(analysis('emergency-office'))).toMatchObject({ dueOn: '2022-07-01' });
    expect(await db.table.listCalendarOverrides()).toEqual([{ town, date: '2022-06-30', work: false, name: '镇里临时放假' }]);

    const again = await api('PUT /calendar/overrides/{id}', { id: '2022-06-30', body: { work: false, name: '重复', reason }, as: admin(), at: '2022-06-15' });
    const removed = await api('DELETE /calendar/overrides/{id}', { id: '2022-06-30', body: { version: 1, reason }, as: admin(), at: '2022-06-16' });

    expect(again).toMatchObject({ status: 409, body: { current: { date: '2022-06-30', version: 1 } } });
    expect(removed).toMatchObject({ status: 200, body: { item: null, removed: { date: '2022-06-30' } } });
    expect(await db.table.getInstance(analysis('emergency-office'))).toMatchObject({ dueOn: '2022-06-30' });
    expect(await db.table.listCalendarOverrides()).toEqual([]);
  });

  it('adds, lists and removes a key date', async () => {
    const put = await api('PUT /key-dates/{id}', { id: 'party-congress', body: { name: '党的二十大', kind: 'meeting', starts: '2022-10-16', ends: '2022-10-22', reason }, as: admin(), at: '2022-06-15' });
    const listed = await api('GET /key-dates', { query: { year: '2022' }, as: unitUser('village-1'), at: '2022-06-15' });
    const removed = await api('DELETE /key-dates/{id}', { id: 'party-congress', body: { version: 1, reason }, as: admin(), at: '2022-06-15' });

    expect(put).toMatchObject({ status: 200, body: { item: { id: 'party-congress', version: 1 } } });
    expect(listed.body).toMatchObject({ items: [{ id: 'party-congress', starts: '2022-10-16', version: 1 }], next: null });
    expect(removed.status).toBe(200);
    expect((await db.table.getActivePlan(town)).plan.calendar.keyDates).toEqual([]);
  });
});

describe('every change is one audit entry', () => {
  it('writes exactly one entry per accepted change, and none for a refused one', async () => {
    const changes = [
      await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, weight: 4, reason }, as: admin(), at: '2022-06-15' }),
      await api('PATCH /units/{id}', { id: 'village-1', body: { version: 0, name: '示例村一（新）', reason }, as: admin(), at: '2022-06-15' }),
      await api('PUT /calendar/overrides/{id}', { id: '2022-07-04', body: { work: false, name: '放假', reason }, as: admin(), at: '2022-06-15' }),
    ];
    const refused = [
      await api('PATCH /duties/{id}', { id: 'monthly-analysis', body: { version: 0, weight: 5, reason }, as: admin(), at: '2022-06-15' }),
      await api('POST /units/{id}/retire', { id: 'emergency-office', body: { version: 0, reason }, as: admin(), at: '2022-06-15' }),
    ];

    expect(changes.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(refused.map((r) => r.status)).toEqual([409, 409]);
    const entries = await auditEntries();
    expect(entries.map((e) => e.target).sort()).toEqual(['duty:monthly-analysis', 'override:2022-07-04', 'unit:village-1']);
    for (const entry of entries) {
      expect(entry.reason).toBe(reason);
      expect(entry.after).not.toBeNull();
    }
    expect(entries.find((e) => e.target === 'unit:village-1')).toMatchObject({ before: { name: '示例村一' }, after: { name: '示例村一（新）' } });
  });
});
