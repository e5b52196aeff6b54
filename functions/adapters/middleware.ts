import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Role } from '../api/route-table.ts';
import { ConflictError, FireplanError, ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError, ValidationError } from '../core/errors.ts';
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

export interface HttpRequest<B> {
  event: APIGatewayProxyEventV2;
  body: B;
  /** The request's time, from API Gateway: handlers never read the system clock. */
  receivedAt: Date;
  /** Who is calling, from the verified claims; their role is one of the route's. */
  principal: Principal;
}

/** What httpHandler needs of a route: its roles (from functions/api/route-table.ts) and its body schema. */
export interface HttpRoute<S extends z.ZodType> {
  roles: readonly Role[];
  body: S;
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer';
  return { statusCode, headers, body: JSON.stringify(body) };
}

export function httpStatusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  return 500;
}

const httpErrors: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: async (request) => {
    const status = httpStatusOf(request.error);
    if (status >= 500) {
      logger.error('request failed', { error: request.error });
      request.response = json(status, { message: 'internal error' });
      return;
    }
    const error = request.error as FireplanError;
    request.response = json(status, { message: error.message.split('\n')[0], ...(error instanceof ValidationError ? { issues: error.problems } : {}) });
  },
};

/**
 * An HTTP API route: the caller is read from the verified claims (401 without them) and must hold
 * one of the route's roles (403 otherwise), both before the body is even parsed; then the JSON body
 * is parsed and validated; the result is sent as JSON. Rules about which town or unit the caller may
 * touch depend on the resource, so they are the handler's (functions/adapters/auth.ts).
 */
export function httpHandler<S extends z.ZodType>(route: HttpRoute<S>, run: (request: HttpRequest<z.output<S>>) => Promise<{ status: number; body: unknown }>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors)
    .handler(async (event) => {
      const principal = principalOf(event);
      logger.appendKeys({ principal });
      requireRole(principal, route.roles);
      let raw: unknown = {};
      if (event.body !== undefined && event.body !== '') {
        const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new InvalidInputError('request body', [{ path: '', message: 'the body is not valid JSON' }]);
        }
      }
      const body = parseWith(route.body, raw, 'request body');
      const result = await run({ event, body, receivedAt: new Date(event.requestContext.timeEpoch), principal });
      return json(result.status, result.body);
    });
}
