/**
 * Who may call what (issue 4, "Roles"): every route of the route table, called over HTTP through
 * the local API server, by every kind of caller —
 *
 * - the admin, a leader and two unit members of the town (one of the unit the request is about, one
 *   of another unit of the same town),
 * - the admin of another town (seeded beside it, with a plan of its own),
 * - nobody (no token), an expired token and a forged one (signed by another key);
 *
 * with a valid request (real ids, a valid query and body), so that the only reason to refuse it is
 * who is calling. The expected answers are written out below, route by route, and are NOT derived
 * from the route table's `roles`: a wrong roles entry makes this file fail. A refused request must
 * leave every item of the table (a full Scan before and after) and the evidence bucket as they were.
 *
 * The rules: a unit member sees and reports only its own unit's duties in its own town; a leader
 * reads everything in its town and never writes; an admin edits its own town; a token for another
 * town is a 403 wherever the request names the town (an instance id, `?town=`), and everywhere else
 * is answered about the caller's own town, never touching or showing this one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/api/route-table.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { loadOrCreateKeys, mintToken, tokenClaims, type LocalKeys, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { startApiServer, type ApiServer } from '../../local/api/server.ts';
import { LOCAL_CREDENTIALS } from '../../local/runtime/emulators.ts';
import { createLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';
import { repoRoot, shanghai, townPlan } from '../support/workflow-runtime.ts';

// ───────────────────────────── the towns ─────────────────────────────

const town = 'matrixtown';
const otherTown = 'othertown';
const own = 'emergency-office';
const otherUnit = 'economic-office';
const c01 = 'c01-party-meeting-fire-safety';
const c02 = 'c02-monthly-situation-analysis';
const c14 = 'c14-monthly-publicity-outreach';
/** Every request arrives at 10:30 on 20 June 2022, Shanghai time; the S3 stand-in runs on the same clock. */
const receivedAt = new Date(shanghai('2022-06-20', '10:30'));

