/**
 * The local S3 stand-in (local/runtime/s3-stand-in.ts): s3rver behind a front that checks
 * signatures as S3 does, driven by the real AWS SDK presigner and real HTTP PUTs from fetch. s3rver
 * alone checks no V4 signature: these are the refusals the front adds, each one S3's.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3StandIn, verifySignature, type S3StandIn } from '../../local/runtime/s3-stand-in.ts';

// The SDK's pinned releases run on Node 20 and would otherwise warn at the first client.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const bucket = 'local-evidence';
const signedAt = new Date('2022-06-20T02:30:00Z');
/** The stand-in's clock: a minute after the URLs were signed, unless a test moves it. */
let now = new Date(signedAt.getTime() + 60_000);
let s3: S3StandIn;
let client: S3Client;

function clientFor(endpoint: string, secretAccessKey = 'local'): S3Client {
  return new S3Client({
    region: 'cn-local',
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: 'local', secretAccessKey },
  });
}

function presign(key: string, contentType: string, size: number, at = signedAt): Promise<string> {
  return getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }), {
    expiresIn: 900,
    signingDate: at,
    signableHeaders: new Set(['content-type', 'content-length']),
  });
}

async function put(url: string, contentType: string, body: Uint8Array): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
}

const pdf = (size: number) => new Uint8Array(size).fill(0x25);

beforeAll(async () => {
  s3 = await startS3StandIn({ host: '127.0.0.1', port: 0, buckets: [bucket], credentials: { local: 'local' }, now: () => now });
  client = clientFor(s3.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('the S3 stand-in', () => {
  it('takes a PUT with the signed content type and length, and keeps the file with its type', async () => {
    const key = 'evidence/qingfeng/q.d.o.2022-06/00aa-会议 纪要.pdf';
    const url = await presign(key, 'application/pdf', 1234);

    const response = await put(url, 'application/pdf', pdf(1234));

    expect(response.status).toBe(200);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect([head.ContentLength, head.ContentType]).toEqual([1234, 'application/pdf']);
    const stored = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect((await stored.Body?.transformToByteArray())?.length).toBe(1234);
  });

  it.each([
    ['another content type', 'image/png', 1234],
    ['fewer bytes', 'application/pdf', 1233],
    ['more bytes', 'application/pdf', 1235],
  ])('refuses a PUT with %s than signed, with 403 SignatureDoesNotMatch, and stores nothing', async (_what, contentType, size) => {
    const key = `evidence/qingfeng/q.d.o.2022-06/00bb-${size}-${contentType.replace('/', '_')}.pdf`;
    const url = await presign(key, 'application/pdf', 1234);

    const response = await put(url, contentType, pdf(size));

    expect(response).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses a PUT to another key than signed', async () => {
    const url = await presign('evidence/qingfeng/q.d.o.2022-06/00cc-a.pdf', 'application/pdf', 10);

    const response = await put(url.replace('00cc-a.pdf', '00cc-b.pdf'), 'application/pdf', pdf(10));

    expect(response).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a PUT after the URL expired (on its own clock), with 403 AccessDenied', async () => {
    const url = await presign('evidence/qingfeng/q.d.o.2022-06/00dd-a.pdf', 'application/pdf', 10);
    now = new Date(signedAt.getTime() + 901_000);
    try {
      expect(await put(url, 'application/pdf', pdf(10))).toEqual({ status: 403, code: 'AccessDenied' });
    } finally {
      now = new Date(signedAt.getTime() + 60_000);
    }
  });

  it('refuses an anonymous PUT and a request signed with a wrong secret', async () => {
    const anonymous = await put(`${s3.endpoint}/${bucket}/evidence/qingfeng/x/00ee-a.pdf`, 'application/pdf', pdf(10));
    const wrong = clientFor(s3.endpoint, 'not-the-secret');

    expect(anonymous).toEqual({ status: 403, code: 'AccessDenied' });
    await expect(wrong.send(new HeadObjectCommand({ Bucket: bucket, Key: 'evidence/qingfeng/q.d.o.2022-06/00aa-会议 纪要.pdf' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    wrong.destroy();
  });

  it('refuses an unknown access key', () => {
    const verdict = verifySignature(
      {
        method: 'PUT',
        url: '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=someone%2F20220620%2Fcn-local%2Fs3%2Faws4_request&X-Amz-Date=20220620T023000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=00',
        headers: { host: 'localhost' },
      },
      { local: 'local' },
      signedAt,
    );

    expect(verdict).toMatchObject({ ok: false, status: 403, code: 'InvalidAccessKeyId' });
  });
});
