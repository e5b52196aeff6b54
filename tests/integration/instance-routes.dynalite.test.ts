/**
 * The instance, review, score, audit and evidence routes (issue 4) as API Gateway delivers them to
 * their handlers, on dynalite with the table as the template defines it, and evidence files on the
 * local S3 stand-in through the same presigned-URL flow as on AWS (a real PUT from fetch).
 *
 * The town runs the small plan of tests/support/plan-fixture.ts with two monthly duties: 应急办
 * (emergency-office) and 示例村一 (village-1) owe both, 示例村二 (village-2) owes the analysis only;
 * June and July 2022 are opened, ten instances in all. June's are due 2022-06-30 (yellow 07-01,
 * red 07-07, warning talk 07-14, missed 07-28).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { shardOf } from '../../functions/core/ids.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import type { TokenClaimsInput } from '../../local/api/local-auth.ts';
import { startS3StandIn, type S3StandIn } from '../../local/runtime/s3-stand-in.ts';
import { dynaliteTable, requestInstant, routeCaller, type Handler, type RouteRequest } from '../support/api-call.ts';
import { invoke } from '../support/lambda-invoke.ts';
import { buildPlan, dutyInput } from '../support/plan-fixture.ts';

const town = 'qingfeng';
const plan = buildPlan({
  duties: [
    dutyInput({ owners: ['emergency-office', 'village-1', 'village-2'] }),
    dutyInput({ id: 'monthly-inspection', clause: '5', quote: '每月开展检查', title: { zh: '每月开展消防安全检查', en: 'Monthly inspection' }, owners: ['emergency-office', 'village-1'], evidence: ['photos'] }),
  ],
});
const instance = (duty: string, owner: string, period = '2022-06') => `${town}:${duty}:${owner}:${period}`;
const analysis = (owner: string, period = '2022-06') => instance('monthly-analysis', owner, period);
const inspection = (owner: string, period = '2022-06') => instance('monthly-inspection', owner, period);
const owners = { 'monthly-analysis': ['emergency-office', 'village-1', 'village-2'], 'monthly-inspection': ['emergency-office', 'village-1'] };
const allInstances = ['2022-06', '2022-07'].flatMap((p) => Object.entries(owners).flatMap(([duty, units]) => units.map((u) => instance(duty, u, p)))).sort();
const report = { note: '召开消防安全形势分析会', evidence: [{ kind: 'minutes', name: '会议纪要.pdf' }] };

const admin: TokenClaimsInput = { role: 'admin', town, subject: 'admin-1' };
const leader: TokenClaimsInput = { role: 'leader', town };
const unit = (id: string): TokenClaimsInput => ({ role: 'unit', town, unit: id });
const otherTown = (role: 'admin' | 'leader'): TokenClaimsInput => ({ role, town: 'shuangshi' });

let s3: S3StandIn;
const handlers = {} as Record<'Instances' | 'ReportWork' | 'ReviewWork' | 'Scores' | 'AuditLog' | 'OpenPeriod' | 'FollowUp', Handler>;
/** The instant of the request being sent: the S3 stand-in judges a presigned URL's expiry by it. */
let requestAt = new Date('2022-06-20T02:00:00Z');

const db = dynaliteTable(
  async (table) => {
    await table.putTownPlan(plan, 'v1');
    for (const date of ['2022-06-01', '2022-07-01']) await invoke(handlers.OpenPeriod, 'OpenPeriod', { town, cadence: 'monthly', date });
  },
  {
    // As the local runtime does: the handlers' S3 client talks to the stand-in (path-style), which it reads when it loads.
    started: async () => {
      const bucket = process.env['EVIDENCE_BUCKET'];
      if (!bucket) throw new Error('the template gives the ReportWork function no EVIDENCE_BUCKET');
      s3 = await startS3StandIn({ host: '127.0.0.1', port: 0, buckets: [bucket], credentials: { local: 'local' }, now: () => new Date(requestAt.getTime() + 60_000) });
      process.env['AWS_ENDPOINT_URL_S3'] = s3.endpoint;
    },
  },
);

