import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table and its zod schemas
 * (`z.toJSONSchema`, JSON Schema draft 2020-12: the dialect of OpenAPI 3.1), never written by hand.
 * Pure: a list of routes in, a document out; `GET /openapi.json` serves it for `routes`.
 *
 * - **Paths** in API Gateway's form (`/units/{id}/calendar.ics`), one operation per route key,
 *   `operationId` made from the route key (`getUnitsByIdCalendarIcs`), the route's tag and summary,
 *   who may call it and whether it writes in the description.
 * - **Parameters**: every property of the route's `params` (in path, required) and `query` schema
 *   (required as the schema says), each with its JSON Schema. The query schemas refuse unknown
 *   parameters (400), which the description says since OpenAPI cannot.
 * - **Request bodies** from `body` with `io: 'input'` (what a client may send: defaults are optional).
 * - **Responses**: the 2xx answer's JSON Schema from `response` (`io: 'output'`) where the route has
 *   one, otherwise an object; the ledger as binary xlsx, a calendar feed as text; 400 with the issues,
 *   401 and 403 for routes behind the JWT authorizer, 404 for routes with a path parameter and the
 *   feed, 409 with `current` for routes that write, 500.
 * - **Security**: `bearer` (the Cognito ID token, a JWT) on `jwt` routes; `feedToken`, an API key in
 *   the query parameter `token`, on `feed-token` routes.
 */

export interface OpenApiOptions {
  /** `info.version`. @default API_VERSION */
  version?: string;
  /** Where the API is reached (`servers`); none when absent (a document for offline use). */
  serverUrl?: string;
}

export const API_VERSION = '0.1.0';

type Json = Record<string, unknown>;

const TAGS: Record<string, string> = {
  plans: 'Plan versions: upload, diff, activate',
  duties: 'Duties: list, read, edit schedules, pause and resume',
  units: 'Units (责任单位) and their contacts',
  calendar: 'Working-day overrides (holidays, 调休) and key dates',
  instances: 'Duty instances: list, report work, review',
  scores: 'Scores per unit and period, with every deduction',
  audit: 'The append-only audit log',
  documents: 'The ledger (台账), calendar feeds and this document',
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** `GET /units/{id}/calendar.ics` → `getUnitsByIdCalendarIcs`. */
export function operationIdOf(routeKey: string): string {
  const [method = '', path = ''] = routeKey.split(' ');
  const words = path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => (/^\{(\w+)\}$/.test(segment) ? ['by', segment.slice(1, -1)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter((word) => word !== '');
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** A zod schema as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12, without the `$schema` of a root document). */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete json['$schema'];
  return json;
}

interface ObjectSchema {
  properties: Record<string, Json>;
  required: string[];
}

function objectSchemaOf(schema: z.ZodObject | undefined): ObjectSchema {
  if (!schema) return { properties: {}, required: [] };
  const json = schemaOf(schema, 'input');
  return { properties: (json['properties'] as Record<string, Json> | undefined) ?? {}, required: (json['required'] as string[] | undefined) ?? [] };
}

function parameter(name: string, where: 'path' | 'query', schema: Json, required: boolean): Json {
  const { description, ...rest } = schema;
  return { name, in: where, required: where === 'path' ? true : required, ...(typeof description === 'string' ? { description } : {}), schema: rest };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json) => ({ 'application/json': { schema } });
const errorResponse = (description: string, schema = 'Error') => ({ description, content: jsonContent(ref(schema)) });

function successResponse(route: RouteSpec): Json {
  const produces = route.produces ?? 'application/json';
  if (produces === 'application/json') {
    const schema = route.response ? schemaOf(route.response, 'output') : { type: 'object', description: 'the answer, as JSON' };
    return { description: 'OK', content: jsonContent(schema) };
  }
  const disposition = { 'content-disposition': { description: 'the file name (RFC 6266, with a UTF-8 filename*)', schema: { type: 'string' } } };
  if (produces === 'text/calendar') return { description: 'the iCalendar (RFC 5545) feed', headers: disposition, content: { 'text/calendar': { schema: { type: 'string' } } } };
  return { description: 'the file', headers: disposition, content: { [produces]: { schema: { type: 'string', format: 'binary', contentMediaType: produces } } } };
}

function successStatus(method: string): string {
  // A route does not declare its success status: a read answers 200; a write 200 or 201 (a new item).
  return method === 'get' ? '200' : '2XX';
}

function operation(route: RouteSpec, method: string, path: string): Json {
  const feed = route.auth === 'feed-token';
  const params = objectSchemaOf(route.params);
  const query = objectSchemaOf(route.query);
  const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const parameters = [
    ...pathNames.map((name) => parameter(name, 'path', params.properties[name] ?? { type: 'string' }, true)),
    ...Object.entries(query.properties).map(([name, schema]) => parameter(name, 'query', schema, query.required.includes(name))),
  ];
  const who = feed ? 'Anyone with the link’s feed token (no bearer token).' : `Roles: ${route.roles.join(', ')}.`;
  const description = [who, route.writes ? 'Writes (audited).' : 'Reads only.', 'Unknown query parameters and body fields are refused with 400.'].join(' ');
  const responses: Json = { [successStatus(method)]: successResponse(route), '400': errorResponse('invalid path, query or body: every problem with its path', 'ValidationError') };
  if (!feed) {
    responses['401'] = errorResponse('no token, or an expired, malformed or forged one');
    responses['403'] = errorResponse('the caller’s role, town or unit may not do this; nothing changed');
  }
  if (pathNames.length > 0 || feed) responses['404'] = errorResponse(feed ? 'no calendar feed at this address (unknown unit, or a wrong or replaced token)' : 'no such item');
  if (route.writes) responses['409'] = errorResponse('the item changed since it was read, or its state forbids the change: re-read from `current`', 'Conflict');
  responses['500'] = errorResponse('internal error');
  return {
    operationId: operationIdOf(route.routeKey),
    tags: [route.tag],
    summary: route.summary,
    description,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: jsonContent(schemaOf(route.body, 'input')) } } : {}),
    responses,
    security: feed ? [{ feedToken: [] }] : [{ bearer: [] }],
  };
}

