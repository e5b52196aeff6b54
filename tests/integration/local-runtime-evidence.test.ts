/**
 * Evidence files on the local runtime: the synthesized template's evidence bucket is created on the
 * S3 stand-in, the ReportWork function gets it as EVIDENCE_BUCKET (the template's `Ref`, mapped to
 * the local bucket name) and an S3 endpoint, and the presigned-URL flow works end to end: the
 * function presigns, fetch PUTs, the function finds the file when the report names it.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { createLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';
import { localBucketName } from '../../local/runtime/template.ts';
import { buildPlan } from '../support/plan-fixture.ts';
import { repoRoot } from '../support/workflow-runtime.ts';

const plan = buildPlan();
const id = 'qingfeng:monthly-analysis:emergency-office:2022-06';
/** The API's clock in this test, and so the S3 stand-in's: presigned URLs are signed at the request's time. */
const at = '2022-06-20T02:00:00Z';
let runtime: LocalRuntime;

async function call(action: 'evidence' | 'report', body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const event = apiGatewayEvent({
    method: 'POST',
    path: `/instances/${encodeURIComponent(id)}/${action}`,
    routeKey: `POST /instances/{id}/${action}`,
    pathParameters: { id },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    at,
    claims: tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'emergency-office' }),
    requestId: `evidence-${action}`,
  });
  const result = (await runtime.invokeFunction('ReportWork', event)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

beforeAll(async () => {
  const { templatePath } = await loadOrSynthesize({ repoRoot });
  runtime = createLocalRuntime({ templatePath, repoRoot, env: { LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'SILENT' }, clock: () => new Date(Date.parse(at) + 60_000) });
  await runtime.start();
  const table = await import('../../functions/adapters/table.ts');
  await table.putTownPlan(plan, 'v1');
  await runtime.invokeFunction('OpenPeriod', { town: 'qingfeng', cadence: 'monthly', date: '2022-06-01' });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('evidence files on the local runtime', () => {
  it("creates the template's buckets on the S3 stand-in and gives the function the local name of its bucket", () => {
    const evidence = runtime.template.buckets.find((b) => b.logicalId.startsWith('ApiEvidenceBucket'));

    expect(evidence?.bucketName).toBe(localBucketName(evidence?.logicalId ?? ''));
    expect(evidence?.bucketName).toMatch(/^[a-z0-9][a-z0-9.-]{2,62}$/);
    expect(runtime.template.functions.find((f) => f.name === 'ReportWork')?.environment['EVIDENCE_BUCKET']).toBe(evidence?.bucketName);
    expect(process.env['AWS_ENDPOINT_URL_S3']).toBe(runtime.endpoints.s3);
  });

  it('presigns, takes the PUT of the declared file only, and finds it when the report names it', async () => {
    const file = new Uint8Array(300).fill(1);
    const presigned = await call('evidence', { name: '现场照片.jpg', contentType: 'image/jpeg', size: file.length });
    expect(presigned.status).toBe(201);
    const { key, uploadUrl } = presigned.body as { key: string; uploadUrl: string };
    expect(uploadUrl.startsWith(`${runtime.endpoints.s3}/`)).toBe(true);

    const wrongType = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: file });
    const right = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: file });
    const reported = await call('report', { note: '现场检查', evidence: [{ kind: 'photos', name: '现场照片.jpg', key, size: file.length }] });

    expect([wrongType.status, right.status, reported.status]).toEqual([403, 200, 200]);
  });
});