beforeAll(async () => {
  handlers.Instances = (await import('../../functions/handlers/instances.ts')).handler;
  handlers.ReportWork = (await import('../../functions/handlers/report-work.ts')).handler;
  handlers.ReviewWork = (await import('../../functions/handlers/review-work.ts')).handler;
  handlers.Scores = (await import('../../functions/handlers/scores.ts')).handler;
  handlers.AuditLog = (await import('../../functions/handlers/audit-log.ts')).handler;
  handlers.OpenPeriod = (await import('../../functions/handlers/open-period.ts')).handler;
  handlers.FollowUp = (await import('../../functions/handlers/follow-up.ts')).handler;
});

afterAll(async () => {
  await s3?.close();
}, 30_000);

const call = routeCaller({
  handlers,
  functionOf: (template) =>
    template === '/instances' || template === '/instances/{id}'
      ? 'Instances'
      : template.endsWith('/report') || template.endsWith('/evidence')
        ? 'ReportWork'
        : template.startsWith('/instances/')
          ? 'ReviewWork'
          : template === '/scores'
            ? 'Scores'
            : 'AuditLog',
  requestIds: 'request',
});

/** A request as API Gateway delivers it to the function behind `routeKey`, at the instant the S3 stand-in goes by. */
function api(routeKey: string, request: RouteRequest) {
  requestAt = new Date(requestInstant(request.at));
  return call(routeKey, request);
}

const list = (as: TokenClaimsInput, query: Record<string, string> = {}) => api('GET /instances', { as, query, at: '2022-06-20' });
const ids = (body: Record<string, unknown>) => (body['items'] as { id: string }[]).map((i) => i.id).sort();

/** Every page of a list, following `next`. */
async function allPages(as: TokenClaimsInput, query: Record<string, string>): Promise<{ pages: number; ids: string[] }> {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(as, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.status).toBe(200);
    seen.push(...ids(page.body));
    cursor = (page.body['next'] as string | null) ?? undefined;
    pages += 1;
  } while (cursor !== undefined && pages < 50);
  return { pages, ids: seen.sort() };
}

const stored = (id: string): Promise<InstanceRecord> => db.table.getInstance(id);

