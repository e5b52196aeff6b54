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
 *
 * Issue 5's routes are in the same matrix, on data made as users make it: the admin records hazards
 * and a self-built house of village-1 and puts one hazard under listed supervision, the
 * QuarterlyExposure workflow drafts the exposure list of 2022-Q2 on 30 June, and fatal fires are
 * recorded through `POST /incidents` by the routes that need them. Their "unit" is the one the
 * thing is about: emergency-office for the recruitment campaign and the fires' investigations,
 * village-1 for its hazards and houses. Before the matrix, the issue's bad input through HTTP (a
 * stage count above the stage before it, a past hazard deadline, a fire dated tomorrow, personal
 * data in an exposure edit): a 400 naming the field, and nothing stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import ExcelJS from 'exceljs';
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

/** Issue 5's duties: the fire chain, the hazard ledger and its exposure, the recruitment campaign. */
const c05 = 'c05-extended-investigation';
const c06 = 'c06-plant-warehouse-rectification';
const c08 = 'c08-special-governance';
const c17 = 'c17-recruit-firefighters';
const issue5Duties = [c05, 'c05-look-back', c06, 'c07-self-built-housing-rectification', c08, 'c08-listed-supervision', 'c08-quarterly-hazard-exposure', c17, 's3-3-accountability-review'];
/** The village whose hazards and self-built houses the hazard routes are about, and another one. */
const village = 'village-1';
const otherVillage = 'village-2';
const quarter = '2022-Q2';

const plans: { town: Plan; other: Plan } = {
  town: townPlan(town, { duties: [c01, c02, c14, ...issue5Duties] }),
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
  // Issue 5. Recruitment: the owning unit (emergency-office) reads and records its counts; the model is the admin's.
  'GET /recruitment': /*            */ [Y, Y, Y, N, N], // ?year=2022&town=<this town>
  'PUT /recruitment/{id}/stages': /**/ [Y, N, Y, N, E],
  'PUT /recruitment/{id}/model': /* */ [Y, N, N, N, E],
  'GET /recruitment/ledger.xlsx': /**/ [Y, Y, Y, N, N], // ?year=2022&town=<this town>
  // Incidents: an admin records and closes; a unit reads the fires whose chain has a duty of its own.
  'POST /incidents': /*             */ [Y, N, N, N, E],
  'POST /incidents/{id}/investigation/close': [Y, N, N, N, E],
  'GET /incidents': /*              */ [Y, Y, Y, Y, N], // ?town=<this town>; another unit: an empty list
  'GET /incidents/{id}': /*         */ [Y, Y, Y, N, E],
  'GET /incidents/ledger.xlsx': /*  */ [Y, Y, N, N, E], // every fire of the town: not one unit's
  // Hazards and self-built houses: the unit of the area (village-1) records, reads and reports on its own; closing and listing are the admin's.
  'POST /hazards': /*               */ [Y, N, Y, N, E],
  'GET /hazards': /*                */ [Y, Y, Y, Y, N], // ?town=<this town>; another unit: an empty list
  'GET /hazards/ledger.xlsx': /*    */ [Y, Y, Y, Y, N], // ?town=<this town>; another unit: no rows
  'GET /hazards/{id}': /*           */ [Y, Y, Y, N, E],
  'POST /hazards/{id}/close': /*    */ [Y, N, N, N, E],
  'POST /hazards/{id}/list': /*     */ [Y, N, N, N, E],
  'POST /hazards/{id}/progress': /* */ [Y, N, Y, N, E],
  'POST /self-built-houses': /*     */ [Y, N, Y, N, E],
  'GET /self-built-houses': /*      */ [Y, Y, Y, Y, N], // ?town=<this town>; another unit: an empty list
  'GET /self-built-houses/ledger.xlsx': [Y, Y, Y, Y, N], // ?town=<this town>; another unit: no rows
  'GET /self-built-houses/{id}': /* */ [Y, Y, Y, N, E],
  'POST /self-built-houses/{id}/hazards': [Y, N, Y, N, E],
  // Exposure lists name hazards of every unit: the town's staff only.
  'GET /exposures': /*              */ [Y, Y, N, N, N], // ?town=<this town>
  'GET /exposures/{id}': /*         */ [Y, Y, N, N, E],
  'PATCH /exposures/{id}': /*       */ [Y, N, N, N, E],
  'POST /exposures/{id}/approve': /**/ [Y, N, N, N, E],
  'POST /exposures/{id}/publish': /**/ [Y, N, N, N, E],
  'GET /exposures/{id}/ledger.xlsx': [Y, Y, N, N, E],
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
  await seedIssue5(table);
  for (const t of [town, otherTown]) {
    for (const date of ['2022-05-01', '2022-06-01']) await runtime.invokeFunction('OpenPeriod', { town: t, cadence: 'monthly', date });
  }
  const opened = await table.listTownInstances(town);
  for (const id of [readMe, reportMe, acceptMe, returnMe]) if (!opened.some((r) => r.id === id)) throw new Error(`${id} was not opened`);
}, 180_000);

