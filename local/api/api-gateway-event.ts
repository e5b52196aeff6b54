/**
 * The one builder of API Gateway (HTTP API, payload format 2.0) events in this repository: the
 * local API server turns each request into one, and tests and the replay call handlers with one,
 * so that a handler sees the same shape whoever calls it.
 *
 * What it follows of API Gateway (docs.aws.amazon.com/apigateway, "payload format version 2.0"):
 * header names in lower case, repeated headers and repeated query parameters joined by commas,
 * cookies moved from the `cookie` header to `cookies`, `body`, `pathParameters` and
 * `queryStringParameters` absent when there are none, a binary body base64-encoded,
 * `requestContext.time` in the access-log form `20/Jul/2022:02:00:00 +0000`, and the verified
 * JWT's claims under `requestContext.authorizer.jwt.claims` in the form the JWT authorizer
 * delivers them: every value a string, an array claim bracketed and space-separated
 * (`"cognito:groups": "[admin]"`), numbers and booleans as text, null claims left out.
 */
import type { APIGatewayEventRequestContextJWTAuthorizer, APIGatewayProxyEventV2 } from 'aws-lambda';

/** The event a handler receives; `requestContext.authorizer` is there when the route has a JWT authorizer. */
export type ApiGatewayEventV2 = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: APIGatewayEventRequestContextJWTAuthorizer };
};

export interface ApiGatewayEventInput {
  method: string;
  /** The request's path, without the query string, as the client sent it (`/instances/qingfeng%3A…/report`). */
  path: string;
  /** The matched route's key: `POST /instances/{id}/report`, or `$default`. */
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** The query: a raw query string (with or without `?`), or parameters by name. */
  query?: string | Record<string, string | readonly string[]>;
  headers?: Record<string, string | readonly string[] | undefined>;
  /** Text is sent as is; bytes as text when the content type is textual, else base64. */
  body?: string | Uint8Array;
  /** When API Gateway received the request: becomes `requestContext.timeEpoch` and `time`. */
  at: Date | string | number;
  /** The verified token's payload (as decoded, or already in API Gateway's string form); absent for a route without an authorizer. */
  claims?: Record<string, unknown>;
  /** The token's scopes the route required; API Gateway gives null when the route requires none. */
  scopes?: string[] | null;
  requestId: string;
  sourceIp?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function instant(at: Date | string | number): Date {
  const date = at instanceof Date ? new Date(at.getTime()) : new Date(at);
  if (Number.isNaN(date.getTime())) throw new Error(`apiGatewayEvent: 'at' is not an instant: ${String(at)}`);
  return date;
}

/** `20/Jul/2022:02:00:00 +0000`, as `requestContext.time` has it. */
export function accessLogTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A token's claims as the HTTP API's JWT authorizer hands them to the integration (see the module comment). */
export function claimsAsDelivered(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue;
    claims[name] = Array.isArray(value) ? `[${value.map(claimText).join(' ')}]` : claimText(value);
  }
  return claims;
}

const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))/i;

function queryOf(query: ApiGatewayEventInput['query']): { raw: string; parameters: Record<string, string> | undefined } {
  if (query === undefined) return { raw: '', parameters: undefined };
  let raw: string;
  if (typeof query === 'string') {
    raw = query.startsWith('?') ? query.slice(1) : query;
  } else {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) for (const v of typeof value === 'string' ? [value] : value) search.append(name, v);
    raw = search.toString();
  }
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  return { raw, parameters: Object.keys(parameters).length > 0 ? parameters : undefined };
}

export function apiGatewayEvent(input: ApiGatewayEventInput): ApiGatewayEventV2 {
  const at = instant(input.at);
  const method = input.method.toUpperCase();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [rawName, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const values = typeof value === 'string' ? [value] : [...value];
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...values.flatMap((v) => v.split(';')).map((c) => c.trim()).filter((c) => c !== '')];
      continue;
    }
    headers[name] = name in headers ? [headers[name], ...values].join(',') : values.join(',');
  }
  const { raw: rawQueryString, parameters } = queryOf(input.query);

  let body: string | undefined;
  let isBase64Encoded = false;
  if (typeof input.body === 'string') {
    body = input.body === '' ? undefined : input.body;
  } else if (input.body !== undefined && input.body.byteLength > 0) {
    const bytes = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
    if (TEXTUAL.test(headers['content-type'] ?? '')) {
      body = bytes.toString('utf8');
    } else {
      body = bytes.toString('base64');
      isBase64Encoded = true;
    }
  }

  const domainName = (headers['host'] ?? 'localhost').replace(/:\d+$/, '');
  const pathParameters = input.pathParameters && Object.keys(input.pathParameters).length > 0 ? { ...input.pathParameters } : undefined;
  const event: ApiGatewayEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(parameters ? { queryStringParameters: parameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(input.claims ? { authorizer: { jwt: { claims: claimsAsDelivered(input.claims), scopes: input.scopes ?? null } } } : {}),
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: { method, path: input.path, protocol: 'HTTP/1.1', sourceIp: input.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: accessLogTime(at),
      timeEpoch: at.getTime(),
    },
    ...(pathParameters ? { pathParameters } : {}),
    isBase64Encoded,
    ...(body === undefined ? {} : { body }),
  };
  return event;
}
