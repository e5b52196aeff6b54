/**
 * Invoking a handler the way Lambda does: a JSON event in, a Lambda-like context, a JSON result
 * out; and API Gateway (HTTP API, payload 2.0) events for the API's handlers.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { parseInstanceId } from '../../functions/core/ids.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';

type Handler = (event: never, context: Context) => Promise<unknown>;

let requests = 0;

export function lambdaContext(functionName: string): Context {
  requests += 1;
  const awsRequestId = `00000000-0000-4000-8000-${requests.toString(16).padStart(12, '0')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:cn-local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `test/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Calls a handler with a copy of the event, as Lambda would deliver it, and returns its result as the caller would receive it. */
export async function invoke<R = Record<string, unknown>>(handler: Handler, functionName: string, event: unknown): Promise<R> {
  const payload = JSON.parse(JSON.stringify(event)) as never;
  const result = await handler(payload, lambdaContext(functionName));
  return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as R;
}

/**
 * `POST /instances/{id}/report` as API Gateway (HTTP API) delivers it; `at` is the request's instant.
 * The caller is the instance's own unit unless `claims` (a token's payload, see `tokenClaims`) says
 * otherwise: a report as its owner would send it. For an id that is no instance's, an admin of some
 * town sends it (the handler refuses the id before it looks at the town).
 */
export function reportRequest(id: string, body: unknown, at: string, claims?: Record<string, unknown>): APIGatewayProxyEventV2 {
  const path = `/instances/${encodeURIComponent(id)}/report`;
  const key = parseInstanceId(id);
  return apiGatewayEvent({
    method: 'POST',
    path,
    routeKey: 'POST /instances/{id}/report',
    pathParameters: { id: encodeURIComponent(id) },
    headers: { 'content-type': 'application/json', 'user-agent': 'vitest' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    at,
    claims: claims ?? (key ? tokenClaims({ role: 'unit', town: key.town, unit: key.owner }) : tokenClaims({ role: 'admin', town: 'some-town' })),
    requestId: `request-${Date.parse(at)}`,
  });
}

/** An HTTP handler's response with its JSON body parsed. */
export async function invokeHttp(handler: Handler, functionName: string, event: APIGatewayProxyEventV2): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = await invoke<APIGatewayProxyStructuredResultV2>(handler, functionName, event);
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}
