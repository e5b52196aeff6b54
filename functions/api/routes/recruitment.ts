import type { RouteSpec } from '../route-spec.ts';

// Being built (issue 5): the routes of this concern, with their function `Recruitment` (functions/handlers/recruitment.ts).
export const recruitmentRoutes: RouteSpec[] = [];