describe('GET /instances', () => {
  it('lists the town\'s instances a page at a time, each once, across pages', async () => {
    const { pages, ids: seen } = await allPages(admin, { limit: '3' });

    expect(seen).toEqual(allInstances);
    expect(pages).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['unit', { unit: 'village-1' }, allInstances.filter((i) => i.includes(':village-1:'))],
    ['period', { period: '2022-07' }, allInstances.filter((i) => i.endsWith(':2022-07'))],
    ['duty', { duty: 'monthly-inspection' }, allInstances.filter((i) => i.includes(':monthly-inspection:'))],
    ['unit and period', { unit: 'emergency-office', period: '2022-06' }, [analysis('emergency-office'), inspection('emergency-office')].sort()],
    ['period and duty', { period: '2022-06', duty: 'monthly-analysis' }, ['emergency-office', 'village-1', 'village-2'].map((o) => analysis(o)).sort()],
  ])('filters by %s, page by page', async (_what, query, expected) => {
    const { ids: seen } = await allPages(leader, { ...query, limit: '2' });

    expect(seen).toEqual(expected);
  });

  it('filters by status, light and review as the work and the follow-up change them', async () => {
    const shard = shardOf(town, Number(process.env['FOLLOW_UP_SHARDS']));
    const followUp = (date: string) => invoke(handlers.FollowUp, 'FollowUp', { shard, date });
    await followUp('2022-06-01');
    await api('POST /instances/{id}/report', { id: analysis('emergency-office'), as: unit('emergency-office'), body: report, at: '2022-06-20' });
    await followUp('2022-06-23');
    await api('POST /instances/{id}/report', { id: analysis('village-1'), as: unit('village-1'), body: report, at: '2022-06-24' });
    await api('POST /instances/{id}/report', { id: analysis('village-1', '2022-07'), as: unit('village-1'), body: report, at: '2022-08-02' });
    await api('POST /instances/{id}/accept', { id: analysis('village-1'), as: admin, body: { version: 3 }, at: '2022-06-27' });

    const onTime = await allPages(admin, { status: 'on_time' });
    const late = await allPages(admin, { status: 'late', period: '2022-06' });
    const yellow = await allPages(admin, { light: 'yellow', limit: '2' });
    const awaiting = await allPages(admin, { review: 'awaiting' });
    const accepted = await allPages(admin, { review: 'accepted', unit: 'village-1' });

    expect(onTime.ids).toEqual([analysis('emergency-office'), analysis('village-1')]);
    expect(late.ids).toEqual([]);
    expect((await allPages(admin, { status: 'late' })).ids).toEqual([analysis('village-1', '2022-07')]);
    // Reminded on 06-23: June's instances not reported by then, but village-1's analysis, reported on 06-24.
    expect(yellow.ids).toEqual([analysis('village-2'), inspection('emergency-office'), inspection('village-1')].sort());
    expect(awaiting.ids).toEqual([analysis('emergency-office'), analysis('village-1', '2022-07')]);
    expect(accepted.ids).toEqual([analysis('village-1')]);
  });

  it('gives summaries with the version to edit from', async () => {
    const page = await list(admin, { unit: 'village-2', period: '2022-06' });

    expect(page.body).toEqual({
      items: [
        expect.objectContaining({
          id: analysis('village-2'),
          owner: 'village-2',
          periodId: '2022-06',
          dueOn: '2022-06-30',
          status: 'open',
          light: 'green',
          review: null,
          reports: 0,
          version: 0,
        }),
      ],
      next: null,
    });
  });

  it('refuses the cursor of one list for another, with 400', async () => {
    const byUnit = await list(admin, { unit: 'village-1', limit: '1' });
    const byStatus = await list(admin, { status: 'open', limit: '1' });
    const cursor = (page: { body: Record<string, unknown> }) => String(page.body['next']);

    const otherUnit = await list(admin, { unit: 'village-2', limit: '1', cursor: cursor(byUnit) });
    const otherIndex = await list(admin, { period: '2022-06', limit: '1', cursor: cursor(byUnit) });
    const otherStatus = await list(admin, { status: 'late', limit: '1', cursor: cursor(byStatus) });
    const forged = await list(admin, { cursor: 'bm90LWEtY3Vyc29y' });

    for (const refused of [otherUnit, otherIndex, otherStatus, forged]) {
      expect(refused.status).toBe(400);
      expect(refused.body['issues']).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
    expect(otherUnit.body['issues']).toEqual([{ path: 'cursor', message: 'the cursor belongs to another list: ask for the first page again' }]);
  });

  it('shows a unit its own instances only, whatever it asks', async () => {
    const own = await allPages(unit('village-2'), {});
    const ownFiltered = await allPages(unit('village-2'), { unit: 'village-2', period: '2022-07' });
    const other = await list(unit('village-2'), { unit: 'village-1' });

    expect(own.ids).toEqual([analysis('village-2'), analysis('village-2', '2022-07')]);
    expect(ownFiltered.ids).toEqual([analysis('village-2', '2022-07')]);
    expect(other.status).toBe(403);
  });

  it('refuses another town, to its staff and to this town\'s', async () => {
    expect((await list(otherTown('leader'))).status).toBe(200);
    expect(ids((await list(otherTown('leader'))).body)).toEqual([]);
    expect((await list(admin, { town: 'shuangshi' })).status).toBe(403);
    expect((await list(unit('village-1'), { town: 'shuangshi' })).status).toBe(403);
  });
});

describe('GET /instances/{id}', () => {
  it('gives the whole instance to its unit and the town\'s staff, 403 to others, 404 when there is none', async () => {
    const id = analysis('village-1');
    const get = (as: TokenClaimsInput, which = id) => api('GET /instances/{id}', { id: which, as, at: '2022-06-20' });

    const own = await get(unit('village-1'));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id, owner: 'village-1', reports: [], done: [], escalations: [], version: 0, notify: expect.any(Object) });
    expect((await get(leader)).status).toBe(200);
    expect((await get(unit('village-2'))).status).toBe(403);
    expect((await get(otherTown('admin'))).status).toBe(403);
    expect((await get(admin, analysis('village-1', '2021-01'))).status).toBe(404);
    expect((await get(admin, 'qingfeng:Bad Id:x:2022-06')).status).toBe(400);
  });
});

