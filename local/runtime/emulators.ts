/**
 * The local stand-ins for DynamoDB (dynalite), SES (aws-ses-v2-local) and S3 (s3rver, behind a
 * front that checks signatures as S3 does: s3-stand-in.ts), all in this process: dynalite in a
 * worker thread of its own by default (dynalite-worker.mjs), reached without a socket by this
 * process's SDK clients (in-process-transport.ts) and over HTTP by everything else.
 *
 * Handlers create their AWS SDK clients once, at module load, from the SDK's own environment
 * variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2, AWS_REGION …). A module is loaded
 * once per process, so the endpoints must not change within a process: the first start picks free
 * ports and every later start in the same process binds the same ones again.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { Worker } from 'node:worker_threads';
import { addTransactions } from './dynalite-transactions.mjs';
import { listenerServer, serveInProcess, type EmulatorResponse, type InProcessServer } from './in-process-transport.ts';
import { startS3StandIn, type S3StandIn } from './s3-stand-in.ts';
import type { TableSpec } from './template.ts';
import { LOCAL_REGION } from './template.ts';

const require = createRequire(import.meta.url);

/** The captured mail, as aws-ses-v2-local stores it and as `GET /store` returns it. */
export interface MailMessage {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
  headers?: { name: string; value: string }[];
  /** Epoch seconds of the system clock when it was received (not the injected clock). */
  at: number;
}

interface SesStoreModule {
  getStoreReadonly(): { emails: MailMessage[] };
  clearStore(): void;
}

type SesServerFactory = (config: { host: string; port: number }) => Promise<Server>;
type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** aws-ses-v2-local is CommonJS with `exports.default`: load it the same way under node, tsx and vitest. */
function sesServerFactory(): SesServerFactory {
  const mod = require('aws-ses-v2-local') as { default?: SesServerFactory } | SesServerFactory;
  return typeof mod === 'function' ? mod : (mod.default as SesServerFactory);
}

/** The module-level mail store of aws-ses-v2-local: one per process, shared by every server it starts. */
export function sesStore(): SesStoreModule {
  return require('aws-ses-v2-local/dist/store.js') as SesStoreModule;
}

export interface EmulatorOptions {
  /** Keep DynamoDB data on disk under `<dataDir>/dynamodb`; in memory when absent. */
  dataDir?: string;
  host?: string;
  /** Fixed ports; 0 or absent picks a free port (once per process, then reused). */
  dynamodbPort?: number;
  sesPort?: number;
  s3Port?: number;
  /** The S3 buckets to create (the template's, by their local names); objects are kept under `<dataDir>/s3`, or in a temporary directory. */
  buckets?: readonly string[];
  /**
   * The clock the S3 stand-in judges a presigned URL's expiry by: the one the API's requests are
   * dated by (a presigned URL is signed at the request's time).
   * @default the system clock
   */
  clock?: () => Date;
  /**
   * Serve this process's DynamoDB requests to dynalite in process, without the loopback socket
   * (see in-process-transport.ts); dynalite still listens on its port for everything else.
   * @default true
   */
  inProcessDynamoDb?: boolean;
  /**
   * Where dynalite runs: `worker`, a worker thread of its own (dynalite-worker.mjs), so that
   * DynamoDB and the handlers use both cores and the table's data stays out of the main heap; or
   * `main`, this thread.
   * @default 'worker'
   */
  dynamodbThread?: 'worker' | 'main';
}

/** dynalite as the runtime uses it, wherever it runs. */
interface DynamoDbEmulator {
  port: number;
  /** Answers a request in process (without the socket). */
  server: InProcessServer;
  close(): Promise<void>;
}

async function startDynaliteHere(path: string | undefined, host: string, port: number): Promise<DynamoDbEmulator> {
  const dynalite = require('dynalite') as DynaliteFactory;
  const dynamo = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const listener = addTransactions(dynamo);
  const bound = await listen(dynamo, port, host, 'dynalite');
  return { port: bound, server: listenerServer(listener), close: () => close(dynamo) };
}

type WorkerMessage =
  | { type: 'listening'; port: number }
  | { type: 'listen-error'; code?: string; message: string }
  | { type: 'response'; id: number; response: EmulatorResponse }
  | { type: 'failed'; id: number; message: string }
  | { type: 'stopped' }
  | { type: 'stop-error'; message: string };

