/**
 * The HTTP API end to end on the local runtime: the synthesized template's routes served by the
 * local server, over real HTTP, with tokens signed by the local key, into the same ReportWork
 * handler, against dynalite. A town is seeded and its June 2022 monthly duties opened by the
 * PeriodOpening workflow, as on AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/api/route-table.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { loadOrCreateKeys, mintToken, tokenClaims, type LocalKeys, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { startApiServer, type ApiServer } from '../../local/api/server.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';
import { repoRoot, shanghai, startWorkflowHarness, townPlan, type WorkflowHarness } from '../support/workflow-runtime.ts';

const town = 'apitown';
const duty = 'c02-monthly-situation-analysis';
const own = `${town}:${duty}:emergency-office:2022-06`;
const others = `${town}:${duty}:economic-office:2022-06`;
/** The server's clock: every request arrives at 10:30 on 20 June 2022, Shanghai time. */
const receivedAt = new Date(shanghai('2022-06-20', '10:30'));
const goodReport = { note: '6月20日召开行业消防安全形势分析会', evidence: [{ kind: 'report', name: '形势分析报告.pdf' }] };

const work = mkdtempSync(join(tmpdir(), 'fireplan-api-'));
let harness: WorkflowHarness;
let keys: LocalKeys;
let api: ApiServer;

beforeAll(async () => {
  harness = await startWorkflowHarness();
  const { template } = await loadOrSynthesize({ repoRoot });
  keys = await loadOrCreateKeys(join(work, 'data'));
  api = await startApiServer({ template, runtime: harness.runtime, publicKey: keys.publicKey, clock: () => receivedAt, corsOrigin: 'http://localhost:5173' });
  await harness.seedTown(townPlan(town, { duties: [duty] }));
  const opened = await harness.runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: shanghai('2022-06-01', '06:00') });
  if (opened.status !== 'SUCCEEDED') throw new Error(`PeriodOpening: ${opened.status} ${opened.error ?? ''}`);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await harness?.stop();
  rmSync(work, { recursive: true, force: true });
});

function token(who: TokenClaimsInput, options: { issuedAt?: Date; seconds?: number; signer?: Pick<LocalKeys, 'kid' | 'privateKey'> } = {}): Promise<string> {
  return mintToken(options.signer ?? keys, tokenClaims(who), { now: options.issuedAt ?? receivedAt, expiresInSeconds: options.seconds ?? 3600 });
}

async function post(path: string, body: unknown, bearer?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

const reportPath = (id: string) => `/instances/${encodeURIComponent(id)}/report`;

/** What a refused request must leave alone: the instance as it was, without a report. */
async function unchanged(id: string, before: InstanceRecord): Promise<void> {
  const after = await harness.instance(id);
  expect(after).toEqual(before);
  expect(after.reports).toEqual([]);
}

describe('POST /instances/{id}/report over HTTP', () => {
  it('serves every route of the route table, from the template, behind the JWT authorizer but the calendar feed', () => {
    const expected = routes.map((r) => [r.routeKey, r.auth === 'feed-token' ? 'NONE' : 'JWT']).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(api.routes.map((r) => [r.routeKey, r.authorization])).toEqual(expected);
  });

  it("lets a unit report its own instance, dated by the server's clock", async () => {
    const bearer = await token({ role: 'unit', town, unit: 'emergency-office' });

    const response = await post(reportPath(own), goodReport, bearer, { origin: 'http://localhost:5173' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: own, status: 'on_time', completedOn: '2022-06-20' });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const stored = await harness.instance(own);
    expect(stored.completedOn).toBe('2022-06-20');
    expect(stored.reports).toEqual([expect.objectContaining({ n: 1, on: '2022-06-20', note: goodReport.note })]);
  });

  it.each([
    ["a unit, on another unit's instance", { role: 'unit', town, unit: 'emergency-office' } as TokenClaimsInput],
    ['a leader of the town', { role: 'leader', town } as TokenClaimsInput],
    ['a unit of the same id in another town', { role: 'unit', town: 'othertown', unit: 'economic-office' } as TokenClaimsInput],
    ['an admin of another town', { role: 'admin', town: 'othertown' } as TokenClaimsInput],
  ])('answers 403 to %s, and stores nothing', async (_who, who) => {
    const before = await harness.instance(others);
    const bearer = await token(who);

    const response = await post(reportPath(others), goodReport, bearer);

    expect(response.status).toBe(403);
    expect(response.body['message']).toEqual(expect.any(String));
    await unchanged(others, before);
  });

  it('answers 401 without a token, with a forged one and with an expired one, and stores nothing', async () => {
    const before = await harness.instance(others);
    const owner = { role: 'unit', town, unit: 'economic-office' } as const;
    const stranger = await generateKeyPair('ES256');
    const forged = await token(owner, { signer: { kid: keys.kid, privateKey: stranger.privateKey } });
    const expired = await token(owner, { issuedAt: new Date(receivedAt.getTime() - 2 * 3600_000), seconds: 3600 });

    const responses = [await post(reportPath(others), goodReport), await post(reportPath(others), goodReport, forged), await post(reportPath(others), goodReport, expired), await post(reportPath(others), goodReport, 'not-a-jwt')];

    expect(responses.map((r) => [r.status, r.body])).toEqual(Array(4).fill([401, { message: 'Unauthorized' }]));
    expect(responses[0]?.headers.get('www-authenticate')).toBe('Bearer');
    await unchanged(others, before);
  });

  it('lets an admin of the town report on a unit\'s behalf', async () => {
    const bearer = await token({ role: 'admin', town });

    const response = await post(reportPath(others), { note: '代经发办报送：已召开形势分析会' }, bearer);

    expect(response.status).toBe(200);
    expect((await harness.instance(others)).reports).toEqual([expect.objectContaining({ note: '代经发办报送：已召开形势分析会' })]);
  });

  it('answers 400 with the issues of a bad body, from the handler', async () => {
    const bearer = await token({ role: 'unit', town, unit: 'emergency-office' });

    const response = await post(reportPath(own), { note: '', evidence: [{ kind: 'selfie', name: 'x' }] }, bearer);
    const notJson = await post(reportPath(own), '{not json', bearer);

    expect(response.status).toBe(400);
    expect(response.body['issues']).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'note' }), expect.objectContaining({ path: 'evidence[0].kind' })]));
    expect(notJson).toMatchObject({ status: 400, body: { issues: [{ path: '', message: 'the body is not valid JSON' }] } });
  });

  it('answers 404 for a route the template does not declare, with or without a token', async () => {
    const bearer = await token({ role: 'admin', town });

    const unknownPath = await post('/instances', goodReport, bearer);
    const unknownMethod = await fetch(`${api.url}${reportPath(own)}`, { headers: { authorization: `Bearer ${bearer}` } });
    const noToken = await post('/nowhere', goodReport);

    expect(unknownPath).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    expect(unknownMethod.status).toBe(404);
    expect(noToken.status).toBe(404);
  });

  it('answers 413 for a body over 1 MiB, before the handler sees it', async () => {
    const bearer = await token({ role: 'unit', town, unit: 'emergency-office' });

    const response = await post(reportPath(own), { note: 'x'.repeat(1_048_577) }, bearer);

    expect(response.status).toBe(413);
  });

  it('allows the configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}${reportPath(own)}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

    const allowed = await preflight('http://localhost:5173');
    const other = await preflight('https://evil.example.com');
    const otherPost = await post(reportPath(own), goodReport, undefined, { origin: 'https://evil.example.com' });

    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(otherPost.headers.get('access-control-allow-origin')).toBeNull();
  });
});
