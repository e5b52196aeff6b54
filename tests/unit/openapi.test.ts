import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument, operationIdOf } from '../../functions/api/openapi.ts';
import { defineRoute, routes, type RouteSpec } from '../../functions/api/route-table.ts';
import { reportWork } from '../../functions/api/routes/instances.ts';
import { handler } from '../../functions/handlers/openapi.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { invoke } from '../support/lambda-invoke.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc = openApiDocument(routes) as Json;

function operationOf(document: Json, routeKey: string): Json {
  const [method, path] = routeKey.split(' ') as [string, string];
  const op = document['paths']?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`the document has no ${routeKey}`);
  return op as Json;
}

function propertiesOf(schema: z.ZodObject | undefined): { names: string[]; required: string[] } {
  if (!schema) return { names: [], required: [] };
  const json = z.toJSONSchema(schema, { io: 'input' }) as Json;
  return { names: Object.keys(json['properties'] ?? {}), required: json['required'] ?? [] };
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();

    const result = await validator.validate(JSON.parse(JSON.stringify(doc)));

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc['openapi']).toBe('3.1.0');
    expect(doc['info']).toMatchObject({ title: 'Fireplan API', version: expect.any(String) });
  });

  it('would be refused by the validator with a parameter in the body, as OpenAPI 2 had them (the check is a real one)', async () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Json;
    broken['paths']['/ledger.xlsx']['get']['parameters'][0]['in'] = 'body';

    const result = await new Validator().validate(broken);

    expect(result.valid).toBe(false);
  });

  it('has every route of the route table with its method, operation id, tag, summary and parameters', () => {
    const operationIds = new Set<string>();
    for (const route of routes) {
      const op = operationOf(doc, route.routeKey);
      const parameters = (op['parameters'] ?? []) as Json[];
      const path = route.routeKey.split(' ')[1] as string;
      const params = propertiesOf(route.params);
      const query = propertiesOf(route.query);

      expect(op).toMatchObject({ operationId: operationIdOf(route.routeKey), tags: [route.tag], summary: route.summary });
      operationIds.add(op['operationId'] as string);
      const inPath = parameters.filter((p) => p['in'] === 'path');
      expect(inPath.map((p) => p['name']).sort(), route.routeKey).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
      expect(inPath.map((p) => p['name']).sort(), route.routeKey).toEqual(params.names.sort());
      expect(inPath.every((p) => p['required'] === true && typeof p['schema'] === 'object')).toBe(true);
      const inQuery = parameters.filter((p) => p['in'] === 'query');
      expect(inQuery.map((p) => p['name']).sort(), route.routeKey).toEqual(query.names.sort());
      for (const p of inQuery) expect(p['required'], `${route.routeKey} ?${p['name']}`).toBe(query.required.includes(p['name'] as string));
      expect(op['requestBody'] !== undefined, route.routeKey).toBe(route.body !== undefined);
    }
    expect(operationIds.size).toBe(routes.length);
    expect(Object.values(doc['paths'] as Json).flatMap((item) => Object.keys(item as Json))).toHaveLength(routes.length);
  });

  it('says a strict body refuses unknown fields, and which fields are required', () => {
    const schema = operationOf(doc, 'POST /instances/{id}/report')['requestBody']['content']['application/json']['schema'];

    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['note'] });
    expect(schema['properties']['evidence']).toMatchObject({ type: 'array', maxItems: 20, default: [] });
    expect(schema['properties']['evidence']['items']).toMatchObject({ additionalProperties: false, required: ['kind', 'name'] });
    expect(schema).not.toHaveProperty('$schema');
  });

  it('describes the query of the list routes with their types and limits', () => {
    const parameters = operationOf(doc, 'GET /ledger.xlsx')['parameters'] as Json[];
    const status = parameters.find((p) => p['name'] === 'status');

    expect(status).toMatchObject({ in: 'query', required: false, schema: { type: 'string', enum: ['open', 'on_time', 'late', 'missed'] } });
    expect(parameters.map((p) => p['name'])).not.toContain('cursor');
  });

  it('secures JWT routes with the bearer scheme and the feed with its token in the query', () => {
    const feed = operationOf(doc, 'GET /units/{id}/calendar.ics');
    const ledger = operationOf(doc, 'GET /ledger.xlsx');

    expect(doc['components']['securitySchemes']).toMatchObject({ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, feedToken: { type: 'apiKey', in: 'query', name: 'token' } });
    expect(feed['security']).toEqual([{ feedToken: [] }]);
    expect(Object.keys(feed['responses'])).toEqual(expect.arrayContaining(['200', '400', '404']));
    expect(Object.keys(feed['responses'])).not.toContain('401');
    for (const route of routes.filter((r) => r.auth !== 'feed-token')) {
      const op = operationOf(doc, route.routeKey);
      expect(op['security'], route.routeKey).toEqual([{ bearer: [] }]);
      expect(Object.keys(op['responses']), route.routeKey).toEqual(expect.arrayContaining(['400', '401', '403']));
    }
    expect(ledger['responses']['200']['content']).toHaveProperty(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'schema', 'format'], 'binary');
    expect(feed['responses']['200']['content']).toHaveProperty(['text/calendar', 'schema', 'type'], 'string');
  });

  it('answers 400 with the issues, and 409 with the current version on routes that write', () => {
    const report = operationOf(doc, 'POST /instances/{id}/report');

    expect(report['responses']['400']['content']['application/json']['schema']).toEqual({ $ref: '#/components/schemas/ValidationError' });
    expect(doc['components']['schemas']['ValidationError']['properties']['issues']['items']['required']).toEqual(['path', 'message']);
    expect(report['responses']['409']['content']['application/json']['schema']).toEqual({ $ref: '#/components/schemas/Conflict' });
    expect(doc['components']['schemas']['Conflict']['properties']).toHaveProperty('current');
    for (const route of routes) expect('409' in operationOf(doc, route.routeKey)['responses'], route.routeKey).toBe(route.writes);
  });

  it('takes a route’s answer schema where it has one', () => {
    const rotate = operationOf(doc, 'POST /units/{id}/feed-token');

    expect(rotate['responses']['2XX']['content']['application/json']['schema']).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['url', 'token']),
    });
  });

  it('is generated: a changed schema or a new route changes the document', () => {
    const changed: RouteSpec[] = routes.map((route) =>
      route.routeKey === reportWork.routeKey ? { ...route, body: reportWork.body.extend({ photos: z.number().int().min(1).describe('how many photos') }) } : route,
    );
    const added = defineRoute({
      routeKey: 'DELETE /widgets/{id}',
      functionId: 'Widgets',
      entry: 'functions/handlers/widgets.ts',
      tag: 'widgets',
      summary: 'Remove a widget',
      roles: ['admin'],
      params: z.strictObject({ id: z.string() }),
      query: z.strictObject({ force: z.enum(['true', 'false']) }),
      writes: true,
    });

    const other = openApiDocument([...changed, added]) as Json;

    const body = operationOf(other, 'POST /instances/{id}/report')['requestBody']['content']['application/json']['schema'];
    expect(body['properties']['photos']).toEqual({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'how many photos' });
    expect(body['required']).toEqual(['note', 'photos']);
    expect(operationOf(other, 'DELETE /widgets/{id}')).toMatchObject({
      operationId: 'deleteWidgetsById',
      parameters: [
        { name: 'id', in: 'path', required: true },
        { name: 'force', in: 'query', required: true, schema: { enum: ['true', 'false'] } },
      ],
    });
    expect(other['tags']).toContainEqual({ name: 'widgets' });
    expect(operationOf(doc, 'POST /instances/{id}/report')['requestBody']['content']['application/json']['schema']['properties']).not.toHaveProperty('photos');
  });

  it('refuses two routes that would share an operation id', () => {
    const clash = { ...routes[0]!, routeKey: routes[0]!.routeKey.replace(/ \//, ' //') };

    expect(() => openApiDocument([routes[0]!, clash])).toThrow(/same operationId/);
  });

  it('is served by GET /openapi.json with the address it was asked at as its server', async () => {
    const event = apiGatewayEvent({
      method: 'GET',
      path: '/openapi.json',
      routeKey: 'GET /openapi.json',
      headers: { host: 'abc123.execute-api.cn-north-1.amazonaws.com.cn' },
      at: '2022-07-01T02:00:00Z',
      claims: tokenClaims({ role: 'unit', town: 'qingfeng', unit: 'village-1' }),
      requestId: 'r-openapi',
    });

    const result = await invoke<APIGatewayProxyStructuredResultV2>(handler, 'OpenApi', event);

    expect(result.statusCode).toBe(200);
    const served = JSON.parse(String(result.body)) as Json;
    expect(served['servers']).toEqual([{ url: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn' }]);
    expect(served['paths']).toEqual(doc['paths']);
  });
});