describe('reviewing reported work', () => {
  const id = analysis('emergency-office');
  const review = (action: 'accept' | 'return' | 'reopen', body: Record<string, unknown>, at: string, as = admin) => api(`POST /instances/{id}/${action}`, { id, as, body, at });

  it('report → return → report → accept, each audited with who, when, before and after', async () => {
    const first = await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    const returned = await review('return', { version: 1, reason: '缺少会议签到表' }, '2022-06-21');
    const afterReturn = await stored(id);
    const second = await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: { note: '补充签到表', evidence: [{ kind: 'sign-in-sheet', name: '签到表.pdf' }] }, at: '2022-06-22' });
    const accepted = await review('accept', { version: 3 }, '2022-06-23');

    expect([first.status, returned.status, second.status, accepted.status]).toEqual([200, 200, 200, 200]);
    expect(returned.body).toMatchObject({ id, review: 'returned', status: 'open', completedOn: null, nextActionOn: '2022-06-01', version: 2 });
    // Open again: back on the due index (its notice was never sent: the follow-up did not run in this test).
    expect(afterReturn).toMatchObject({ completedOn: null, review: 'returned', nextActionOn: '2022-06-01' });
    expect(accepted.body).toMatchObject({ id, review: 'accepted', status: 'on_time', completedOn: '2022-06-22', nextActionOn: null, version: 4 });
    expect(await stored(id)).toMatchObject({
      review: 'accepted',
      reports: [{ n: 1, on: '2022-06-20' }, { n: 2, on: '2022-06-22' }],
      reviews: [
        { report: 1, outcome: 'returned', on: '2022-06-21', by: 'admin-1', reason: '缺少会议签到表' },
        { report: 2, outcome: 'accepted', on: '2022-06-23', by: 'admin-1' },
      ],
    });

    const log = await api('GET /audit', { as: leader, query: { target: `instance:${id}` }, at: '2022-06-24' });
    expect(log.status).toBe(200);
    const entries = log.body['items'] as Record<string, unknown>[];
    expect(entries.map((e) => [e['action'], (e['actor'] as { role: string }).role, e['at']])).toEqual([
      ['instance.accept', 'admin', '2022-06-23T02:00:00.000Z'],
      ['instance.report', 'unit', '2022-06-22T02:00:00.000Z'],
      ['instance.return', 'admin', '2022-06-21T02:00:00.000Z'],
      ['instance.report', 'unit', '2022-06-20T02:00:00.000Z'],
    ]);
    expect(entries[2]).toMatchObject({
      reason: '缺少会议签到表',
      before: { completedOn: '2022-06-20', review: 'awaiting', status: 'on_time' },
      after: { completedOn: null, review: 'returned', status: 'open' },
    });
    expect(entries[0]).toMatchObject({ before: { review: 'awaiting' }, after: { review: 'accepted' }, actor: { subject: 'admin-1', role: 'admin' } });
  });

  it('reopens an accepted instance with its reason', async () => {
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    await review('accept', { version: 1 }, '2022-06-21');

    const reopened = await review('reopen', { version: 2, reason: '抽查发现纪要与实际不符' }, '2022-07-08');

    expect(reopened.body).toMatchObject({ review: 'returned', status: 'open', light: 'red', completedOn: null, version: 3 });
    const log = await api('GET /audit', { as: admin, query: { target: `instance:${id}`, limit: '1' }, at: '2022-07-08' });
    expect(log.body['items']).toEqual([expect.objectContaining({ action: 'instance.reopen', reason: '抽查发现纪要与实际不符' })]);
  });

  it('answers 409 with the current version to a stale one, and changes nothing', async () => {
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    const before = await stored(id);

    const stale = await review('accept', { version: 0 }, '2022-06-21');

    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ message: expect.stringContaining('is at version 1, not 0'), current: { id, version: 1, review: 'awaiting' } });
    expect(await stored(id)).toEqual(before);
  });

  it('answers 409 naming the state when the instance is not in one the action takes', async () => {
    const notReported = await review('accept', { version: 0 }, '2022-06-21');
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    const reopenAwaiting = await review('reopen', { version: 1, reason: 'x' }, '2022-06-21');

    expect(notReported).toMatchObject({ status: 409, body: { message: expect.stringContaining('is open (no report to review)'), current: { review: 'open', version: 0 } } });
    expect(reopenAwaiting).toMatchObject({ status: 409, body: { message: expect.stringContaining('is reported and awaiting review') } });
  });

  it('is for the town\'s admins only; a return needs its reason', async () => {
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });

    const byLeader = await review('accept', { version: 1 }, '2022-06-21', leader);
    const byUnit = await review('accept', { version: 1 }, '2022-06-21', unit('emergency-office'));
    const byOtherTown = await review('accept', { version: 1 }, '2022-06-21', otherTown('admin'));
    const noReason = await review('return', { version: 1 }, '2022-06-21');

    expect([byLeader.status, byUnit.status, byOtherTown.status, noReason.status]).toEqual([403, 403, 403, 400]);
    expect(noReason.body['issues']).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect(await stored(id)).toMatchObject({ version: 1, review: 'awaiting' });
    expect(((await api('GET /audit', { as: unit('emergency-office'), at: '2022-06-21' })).status)).toBe(403);
  });
});

