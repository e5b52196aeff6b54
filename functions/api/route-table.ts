import type { RouteSpec } from './route-spec.ts';
import { auditRoutes } from './routes/audit.ts';
import { calendarRoutes } from './routes/calendar.ts';
import { documentRoutes } from './routes/documents.ts';
import { dutyRoutes } from './routes/duties.ts';
import { exposuresRoutes } from './routes/exposures.ts';
import { hazardsRoutes } from './routes/hazards.ts';
import { incidentsRoutes } from './routes/incidents.ts';
import { instanceRoutes } from './routes/instances.ts';
import { planRoutes } from './routes/plans.ts';
import { recruitmentRoutes } from './routes/recruitment.ts';
import { scoreRoutes } from './routes/scores.ts';
import { unitRoutes } from './routes/units.ts';

export { ALL_ROLES, defineRoute, type Role, type RouteSpec } from './route-spec.ts';
export { instancePath, reportBody } from './routes/instances.ts';

/**
 * The HTTP API's routes, in one place: the CDK app makes one API Gateway route per entry and one
 * Lambda per function id, the local server serves the same routes from the synthesized template,
 * and the OpenAPI document (`GET /openapi.json`) is generated from the schemas here.
 */
export const routes: readonly RouteSpec[] = [
  ...planRoutes,
  ...dutyRoutes,
  ...unitRoutes,
  ...calendarRoutes,
  ...instanceRoutes,
  ...scoreRoutes,
  ...auditRoutes,
  ...documentRoutes,
  ...recruitmentRoutes,
  ...incidentsRoutes,
  ...hazardsRoutes,
  ...exposuresRoutes,
];

/** The route of a route key; an Error when the table has none (a handler wired to a route that does not exist). */
export function routeOf(routeKey: string): RouteSpec {
  const route = routes.find((r) => r.routeKey === routeKey);
  if (!route) throw new Error(`functions/api/route-table.ts has no route ${routeKey}`);
  return route;
}