const instance = (duty: string, period: string, owner = own) => `${town}:${duty}:${owner}:${period}`;
/** Read by GET /instances/{id}. */
const readMe = instance(c02, '2022-06');
/** Reported (and asked for an upload URL) by the report and evidence routes: open. */
const reportMe = instance(c14, '2022-06');
/** Accepted by the accept route, then reopened by the reopen route. */
const acceptMe = instance(c14, '2022-05');
/** Returned by the return route. */
const returnMe = instance(c02, '2022-05');
const instancePath = (id: string, action?: string) => `/instances/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

const plans: { town: Plan; other: Plan } = {
  town: townPlan(town, { duties: [c01, c02, c14] }),
  // Another plan: only one of this town's duties, so most ids of this town name nothing there.
  other: townPlan(otherTown, { duties: [c02] }),
};

// ───────────────────────────── the expected matrix ─────────────────────────────

/**
 * - `allow`: a 2xx (the route's sample says which);
 * - `deny`: 403, and nothing stored;
 * - `elsewhere` (another town's admin, on a route that does not name the town): answered about the
 *   caller's own town (2xx, 404 when the id is not there, 409 when its version is not the one sent),
 *   and nothing of this town changes or shows in the answer.
 */
type Outcome = 'allow' | 'deny' | 'elsewhere';
const Y = 'allow';
const N = 'deny';
const E = 'elsewhere';

const callers = ['admin', 'leader', 'own unit', 'other unit', "other town's admin"] as const;
type Caller = (typeof callers)[number];
type Row = readonly [admin: Outcome, leader: Outcome, ownUnit: Outcome, otherUnit: Outcome, otherTownAdmin: Outcome];

/** Route key → who may call it, in the order of `callers`. The calendar feed has no bearer token: its row is its own test. */
const matrix: Record<string, Row | 'feed-token'> = {
  //                                   admin leader own  other other-town
  'GET /plans': /*                  */ [Y, Y, N, N, E],
  'POST /plans': /*                 */ [Y, N, N, N, N], // the plan names this town: another town's admin is refused
  'GET /plans/{id}': /*             */ [Y, Y, N, N, E],
  'POST /plans/{id}/activate': /*   */ [Y, N, N, N, E],
  'GET /duties': /*                 */ [Y, Y, Y, Y, E], // a unit: only the duties it owns
  'GET /duties/{id}': /*            */ [Y, Y, Y, N, E],
  'PATCH /duties/{id}': /*          */ [Y, N, N, N, E],
  'POST /duties/{id}/pause': /*     */ [Y, N, N, N, E],
  'POST /duties/{id}/resume': /*    */ [Y, N, N, N, E],
  'GET /units': /*                  */ [Y, Y, N, N, E],
  'GET /units/{id}': /*             */ [Y, Y, Y, N, E],
  'POST /units': /*                 */ [Y, N, N, N, E],
  'PATCH /units/{id}': /*           */ [Y, N, N, N, E],
  'POST /units/{id}/retire': /*     */ [Y, N, N, N, E],
  'GET /calendar/overrides': /*     */ [Y, Y, Y, Y, E],
  'PUT /calendar/overrides/{id}': /**/ [Y, N, N, N, E],
  'DELETE /calendar/overrides/{id}': [Y, N, N, N, E],
  'GET /key-dates': /*              */ [Y, Y, Y, Y, E],
  'PUT /key-dates/{id}': /*         */ [Y, N, N, N, E],
  'DELETE /key-dates/{id}': /*      */ [Y, N, N, N, E],
  'GET /instances': /*              */ [Y, Y, Y, N, N], // ?town=<this town>&unit=<own unit>
  'GET /instances/{id}': /*         */ [Y, Y, Y, N, N],
  'POST /instances/{id}/report': /* */ [Y, N, Y, N, N],
  'POST /instances/{id}/evidence': [Y, N, Y, N, N],
  'POST /instances/{id}/accept': /* */ [Y, N, N, N, N],
  'POST /instances/{id}/return': /* */ [Y, N, N, N, N],
  'POST /instances/{id}/reopen': /* */ [Y, N, N, N, N],
  'GET /scores': /*                 */ [Y, Y, Y, N, E], // ?unit=<own unit>
  'GET /audit': /*                  */ [Y, Y, N, N, E],
  'GET /ledger.xlsx': /*            */ [Y, Y, Y, N, N], // ?town=<this town>&unit=<own unit>
  'GET /units/{id}/calendar.ics': 'feed-token',
  'POST /units/{id}/feed-token': /* */ [Y, N, N, N, E],
  'GET /openapi.json': /*           */ [Y, Y, Y, Y, Y],
};

// ───────────────────────────── the runtime, the server, the callers ─────────────────────────────

const work = mkdtempSync(join(tmpdir(), 'fireplan-matrix-'));
let runtime: LocalRuntime;
let api: ApiServer;
let keys: LocalKeys;
let raw: DynamoDBDocumentClient;
let s3: S3Client;
let tableName: string;
let bucket: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  const { template, templatePath } = await loadOrSynthesize({ repoRoot });
  runtime = createLocalRuntime({ templatePath, repoRoot, env: { LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'SILENT' }, clock: () => receivedAt });
  await runtime.start();
  // Only now: the adapters read the environment the runtime has just set.
  const table = await import('../../functions/adapters/table.ts');
  tableName = runtime.template.tables[0]?.tableName ?? '';
  bucket = runtime.template.buckets.find((b) => b.logicalId.startsWith('ApiEvidenceBucket'))?.bucketName ?? '';
  if (!tableName || !bucket) throw new Error('the template has no table or no evidence bucket');
  raw = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region: 'cn-local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
  s3 = new S3Client({ endpoint: runtime.endpoints.s3, region: 'cn-north-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  keys = await loadOrCreateKeys(join(work, 'data'));
  api = await startApiServer({ template, runtime, publicKey: keys.publicKey, clock: () => receivedAt });

  await table.putTownPlan(plans.town, 'v1');
  await table.putTownPlan(plans.other, 'b1');
  for (const t of [town, otherTown]) {
    for (const date of ['2022-05-01', '2022-06-01']) await runtime.invokeFunction('OpenPeriod', { town: t, cadence: 'monthly', date });
  }
  const opened = await table.listTownInstances(town);
  for (const id of [readMe, reportMe, acceptMe, returnMe]) if (!opened.some((r) => r.id === id)) throw new Error(`${id} was not opened`);
}, 180_000);

afterAll(async () => {
  await api?.close();
  s3?.destroy();
  raw?.destroy();
  await runtime?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function token(who: TokenClaimsInput): Promise<string> {
  const name = JSON.stringify(who);
  let minted = tokens.get(name);
  if (!minted) {
    minted = await mintToken(keys, tokenClaims(who), { now: receivedAt, expiresInSeconds: 3600 });
    tokens.set(name, minted);
  }
  return minted;
}

/** The bearer token of a caller, for a request about `owner`'s work (`other`: a unit of the same town that is not it). */
function bearerOf(caller: Caller, owner: string, other: string): Promise<string> {
  switch (caller) {
    case 'admin':
      return token({ role: 'admin', town });
    case 'leader':
      return token({ role: 'leader', town });
    case 'own unit':
      return token({ role: 'unit', town, unit: owner });
    case 'other unit':
      return token({ role: 'unit', town, unit: other });
    case "other town's admin":
      return token({ role: 'admin', town: otherTown });
  }
}

const anonymous = ['no token', 'an expired token', 'a forged token'] as const;
type Anonymous = (typeof anonymous)[number];

async function anonymousBearer(who: Anonymous): Promise<string | undefined> {
  const claims = tokenClaims({ role: 'admin', town });
  switch (who) {
    case 'no token':
      return undefined;
    case 'an expired token':
      return mintToken(keys, claims, { now: new Date(receivedAt.getTime() - 2 * 3600_000), expiresInSeconds: 3600 });
    case 'a forged token': {
      // Same claims, same key id, another key: what someone without the key would make.
      const stranger = await generateKeyPair('ES256');
      return mintToken({ kid: keys.kid, privateKey: stranger.privateKey }, claims, { now: receivedAt, expiresInSeconds: 3600 });
    }
  }
}

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: string;
  body?: unknown;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function send(request: Request, bearer?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (bearer) headers['authorization'] = `Bearer ${bearer}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.url}${request.path}${request.query ? `?${request.query}` : ''}`, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: response.status, headers: response.headers, text, json };
}

/** An admin's read of this town, for the versions a valid edit must carry. */
async function adminGet(path: string, query?: string): Promise<Record<string, unknown>> {
  const answer = await send({ method: 'GET', path, ...(query ? { query } : {}) }, await token({ role: 'admin', town }));
  if (answer.status !== 200 || !answer.json) throw new Error(`GET ${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.json;
}