describe('telling the unit of a return or reopen', () => {
  const id = analysis('emergency-office');
  const address = 'emergency-office@qingfeng.example.org';
  const shard = () => shardOf(town, Number(process.env['FOLLOW_UP_SHARDS']));
  const returnIt = (version: number, at: string, reason = '缺少会议签到表') => api('POST /instances/{id}/return', { id, as: admin, body: { version, reason }, at });
  const returnMail = async () => (await db.env.mailbox.messages()).filter((m) => m.subject.startsWith('【退回重报】'));

  it('sends one mail to the unit\'s contacts with the reason in its text and HTML; the same request retried sends no second', async () => {
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });

    const returned = await returnIt(1, '2022-06-21', '缺少会议签到表 <原件>');
    const retried = await returnIt(1, '2022-06-21', '缺少会议签到表 <原件>');

    expect(returned).toMatchObject({ status: 200, body: { review: 'returned', notified: [address] } });
    expect(retried).toMatchObject({ status: 409, body: { current: { id, version: 2, review: 'returned' } } });
    const mail = await db.env.mailbox.messages();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ from: process.env['MAIL_FROM'], destination: { to: [address] }, subject: '【退回重报】应急办：每月分析消防安全形势（2022-06），请于2022-06-30前重新报送' });
    expect(mail[0]?.body.text).toContain('退回原因：缺少会议签到表 <原件>');
    expect(mail[0]?.body.text).toContain('2022-06-20报送的“每月分析消防安全形势”（2022-06）');
    expect(mail[0]?.body.html).toContain('缺少会议签到表 &lt;原件&gt;');
    // In the outbox of the next follow-up (Wednesday 06-22), sent, and no town left marked undelivered.
    expect((await db.table.listIntents(town, '2022-06-22')).map((i) => [i.recipient, i.purpose, i.status])).toEqual([[address, `returned#${id}#1`, 'sent']]);
    expect(await db.table.listUndelivered('2022-06-22', shard())).toEqual([]);
  });

  it('tells of a reopen, and tells a unit without contacts nothing, saying so', async () => {
    const silent = analysis('village-2');
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    await api('POST /instances/{id}/report', { id: silent, as: unit('village-2'), body: report, at: '2022-06-20' });
    await api('POST /instances/{id}/accept', { id, as: admin, body: { version: 1 }, at: '2022-06-21' });

    const reopened = await api('POST /instances/{id}/reopen', { id, as: admin, body: { version: 2, reason: '抽查发现纪要与实际不符' }, at: '2022-07-08' });
    const nobody = await api('POST /instances/{id}/return', { id: silent, as: admin, body: { version: 1, reason: '缺少会议签到表' }, at: '2022-07-08' });

    expect(reopened).toMatchObject({ status: 200, body: { notified: [address] } });
    expect(nobody).toMatchObject({ status: 200, body: { review: 'returned', notified: [] } });
    const mail = await db.env.mailbox.messages();
    expect(mail.map((m) => [m.destination.to, m.subject])).toEqual([[[address], '【重新办理】应急办：每月分析消防安全形势（2022-06），已逾期，请立即重新报送']]);
    // Returned on Friday 07-08, past red (07-07): the follow-up of Monday 07-11 sends red.
    expect(mail[0]?.body.text).toContain('2022-07-11前仍未报送将亮红灯');
  });

  it('when SES fails, still answers 200, and leaves the mail recorded and the town marked for the next follow-up, which delivers it once', async () => {
    const { sesClient } = await import('../../functions/adapters/aws-clients.ts');
    await api('POST /instances/{id}/report', { id, as: unit('emergency-office'), body: report, at: '2022-06-20' });
    const down = Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' });
    const send = vi.spyOn(sesClient, 'send').mockRejectedValue(down);

    let returned;
    try {
      returned = await returnIt(1, '2022-07-08');
    } finally {
      send.mockRestore();
    }

    expect(returned).toMatchObject({ status: 200, body: { review: 'returned', notified: [address] } });
    expect(await db.env.mailbox.messages()).toEqual([]);
    expect((await db.table.listIntents(town, '2022-07-11')).map((i) => [i.recipient, i.status])).toEqual([[address, 'retryable']]);
    expect(await db.table.listUndelivered('2022-07-11', shard())).toEqual([town]);

    const followUp = await invoke(handlers.FollowUp, 'FollowUp', { shard: shard(), date: '2022-07-11' });

    expect(followUp).toMatchObject({ uncertain: 0 });
    expect((await returnMail()).map((m) => m.destination.to)).toEqual([[address]]);
    expect((await db.table.listIntents(town, '2022-07-11')).find((i) => i.purpose.startsWith('returned#'))?.status).toBe('sent');
    expect(await db.table.listUndelivered('2022-07-11', shard())).toEqual([]);
  });
});

