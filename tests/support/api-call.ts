/**
 * The API's routes in integration tests, on dynalite with the table as the template defines it:
 * the engine started and the table seeded around the tests (`dynaliteTable`), a route called
 * through its handler as API Gateway (HTTP API, payload 2.0) delivers a request to it
 * (`routeCaller`), and the table or a workbook as a test looks at them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims, type TokenClaimsInput } from '../../local/api/local-auth.ts';
import { startIntegrationEnvironment, type IntegrationEnvironment } from './dynamodb-engines.ts';
import { invoke } from './lambda-invoke.ts';

export type Handler = Parameters<typeof invoke>[0];
export type TableModule = typeof import('../../functions/adapters/table.ts');

// The table

export interface DynaliteTable {
  /** The running engine and mailbox (after the first `beforeAll`). */
  readonly env: IntegrationEnvironment;
  /** functions/adapters/table.ts, loaded once the environment points at the engine. */
  readonly table: TableModule;
  /** Every item of the table, in key order (a Scan of the test's own client): what a refused request must leave as it was. */
  snapshot(): Promise<Record<string, unknown>[]>;
}

/**
 * dynalite for the tests of this file (or of the `describe` it is called in): started before them
 * all, then `options.started` (what else the adapters need to find in the environment), then the
 * table adapter loaded (load the handlers in a `beforeAll` after this call: they read their
 * environment when they load); the table emptied and `seed`ed before each test; all stopped after
 * them.
 */
export function dynaliteTable(seed: (table: TableModule) => Promise<void>, options: { started?: (env: IntegrationEnvironment) => Promise<void> } = {}): DynaliteTable {
  let env: IntegrationEnvironment | undefined;
  let table: TableModule | undefined;
  let scanClient: DynamoDBDocumentClient | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('dynalite is not started yet: use it in a test or a hook');
    return value;
  };

  beforeAll(async () => {
    env = await startIntegrationEnvironment('dynalite');
    await options.started?.(env);
    table = await import('../../functions/adapters/table.ts');
    scanClient = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: env.endpoint }));
  }, 120_000);

  afterAll(async () => {
    scanClient?.destroy();
    await env?.stop();
  }, 30_000);

  beforeEach(async () => {
    await started(env).reset();
    await seed(started(table));
  });

  return {
    get env() {
      return started(env);
    },
    get table() {
      return started(table);
    },
    async snapshot() {
      const tableName = started(env).table.tableName;
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await started(scanClient).send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => `${String(a['pk'])}|${String(a['sk'])}`.localeCompare(`${String(b['pk'])}|${String(b['sk'])}`));
    },
  };
}

// Requests

export interface RouteRequest {
  /** The route's `{id}`: in the path (encoded) and in `pathParameters`. */
  id?: string;
  query?: Record<string, string>;
  /** Sent as JSON; a string is sent as it is. */
  body?: unknown;
  /** The caller, whose token's claims (`tokenClaims`) the request carries; nobody on a route without an authorizer. */
  as?: TokenClaimsInput;
  /** A day, YYYY-MM-DD (10:00 in Shanghai), or an ISO instant. */
  at: string;
}

export interface RouteAnswer {
  status: number;
  headers: Record<string, string>;
  /** The JSON body; `{}` when the answer is not JSON (a file). */
  body: Record<string, unknown>;
  /** The body as sent (a base64 body decoded). */
  bytes: Buffer;
}

/** A day, YYYY-MM-DD, as 10:00 in Shanghai (02:00 UTC); an instant as it is. */
export function requestInstant(at: string): string {
  return at.length === 10 ? `${at}T02:00:00Z` : at;
}

export interface RouteCallerOptions {
  /** The handlers by function name: an object the file fills once they are loaded. */
  handlers: Readonly<Record<string, Handler>>;
  /** The function behind a route, by its path template (`/incidents/{id}`). */
  functionOf: (template: string) => string;
  /** Requests are numbered `<requestIds>-1`, `-2` … (the audit log keeps the id). */
  requestIds: string;
  /** Headers besides `content-type: application/json`. */
  headers?: Record<string, string>;
}

export type RouteCall = (routeKey: string, request: RouteRequest) => Promise<RouteAnswer>;

/** Calls the function behind a route key (`POST /incidents/{id}/investigation/close`) with a request as API Gateway delivers it, and gives its answer. */
export function routeCaller(options: RouteCallerOptions): RouteCall {
  let requests = 0;
  return async (routeKey, request) => {
    const [method, template] = routeKey.split(' ') as [string, string];
    requests += 1;
    const name = options.functionOf(template);
    const handler = options.handlers[name];
    if (!handler) throw new Error(`no handler ${name} for ${routeKey}`);
    const event = apiGatewayEvent({
      method,
      path: request.id === undefined ? template : template.replace('{id}', encodeURIComponent(request.id)),
      routeKey,
      ...(request.id === undefined ? {} : { pathParameters: { id: request.id } }),
      ...(request.query ? { query: request.query } : {}),
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(request.body === undefined ? {} : { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
      at: requestInstant(request.at),
      ...(request.as ? { claims: tokenClaims(request.as) } : {}),
      requestId: `${options.requestIds}-${requests}`,
    });
    const result = await invoke<APIGatewayProxyStructuredResultV2>(handler, name, event);
    const raw = String(result.body ?? '');
    const bytes = result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    const headers = (result.headers ?? {}) as Record<string, string>;
    const json = !result.isBase64Encoded && String(headers['content-type'] ?? '').startsWith('application/json');
    return { status: result.statusCode ?? 0, headers, body: json ? (JSON.parse(raw) as Record<string, unknown>) : {}, bytes };
  };
}

/** An .xlsx answer, opened. */
export async function workbookOf(answer: Pick<RouteAnswer, 'bytes'>): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(answer.bytes as unknown as ArrayBuffer);
  return workbook;
}