/** An admin's (or the owning unit's) write made to bring an item into the state a route needs. */
async function setupCall(request: Request, who: TokenClaimsInput = { role: 'admin', town }): Promise<Record<string, unknown>> {
  const answer = await send(request, await token(who));
  if (answer.status < 200 || answer.status > 299 || !answer.json) throw new Error(`setup ${request.method} ${request.path}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.json;
}

const itemsOf = (page: Record<string, unknown>) => page['items'] as Record<string, unknown>[];
const versionIn = (page: Record<string, unknown>, key: string, value: string) => Number(itemsOf(page).find((i) => i[key] === value)?.['version']);

async function revision(): Promise<number> {
  const page = await adminGet('/plans');
  return Number(itemsOf(page).find((p) => p['active'] === true)?.['revision'] ?? 0);
}

// ───────────────────────────── what is stored ─────────────────────────────

type Table = Map<string, Record<string, unknown>>;

async function scanTable(): Promise<Table> {
  const items: Table = new Map();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await raw.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) items.set(`${String(item['pk'])} | ${String(item['sk'])}`, item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function bucketKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => `${o.Key ?? ''} (${o.Size ?? 0} bytes)`));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

interface Stored {
  table: Table;
  bucket: string[];
}

async function stored(): Promise<Stored> {
  return { table: await scanTable(), bucket: await bucketKeys() };
}

/** What changed between two snapshots, one line an item (`keep` leaves out items another town may legitimately change). */
function changes(before: Stored, after: Stored, keep: (key: string) => boolean = () => true): string[] {
  const lines: string[] = [];
  for (const [key, item] of after.table) {
    if (!keep(key)) continue;
    const was = before.table.get(key);
    if (!was) lines.push(`added ${key}`);
    else if (!isDeepStrictEqual(was, item)) lines.push(`changed ${key}`);
  }
  for (const key of before.table.keys()) if (keep(key) && !after.table.has(key)) lines.push(`removed ${key}`);
  const had = new Set(before.bucket);
  for (const object of after.bucket) if (!had.has(object)) lines.push(`uploaded ${object}`);
  for (const object of before.bucket) if (!after.bucket.includes(object)) lines.push(`deleted ${object}`);
  return lines;
}

/** Puts the table back as it was (a reseed), so that a second allowed writer finds what the first one did. */
async function restore(to: Table): Promise<void> {
  const now = await scanTable();
  const writes: Record<string, unknown>[] = [];
  for (const [key, item] of now) if (!to.has(key)) writes.push({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } });
  for (const [key, item] of to) if (!isDeepStrictEqual(now.get(key), item)) writes.push({ PutRequest: { Item: item } });
  for (let n = 0; n < writes.length; n += 25) await raw.send(new BatchWriteCommand({ RequestItems: { [tableName]: writes.slice(n, n + 25) } }));
  expect(changes({ table: to, bucket: [] }, { table: await scanTable(), bucket: [] })).toEqual([]);
}

// ───────────────────────────── a valid request for every route ─────────────────────────────

interface Sample {
  /** The unit whose work the request is about: the "own unit" caller is a member of it. @default emergency-office */
  owner?: string;
  /** A unit of the same town that is not the owner. @default economic-office */
  other?: string;
  /** The 2xx an allowed caller gets. */
  status: number;
  /** Brings the town into the state the request needs (run before each allowed caller, and once before the refused ones). */
  setup?: () => Promise<void>;
  /** The request, made just before it is sent (so that it carries the versions current then). */
  request: () => Promise<Request> | Request;
  /** For a route that does not write: an allowed call stores nothing either. */
  readOnly?: boolean;
  /** Two callers are allowed to make the same write: the table is put back after each. */
  reseed?: boolean;
  /** More to check of an allowed caller's answer. */
  check?: (caller: Caller, answer: Answer) => void | Promise<void>;
}

const reason = '角色矩阵测试';
const goodReport = { note: '6月20日开展消防宣传进村入户活动', evidence: [{ kind: 'photos', name: '活动照片', url: 'https://example.org/album/1' }] };
let draft: string | undefined;
let feedToken: string | undefined;

async function ensureDraft(): Promise<string> {
  if (!draft) {
    const source = JSON.stringify({ ...plans.town, title: { ...plans.town.title, zh: `${plans.town.title.zh}（修订）` } });
    draft = String((await setupCall({ method: 'POST', path: '/plans', body: { source, format: 'json', note: '修订稿' } }))['id']);
  }
  return draft;
}

async function ensureReview(id: string, wanted: 'awaiting' | 'accepted'): Promise<void> {
  let record = await adminGet(instancePath(id));
  if (record['completedOn'] === null) {
    await setupCall({ method: 'POST', path: instancePath(id, 'report'), body: goodReport }, { role: 'unit', town, unit: own });
    record = await adminGet(instancePath(id));
  }
  if (wanted === 'accepted' && record['review'] !== 'accepted') {
    await setupCall({ method: 'POST', path: instancePath(id, 'accept'), body: { version: record['version'] } });
  }
}

async function dutyVersion(id: string): Promise<number> {
  return Number((await adminGet(`/duties/${id}`))['version']);
}

async function unitVersion(id: string): Promise<number> {
  return Number((await adminGet(`/units/${id}`))['version']);
}

const newUnit = 'matrix-unit';
const overrideDay = '2022-11-12';
const keyDate = 'matrix-expo';
const allDuties = [c01, c02, c14];
const dutiesOf: Record<string, string[]> = { [own]: [c02, c14], [otherUnit]: [c02] };

const samples: Record<string, Sample> = {
  'GET /plans': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/plans' }) },
  'POST /plans': {
    status: 201,
    request: () => ({ method: 'POST', path: '/plans', body: { source: JSON.stringify(plans.town), format: 'json', note: '重新上传' } }),
  },
  'GET /plans/{id}': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/plans/v1' }) },
  'POST /plans/{id}/activate': {
    status: 200,
    setup: async () => void (await ensureDraft()),
    request: async () => ({ method: 'POST', path: `/plans/${await ensureDraft()}/activate`, body: { version: await revision() } }),
  },
  'GET /duties': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/duties' }),
    check: (caller, answer) => {
      const ids = itemsOf(answer.json ?? {}).map((d) => d['id']);
      const expected = caller === 'own unit' ? dutiesOf[own] : caller === 'other unit' ? dutiesOf[otherUnit] : allDuties;
      expect(ids).toEqual(expected);
    },
  },
  'GET /duties/{id}': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: `/duties/${c14}` }) },
  'PATCH /duties/{id}': {
    owner: 'party-office',
    status: 200,
    request: async () => ({ method: 'PATCH', path: `/duties/${c01}`, body: { version: await dutyVersion(c01), reminders: [7, 2], reason } }),
  },
  'POST /duties/{id}/pause': {
    owner: 'party-office',
    status: 200,
    setup: async () => {
      const duty = await adminGet(`/duties/${c01}`);
      if (duty['paused'] === true) await setupCall({ method: 'POST', path: `/duties/${c01}/resume`, body: { version: duty['version'], reason } });
    },
    request: async () => ({ method: 'POST', path: `/duties/${c01}/pause`, body: { version: await dutyVersion(c01), reason } }),
  },
  'POST /duties/{id}/resume': {
    owner: 'party-office',
    status: 200,
    setup: async () => {
      const duty = await adminGet(`/duties/${c01}`);
      if (duty['paused'] !== true) await setupCall({ method: 'POST', path: `/duties/${c01}/pause`, body: { version: duty['version'], reason } });
    },
    request: async () => ({ method: 'POST', path: `/duties/${c01}/resume`, body: { version: await dutyVersion(c01), reason } }),
  },
  'GET /units': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/units' }) },
  'GET /units/{id}': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: `/units/${own}` }) },
  'POST /units': {
    owner: newUnit,
    status: 201,
    request: () => ({
      method: 'POST',
      path: '/units',
      // An address that names no town: another town's admin gets back what it sent, which must not name this town.
      body: { unit: { id: newUnit, name: '矩阵测试办', kind: 'other', contacts: [{ role: '主任', email: `${newUnit}@example.org`, placeholder: true }] }, reason },
    }),
  },
  'PATCH /units/{id}': {
    status: 200,
    request: async () => ({ method: 'PATCH', path: `/units/${own}`, body: { version: await unitVersion(own), note: '值班电话 023-00000000', reason } }),
  },
  'POST /units/{id}/retire': {
    owner: newUnit,
    other: own,
    status: 200,
    setup: async () => {
      const units = itemsOf(await adminGet('/units'));
      if (!units.some((u) => u['id'] === newUnit)) await setupCall((await samples['POST /units']?.request()) as Request);
    },
    request: async () => ({ method: 'POST', path: `/units/${newUnit}/retire`, body: { version: await unitVersion(newUnit), reason } }),
  },
  'GET /calendar/overrides': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/calendar/overrides', query: 'year=2022' }) },
  'PUT /calendar/overrides/{id}': {
    status: 200,
    request: () => ({ method: 'PUT', path: `/calendar/overrides/${overrideDay}`, body: { work: true, name: '调休上班', reason } }),
  },
  'DELETE /calendar/overrides/{id}': {
    status: 200,
    setup: async () => {
      const listed = await adminGet('/calendar/overrides');
      if (!itemsOf(listed).some((o) => o['date'] === overrideDay)) await setupCall((await samples['PUT /calendar/overrides/{id}']?.request()) as Request);
    },
    request: async () => ({
      method: 'DELETE',
      path: `/calendar/overrides/${overrideDay}`,
      body: { version: versionIn(await adminGet('/calendar/overrides'), 'date', overrideDay), reason },
    }),
  },
  'GET /key-dates': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/key-dates', query: 'year=2022' }) },
  'PUT /key-dates/{id}': {
    status: 200,
    request: () => ({ method: 'PUT', path: `/key-dates/${keyDate}`, body: { name: '测试博览会', kind: 'event', starts: '2022-09-05', ends: '2022-09-07', reason } }),
  },
  'DELETE /key-dates/{id}': {
    status: 200,
    setup: async () => {
      if (!itemsOf(await adminGet('/key-dates')).some((k) => k['id'] === keyDate)) await setupCall((await samples['PUT /key-dates/{id}']?.request()) as Request);
    },
    request: async () => ({ method: 'DELETE', path: `/key-dates/${keyDate}`, body: { version: versionIn(await adminGet('/key-dates'), 'id', keyDate), reason } }),
  },
  'GET /instances': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/instances', query: `town=${town}&unit=${own}` }),
    check: (_caller, answer) => {
      const items = itemsOf(answer.json ?? {});
      expect(items.map((i) => i['id']).sort()).toEqual([acceptMe, returnMe, readMe, reportMe].sort());
    },
  },
  'GET /instances/{id}': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: instancePath(readMe) }) },
  'POST /instances/{id}/report': {
    status: 200,
    reseed: true,
    request: () => ({ method: 'POST', path: instancePath(reportMe, 'report'), body: goodReport }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ id: reportMe, completedOn: '2022-06-20' }),
  },
  'POST /instances/{id}/evidence': {
    status: 201,
    readOnly: true,
    request: () => ({ method: 'POST', path: instancePath(reportMe, 'evidence'), body: { name: '宣传活动照片.jpg', contentType: 'image/jpeg', size: 64 } }),
    // The URL works: the S3 stand-in, on the server's clock, takes exactly the declared file.
    check: async (_caller, answer) => {
      const uploaded = await fetch(String(answer.json?.['uploadUrl']), { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(64).fill(7) });
      expect(uploaded.status).toBe(200);
    },
  },
  'POST /instances/{id}/accept': {
    status: 200,
    setup: () => ensureReview(acceptMe, 'awaiting'),
    request: async () => ({ method: 'POST', path: instancePath(acceptMe, 'accept'), body: { version: (await adminGet(instancePath(acceptMe)))['version'] } }),
  },
  'POST /instances/{id}/return': {
    status: 200,
    setup: () => ensureReview(returnMe, 'awaiting'),
    request: async () => ({ method: 'POST', path: instancePath(returnMe, 'return'), body: { version: (await adminGet(instancePath(returnMe)))['version'], reason: '缺少签到表' } }),
  },
  'POST /instances/{id}/reopen': {
    status: 200,
    setup: () => ensureReview(acceptMe, 'accepted'),
    request: async () => ({ method: 'POST', path: instancePath(acceptMe, 'reopen'), body: { version: (await adminGet(instancePath(acceptMe)))['version'], reason: '抽查发现照片与实际不符' } }),
  },
  'GET /scores': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/scores', query: `year=2022&unit=${own}` }),
    check: (_caller, answer) => expect(itemsOf(answer.json ?? {}).map((s) => s['unit'])).toEqual([own]),
  },
  'GET /audit': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/audit' }) },
  'GET /ledger.xlsx': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/ledger.xlsx', query: `town=${town}&unit=${own}` }),
    check: (_caller, answer) => expect(answer.headers.get('content-type')).toContain('spreadsheetml'),
  },
  'POST /units/{id}/feed-token': {
    status: 201,
    request: () => ({ method: 'POST', path: `/units/${own}/feed-token`, body: { reason } }),
    check: (_caller, answer) => expect(String(answer.json?.['token'])).toMatch(new RegExp(`^${town}_`)),
  },
  'GET /openapi.json': { status: 200, readOnly: true, request: () => ({ method: 'GET', path: '/openapi.json' }) },
};

// ───────────────────────────── the tests ─────────────────────────────

describe('the role matrix', () => {
  it('covers exactly the routes of the route table', () => {
    expect(Object.keys(matrix).sort()).toEqual(routes.map((r) => r.routeKey).sort());
    expect(Object.keys(samples).sort()).toEqual(Object.keys(matrix).filter((k) => matrix[k] !== 'feed-token').sort());
  });

  it("agrees with the route table's roles (the HTTP cases below are the proof; this names a wrong entry at once)", () => {
    const disagreements = routes.flatMap((route) => {
      const row = matrix[route.routeKey];
      if (row === undefined) return [`${route.routeKey}: not in the matrix`];
      if (row === 'feed-token') return route.auth === 'feed-token' && route.roles.length === 0 ? [] : [`${route.routeKey}: the matrix says feed-token`];
      const [admin, leader, ownUnit] = row;
      const expected = [admin === Y ? 'admin' : '', leader === Y ? 'leader' : '', ownUnit === Y ? 'unit' : ''].filter((r) => r !== '');
      const actual = [...route.roles].sort();
      return isDeepStrictEqual(actual, [...expected].sort()) ? [] : [`${route.routeKey}: roles ${actual.join(',')}, the matrix allows ${expected.join(',')}`];
    });
    expect(disagreements).toEqual([]);
  });
});

const routeKeys = Object.keys(matrix);

describe.each(routeKeys.filter((key) => matrix[key] !== 'feed-token'))('%s', (routeKey) => {
  const row = matrix[routeKey] as Row;
  const sample = samples[routeKey] as Sample;
  const owner = sample.owner ?? own;
  const other = sample.other ?? otherUnit;
  const outcomes = callers.map((caller, n) => ({ caller, outcome: row[n] as Outcome }));
  // Refusals first, so that they find the state the allowed write then changes; another town's admin next; the allowed last.
  const order: Outcome[] = [N, E, Y];
  const sorted = [...outcomes].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome));

  beforeAll(async () => {
    await sample.setup?.();
  }, 60_000);

  it.each(anonymous)('is refused (401) to %s, and nothing changes', async (who) => {
    const request = await sample.request();
    const before = await stored();

    const answer = await send(request, await anonymousBearer(who));

    expect([answer.status, answer.json]).toEqual([401, { message: 'Unauthorized' }]);
    expect(changes(before, await stored())).toEqual([]);
  });

  it.each(sorted.map((o) => [o.caller, o.outcome] as const))('%s: %s', async (caller, outcome) => {
    if (outcome === Y) await sample.setup?.();
    const request = await sample.request();
    const before = await stored();

    const answer = await send(request, await bearerOf(caller, owner, other));

    if (outcome === N) {
      expect(answer.status, answer.text).toBe(403);
      expect(answer.json?.['message']).toEqual(expect.any(String));
      expect(changes(before, await stored())).toEqual([]);
      return;
    }
    if (outcome === E) {
      expect([200, 201, 404, 409], answer.text).toContain(answer.status);
      expect(answer.text).not.toContain(town);
      // Whatever it did, it did in its own town: nothing of this town (nor shared by it) changed.
      expect(changes(before, await stored(), (key) => !key.includes(otherTown))).toEqual([]);
      return;
    }
    expect(answer.status, answer.text.slice(0, 500)).toBe(sample.status);
    if (sample.readOnly) expect(changes(before, await stored())).toEqual([]);
    if (caller === "other town's admin") expect(answer.text).not.toMatch(new RegExp(`"${town}[:"]`));
    await sample.check?.(caller, answer);
    if (sample.reseed) await restore(before.table);
  });
});

describe('GET /units/{id}/calendar.ics: the feed token, not a bearer token', () => {
  const feed = (query: string | undefined, unit = own): Request => ({ method: 'GET', path: `/units/${unit}/calendar.ics`, ...(query === undefined ? {} : { query }) });
  const secretOf = (t: string) => t.slice(t.indexOf('_') + 1);

  beforeAll(async () => {
    feedToken = String((await setupCall({ method: 'POST', path: `/units/${own}/feed-token`, body: { reason } }))['token']);
  });

  it('serves the feed to whoever has the right token, with no bearer token, and stores nothing', async () => {
    const before = await stored();

    const answer = await send(feed(`token=${encodeURIComponent(feedToken ?? '')}`));

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/calendar');
    expect(answer.text).toContain('BEGIN:VCALENDAR');
    // Long lines are folded at 75 octets (RFC 5545): unfolded, the feed names the unit's open instance.
    expect(answer.text.replace(/\r\n[ \t]/g, '')).toContain(`UID:${reportMe}@fireplan`);
    expect(changes(before, await stored())).toEqual([]);
  });

  it.each([
    ['no token', undefined, 400],
    ['an empty token', 'token=', 400],
    ['a made-up token of the right shape', `token=${town}_${'A'.repeat(43)}`, 404],
    ['the right secret under another town', () => `token=${otherTown}_${secretOf(feedToken ?? '')}`, 404],
    ['another shape altogether', 'token=Bearer%20x', 400],
  ] as const)('refuses %s, and stores nothing', async (_what, query, status) => {
    const before = await stored();

    const answer = await send(feed(typeof query === 'function' ? query() : query));

    expect(answer.status).toBe(status);
    expect(answer.json?.['message']).toEqual(expect.any(String));
    expect(changes(before, await stored())).toEqual([]);
  });

  it("refuses the right token on another unit's feed (404, the same answer as for a unit that does not exist)", async () => {
    const before = await stored();

    const other = await send(feed(`token=${encodeURIComponent(feedToken ?? '')}`, otherUnit));
    const nobody = await send(feed(`token=${encodeURIComponent(feedToken ?? '')}`, 'no-such-unit'));

    expect([other.status, other.json]).toEqual([404, { message: 'no calendar feed at this address' }]);
    expect([nobody.status, nobody.json]).toEqual([404, other.json]);
    expect(changes(before, await stored())).toEqual([]);
  });

  it.each(callers)("gives a bearer token of %s nothing without the feed token", async (caller) => {
    const before = await stored();

    const answer = await send(feed(undefined), await bearerOf(caller, own, otherUnit));

    expect(answer.status).toBe(400);
    expect(changes(before, await stored())).toEqual([]);
  });

  it('stops serving a rotated token', async () => {
    const old = feedToken ?? '';
    feedToken = String((await setupCall({ method: 'POST', path: `/units/${own}/feed-token`, body: { reason } }))['token']);
    const before = await stored();

    const stale = await send(feed(`token=${encodeURIComponent(old)}`));
    const fresh = await send(feed(`token=${encodeURIComponent(feedToken)}`));

    expect([stale.status, fresh.status]).toEqual([404, 200]);
    expect(changes(before, await stored())).toEqual([]);
  });
});

describe('a unit member sees only its own unit, even without naming it', () => {
  it.each([
    ['GET /instances', { method: 'GET', path: '/instances' } as Request, (json: Record<string, unknown>) => itemsOf(json).map((i) => i['owner'])],
    ['GET /scores', { method: 'GET', path: '/scores', query: 'year=2022' } as Request, (json: Record<string, unknown>) => itemsOf(json).map((s) => s['unit'])],
  ])('%s', async (_route, request, unitsIn) => {
    const answer = await send(request, await token({ role: 'unit', town, unit: otherUnit }));

    expect(answer.status).toBe(200);
    const units = unitsIn(answer.json ?? {});
    expect(units.length).toBeGreaterThan(0);
    expect(new Set(units)).toEqual(new Set([otherUnit]));
  });

  it("is refused (403) another town's instances, listed or one by one", async () => {
    const bearer = await token({ role: 'unit', town, unit: own });

    const otherTownList = await send({ method: 'GET', path: '/instances', query: `town=${otherTown}` }, bearer);
    const otherTownInstance = await send({ method: 'GET', path: instancePath(`${otherTown}:${c02}:${own}:2022-06`) }, bearer);

    expect([otherTownList.status, otherTownInstance.status]).toEqual([403, 403]);
  });
});

describe("another town's admin and the national working-day calendar", () => {
  /** Whether the workflows (ResolveDay, the first state of every one, for every town) take a day as a working day. */
  async function workday(day: string): Promise<boolean> {
    const resolved = (await runtime.invokeFunction('ResolveDay', { scheduledTime: shanghai(day, '06:00') })) as { workday: boolean };
    return resolved.workday;
  }

  it("cannot take away a working day this town declared (a calendar override is written to the set every town's workflows read)", async () => {
    const day = '2022-12-03'; // a Saturday
    const admin = await token({ role: 'admin', town });
    const stranger = await token({ role: 'admin', town: otherTown });
    const put = (bearer: string) => send({ method: 'PUT', path: `/calendar/overrides/${day}`, body: { work: true, name: '调休上班', reason } }, bearer);
    expect((await put(admin)).status).toBe(200);
    expect(await workday(day)).toBe(true);

    // The other town declares the same day for itself, then changes its mind: its own plan, its own business.
    const theirs = await put(stranger);
    expect(theirs.status).toBe(200);
    const version = (theirs.json?.['item'] as Record<string, unknown>)['version'];
    expect((await send({ method: 'DELETE', path: `/calendar/overrides/${day}`, body: { version, reason } }, stranger)).status).toBe(200);

    // This town's plan still declares the day a working day, and its workflows must still run on it.
    expect(itemsOf(await adminGet('/calendar/overrides')).map((o) => o['date'])).toContain(day);
    expect(await workday(day)).toBe(true);
  });
});
