import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { ConflictError, FireplanError, InvalidInputError, NotFoundError, ValidationError } from '../core/errors.ts';
import { zodProblems } from '../core/plan-parse.ts';
import { logger } from './logger.ts';

/**
 * Handlers are middleware first, handler last: the logger, then zod at the edge, then the handler.
 * Errors are mapped to HTTP in one place, and only messages of errors under 500 reach the caller.
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
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

export function httpStatusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
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

/** An HTTP API route: the JSON body is parsed and validated; the result is sent as JSON. */
export function httpHandler<S extends z.ZodType>(schema: S, run: (request: HttpRequest<z.output<S>>) => Promise<{ status: number; body: unknown }>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors)
    .handler(async (event) => {
      let raw: unknown = {};
      if (event.body !== undefined && event.body !== '') {
        const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new InvalidInputError('request body', [{ path: '', message: 'the body is not valid JSON' }]);
        }
      }
      const body = parseWith(schema, raw, 'request body');
      const result = await run({ event, body, receivedAt: new Date(event.requestContext.timeEpoch) });
      return json(result.status, result.body);
    });
}
