import type { RouteSpec } from '../route-spec.ts';

// Being built (issue 5): the routes of this concern, with their function `Hazards` (functions/handlers/hazards.ts).
export const hazardsRoutes: RouteSpec[] = [];
