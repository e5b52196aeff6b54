import { openApiDocument } from '../api/openapi.ts';
import { routes } from '../api/route-table.ts';
import { openApi } from '../api/routes/documents.ts';
import { httpRouter, route } from '../adapters/middleware.ts';
import { publicBaseUrl } from '../adapters/public-url.ts';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of this API, generated from the route table and its
 * zod schemas (functions/api/openapi.ts), with the address the request came to as its server. The
 * route table is fixed for the life of a container, so each server's document is made once.
 */
const documents = new Map<string, Record<string, unknown>>();

const serve = route(openApi, async ({ event }) => {
  const serverUrl = publicBaseUrl(event);
  let document = documents.get(serverUrl);
  if (!document) {
    document = openApiDocument(routes, { serverUrl });
    documents.set(serverUrl, document);
  }
  return { status: 200, body: document };
});

export const handler = httpRouter(serve);
