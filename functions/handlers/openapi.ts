import { httpRouter } from '../adapters/middleware.ts';

// Being built (issue 4): the routes of this function are added here.
export const handler = httpRouter();