/**
 * Issue 5's data, made as a user would: the admin records hazards and a self-built house through the
 * API, puts one hazard under listed supervision, and the QuarterlyExposure workflow drafts the
 * quarter's exposure list on its last working day (30 June 2022). The other town is registered only
 * afterwards, so that it has no list: a list id of this town names nothing there. The fires are
 * recorded later, by the routes that need them (they would add instances to the unit lists above).
 */
async function seedIssue5(table: typeof import('../../functions/adapters/table.ts')): Promise<void> {
  await runtime.invokeFunction('OpenPeriod', { town, cadence: 'quarterly', date: '2022-04-01' });
  const record = async (body: Record<string, unknown>) => String((await setupCall({ method: 'POST', path: '/hazards', body }))['id']);
  seeded.main = await record(hazardBody({ place: '示例村一 兴隆路8号 王小明日杂店', grade: 'major', description: '店内设置住宿，电动自行车在室内充电', contact: { name: contactName, phone: contactPhone } }));
  seeded.toClose = await record(hazardBody({ place: '示例村一 幸福路3号 小餐馆', description: '厨房燃气管道老化' }));
  seeded.toList = await record(hazardBody({ place: '示例村一 二组 彩钢棚仓库', category: 'three-in-one', grade: 'major', description: '生产、储存、住宿合用同一建筑' }));
  seeded.listed = await record(hazardBody({ place: '示例村一 三组 家庭作坊', category: 'three-in-one', grade: 'major', description: '作坊与住宿未分隔' }));
  await setupCall({ method: 'POST', path: `/hazards/${seeded.listed}/list`, body: { version: 0, note: '区县挂牌督办' } });
  seeded.house = String((await setupCall({ method: 'POST', path: '/self-built-houses', body: houseBody('示例村一 3组45号') }))['id']);

  const execution = await runtime.runStateMachine('QuarterlyExposure', { scheduledTime: shanghai('2022-06-30', '16:00') });
  if (execution.status !== 'SUCCEEDED') throw new Error(`QuarterlyExposure: ${execution.status}`);
  const draft = await adminGet(`/exposures/${quarter}`);
  const entries = (draft['entries'] as { hazardId: string }[]).map((e) => e.hazardId).sort();
  if (draft['status'] !== 'draft' || !isDeepStrictEqual(entries, [seeded.main, seeded.toList, seeded.listed].sort())) throw new Error(`the exposure draft: ${JSON.stringify(draft).slice(0, 500)}`);

  await table.putTownPlan(plans.other, 'b1');
}

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
  bytes: Buffer;
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
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  const json = (response.headers.get('content-type') ?? '').includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: response.status, headers: response.headers, bytes, text, json };
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
/** The plan's duties in its order, and those each unit owns. */
const allDuties = plans.town.duties.map((d) => d.id).sort();
const dutiesOf: Record<string, string[]> = { [own]: [c02, c05, c06, c08, c14, c17], [otherUnit]: [c02, c06] };

