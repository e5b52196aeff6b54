import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRoutes, matchRoute, type ApiRoute } from '../../local/api/routes.ts';
import type { CfnTemplate } from '../../local/runtime/template.ts';

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/api/http-api.template.json'), 'utf8')) as CfnTemplate;

function route(routeKey: string): ApiRoute {
  const [method, path] = routeKey === '$default' ? ['ANY', ''] : (routeKey.split(' ') as [string, string]);
  return { routeKey, routeLogicalId: routeKey, method, segments: path === '' ? [] : path.split('/').slice(1), functionLogicalId: 'Fn', authorization: 'JWT' };
}

describe('apiRoutes: the routes of a synthesized template', () => {
  it('reads each route, its authorizer and the function behind its integration (directly or through an alias)', () => {
    const { routes, problems } = apiRoutes(fixture);

    expect(problems).toEqual([]);
    expect(routes.map(({ routeKey, functionLogicalId, authorization }) => ({ routeKey, functionLogicalId, authorization }))).toEqual([
      { routeKey: 'GET /public/{proxy+}', functionLogicalId: 'Echo8A1C0B2D', authorization: 'NONE' },
      { routeKey: 'POST /instances/{id}/report', functionLogicalId: 'ReportWork14E3003C', authorization: 'JWT' },
    ]);
  });

  it('reports what it cannot serve, naming the route', () => {
    const template = structuredClone(fixture);
    const routeProps = template.Resources['ApiPOSTinstancesidreportF56C5D0B']?.Properties as Record<string, unknown>;
    routeProps['AuthorizationType'] = 'AWS_IAM';
    const integration = template.Resources['ApiGETpublicproxyEchoIntegration0C1D2E3F']?.Properties as Record<string, unknown>;
    integration['IntegrationType'] = 'HTTP_PROXY';

    const { routes, problems } = apiRoutes(template);

    expect(routes).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^route POST \/instances\/\{id\}\/report .*AWS_IAM is not served locally/),
      expect.stringMatching(/^route GET \/public\/\{proxy\+\} .*not a Lambda proxy integration/),
    ]);
  });
});

describe('matchRoute', () => {
  const routes = [route('POST /instances/{id}/report'), route('POST /instances/batch/report'), route('GET /files/{path+}')];

  it('matches {param} segments and hands them over percent-decoded', () => {
    const match = matchRoute(routes, 'post', '/instances/qingfeng%3Ac02%3Aemergency-office%3A2022-06/report');

    expect(match?.route.routeKey).toBe('POST /instances/{id}/report');
    expect(match?.pathParameters).toEqual({ id: 'qingfeng:c02:emergency-office:2022-06' });
  });

  it('prefers a literal segment to a parameter', () => {
    expect(matchRoute(routes, 'POST', '/instances/batch/report')?.route.routeKey).toBe('POST /instances/batch/report');
  });

  it('matches a greedy parameter over the rest of the path', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b%20c.pdf')?.pathParameters).toEqual({ path: 'a/b c.pdf' });
    expect(matchRoute(routes, 'GET', '/files/')).toBeUndefined();
  });

  it('keeps a segment that does not decode as it was sent', () => {
    expect(matchRoute(routes, 'POST', '/instances/q%E0%A4%A/report')?.pathParameters).toEqual({ id: 'q%E0%A4%A' });
  });

  it.each([
    ['another method', 'GET', '/instances/x/report'],
    ['a shorter path', 'POST', '/instances/x'],
    ['a longer path', 'POST', '/instances/x/report/y'],
    ['an empty parameter', 'POST', '/instances//report'],
    ['a trailing slash', 'POST', '/instances/x/report/'],
  ])('matches nothing for %s', (_case, method, path) => {
    expect(matchRoute(routes, method, path)).toBeUndefined();
  });

  it('falls back to $default, and prefers any other route to it', () => {
    const withDefault = [...routes, route('$default')];

    expect(matchRoute(withDefault, 'DELETE', '/anything')?.route.routeKey).toBe('$default');
    expect(matchRoute(withDefault, 'POST', '/instances/x/report')?.route.routeKey).toBe('POST /instances/{id}/report');
  });
});
