/**
 * Invoking a handler the way Lambda does: a JSON event in, a Lambda-like context, a JSON result
 * out; and API Gateway (HTTP API, payload 2.0) events for the API's handlers.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

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

/** `POST /instances/{id}/report` as API Gateway (HTTP API) delivers it; `at` is the request's instant. */
export function reportRequest(id: string, body: unknown, at: string): APIGatewayProxyEventV2 {
  const path = `/instances/${encodeURIComponent(id)}/report`;
  const timeEpoch = Date.parse(at);
  if (Number.isNaN(timeEpoch)) throw new Error(`not an instant: ${at}`);
  return {
    version: '2.0',
    routeKey: 'POST /instances/{id}/report',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { id: encodeURIComponent(id) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `request-${timeEpoch}`,
      routeKey: 'POST /instances/{id}/report',
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
  };
}

/** An HTTP handler's response with its JSON body parsed. */
export async function invokeHttp(handler: Handler, functionName: string, event: APIGatewayProxyEventV2): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = await invoke<APIGatewayProxyStructuredResultV2>(handler, functionName, event);
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}
