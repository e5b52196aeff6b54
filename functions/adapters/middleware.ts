import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import type { RouteSpec } from '../api/route-spec.ts';
import { ConflictError, FireplanError, ForbiddenError, InvalidInputError, NotFoundError, StorageError, UnauthorizedError, ValidationError } from '../core/errors.ts';
import { zodProblems } from '../core/plan-parse.ts';
import { principalOf, requireRole, type Principal } from './auth.ts';
import { logger } from './logger.ts';

/**
 * Handlers are middleware first, handler last: the logger, then (for HTTP) who is calling and
 * whether their role may call the route, then zod at the edge, then the handler. Errors are mapped
 * to HTTP in one place, and only messages of errors under 500 reach the caller.
 */

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(subject, zodProblems(result.error));
  return result.data;
}

/** A Lambda a workflow invokes: its input is validated, a failure is thrown with a name the state machine can match. */
export function workflowHandler<S extends z.ZodType, R>(schema: S, run: (input: z.output<S>, context: Context) => Promise<R>) {
  return middy<unknown, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => run(parseWith(schema, event, 'workflow input'), context));
}

/** The 2xx answer of a route: JSON, or a file (the ledger, a calendar feed). */
export type RouteResult =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { status: number; file: { contentType: string; body: Buffer | string; filename?: string }; headers?: Record<string, string> };

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface RouteRequest<R extends RouteSpec> {
  event: APIGatewayProxyEventV2;
  params: Out<R['params']>;
  query: Out<R['query']>;
  body: Out<R['body']>;
  /** The request's time, from API Gateway: handlers never read the system clock. */
  receivedAt: Date;
  /** Who is calling, from the verified claims; their role is one of the route's. Absent on a `feed-token` route. */
  principal: R['auth'] extends 'feed-token' ? undefined : Principal;
  /** API Gateway's request id (kept in the audit log). */
  requestId: string;
}

export interface BoundRoute {
  spec: RouteSpec;
  run: (request: RouteRequest<RouteSpec>) => Promise<RouteResult>;
}

/** A route of the route table and what answers it. */
export function route<const R extends RouteSpec>(spec: R, run: (request: RouteRequest<R>) => Promise<RouteResult>): BoundRoute {
  return { spec, run: run as unknown as BoundRoute['run'] };
}

function json(statusCode: number, body: unknown, extra: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...extra };
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer';
  return { statusCode, headers, body: JSON.stringify(body) };
}

function respond(result: RouteResult): APIGatewayProxyStructuredResultV2 {
  if (!('file' in result)) return json(result.status, result.body, result.headers);
  const { contentType, body, filename } = result.file;
  const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': 'no-store', ...result.headers };
  // RFC 6266 with RFC 5987's encoding, so that a Chinese file name survives.
  if (filename) headers['content-disposition'] = `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
  if (typeof body === 'string') return { statusCode: result.status, headers, body };
  return { statusCode: result.status, headers, body: body.toString('base64'), isBase64Encoded: true };
}

export function httpStatusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  return 500;
}

/**
 * A start key DynamoDB refuses (outside the query's range, of the wrong type, with missing or extra
 * attributes) can only come from a cursor the API never gave out: a cursor is bound to its list and
 * partition, but not signed, so a client can forge one that passes those checks. It is the
 * client's 400, not a 500.
 */
function refusedCursor(error: unknown, event: APIGatewayProxyEventV2 | undefined): boolean {
  if (!(error instanceof StorageError) || event?.queryStringParameters?.['cursor'] === undefined) return false;
  const cause = error.cause;
  return cause instanceof Error && cause.name === 'ValidationException' && /starting key|start key|key element does not match the schema/i.test(cause.message);
}

const httpErrors: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: async (request) => {
    if (refusedCursor(request.error, request.event)) {
      request.error = new InvalidInputError('query', [{ path: 'cursor', message: 'not a cursor this API gave out' }], { cause: request.error });
    }
    const status = httpStatusOf(request.error);
    if (status >= 500) {
      logger.error('request failed', { error: request.error });
      request.response = json(status, { message: 'internal error' });
      return;
    }
    const error = request.error as FireplanError;
    request.response = json(status, {
      message: error.message.split('\n')[0],
      ...(error instanceof ValidationError ? { issues: error.problems } : {}),
      ...(error instanceof ConflictError && error.current !== undefined ? { current: error.current } : {}),
    });
  },
};

function parseBody(event: APIGatewayProxyEventV2, schema: z.ZodType | undefined): unknown {
  const present = event.body !== undefined && event.body !== null && event.body !== '';
  if (!schema) {
    if (present) throw new InvalidInputError('request body', [{ path: '', message: 'this route takes no body' }]);
    return {};
  }
  let raw: unknown = {};
  if (present) {
    const text = event.isBase64Encoded ? Buffer.from(event.body as string, 'base64').toString('utf8') : (event.body as string);
    try {
      raw = JSON.parse(text);
    } catch {
      throw new InvalidInputError('request body', [{ path: '', message: 'the body is not valid JSON' }]);
    }
  }
  return parseWith(schema, raw, 'request body');
}

/**
 * The HTTP API routes one function answers, by route key: the caller is read from the verified
 * claims (401 without them) and must hold one of the route's roles (403 otherwise), both before
 * anything of the request is parsed; then the path parameters, the query and the JSON body are
 * validated with the route's schemas (each refuses unknown fields: 400 with every problem's path);
 * then the route runs and its result is sent. Rules about which town or unit the caller may touch
 * depend on the resource, so they are the route's (functions/adapters/auth.ts).
 */
export function httpRouter(...bound: BoundRoute[]) {
  const byKey = new Map(bound.map((b) => [b.spec.routeKey, b]));
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors)
    .handler(async (event) => {
      const target = byKey.get(event.routeKey);
      // API Gateway only sends the route keys this function is integrated with: anything else is a wiring fault.
      if (!target) throw new Error(`this function does not serve route ${event.routeKey}`);
      const { spec } = target;
      let principal: Principal | undefined;
      if (spec.auth !== 'feed-token') {
        principal = principalOf(event);
        logger.appendKeys({ principal });
        requireRole(principal, spec.roles);
      }
      const params = spec.params ? parseWith(spec.params, event.pathParameters ?? {}, 'path') : {};
      const query = parseWith(spec.query ?? z.strictObject({}), event.queryStringParameters ?? {}, 'query');
      const body = parseBody(event, spec.body);
      const result = await target.run({
        event,
        params,
        query,
        body,
        receivedAt: new Date(event.requestContext.timeEpoch),
        principal,
        requestId: event.requestContext.requestId,
      } as RouteRequest<RouteSpec>);
      return respond(result);
    });
}
