import type { RouteSpec } from '../route-spec.ts';

// Being built (issue 5): the routes of this concern, with their function `Exposures` (functions/handlers/exposures.ts).
export const exposuresRoutes: RouteSpec[] = [];
