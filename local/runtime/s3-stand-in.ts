/**
 * The local stand-in for S3: s3rver (a fake S3 on the file system) behind a front that checks
 * every request's Signature Version 4 the way S3 does, because s3rver does not (it checks the
 * access key and, for a presigned URL, the expiry, but never the signature of a V4 request).
 *
 * Why it matters: an evidence upload is a PUT to a presigned URL whose signature covers the
 * object's key, its `content-type` and its `content-length` (functions/adapters/evidence.ts). On
 * AWS, S3 refuses (403 `SignatureDoesNotMatch`) a PUT whose type or size differs from the signed
 * ones, and one after the URL's expiry (403 `AccessDenied`). The front does the same, so that the
 * local flow refuses what AWS would refuse:
 *
 * - a presigned request (`X-Amz-Signature` in the query): its canonical request is rebuilt from the
 *   request as it arrived (method, path, query, the signed headers' values, the payload hash
 *   `UNSIGNED-PAYLOAD`), signed with the secret of its access key, and compared; it has expired
 *   when the stand-in's clock is past `X-Amz-Date` + `X-Amz-Expires` (the clock is injectable, so
 *   that a replay dated 2022 can upload);
 * - a request signed in its `Authorization` header (the SDK's own calls: HeadObject, PutObject …):
 *   the same check of the signature (the payload's hash is taken as the header declares it, not
 *   recomputed; the request time is not checked);
 * - anything else (an anonymous request) is refused with 403 `AccessDenied`, as a private bucket
 *   does; a CORS preflight (`OPTIONS`) goes through to s3rver.
 *
 * A request that passes is handed to s3rver without its signature (the front has checked it), so
 * that s3rver's own partial checks, on the system clock, do not refuse it again.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

interface S3rverApp {
  callback(): RequestListener;
  configureBuckets(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;

/** The parts of a request the signature covers. */
export interface SignedRequest {
  method: string;
  /** The request target as it arrived: the raw path and query (`/bucket/key?X-Amz-…`). */
  url: string;
  headers: IncomingHttpHeaders;
}

export type Verdict = { ok: true; accessKeyId: string } | { ok: false; status: number; code: string; message: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The query parameters of a presigned URL, removed before the request reaches s3rver. */
const PRESIGN_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256'];

/** RFC 3986 percent-encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function queryPairs(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').filter((p) => p !== '').map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? [decode(pair), ''] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))];
  });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

function refuse(status: number, code: string, message: string): Verdict {
  return { ok: false, status, code, message };
}

/** `20220620T023000Z` as an instant, or undefined. */
function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks a request's SigV4 signature (presigned in the query, or in the Authorization header)
 * against the secrets of `credentials` (access key id → secret) and, for a presigned request, its
 * expiry against `now`.
 */
export function verifySignature(request: SignedRequest, credentials: Readonly<Record<string, string>>, now: Date): Verdict {
  const question = request.url.indexOf('?');
  const path = question < 0 ? request.url : request.url.slice(0, question);
  const pairs = queryPairs(question < 0 ? '' : request.url.slice(question + 1));
  const query = new Map(pairs);
  const authorization = headerValue(request.headers, 'authorization');

  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let longDate: string;
  let payloadHash: string;
  const presigned = query.has('X-Amz-Signature');
  if (presigned) {
    if (authorization !== undefined) return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed');
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
    credential = query.get('X-Amz-Credential') ?? '';
    signedHeaders = query.get('X-Amz-SignedHeaders') ?? '';
    signature = query.get('X-Amz-Signature') ?? '';
    longDate = query.get('X-Amz-Date') ?? '';
    payloadHash = query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
    const expires = Number(query.get('X-Amz-Expires'));
    const signedAt = amzDate(longDate);
    if (!signedAt || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Date and X-Amz-Expires (1–604800 seconds) are required');
    }
    if (now.getTime() > signedAt.getTime() + expires * 1000) return refuse(403, 'AccessDenied', 'Request has expired');
  } else if (authorization !== undefined) {
    const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(authorization.trim());
    if (!m) return refuse(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
    [credential, signedHeaders, signature] = [m[1] as string, m[2] as string, m[3] as string];
    longDate = headerValue(request.headers, 'x-amz-date') ?? '';
    payloadHash = headerValue(request.headers, 'x-amz-content-sha256') ?? '';
    if (!amzDate(longDate)) return refuse(403, 'AccessDenied', 'AWS authentication requires a valid x-amz-date header');
    if (payloadHash === '') return refuse(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  } else {
    return refuse(403, 'AccessDenied', 'Access Denied: the bucket is private; use a presigned URL');
  }

  const [accessKeyId = '', shortDate = '', region = '', service = '', terminator = '', ...rest] = credential.split('/');
  if (rest.length > 0 || terminator !== 'aws4_request' || service !== 's3' || shortDate !== longDate.slice(0, 8)) {
    return refuse(400, 'AuthorizationQueryParametersError', `malformed credential scope: ${credential}`);
  }
  const secret = credentials[accessKeyId];
  if (secret === undefined) return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');

  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host')) return refuse(400, 'AuthorizationQueryParametersError', 'the host header must be signed');
  const canonicalHeaders = headerNames.map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalQuery = pairs
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  // S3 signs the path as sent (already percent-encoded once), without normalizing it.
  const canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, longDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, shortDate), region), service), 'aws4_request');
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return { ok: true, accessKeyId };
}

/** The request target without the presigned URL's parameters. */
function withoutPresignParameters(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const kept = url
    .slice(question + 1)
    .split('&')
    .filter((pair) => pair !== '' && !PRESIGN_PARAMETERS.includes(decode(pair.split('=')[0] ?? '')));
  return kept.length === 0 ? url.slice(0, question) : `${url.slice(0, question)}?${kept.join('&')}`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendError(res: ServerResponse, verdict: Extract<Verdict, { ok: false }>): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${verdict.code}</Code><Message>${escapeXml(verdict.message)}</Message></Error>`;
  res.writeHead(verdict.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface S3StandInOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where the objects are kept; a temporary directory, removed on close, when absent. */
  directory?: string;
  /** Buckets to create (an existing one is kept with its objects). */
  buckets: readonly string[];
  /** Access key id → secret: the keys whose signatures are accepted. */
  credentials: Readonly<Record<string, string>>;
  /** The clock a presigned URL's expiry is judged by. @default the system clock */
  now?: () => Date;
}

export interface S3StandIn {
  port: number;
  endpoint: string;
  /** The directory the objects are in. */
  directory: string;
  close(): Promise<void>;
}

/** Starts s3rver behind the signature-checking front (see the module comment). */
export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'fireplan-s3-'));
  mkdirSync(directory, { recursive: true });
  const S3rver = require('s3rver') as S3rverClass;
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: options.buckets.map((name) => ({ name })) });
  await s3rver.configureBuckets();
  const store = s3rver.callback();
  const now = options.now ?? (() => new Date());

  const front = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'OPTIONS') {
      const verdict = verifySignature({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, options.credentials, now());
      if (!verdict.ok) {
        // Drain what the client sends, then refuse.
        req.resume();
        sendError(res, verdict);
        return;
      }
      delete req.headers.authorization;
      req.url = withoutPresignParameters(req.url ?? '/');
    }
    void store(req, res);
  };
  const server: Server = createServer(front);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`s3rver: port ${options.port} is in use. Only one local runtime can run per process, and a fixed port must be free.`) : error),
    );
    server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
  });
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    endpoint: `http://${urlHost}:${port}`,
    directory,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (temporary) rmSync(directory, { recursive: true, force: true });
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections?.();
      }),
  };
}
