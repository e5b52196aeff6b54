/**
 * The HTTP API's routes as the synthesized template declares them, so that the local server serves
 * exactly those (docs/api.md): each `AWS::ApiGatewayV2::Route` gives a route key, whether a JWT
 * authorizer guards it, and a Target `integrations/<integration>`; the
 * `AWS::ApiGatewayV2::Integration` gives the Lambda function (`IntegrationUri`, a `Fn::GetAtt` of
 * the function's Arn as CDK writes it). Nothing here knows Fireplan's routes.
 */
import type { CfnResource, CfnTemplate } from '../runtime/template.ts';

export interface ApiRoute {
  /** `POST /instances/{id}/report`, or `$default`. */
  routeKey: string;
  routeLogicalId: string;
  /** Upper case, or `ANY`; `ANY` for `$default`. */
  method: string;
  /** The path's segments (`['instances', '{id}', 'report']`); empty for `$default`. */
  segments: string[];
  /** The Lambda function's logical id, as `runtime.invokeFunction` takes it. */
  functionLogicalId: string;
  /** `JWT` when a JWT authorizer guards the route; `NONE` when nothing does. */
  authorization: 'JWT' | 'NONE';
}

export interface ApiRoutes {
  routes: ApiRoute[];
  /** Routes that cannot be served locally, and why (an unsupported authorizer, a non-Lambda integration …). */
  problems: string[];
}

/** `{ Ref: X }` → X; `{ Fn::GetAtt: [X, 'Arn'] }` or `X.Arn` → X; anything joined → the first reference found in it. */
function referencedIds(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  const object = value as Record<string, unknown>;
  if (typeof object['Ref'] === 'string') return [object['Ref']];
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  if (typeof getAtt === 'string') return [getAtt.split('.')[0] ?? getAtt];
  return Object.values(object).flatMap(referencedIds);
}

function integrationOf(target: unknown): string | undefined {
  // `integrations/<id>` is written as a Join of the literal and a Ref.
  const ids = referencedIds(target);
  if (ids.length === 1) return ids[0];
  if (typeof target === 'string' && target.startsWith('integrations/')) return target.slice('integrations/'.length);
  return undefined;
}

/** The function an integration invokes: the referenced AWS::Lambda::Function, or the function behind an alias or version. */
function functionOf(resources: Record<string, CfnResource>, uri: unknown): string | undefined {
  for (const id of referencedIds(uri)) {
    const resource = resources[id];
    if (resource?.Type === 'AWS::Lambda::Function') return id;
    if (resource?.Type === 'AWS::Lambda::Alias' || resource?.Type === 'AWS::Lambda::Version') {
      const behind = functionOf(resources, resource.Properties?.['FunctionName']);
      if (behind) return behind;
    }
  }
  return undefined;
}

export function parseRouteKey(routeKey: string): { method: string; segments: string[] } | undefined {
  if (routeKey === '$default') return { method: 'ANY', segments: [] };
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match) return undefined;
  return { method: match[1] as string, segments: (match[2] as string).split('/').slice(1) };
}

export function apiRoutes(template: CfnTemplate): ApiRoutes {
  const resources = template.Resources ?? {};
  const routes: ApiRoute[] = [];
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const props = resource.Properties ?? {};
    const routeKey = props['RouteKey'];
    const where = `route ${typeof routeKey === 'string' ? routeKey : '?'} (${logicalId})`;
    const parsed = typeof routeKey === 'string' ? parseRouteKey(routeKey) : undefined;
    if (!parsed) {
      problems.push(`${where}: RouteKey is not 'METHOD /path' or '$default'`);
      continue;
    }
    const authorizationType = props['AuthorizationType'] ?? 'NONE';
    if (authorizationType !== 'JWT' && authorizationType !== 'NONE') {
      problems.push(`${where}: AuthorizationType ${String(authorizationType)} is not served locally (JWT and NONE are)`);
      continue;
    }
    const integrationId = integrationOf(props['Target']);
    const integration = integrationId ? resources[integrationId] : undefined;
    if (!integrationId || integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
      problems.push(`${where}: its Target is not an integration of this template`);
      continue;
    }
    const integrationProps = integration.Properties ?? {};
    if (integrationProps['IntegrationType'] !== 'AWS_PROXY' || (integrationProps['PayloadFormatVersion'] ?? '2.0') !== '2.0') {
      problems.push(`${where}: integration ${integrationId} is not a Lambda proxy integration with payload format 2.0`);
      continue;
    }
    const functionLogicalId = functionOf(resources, integrationProps['IntegrationUri']);
    if (!functionLogicalId) {
      problems.push(`${where}: integration ${integrationId} does not invoke a Lambda function of this template`);
      continue;
    }
    routes.push({ routeKey: routeKey as string, routeLogicalId: logicalId, ...parsed, functionLogicalId, authorization: authorizationType });
  }
  const keys = new Set<string>();
  for (const route of routes) {
    if (keys.has(route.routeKey)) problems.push(`route ${route.routeKey} is declared twice`);
    keys.add(route.routeKey);
  }
  routes.sort((a, b) => a.routeKey.localeCompare(b.routeKey));
  return { routes, problems };
}

export interface RouteMatch {
  route: ApiRoute;
  /** Path parameters, percent-decoded as the HTTP API delivers them (a segment that does not decode is kept as sent). */
  pathParameters: Record<string, string>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Ranks a route's fit: a literal segment beats a `{param}`, which beats a greedy `{proxy+}`; a
 * route for the method beats `ANY`; `$default` is last. Undefined when the route does not match.
 */
function fit(route: ApiRoute, method: string, segments: string[]): { score: number[]; pathParameters: Record<string, string> } | undefined {
  if (route.method !== 'ANY' && route.method !== method) return undefined;
  if (route.routeKey === '$default') return { score: [-1], pathParameters: {} };
  const pathParameters: Record<string, string> = {};
  const score: number[] = [];
  for (const [index, pattern] of route.segments.entries()) {
    const greedy = /^\{(.+)\+\}$/.exec(pattern);
    if (greedy && index === route.segments.length - 1) {
      const rest = segments.slice(index);
      if (rest.length === 0 || rest.every((s) => s === '')) return undefined;
      pathParameters[greedy[1] as string] = rest.map(decodeSegment).join('/');
      score.push(0);
      return { score: [...score, route.method === 'ANY' ? 0 : 1], pathParameters };
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const parameter = /^\{([^{}+]+)\}$/.exec(pattern);
    if (parameter) {
      if (segment === '') return undefined;
      pathParameters[parameter[1] as string] = decodeSegment(segment);
      score.push(1);
    } else if (decodeSegment(segment) === pattern) {
      score.push(2);
    } else {
      return undefined;
    }
  }
  if (segments.length !== route.segments.length) return undefined;
  return { score: [...score, route.method === 'ANY' ? 0 : 1], pathParameters };
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? -2) - (b[i] ?? -2);
    if (d !== 0) return d;
  }
  return 0;
}

/** The route a request goes to, as API Gateway chooses it (most specific first), or undefined (a 404). */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): RouteMatch | undefined {
  if (!path.startsWith('/')) return undefined;
  const segments = path.split('/').slice(1);
  let best: { route: ApiRoute; score: number[]; pathParameters: Record<string, string> } | undefined;
  for (const route of routes) {
    const result = fit(route, method.toUpperCase(), segments);
    if (result && (!best || compareScores(result.score, best.score) > 0)) best = { route, ...result };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : undefined;
}