// ── issue 5 ──

const contactName = '王小明';
const contactPhone = '13923456789';
/** The ids of what `seedIssue5` recorded. */
const seeded = { main: '', toClose: '', toList: '', listed: '', house: '' };

function hazardBody(fields: Record<string, unknown>): Record<string, unknown> {
  return { area: village, category: 'nine-small', grade: 'general', ...fields };
}

function houseBody(address: string): Record<string, unknown> {
  return {
    address,
    area: village,
    floors: 4,
    occupants: 16,
    uses: ['rental'],
    problems: [{ code: 'indoor-ebike-charging', note: '一楼楼梯间充电' }, { code: 'window-obstructions' }],
    contact: { name: '赵六', phone: '13600001111' },
  };
}

const fireBody = (place: string, deaths = 1) => ({
  occurredOn: '2022-06-15',
  place,
  casualties: { deaths, injuries: 2 },
  socialImpact: 'minor',
  description: '一楼电动自行车充电起火，造成人员伤亡。',
});

const fires: Record<string, string> = {};

/** A fatal fire of this town (its investigation open), recorded once by the admin. */
async function ensureFire(place: string): Promise<string> {
  fires[place] ??= String((await setupCall({ method: 'POST', path: '/incidents', body: fireBody(place) }))['id']);
  return fires[place];
}

const readFire = () => ensureFire('示例村二 某自建房');
const closeFire = () => ensureFire('示例村四 某出租屋');

const recruitment = () => adminGet('/recruitment', 'year=2022');
const hazardVersion = async (id: string) => (await adminGet(`/hazards/${id}`))['version'];
const exposure = () => adminGet(`/exposures/${quarter}`);

/** Every cell of a workbook, as text. */
async function workbookText(bytes: Buffer): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const cells: string[] = [];
  workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => void cells.push(typeof cell.value === 'string' ? cell.value : JSON.stringify(cell.value)))));
  return cells.join('\n');
}

