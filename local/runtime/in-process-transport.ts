/**
 * An in-process transport from the AWS SDK to an emulator of this process: a request to the
 * emulator's own host and port is handed to the emulator's HTTP request listener directly (in this
 * thread, or in the worker thread dynalite runs in), with small stand-ins for Node's
 * IncomingMessage and ServerResponse, instead of going through a loopback socket. Everything above
 * the socket is unchanged: the SDK still serializes, signs and parses every request and response,
 * and the emulator still validates and executes the same HTTP request. Only the socket round trip
 * is skipped (Node's HTTP client and server were about a seventh of a replay's time). Requests to
 * any other endpoint go to the client's own handler (real HTTP).
 *
 * Only emulators whose listener reads the request as events and answers with setHeader/end are
 * served this way: dynalite is. The emulator's server keeps listening on its port, so tools
 * outside the process (the AWS CLI, a browser) still reach it over HTTP.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** The shape of the SDK's HttpRequest that a handler reads (a structural subset of @smithy/types). */
interface SdkHttpRequest {
  method: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

interface SdkRequestHandler {
  handle(request: SdkHttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: SdkHttpResponse }>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): Record<string, unknown>;
  metadata?: unknown;
}

/** An HTTP request as an emulator's listener reads it: what crosses to a worker thread, too. */
export interface EmulatorRequest {
  method: string;
  /** Path and query string. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export interface EmulatorResponse {
  statusCode: number;
  statusMessage?: string;
  headers: Record<string, string>;
  body: string;
}

/** Answers a request: a listener of this thread (`listenerServer`) or one in a worker thread. */
export type InProcessServer = (request: EmulatorRequest) => Promise<EmulatorResponse>;

/** Servers reached in process, by `host:port` as the SDK's request names them. */
const servers = new Map<string, InProcessServer>();

function targetKey(hostname: string, port: number | undefined): string {
  return `${hostname.replace(/^\[|\]$/g, '')}:${port ?? 80}`;
}

/** Serves requests to `host:port` in process with `server` (until the returned function is called). */
export function serveInProcess(host: string, port: number, server: InProcessServer): () => void {
  const key = targetKey(host, port);
  servers.set(key, server);
  return () => {
    if (servers.get(key) === server) servers.delete(key);
  };
}

function queryString(query: SdkHttpRequest['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(v === null ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new Error('the in-process transport sends string and byte bodies only');
}

function emulatorRequest(request: SdkHttpRequest): EmulatorRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, url: `${request.path}${queryString(request.query)}`, headers, body: bodyText(request.body) };
}

/**
 * Calls a Node HTTP request listener with a request and a response object that collect what it
 * answers. dynalite-worker.mjs does the same in its worker thread: keep the two alike.
 */
export function listenerServer(listener: RequestListener): InProcessServer {
  return (request) =>
    new Promise((resolve, reject) => {
      const req = Object.assign(new EventEmitter(), { method: request.method, url: request.url, headers: request.headers, httpVersion: '1.1' });
      const responseHeaders: Record<string, string> = {};
      const res = {
        statusCode: 200,
        statusMessage: '',
        headersSent: false,
        setHeader(name: string, value: unknown) {
          responseHeaders[name.toLowerCase()] = String(value);
          return res;
        },
        getHeader: (name: string) => responseHeaders[name.toLowerCase()],
        removeHeader(name: string) {
          delete responseHeaders[name.toLowerCase()];
        },
        end(chunk?: string | Uint8Array) {
          res.headersSent = true;
          const body = chunk === undefined ? '' : typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
          resolve({ statusCode: res.statusCode, ...(res.statusMessage ? { statusMessage: res.statusMessage } : {}), headers: responseHeaders, body });
          return res;
        },
      };
      try {
        listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        if (request.body.length > 0) req.emit('data', Buffer.from(request.body, 'utf8'));
        req.emit('end');
      } catch (error) {
        reject(error as Error);
      }
    });
}

/** A request handler that serves the registered emulators in process and passes every other request on. */
class InProcessHandler implements SdkRequestHandler {
  readonly metadata: unknown;
  constructor(private readonly fallback: SdkRequestHandler) {
    this.metadata = fallback.metadata ?? { handlerProtocol: 'http/1.1' };
  }

  async handle(request: SdkHttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: SdkHttpResponse }> {
    const server = servers.get(targetKey(request.hostname, request.port));
    if (!server) return this.fallback.handle(request, options);
    if (options?.abortSignal?.aborted) {
      const error = new Error('Request aborted');
      error.name = 'AbortError';
      throw error;
    }
    const answer = await server(emulatorRequest(request));
    return {
      response: { statusCode: answer.statusCode, ...(answer.statusMessage ? { reason: answer.statusMessage } : {}), headers: answer.headers, body: Buffer.from(answer.body, 'utf8') },
    };
  }

  destroy(): void {
    this.fallback.destroy?.();
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.fallback.updateHttpClientConfig?.(key, value);
  }

  httpHandlerConfigs(): Record<string, unknown> {
    return this.fallback.httpHandlerConfigs?.() ?? {};
  }
}

const wrapped = new WeakSet<object>();

/**
 * Gives an SDK client's configuration the in-process handler in front of its own. Idempotent.
 * Must run before the client's first `send` resolves its middleware (clients that cache their
 * middleware keep the handler they resolved with).
 */
export function useInProcessTransport(config: { requestHandler?: unknown }): void {
  if (wrapped.has(config)) return;
  wrapped.add(config);
  const handler = config.requestHandler as SdkRequestHandler | undefined;
  if (!handler || typeof handler.handle !== 'function' || handler instanceof InProcessHandler) return;
  config.requestHandler = new InProcessHandler(handler);
}

const PATCHED = Symbol.for('fireplan.local.inProcessTransportOnSend');

/**
 * Makes every DynamoDB client of the process (the handlers' module singletons included) put the
 * in-process handler in front of its own on its first `send`. Requests still go over HTTP to any
 * endpoint that no emulator of this process serves.
 */
export async function routeDynamoDbClientsInProcess(): Promise<void> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  for (const ctor of [DynamoDBClient, DynamoDBDocumentClient] as unknown as { prototype: Record<PropertyKey, unknown> }[]) {
    const proto = ctor.prototype;
    if (proto[PATCHED]) continue;
    const original = proto.send as (this: { config: { requestHandler?: unknown } }, ...args: unknown[]) => unknown;
    Object.defineProperty(proto, 'send', {
      configurable: true,
      writable: true,
      value: function send(this: { config: { requestHandler?: unknown } }, ...args: unknown[]) {
        useInProcessTransport(this.config);
        return original.apply(this, args);
      },
    });
    proto[PATCHED] = true;
  }
}