/** The OpenAPI 3.1 document of a list of routes. */
export function openApiDocument(routes: readonly RouteSpec[], options: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  const operationIds = new Map<string, string>();
  for (const route of routes) {
    const match = /^([A-Z]+) (\/\S*)$/.exec(route.routeKey);
    const method = match?.[1]?.toLowerCase();
    const path = match?.[2];
    if (!method || !path || !METHODS.has(method)) throw new Error(`route ${route.routeKey}: not an API Gateway route key of a method and a path`);
    const op = operation(route, method, path);
    const id = op['operationId'] as string;
    const clash = operationIds.get(id);
    if (clash) throw new Error(`routes ${clash} and ${route.routeKey} would have the same operationId ${id}`);
    operationIds.set(id, route.routeKey);
    const item = (paths[path] ??= {});
    item[method] = op;
  }
  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({ name, ...(TAGS[name] ? { description: TAGS[name] } : {}) }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fireplan API',
      version: options.version ?? API_VERSION,
      summary: "A township's fire-safety work plan (消防工作要点) as tracked duties",
      description:
        'The admin API of Fireplan: plans, duties, units, calendar, duty instances, scores, the audit log, the ledger and calendar feeds. ' +
        'Generated from the route table (functions/api/route-table.ts) and its zod schemas.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The Cognito ID token (`custom:town`, `custom:unit`, `cognito:groups`); locally, `fireplan token`.' },
        feedToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A unit’s calendar feed token, as POST /units/{id}/feed-token gave it.' },
      },
      schemas: {
        Error: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
        ValidationError: {
          type: 'object',
          properties: {
            message: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string', description: 'dotted path of the field, empty for the whole input' }, message: { type: 'string' }, line: { type: 'integer' } },
                required: ['path', 'message'],
              },
            },
          },
          required: ['message', 'issues'],
        },
        Conflict: {
          type: 'object',
          properties: { message: { type: 'string' }, current: { description: 'the item as it now is, with its version, or what stands in the way' } },
          required: ['message'],
        },
      },
    },
  };
}