describe('GET /scores', () => {
  beforeEach(async () => {
    for (const [id, as, at] of [
      [analysis('emergency-office'), unit('emergency-office'), '2022-06-20'],
      [inspection('emergency-office'), unit('emergency-office'), '2022-06-21'],
      [analysis('village-1'), unit('village-1'), '2022-07-05'],
    ] as const) {
      expect((await api('POST /instances/{id}/report', { id, as, body: report, at })).status).toBe(200);
    }
  });

  const scores = (as: TokenClaimsInput, query: Record<string, string>) => api('GET /scores', { as, query, at: '2022-07-20' });

  it('scores every unit as of the request\'s day, ranked, with every deduction and the rule behind it', async () => {
    const response = await scores(leader, { year: '2022' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ town, year: 2022, period: '2022', asOf: '2022-07-20', next: null });
    const items = response.body['items'] as { unit: string; name: string; score: number; rank: number; counted: number; deductions: Record<string, unknown>[] }[];
    expect(items.map((s) => [s.unit, s.name, s.score, s.rank, s.counted])).toEqual([
      ['emergency-office', '应急办', 100, 1, 2],
      ['village-1', '示例村一', 40, 2, 2],
      ['village-2', '示例村二', 0, 3, 1],
    ]);
    expect(items[1]?.deductions).toEqual([
      expect.objectContaining({ instanceId: analysis('village-1'), rule: 'late', ruleRef: 'scoring.lateCredit[0]', credit: 0.8, pointsLost: 0.6 }),
      expect.objectContaining({ instanceId: inspection('village-1'), rule: 'overdue', ruleRef: 'due', pointsLost: 3 }),
    ]);
    expect(items[2]?.deductions).toEqual([expect.objectContaining({ instanceId: analysis('village-2'), rule: 'overdue' })]);
  });

  it('judges as of another day, and by part of the year', async () => {
    const later = await scores(admin, { year: '2022', asOf: '2022-08-31' });
    const july = await scores(admin, { year: '2022', period: '2022-07', asOf: '2022-07-20' });
    const q2 = await scores(admin, { year: '2022', period: '2022-Q2' });

    const byUnit = (body: Record<string, unknown>) => Object.fromEntries((body['items'] as { unit: string; score: number }[]).map((s) => [s.unit, s.score]));
    // By the end of August June's unreported work is missed and July's is overdue.
    expect(byUnit(later.body)).toEqual({ 'emergency-office': 50, 'village-1': 20, 'village-2': 0 });
    expect(july.body['items']).toEqual([]);
    expect(byUnit(q2.body)).toEqual({ 'emergency-office': 100, 'village-1': 40, 'village-2': 0 });
    expect((await scores(admin, { year: '2022', period: '2021-Q2' })).status).toBe(400);
  });

  it('pages the units, and keeps the ranks of the whole town', async () => {
    const first = await scores(admin, { year: '2022', limit: '2' });
    const second = await scores(admin, { year: '2022', limit: '2', cursor: String(first.body['next']) });
    const wrongList = await scores(admin, { year: '2022', asOf: '2022-07-21', limit: '2', cursor: String(first.body['next']) });

    expect((first.body['items'] as { unit: string }[]).map((s) => s.unit)).toEqual(['emergency-office', 'village-1']);
    expect((second.body['items'] as { unit: string; rank: number }[]).map((s) => [s.unit, s.rank])).toEqual([['village-2', 3]]);
    expect(second.body['next']).toBeNull();
    expect(wrongList.status).toBe(400);
  });

  it('shows a unit its own score only, with its rank in the town', async () => {
    const own = await scores(unit('village-1'), { year: '2022' });
    const other = await scores(unit('village-1'), { year: '2022', unit: 'village-2' });

    expect((own.body['items'] as { unit: string; rank: number }[]).map((s) => [s.unit, s.rank])).toEqual([['village-1', 2]]);
    expect(other.status).toBe(403);
  });
});