async function startDynaliteWorker(path: string | undefined, host: string, port: number): Promise<DynamoDbEmulator> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path, host, port } });
  const pending = new Map<number, { resolve: (response: EmulatorResponse) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let stopped: (() => void) | undefined;
  let started: { resolve: (port: number) => void; reject: (error: Error) => void } | undefined;
  const failAll = (error: Error) => {
    started?.reject(error);
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };
  worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'listening':
        return started?.resolve(message.port);
      case 'listen-error':
        return started?.reject(
          message.code === 'EADDRINUSE'
            ? new Error(`dynalite: port ${port} is in use. Only one local runtime can run per process (handlers keep their SDK clients for the life of the process), and a fixed port must be free.`)
            : new Error(`dynalite: ${message.message}`),
        );
      case 'response':
      case 'failed': {
        const request = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'response') request?.resolve(message.response);
        else request?.reject(new Error(`dynalite: ${message.message}`));
        return;
      }
      case 'stopped':
      case 'stop-error':
        return stopped?.();
    }
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the dynalite worker thread ended (exit code ${code})`)));
  let bound: number;
  try {
    bound = await new Promise<number>((resolve, reject) => (started = { resolve, reject }));
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    started = undefined;
  }
  return {
    port: bound,
    server: (request) =>
      new Promise((resolve, reject) => {
        nextId += 1;
        pending.set(nextId, { resolve, reject });
        worker.postMessage({ type: 'request', id: nextId, request });
      }),
    async close() {
      await new Promise<void>((resolve) => {
        stopped = resolve;
        worker.postMessage({ type: 'stop' });
      });
      await worker.terminate();
    },
  };
}

export interface Emulators {
  dynamodbEndpoint: string;
  sesEndpoint: string;
  /** The S3 stand-in (path-style: `<endpoint>/<bucket>/<key>`). */
  s3Endpoint: string;
  /** The mailbox web page; `${mailboxUrl}/store` is the captured mail as JSON. */
  mailboxUrl: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

const processPorts: { dynamodb?: number; ses?: number; s3?: number } = {};

/** The credentials the local runtime gives its SDK clients (see `env` below): the only ones the S3 stand-in accepts. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${what}: port ${port} is in use. Only one local runtime can run per process (handlers keep their SDK clients for the life of the process), and a fixed port must be free.`)
          : error,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Binds and releases a port: the port itself when given, else a free one. */
async function probePort(port: number, host: string, what: string): Promise<number> {
  const probe = createServer();
  const bound = await listen(probe as unknown as Server, port, host, what);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return bound;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections?.();
  });
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  let dynamodbPath: string | undefined;
  if (options.dataDir) {
    dynamodbPath = join(options.dataDir, 'dynamodb');
    mkdirSync(dynamodbPath, { recursive: true });
  }
  const startDynamo = options.dynamodbThread === 'main' ? startDynaliteHere : startDynaliteWorker;
  const dynamo = await startDynamo(dynamodbPath, host, options.dynamodbPort || processPorts.dynamodb || 0);
  const dynamodbPort = dynamo.port;
  processPorts.dynamodb = dynamodbPort;
  const stopServingInProcess = options.inProcessDynamoDb !== false ? serveInProcess(host, dynamodbPort, dynamo.server) : () => undefined;

  let ses: Server;
  let sesPort: number;
  try {
    // aws-ses-v2-local reports a failed listen only as an unhandled 'error' event: probe the port first.
    sesPort = await probePort(options.sesPort || processPorts.ses || 0, host, 'aws-ses-v2-local');
    ses = await sesServerFactory()({ host, port: sesPort });
  } catch (error) {
    stopServingInProcess();
    await dynamo.close();
    throw error;
  }
  processPorts.ses = sesPort;

  let s3: S3StandIn;
  try {
    s3 = await startS3StandIn({
      host,
      port: options.s3Port || processPorts.s3 || 0,
      ...(options.dataDir ? { directory: join(options.dataDir, 's3') } : {}),
      buckets: options.buckets ?? [],
      credentials: { [LOCAL_CREDENTIALS.accessKeyId]: LOCAL_CREDENTIALS.secretAccessKey },
      ...(options.clock ? { now: options.clock } : {}),
    });
  } catch (error) {
    stopServingInProcess();
    await Promise.all([close(ses), dynamo.close()]);
    throw error;
  }
  processPorts.s3 = s3.port;

  const urlHost = host.includes(':') ? `[${host}]` : host;
  const dynamodbEndpoint = `http://${urlHost}:${dynamodbPort}`;
  const sesEndpoint = `http://${urlHost}:${sesPort}`;
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SESV2: sesEndpoint,
    AWS_ENDPOINT_URL_SES: sesEndpoint,
    // The S3 client is path-style whenever this is set (functions/adapters/aws-clients.ts).
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The SDK's pinned 3.11xx releases run on Node 20 and would otherwise warn once per process.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  let stopped = false;
  return {
    dynamodbEndpoint,
    sesEndpoint,
    s3Endpoint: s3.endpoint,
    mailboxUrl: sesEndpoint,
    env,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopServingInProcess();
      await Promise.all([close(ses), dynamo.close(), s3.close()]);
    },
  };
}

/**
 * Sets the variables the AWS SDK reads, so that every client created from now on talks to the
 * emulators. Session tokens and profiles from the developer's shell are removed: nothing local
 * may reach real AWS.
 */
export function applyAwsEnv(env: Record<string, string>): void {
  for (const key of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) {
    delete process.env[key];
  }
  Object.assign(process.env, env);
}

/** Creates each table of the template that does not exist yet, and waits until it is ACTIVE. */
export async function ensureTables(endpoint: string, tables: TableSpec[]): Promise<{ created: string[]; existing: string[] }> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const created: string[] = [];
  const existing: string[] = [];
  try {
    for (const table of tables) {
      try {
        await client.send(new DescribeTableCommand({ TableName: table.tableName }));
        existing.push(table.tableName);
        continue;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      await client.send(
        new CreateTableCommand({
          TableName: table.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
            ? table.globalSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection as never }))
            : undefined,
          LocalSecondaryIndexes: table.localSecondaryIndexes.length
            ? table.localSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection as never }))
            : undefined,
        }),
      );
      created.push(table.tableName);
      for (let attempt = 0; ; attempt++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
        const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
        if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
        if (attempt > 200) throw new Error(`table ${table.tableName} did not become ACTIVE`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  } finally {
    client.destroy();
  }
  return { created, existing };
}
