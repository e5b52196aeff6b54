/**
 * The local stand-in for API Gateway (HTTP API): a node:http server that serves the routes the
 * synthesized template declares (routes.ts), does the JWT authorizer's work with the local public key
 * (local-auth.ts), turns each request into the event API Gateway would send (api-gateway-event.ts)
 * and invokes the route's function on the local runtime, then writes the function's response.
 *
 * What it answers itself, as API Gateway would: 404 `{"message":"Not Found"}` for no route, 401
 * `{"message":"Unauthorized"}` for a missing, expired, malformed or forged token on a route with a
 * JWT authorizer, 413 for a body over the limit (1 MiB here), 500 `{"message":"Internal Server
 * Error"}` when the function fails. Everything else (400 for a bad body, 403 …) is the handler's.
 *
 * CORS is limited to one configured origin (none by default: then no browser page of another origin
 * may call it). It listens on 127.0.0.1 unless told otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CryptoKey } from 'jose';
import type { CfnTemplate } from '../runtime/template.ts';
import { apiGatewayEvent } from './api-gateway-event.ts';
import { verifyToken } from './local-auth.ts';
import { apiRoutes, matchRoute, type ApiRoute } from './routes.ts';

export const MAX_BODY_BYTES = 1_048_576;

export interface ApiServerOptions {
  /** The raw synthesized template (its `AWS::ApiGatewayV2::Route` resources are served). */
  template: CfnTemplate;
  /** What invokes a function by logical id: the local runtime. */
  runtime: { invokeFunction(name: string, event: unknown): Promise<unknown> };
  /** The local key pair's public key (local-auth.ts). */
  publicKey: CryptoKey;
  /** The instant a request is received at: `requestContext.timeEpoch`, and the time tokens are checked against. */
  clock: () => Date;
  /** The one browser origin allowed to call the API (`http://localhost:5173`); none when absent. */
  corsOrigin?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Told of a request that failed inside the server or the function (for the console). */
  onError?: (error: unknown) => void;
}

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  readonly routes: readonly ApiRoute[];
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CORS_HEADERS = 'authorization,content-type';

function corsHeaders(options: ApiServerOptions, request: IncomingMessage): Record<string, string> {
  const origin = request.headers.origin;
  if (!options.corsOrigin || origin !== options.corsOrigin) return {};
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

/** The body, up to `limit` bytes; a 413 failure (without reading the rest into memory) beyond it. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(new HttpFailure(413, 'Request Entity Too Large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpFailure(413, 'Request Entity Too Large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  // API Gateway takes the identity source with or without the `Bearer ` prefix.
  const match = /^(?:Bearer\s+)?(\S+)$/i.exec(header.trim());
  return match?.[1];
}

interface LambdaResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** Writes a function's result as API Gateway does (payload 2.0): a structured result as given, anything else as a 200 JSON body. */
function writeResult(response: ServerResponse, result: unknown, extraHeaders: Record<string, string>): void {
  const structured = result !== null && typeof result === 'object' && 'statusCode' in result;
  if (!structured) {
    const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    response.writeHead(200, { ...extraHeaders, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
    return;
  }
  const r = result as LambdaResult;
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`the function returned statusCode ${String(r.statusCode)}`);
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(String(r.body), r.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = { ...extraHeaders };
  for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  headers['content-length'] = String(body.length);
  response.writeHead(status, headers);
  response.end(body);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { routes, problems } = apiRoutes(options.template);
  if (problems.length > 0) throw new Error(`the template's HTTP API cannot be served locally:\n  - ${problems.join('\n  - ')}`);
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const allowedMethods = [...new Set(routes.map((r) => (r.method === 'ANY' ? 'GET,POST,PUT,PATCH,DELETE' : r.method)))].join(',');
  let requests = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const cors = corsHeaders(options, request);
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? '' : url.slice(queryAt + 1);

    // A CORS preflight is answered here, never passed to a function, and never needs a token.
    if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
      request.resume();
      response.writeHead(204, Object.keys(cors).length === 0 ? {} : { ...cors, 'access-control-allow-methods': allowedMethods, 'access-control-allow-headers': CORS_HEADERS, 'access-control-max-age': '600' });
      response.end();
      return;
    }

    const match = matchRoute(routes, method, path);
    if (!match) {
      request.resume();
      return sendJson(response, 404, { message: 'Not Found' }, cors);
    }
    const at = options.clock();
    let claims: Record<string, unknown> | undefined;
    if (match.route.authorization === 'JWT') {
      const token = bearerToken(request);
      try {
        if (!token) throw new Error('no token');
        claims = await verifyToken(token, options.publicKey, at);
      } catch {
        request.resume();
        return sendJson(response, 401, { message: 'Unauthorized' }, { ...cors, 'www-authenticate': 'Bearer' });
      }
    }
    const body = await readBody(request, limit);
    requests += 1;
    const event = apiGatewayEvent({
      method,
      path,
      routeKey: match.route.routeKey,
      pathParameters: match.pathParameters,
      query,
      headers: request.headers as Record<string, string | string[] | undefined>,
      body,
      at,
      ...(claims ? { claims } : {}),
      requestId: `local-${String(requests).padStart(8, '0')}`,
      sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    });
    let result: unknown;
    try {
      result = await options.runtime.invokeFunction(match.route.functionLogicalId, event);
    } catch (error) {
      options.onError?.(error);
      return sendJson(response, 500, { message: 'Internal Server Error' }, cors);
    }
    writeResult(response, result, cors);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpFailure) {
        // The rest of an oversized body is not read: the connection closes after the answer.
        response.setHeader('connection', 'close');
        sendJson(response, error.status, { message: error.message }, corsHeaders(options, request));
        return;
      }
      options.onError?.(error);
      sendJson(response, 500, { message: 'Internal Server Error' }, corsHeaders(options, request));
    });
  });
  // A request Node's parser refuses before any handler sees it (a request line or headers over its
  // 16 KiB limit, a malformed request) is answered in JSON with a message too, as every other error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    const text = JSON.stringify({ message });
    socket.end(`HTTP/1.1 ${status} ${message}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