const isWorkbook = (answer: Answer) => expect(answer.headers.get('content-type')).toContain('spreadsheetml');

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
      // The monthly ones opened above, and the annual ones of 2022 that the activation of a plan version (POST /plans/{id}/activate, above) opened.
      const annual = [c06, c08, c17].map((duty) => instance(duty, '2022'));
      expect(items.map((i) => i['id']).sort()).toEqual([acceptMe, returnMe, readMe, reportMe, ...annual].sort());
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
  'GET /audit': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/audit', query: 'limit=100' }),
    // The contacts of hazards and houses are personal data, never in an audit entry (docs/hazards.md).
    check: (_caller, answer) => {
      for (const secret of [contactPhone, '13600001111', '赵六']) expect(answer.text).not.toContain(secret);
    },
  },
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

  // ── recruitment (the campaign is the plan's: version 0 until its first change) ──
  'GET /recruitment': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/recruitment', query: `year=2022&town=${town}` }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ id: '2022', owner: own, target: 15, dutyId: c17 }),
  },
  'PUT /recruitment/{id}/stages': {
    status: 200,
    reseed: true,
    request: async () => ({
      method: 'PUT',
      path: '/recruitment/2022/stages',
      body: { version: (await recruitment())['version'], counts: { 'plan-approved': 15, announcement: 15, registration: 60 }, note: '报名结束' },
    }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ stored: true, counts: expect.objectContaining({ registration: 60 }) }),
  },
  'PUT /recruitment/{id}/model': {
    status: 200,
    request: async () => ({ method: 'PUT', path: '/recruitment/2022/model', body: { version: (await recruitment())['version'], passRates: { interview: 0.5 }, stageDays: { interview: 14 } } }),
  },
  'GET /recruitment/ledger.xlsx': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/recruitment/ledger.xlsx', query: `year=2022&town=${town}` }),
    check: (_caller, answer) => isWorkbook(answer),
  },

  // ── incidents (the chain of a fatal fire: 镇消防安全委员会, 派出所, 应急办 investigate; 镇安委会 reviews) ──
  'POST /incidents': {
    status: 201,
    reseed: true,
    request: () => ({ method: 'POST', path: '/incidents', body: fireBody('示例村三 某厂房') }),
    check: (caller, answer) => {
      if (caller === "other town's admin") return;
      expect(answer.json).toMatchObject({ serious: true, occurredOn: '2022-06-15' });
      expect(answer.headers.get('location')).toBe(`/incidents/${String(answer.json?.['id'])}`);
    },
  },
  'POST /incidents/{id}/investigation/close': {
    status: 200,
    setup: async () => void (await closeFire()),
    request: async () => {
      const id = await closeFire();
      return {
        method: 'POST',
        path: `/incidents/${id}/investigation/close`,
        body: {
          version: (await adminGet(`/incidents/${id}`))['version'],
          findings: '建设单位擅自改变使用性质；物业未落实消防安全管理责任。',
          responsibleParties: [{ party: 'use-management', name: '某物业公司' }],
          rectifications: [{ what: '拆除违规搭建的电动自行车充电棚', owner: own, deadline: '2022-09-30' }],
          lookBackAfterMonths: 3,
        },
      };
    },
    check: (_caller, answer) => expect(answer.json?.['investigation']).toMatchObject({ status: 'closed', closedOn: '2022-06-20' }),
  },
  'GET /incidents': {
    status: 200,
    readOnly: true,
    setup: async () => void (await readFire()),
    request: () => ({ method: 'GET', path: '/incidents', query: `town=${town}` }),
    check: async (caller, answer) => {
      const ids = itemsOf(answer.json ?? {}).map((i) => i['id']);
      if (caller === 'other unit') expect(ids).toEqual([]);
      else expect(ids).toContain(await readFire());
    },
  },
  'GET /incidents/{id}': {
    status: 200,
    readOnly: true,
    setup: async () => void (await readFire()),
    request: async () => ({ method: 'GET', path: `/incidents/${await readFire()}` }),
    check: async (_caller, answer) => expect(answer.json).toMatchObject({ id: await readFire(), serious: true }),
  },
  'GET /incidents/ledger.xlsx': {
    status: 200,
    readOnly: true,
    setup: async () => void (await readFire()),
    request: () => ({ method: 'GET', path: '/incidents/ledger.xlsx' }),
    check: async (caller, answer) => {
      isWorkbook(answer);
      if (caller !== "other town's admin") expect(await workbookText(answer.bytes)).toContain('示例村二 某自建房');
    },
  },

  // ── hazards and self-built houses of village-1 ──
  'POST /hazards': {
    owner: village,
    other: otherVillage,
    status: 201,
    reseed: true,
    request: () => ({ method: 'POST', path: '/hazards', body: hazardBody({ place: '示例村一 五组 小卖部', description: '灭火器过期', deadline: '2022-07-20' }) }),
    check: (caller, answer) => {
      if (caller === "other town's admin") return;
      expect(answer.json).toMatchObject({ deadline: '2022-07-20', status: 'open', owner: village, instance: { owner: village, dueOn: '2022-07-20' } });
    },
  },
  'GET /hazards': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/hazards', query: `town=${town}` }),
    check: (caller, answer) => {
      const ids = itemsOf(answer.json ?? {}).map((h) => h['id']);
      expect(ids.sort()).toEqual(caller === 'other unit' ? [] : [seeded.main, seeded.toClose, seeded.toList, seeded.listed].sort());
    },
  },
  'GET /hazards/ledger.xlsx': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/hazards/ledger.xlsx', query: `town=${town}` }),
    check: async (caller, answer) => {
      isWorkbook(answer);
      const text = await workbookText(answer.bytes);
      expect(text.includes(seeded.main), 'the hazard of village-1').toBe(caller !== 'other unit');
      // Personal data: in the Excel ledgers to admins only (docs/hazards.md).
      expect(text.includes(contactPhone), 'the contact phone').toBe(caller === 'admin');
    },
  },
  'GET /hazards/{id}': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: `/hazards/${seeded.main}` }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ id: seeded.main, grade: 'major', area: village }),
  },
  'POST /hazards/{id}/close': {
    owner: village,
    other: otherVillage,
    status: 200,
    request: async () => ({
      method: 'POST',
      path: `/hazards/${seeded.toClose}/close`,
      body: { version: await hazardVersion(seeded.toClose), note: '已更换燃气管道，现场复查合格', evidence: [{ kind: 'photos', name: '整改后照片' }] },
    }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ status: 'closed', closedOn: '2022-06-20' }),
  },
  'POST /hazards/{id}/list': {
    owner: village,
    other: otherVillage,
    status: 200,
    request: async () => ({ method: 'POST', path: `/hazards/${seeded.toList}/list`, body: { version: await hazardVersion(seeded.toList), note: '区县挂牌督办' } }),
    check: (_caller, answer) => expect(answer.json?.['listed']).toMatchObject({ since: '2022-06-20' }),
  },
  'POST /hazards/{id}/progress': {
    owner: village,
    other: otherVillage,
    status: 200,
    request: async () => ({ method: 'POST', path: `/hazards/${seeded.listed}/progress`, body: { version: await hazardVersion(seeded.listed), note: '已拆除隔墙内的住宿床位' } }),
  },
  'POST /self-built-houses': {
    owner: village,
    other: otherVillage,
    status: 201,
    reseed: true,
    request: () => ({ method: 'POST', path: '/self-built-houses', body: houseBody('示例村一 4组12号') }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ inScope: true, area: village }),
  },
  'GET /self-built-houses': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/self-built-houses', query: `town=${town}` }),
    check: (caller, answer) => expect(itemsOf(answer.json ?? {}).map((h) => h['id'])).toEqual(caller === 'other unit' ? [] : [seeded.house]),
  },
  'GET /self-built-houses/ledger.xlsx': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/self-built-houses/ledger.xlsx', query: `town=${town}` }),
    check: async (caller, answer) => {
      isWorkbook(answer);
      const text = await workbookText(answer.bytes);
      expect(text.includes('示例村一 3组45号'), 'the house of village-1').toBe(caller !== 'other unit');
      expect(text.includes('13600001111'), 'the contact phone').toBe(caller === 'admin');
    },
  },
  'GET /self-built-houses/{id}': {
    owner: village,
    other: otherVillage,
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: `/self-built-houses/${seeded.house}` }),
  },
  'POST /self-built-houses/{id}/hazards': {
    owner: village,
    other: otherVillage,
    status: 201,
    reseed: true,
    request: async () => ({
      method: 'POST',
      path: `/self-built-houses/${seeded.house}/hazards`,
      body: { version: (await adminGet(`/self-built-houses/${seeded.house}`))['version'], problem: 'indoor-ebike-charging', grade: 'general' },
    }),
    check: (caller, answer) => {
      if (caller === "other town's admin") return;
      expect(answer.json).toMatchObject({ category: 'self-built-house', houseId: seeded.house, owner: village });
    },
  },

  // ── the exposure list of 2022-Q2, drafted by the QuarterlyExposure workflow ──
  'GET /exposures': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: '/exposures', query: `town=${town}` }),
    check: (_caller, answer) => expect(itemsOf(answer.json ?? {}).map((l) => l['id'])).toEqual([quarter]),
  },
  'GET /exposures/{id}': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: `/exposures/${quarter}` }),
    check: (_caller, answer) => {
      expect(answer.json).toMatchObject({ id: quarter, entries: expect.any(Array) });
      for (const secret of [contactName, contactPhone]) expect(answer.text).not.toContain(secret);
    },
  },
  'PATCH /exposures/{id}': {
    status: 200,
    request: async () => ({
      method: 'PATCH',
      path: `/exposures/${quarter}`,
      body: { version: (await exposure())['version'], entries: [{ hazardId: seeded.main, description: '经营场所内设置住宿，电动自行车室内充电' }] },
    }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ status: 'draft', edited: true }),
  },
  'POST /exposures/{id}/approve': {
    status: 200,
    setup: async () => {
      const list = await exposure();
      if (list['status'] === 'approved') await setupCall({ method: 'PATCH', path: `/exposures/${quarter}`, body: { version: list['version'], entries: [{ hazardId: seeded.toList }] } });
    },
    request: async () => ({ method: 'POST', path: `/exposures/${quarter}/approve`, body: { version: (await exposure())['version'] } }),
    check: (_caller, answer) => expect(answer.json).toMatchObject({ status: 'approved', approvedOn: '2022-06-20' }),
  },
  'POST /exposures/{id}/publish': {
    status: 200,
    setup: async () => {
      const list = await exposure();
      if (list['status'] === 'draft') await setupCall({ method: 'POST', path: `/exposures/${quarter}/approve`, body: { version: list['version'] } });
    },
    request: async () => ({ method: 'POST', path: `/exposures/${quarter}/publish`, body: { version: (await exposure())['version'] } }),
    check: (_caller, answer) => {
      expect(answer.json).toMatchObject({ status: 'published', publishedOn: '2022-06-20' });
      // The quarter's exposure duty (镇消防安全委员会办公室's) is reported done with the list.
      expect(answer.json?.['reported']).toEqual([expect.objectContaining({ id: `${town}:c08-quarterly-hazard-exposure:fire-office:${quarter}`, completedOn: '2022-06-20', review: 'awaiting' })]);
    },
  },
  'GET /exposures/{id}/ledger.xlsx': {
    status: 200,
    readOnly: true,
    request: () => ({ method: 'GET', path: `/exposures/${quarter}/ledger.xlsx` }),
    check: async (_caller, answer) => {
      isWorkbook(answer);
      const text = await workbookText(answer.bytes);
      expect(text).toContain(seeded.main);
      for (const secret of [contactName, contactPhone]) expect(text).not.toContain(secret);
    },
  },
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

