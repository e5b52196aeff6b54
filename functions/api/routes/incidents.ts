import type { RouteSpec } from '../route-spec.ts';

// Being built (issue 5): the routes of this concern, with their function `Incidents` (functions/handlers/incidents.ts).
export const incidentsRoutes: RouteSpec[] = [];