describe('evidence files', () => {
  const id = analysis('village-1');
  const file = new Uint8Array(2048).fill(0x25);

  async function presign(body: Record<string, unknown> = { name: '6月 会议纪要.pdf', contentType: 'application/pdf', size: file.length }) {
    return api('POST /instances/{id}/evidence', { id, as: unit('village-1'), body, at: '2022-06-20T02:00:00Z' });
  }

  async function upload(url: string, contentType: string, bytes: Uint8Array): Promise<number> {
    const response = await fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body: bytes });
    await response.arrayBuffer();
    return response.status;
  }

  it('presigns, takes the upload on the local S3, and keeps the report that names it', async () => {
    const presigned = await presign();
    expect(presigned.status).toBe(201);
    const { key, uploadUrl, headers } = presigned.body as { key: string; uploadUrl: string; headers: Record<string, string> };
    expect(key.startsWith('evidence/qingfeng/qingfeng.monthly-analysis.village-1.2022-06/')).toBe(true);
    expect(uploadUrl.startsWith(`${s3.endpoint}/${process.env['EVIDENCE_BUCKET']}/evidence/qingfeng/`)).toBe(true);

    expect(await upload(uploadUrl, headers['content-type'] as string, file)).toBe(200);
    const reported = await api('POST /instances/{id}/report', {
      id,
      as: unit('village-1'),
      body: { note: '已上传会议纪要', evidence: [{ kind: 'minutes', name: '6月 会议纪要.pdf', key, size: file.length }] },
      at: '2022-06-20T03:00:00Z',
    });

    expect(reported.status).toBe(200);
    expect((await stored(id)).reports[0]?.evidence).toEqual([{ kind: 'minutes', name: '6月 会议纪要.pdf', key, size: file.length }]);
  });

  it('refuses an upload of another type or size than declared, and then a report naming it: the file was not uploaded', async () => {
    const presigned = await presign();
    const { key, uploadUrl } = presigned.body as { key: string; uploadUrl: string };

    expect(await upload(uploadUrl, 'image/png', file)).toBe(403);
    expect(await upload(uploadUrl, 'application/pdf', file.subarray(1))).toBe(403);
    const reported = await api('POST /instances/{id}/report', {
      id,
      as: unit('village-1'),
      body: { note: '已上传', evidence: [{ kind: 'minutes', name: 'a.pdf', key, size: file.length }] },
      at: '2022-06-20T03:00:00Z',
    });

    expect(reported.status).toBe(400);
    expect(reported.body['issues']).toEqual([{ path: 'evidence[0].key', message: expect.stringContaining('the file was not uploaded') }]);
    expect(await stored(id)).toMatchObject({ completedOn: null, reports: [], version: 0 });
  });

  it("refuses a key under another instance's prefix, and another unit's presign", async () => {
    const other = await api('POST /instances/{id}/evidence', { id: analysis('village-2'), as: unit('village-2'), body: { name: 'a.pdf', contentType: 'application/pdf', size: 10 }, at: '2022-06-20' });
    const { key } = other.body as { key: string };

    const reported = await api('POST /instances/{id}/report', { id, as: unit('village-1'), body: { note: '借用', evidence: [{ kind: 'minutes', name: 'a.pdf', key, size: 10 }] }, at: '2022-06-20' });
    const presignOthers = await api('POST /instances/{id}/evidence', { id, as: unit('village-2'), body: { name: 'a.pdf', contentType: 'application/pdf', size: 10 }, at: '2022-06-20' });

    expect(reported.status).toBe(400);
    expect(reported.body['issues']).toEqual([{ path: 'evidence[0].key', message: expect.stringContaining('not a file of this instance') }]);
    expect(presignOthers.status).toBe(403);
  });
});