// Before the matrix below, which publishes the exposure list (final) and closes a hazard.
describe("issue 5's bad input over HTTP: a 400 naming the problem, and nothing stored", () => {
  const admin = () => token({ role: 'admin', town });

  async function refused(request: Request, bearer: string, path: string, message: RegExp): Promise<void> {
    const before = await stored();

    const answer = await send(request, bearer);
    const changed = changes(before, await stored());
    // Put back whatever an accepted request wrote, for the matrix below.
    if (changed.length > 0) await restore(before.table);

    expect(answer.status, answer.text.slice(0, 300)).toBe(400);
    expect(answer.json?.['message']).toEqual(expect.any(String));
    expect(answer.json?.['issues']).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    expect(changed).toEqual([]);
  }

  it.each([
    ['the owning unit', () => token({ role: 'unit', town, unit: own })],
    ['an admin', admin],
  ])('a recruitment stage count above the stage before it (%s)', async (_who, bearer) => {
    const { version } = await recruitment();
    const counts = { 'plan-approved': 15, announcement: 15, registration: 60, 'qualification-review': 70 };

    await refused({ method: 'PUT', path: '/recruitment/2022/stages', body: { version, counts } }, await bearer(), 'counts.qualification-review', /资格审查 人数 70 多于 报名 人数 60/);
  });

  it('a hazard with a deadline in the past, recorded, listed or made from a self-built house', async () => {
    const bearer = await admin();
    const past = /the deadline 2022-06-19 is in the past \(today is 2022-06-20\)/;

    await refused({ method: 'POST', path: '/hazards', body: hazardBody({ place: '示例村一 六组 仓库', description: '堆放杂物', deadline: '2022-06-19' }) }, bearer, 'deadline', past);
    await refused({ method: 'POST', path: `/hazards/${seeded.toList}/list`, body: { version: await hazardVersion(seeded.toList), deadline: '2022-06-19' } }, bearer, 'deadline', past);
    await refused(
      { method: 'POST', path: `/self-built-houses/${seeded.house}/hazards`, body: { version: (await adminGet(`/self-built-houses/${seeded.house}`))['version'], problem: 'window-obstructions', grade: 'general', deadline: '2022-06-19' } },
      bearer,
      'deadline',
      past,
    );
  });

  it('an incident dated in the future (the day after the request, in Asia/Shanghai)', async () => {
    await refused({ method: 'POST', path: '/incidents', body: { ...fireBody('示例村五 某民房'), occurredOn: '2022-06-21' } }, await admin(), 'occurredOn', /the fire is dated 2022-06-21, after today \(2022-06-20, Asia\/Shanghai\)/);
  });

  it.each([
    ['a mobile number', '经营者电话 139-2345-6789，店内住人', /the description contains a personal phone number \(mobile\)/],
    ['a landline', '值班电话 023-12345678', /the description contains a phone number \(landline\)/],
    ["the name of the hazard's contact", `业主${contactName}在店内住宿`, /the description contains a personal name/],
    ['an identity card number', '身份证500118199001011234', /the description contains an identity card number/],
  ])("an exposure edit that puts %s into an entry", async (_what, description, message) => {
    const list = await exposure();
    expect(list['status']).toBe('draft');

    await refused({ method: 'PATCH', path: `/exposures/${quarter}`, body: { version: list['version'], entries: [{ hazardId: seeded.main, description }] } }, await admin(), 'entries[0].description', message);
  });

  it("an exposure edit that puts the name of a contact of the list's hazards into another hazard's entry", async () => {
    const list = await exposure();

    // 王小明 is the contact of the first hazard; an exposure list names no person, whichever entry names him.
    await refused(
      { method: 'PATCH', path: `/exposures/${quarter}`, body: { version: list['version'], entries: [{ hazardId: seeded.toList, description: `仓库由${contactName}经营，生产、储存、住宿合用` }] } },
      await admin(),
      'entries[0].description',
      /the description contains a personal name/,
    );
  });
});

// The rules of issue 4 where docs/hazards.md decides otherwise.
describe('a unit works on its own unit only (issue 4, "Roles")', () => {
  it.each([
    ['records a hazard of its area and makes another unit own its rectification', async () => ({ method: 'POST', path: '/hazards', body: hazardBody({ place: '示例村一 七组 厂房', description: '消防通道堵塞', owner: 'economic-office' }) })],
    [
      "turns a problem of its area's house into a hazard that another unit owns",
      async () => ({
        method: 'POST',
        path: `/self-built-houses/${seeded.house}/hazards`,
        body: { version: (await adminGet(`/self-built-houses/${seeded.house}`))['version'], problem: 'window-obstructions', grade: 'general', owner: 'economic-office' },
      }),
    ],
  ] as const)('is refused (403) when it %s, and nothing is stored', async (_what, request) => {
    const made = (await request()) as Request;
    const before = await stored();

    const answer = await send(made, await token({ role: 'unit', town, unit: village }));
    const changed = changes(before, await stored());
    // Put back whatever an accepted request wrote, for the matrix below.
    if (changed.length > 0) await restore(before.table);

    expect(answer.status, answer.text.slice(0, 300)).toBe(403);
    expect(changed).toEqual([]);
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
